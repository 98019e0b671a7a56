//! Northern Ireland Health and Care (H&C) numbers.
//!
//! Same shape and Modulus 11 check digit as the NHS number; the first nine
//! digits lie in 320 000 001–399 999 999 (NHS Data Dictionary).

use super::{classify, number, parse_written, Class, Digits};
use crate::finding::Kind;

/// Whether `text` is an H&C number in any written form with a valid
/// Modulus 11 check digit.
///
/// # Example
///
/// ```
/// use caldicott_core::hc_number;
/// assert!(!hc_number::is_valid("943 476 5919")); // an NHS-range number
/// assert!(!hc_number::is_valid("320 000 0000")); // below the range
/// ```
pub fn is_valid(text: &str) -> bool {
    parse_written(text).is_some_and(|d| {
        matches!(classify(&d), Class::Valid { kind: Kind::HcNumber, .. })
    })
}

/// Whether the first nine digits are in the H&C range.
pub(crate) fn in_range(d: &Digits) -> bool {
    (320_000_001..=399_999_999).contains(&number(d, 0, 9))
}
