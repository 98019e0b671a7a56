//! Check-digit rules shared by the three health identifiers.

use super::Digits;

/// Modulus 11 (NHS Data Dictionary): the digits weighted 10, 9, …, 1 sum to
/// a multiple of 11. Equivalent to the published "11 − remainder" rule,
/// including "10 is never issued" and "11 becomes 0".
#[inline]
pub(crate) fn mod11_valid(d: &Digits) -> bool {
    let sum: u32 = d
        .iter()
        .zip((1..=10u32).rev())
        .map(|(&c, w)| u32::from(c - b'0') * w)
        .sum();
    sum % 11 == 0
}

/// The Scottish Modulus-10 rule (Luhn-style): over the first nine digits,
/// double the 1st, 3rd, 5th, 7th and 9th, subtract 9 from any result above
/// 9, add everything; the check digit is `(10 − sum mod 10) mod 10`.
#[inline]
pub(crate) fn mod10_valid(d: &Digits) -> bool {
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, &c)| {
            let v = u32::from(c - b'0');
            if i % 2 == 0 {
                let v2 = v * 2;
                if v2 > 9 {
                    v2 - 9
                } else {
                    v2
                }
            } else {
                v
            }
        })
        .sum();
    (10 - sum % 10) % 10 == u32::from(d[9] - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(s: &str) -> Digits {
        s.as_bytes().try_into().unwrap()
    }

    #[test]
    fn mod11_published_examples() {
        // 9434765919 is the worked example of the NHS Data Dictionary
        // (a synthetic 9xx number).
        assert!(mod11_valid(&digits("9434765919")));
        assert!(mod11_valid(&digits("9990000018")));
        assert!(!mod11_valid(&digits("9434765918")));
        // Widely quoted "examples" that fail the checksum.
        assert!(!mod11_valid(&digits("9876544321")));
    }

    #[test]
    fn mod11_matches_the_subtract_from_eleven_rule() {
        // Every 9-digit prefix of a sparse sample, every check digit.
        for prefix in (0..1_000_000_000u64).step_by(999_983) {
            let p = format!("{prefix:09}");
            let w: u64 = p
                .bytes()
                .zip((2..=10).rev())
                .map(|(c, w)| u64::from(c - b'0') * w)
                .sum();
            let check = match 11 - w % 11 {
                11 => Some(0),
                10 => None,
                c => Some(c),
            };
            for last in 0..10u64 {
                let d = digits(&format!("{p}{last}"));
                assert_eq!(mod11_valid(&d), check == Some(last), "{p}{last}");
            }
        }
    }

    #[test]
    fn mod10_examples() {
        // 010101123|7: doubled 1st,3rd,5th,7th,9th digits 0,0,0,2,6 plus
        // the others 1,1,1,2 sum to 13, so the check is (10 - 3) % 10 = 7.
        assert!(mod10_valid(&digits("0101011237")));
        assert!(mod10_valid(&digits("1009701234")));
        assert!(!mod11_valid(&digits("1009701234")));
        assert!(!mod10_valid(&digits("1009701235")));
    }
}
