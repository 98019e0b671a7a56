//! NHS numbers (England, Wales, Isle of Man).
//!
//! Ten digits, Modulus 11 check digit, first nine digits in
//! 400 000 000–499 999 999 or 600 000 000–799 999 999. Numbers with a 9xx
//! prefix are never issued (test and sandbox patients); the engine reports
//! them as `nhs_number` with `synthetic: true`.

use super::{classify, number, parse_written, Class, Digits};
use crate::finding::Kind;

/// Whether `text` is an NHS number in any written form (contiguous, or
/// 3-3-4 with one separator used twice), with a valid Modulus 11 check digit
/// and an allocated or synthetic (9xx) prefix. Placeholders made of one
/// repeated digit are not valid.
///
/// # Example
///
/// ```
/// use caldicott_core::nhs_number;
/// assert!(nhs_number::is_valid("943 476 5919"));
/// assert!(nhs_number::is_valid("943-476-5919"));
/// assert!(!nhs_number::is_valid("943 476 5918")); // check digit
/// assert!(!nhs_number::is_valid("943 476-5919")); // mixed separators
/// ```
pub fn is_valid(text: &str) -> bool {
    parse_written(text).is_some_and(|d| {
        matches!(classify(&d), Class::Valid { kind: Kind::NhsNumber, .. })
    })
}

/// Whether `text` is a valid NHS number from a range that is never issued
/// to patients (9xx prefix). Placeholders made of one repeated digit
/// (`999 999 9999`) are not valid, so not synthetic either.
pub fn is_synthetic(text: &str) -> bool {
    let synthetic = Class::Valid { kind: Kind::NhsNumber, synthetic: true };
    parse_written(text).is_some_and(|d| classify(&d) == synthetic)
}

/// `Some(synthetic)` when the first nine digits lie in an NHS range.
pub(crate) fn range(d: &Digits) -> Option<bool> {
    match number(d, 0, 3) {
        900..=999 => Some(true),
        400..=499 | 600..=799 => Some(false),
        _ => None,
    }
}
