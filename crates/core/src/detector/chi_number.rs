//! Scottish Community Health Index (CHI) numbers.
//!
//! The first six digits are the holder's date of birth as DDMMYY; the ninth
//! digit is even for women and odd for men; the tenth is a Modulus 11 check
//! digit or, for numbers issued since 2025–26 when a date of birth runs out
//! of Modulus 11 numbers, a Modulus 10 (Luhn-style) check digit.

use super::{classify, number, parse_written, Class, Digits};
use crate::finding::Kind;

/// Whether `text` is a CHI number in any written form: a real DDMMYY date
/// and a valid Modulus 11 **or** Modulus 10 check digit (both are issued).
///
/// The scanner is stricter than this validator: it reports a
/// Modulus-10-only number only when CHI context is nearby.
pub fn is_valid(text: &str) -> bool {
    parse_written(text).is_some_and(|d| match classify(&d) {
        Class::Valid { kind, .. } => kind == Kind::ChiNumber,
        Class::ChiMod10 => true,
        Class::Invalid => false,
    })
}

/// Whether `text` is a CHI number whose check digit is valid only under the
/// Modulus 10 rule.
pub fn is_mod10_only(text: &str) -> bool {
    parse_written(text).is_some_and(|d| classify(&d) == Class::ChiMod10)
}

/// Whether the first six digits are a valid DDMMYY date. The century is not
/// encoded, so 29 February is accepted whenever YY is divisible by 4 (2000
/// was a leap year).
pub(crate) fn has_date(d: &Digits) -> bool {
    let (day, month, year) =
        (number(d, 0, 2), number(d, 2, 4), number(d, 4, 6));
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days_in_month).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Digits {
        s.as_bytes().try_into().unwrap()
    }

    #[test]
    fn dates() {
        assert!(has_date(&digits("0101000000")));
        assert!(has_date(&digits("3112990000")));
        assert!(has_date(&digits("2902040000")));
        assert!(!has_date(&digits("2902030000")));
        assert!(!has_date(&digits("3104990000")));
        assert!(!has_date(&digits("0001990000")));
        assert!(!has_date(&digits("0113990000")));
        assert!(!has_date(&digits("3200990000")));
        // A Unix timestamp of 2024-11-29: day 17, month 32.
        assert!(!has_date(&digits("1732838400")));
    }

    #[test]
    fn range_and_checksum_decide_the_kind() {
        // 0101011237 passes Mod 11 and Mod 10 and has a date: CHI.
        assert!(is_valid("010 101 1237"));
        assert!(!is_mod10_only("0101011237"));
    }
}
