//! UK postcodes.
//!
//! An outward code, one space, and an inward code of a digit and two
//! letters: `SW1A 1AA`, `M1 1AE`, `B33 8TH`, `CR2 6XH`, `DN55 1PT`,
//! `W1A 0AX`, `EC1A 1BB`, plus the special `GIR 0AA`. The outward code has
//! one of six shapes (A = upper-case letter, 9 = digit): A9, A99, AA9, AA99,
//! A9A and AA9A.
//!
//! The letter restrictions are the published ones:
//!
//! * the inward code's letters are never C, I, K, M, O or V;
//! * the first outward letter is never Q, V or X;
//! * the second outward letter (AA9, AA99, AA9A) is never I, J or Z;
//! * the third character of A9A is one of A B C D E F G H J K P S T U W;
//! * the fourth character of AA9A is one of A B E H M N P R V W X Y.
//!
//! Only the written form with exactly one ASCII space is recognised, and
//! letters must be upper case.

/// Bytes [`at`] reads before `p`: the space, an outward code of up to four
/// bytes, and the boundary byte before it, which must not be an ASCII
/// letter or digit.
pub const POSTCODE_LOOKBEHIND: usize = 1 + MAX_OUTWARD + 1;

/// Bytes [`at`] reads from `p` onward: the three bytes of the inward code
/// and the boundary byte after it.
pub const POSTCODE_LOOKAHEAD: usize = INWARD_LEN + 1;

/// The longest outward code (AA99, AA9A).
const MAX_OUTWARD: usize = 4;

/// The inward code is always a digit and two letters.
const INWARD_LEN: usize = 3;

/// Letters never used in the inward code.
const NOT_INWARD: &[u8] = b"CIKMOV";

/// Letters never first in the outward code.
const NOT_FIRST: &[u8] = b"QVX";

/// Letters never second in an AA9, AA99 or AA9A outward code.
const NOT_SECOND: &[u8] = b"IJZ";

/// The only letters third in an A9A outward code.
const A9A_THIRD: &[u8] = b"ABCDEFGHJKPSTUW";

/// The only letters fourth in an AA9A outward code.
const AA9A_FOURTH: &[u8] = b"ABEHMNPRVWXY";

/// The span `[start, end)` of the whole postcode (outward code, space,
/// inward code) whose inward code starts at `hay[p]`, or `None`.
///
/// The outward code is the run of ASCII letters and digits that ends just
/// before the single space at `p - 1`; it must be two to four bytes long
/// (so the byte before it is not an ASCII letter or digit) and have one of
/// the six shapes. The byte after the inward code must not be an ASCII
/// letter or digit. Reads only
/// `hay[p - POSTCODE_LOOKBEHIND..p + POSTCODE_LOOKAHEAD]` (clipped to
/// `hay`) and never panics, whatever `p` is.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::postcode;
/// assert_eq!(postcode::at(b"at SW1A 1AA.", 8), Some((3, 11)));
/// assert_eq!(postcode::at(b"M1 1AE", 3), Some((0, 6)));
/// assert_eq!(postcode::at(b"XSW1A 1AA", 6), None); // five before space
/// ```
pub fn at(hay: &[u8], p: usize) -> Option<(usize, usize)> {
    // At least two outward bytes and the space precede `p`.
    if p >= hay.len() || p < 3 {
        return None;
    }
    // From here `p < hay.len() <= isize::MAX`: `p + 4` cannot overflow.
    let end = p + INWARD_LEN;
    let inward = hay.get(p..end)?;
    if hay.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let space = p - 1;
    if hay.get(space) != Some(&b' ') {
        return None;
    }
    let mut start = space;
    while start > 0
        && space - start < MAX_OUTWARD
        && hay.get(start - 1).is_some_and(u8::is_ascii_alphanumeric)
    {
        start -= 1;
    }
    // A fifth alphanumeric byte means the outward code is not bounded.
    if start > 0 && hay.get(start - 1).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let outward = hay.get(start..space)?;
    parts_valid(outward, inward).then_some((start, end))
}

/// Whether the whole of `text` is one postcode: an outward code, exactly
/// one ASCII space and an inward code, with the letter restrictions. No
/// surrounding whitespace, lower case or missing space is accepted.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::postcode;
/// assert!(postcode::is_valid("SW1A 1AA"));
/// assert!(postcode::is_valid("GIR 0AA"));
/// assert!(!postcode::is_valid("SW1A1AA")); // no space
/// assert!(!postcode::is_valid("SW1A 1AC")); // C never in the inward code
/// ```
pub fn is_valid(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .position(|&b| b == b' ')
        .is_some_and(|space| at(bytes, space + 1) == Some((0, bytes.len())))
}

/// The outward code of a written postcode: the bytes before its first
/// space (`SW1A` of `SW1A 1AA`), for masking that keeps the district and
/// hides the inward code. Input with no space is returned whole.
///
/// Pass a span returned by [`at`] or a string accepted by [`is_valid`]; no
/// validation is done here.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::postcode;
/// assert_eq!(postcode::outward(b"SW1A 1AA"), b"SW1A");
/// assert_eq!(postcode::outward(b"M1 1AE"), b"M1");
/// ```
pub fn outward(postcode: &[u8]) -> &[u8] {
    match postcode.iter().position(|&b| b == b' ') {
        Some(space) => &postcode[..space],
        None => postcode,
    }
}

/// Whether an outward and an inward code make a postcode.
fn parts_valid(outward: &[u8], inward: &[u8]) -> bool {
    if outward == b"GIR" {
        return inward == b"0AA";
    }
    inward_valid(inward) && outward_valid(outward)
}

/// A digit and two upper-case letters outside C I K M O V.
fn inward_valid(inward: &[u8]) -> bool {
    let letter = |b: u8| b.is_ascii_uppercase() && !NOT_INWARD.contains(&b);
    match *inward {
        [d, a, b] => d.is_ascii_digit() && letter(a) && letter(b),
        _ => false,
    }
}

/// One of the six outward shapes with its letter restrictions.
fn outward_valid(outward: &[u8]) -> bool {
    let first = |b: u8| b.is_ascii_uppercase() && !NOT_FIRST.contains(&b);
    let second = |b: u8| b.is_ascii_uppercase() && !NOT_SECOND.contains(&b);
    let digit = |b: u8| b.is_ascii_digit();
    match *outward {
        // A9
        [a, n] => first(a) && digit(n),
        // A99, AA9, A9A
        [a, x, y] => {
            first(a)
                && ((digit(x) && digit(y))
                    || (second(x) && digit(y))
                    || (digit(x) && A9A_THIRD.contains(&y)))
        }
        // AA99, AA9A
        [a, b, n, y] => {
            first(a)
                && second(b)
                && digit(n)
                && (digit(y) || AA9A_FOURTH.contains(&y))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"A0 .-a";

    /// `at` for a haystack holding a postcode, at the inward digit (the
    /// byte after the last space).
    fn find(hay: &str) -> Option<(usize, usize)> {
        let p = hay.rfind(' ').map_or(0, |s| s + 1);
        at(hay.as_bytes(), p)
    }

    #[test]
    fn the_published_examples() {
        for pc in [
            "SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT", "W1A 0AX",
            "EC1A 1BB", "GIR 0AA",
        ] {
            assert!(is_valid(pc), "{pc}");
            assert_eq!(find(pc), Some((0, pc.len())), "{pc}");
        }
    }

    #[test]
    fn in_text() {
        let hay = b"Address: 10 Downing St, London SW1A 2AA, UK";
        assert_eq!(at(hay, 36), Some((31, 39)));
        let hay = b"(M1 1AE)";
        assert_eq!(at(hay, 4), Some((1, 7)));
        let hay = b"B33 8TH\n";
        assert_eq!(at(hay, 4), Some((0, 7)));
        let hay = b"pc=DN55 1PT&x";
        assert_eq!(at(hay, 8), Some((3, 11)));
    }

    #[test]
    fn shapes() {
        for good in [
            "A1 1AA", "A12 1AA", "AB1 1AA", "AB12 1AA", "A1A 1AA", "AB1A 1AA",
            "Z9 9ZZ", "Y99 0XY",
        ] {
            assert!(is_valid(good), "{good}");
        }
        for bad in [
            "A 1AA",     // outward too short
            "1 1AA",     // digit only
            "11 1AA",    // no letter
            "1A 1AA",    // digit first
            "ABC 1AA",   // three letters
            "A123 1AA",  // three digits
            "AB123 1AA", // five bytes
            "ABC1 1AA",  // three letters then digit
            "A1AA 1AA",  // A9AA
            "AB1AB 1AA", // five bytes
            "AB1 AAA",   // inward without a digit
            "AB1 11A",   // inward with two digits
            "AB1 1A",    // inward too short
            "AB1 1AAA",  // inward too long
            "AB1 1A1",   // digit at the end
            "ab1 1aa",   // lower case
            "AB1 1aa",   // lower-case inward
            "sw1a 1AA",  // lower-case outward
            "AB1  1AA",  // two spaces
            "AB11AA",    // no space
            "AB1\t1AA",  // tab
            "AB1-1AA",   // hyphen
        ] {
            assert!(!is_valid(bad), "{bad}");
            assert_eq!(find(bad), None, "{bad}");
        }
    }

    #[test]
    fn inward_letters() {
        for c in b'A'..=b'Z' {
            let allowed = !b"CIKMOV".contains(&c);
            let first = format!("M1 1{}A", c as char);
            let second = format!("M1 1A{}", c as char);
            assert_eq!(is_valid(&first), allowed, "{first}");
            assert_eq!(is_valid(&second), allowed, "{second}");
        }
    }

    #[test]
    fn first_outward_letter() {
        for c in b'A'..=b'Z' {
            let allowed = !b"QVX".contains(&c);
            for shape in ["{}1 1AA", "{}12 1AA", "{}B1 1AA", "{}1A 1AA"] {
                let pc = shape.replace("{}", &(c as char).to_string());
                assert_eq!(is_valid(&pc), allowed, "{pc}");
            }
        }
    }

    #[test]
    fn second_outward_letter() {
        for c in b'A'..=b'Z' {
            let allowed = !b"IJZ".contains(&c);
            for shape in ["A{}1 1AA", "A{}12 1AA", "A{}1A 1AA"] {
                let pc = shape.replace("{}", &(c as char).to_string());
                assert_eq!(is_valid(&pc), allowed, "{pc}");
            }
        }
    }

    #[test]
    fn a9a_third_letter() {
        for c in b'A'..=b'Z' {
            let allowed = b"ABCDEFGHJKPSTUW".contains(&c);
            let pc = format!("W1{} 0AX", c as char);
            assert_eq!(is_valid(&pc), allowed, "{pc}");
        }
    }

    #[test]
    fn aa9a_fourth_letter() {
        for c in b'A'..=b'Z' {
            let allowed = b"ABEHMNPRVWXY".contains(&c);
            let pc = format!("EC1{} 1BB", c as char);
            assert_eq!(is_valid(&pc), allowed, "{pc}");
        }
    }

    #[test]
    fn gir_is_only_gir_0aa() {
        assert!(is_valid("GIR 0AA"));
        assert!(!is_valid("GIR 0AB"));
        assert!(!is_valid("GIR 1AA"));
        assert!(!is_valid("GIR 0aa"));
        assert!(!is_valid("gir 0AA"));
        assert!(!is_valid("GIRO 0AA"));
        assert_eq!(at(b"XGIR 0AA", 5), None);
        assert_eq!(at(b"GIR 0AAA", 4), None);
        assert_eq!(at(b"cheque to GIR 0AA.", 14), Some((10, 17)));
    }

    #[test]
    fn boundaries() {
        // Before the outward code.
        assert_eq!(at(b"xM1 1AE", 4), None);
        assert_eq!(at(b"5M1 1AE", 4), None);
        assert_eq!(at(b"-M1 1AE", 4), Some((1, 7)));
        assert_eq!(at(b"_M1 1AE", 4), Some((1, 7)));
        // After the inward code.
        assert_eq!(at(b"M1 1AEx", 3), None);
        assert_eq!(at(b"M1 1AE5", 3), None);
        assert_eq!(at(b"M1 1AEZ", 3), None);
        assert_eq!(at(b"M1 1AE,", 3), Some((0, 6)));
        assert_eq!(at(b"M1 1AE.", 3), Some((0, 6)));
        // A longer alphanumeric run before the space is not an outward
        // code, even when its tail would be one.
        assert_eq!(at(b"ASW1A 1AA", 6), None);
        assert_eq!(at(b"XXM1 1AE", 5), None);
        assert_eq!(at(b"12345 1AA", 6), None);
        // Non-ASCII neighbours are boundaries.
        assert_eq!(at("éM1 1AEé".as_bytes(), 5), Some((2, 8)));
    }

    #[test]
    fn only_at_the_inward_digit() {
        let hay = b"at SW1A 1AA";
        for p in 0..=hay.len() + 2 {
            let want = (p == 8).then_some((3, 11));
            assert_eq!(at(hay, p), want, "p = {p}");
        }
    }

    #[test]
    fn never_panics_on_any_position() {
        for hay in [&b""[..], b" ", b" 1AA", b"A 1AA", b"1AA", b"SW1A 1AA"] {
            for p in (0..hay.len() + 3).chain([usize::MAX]) {
                let _ = at(hay, p);
            }
        }
        assert_eq!(at(b" 1AA", 1), None);
        assert_eq!(at(b"A 1AA", 2), None);
    }

    #[test]
    fn is_valid_needs_the_whole_string() {
        assert!(!is_valid(""));
        assert!(!is_valid(" "));
        assert!(!is_valid(" M1 1AE"));
        assert!(!is_valid("M1 1AE "));
        assert!(!is_valid("M1 1AE\n"));
        assert!(!is_valid("at M1 1AE"));
        assert!(!is_valid("M1 1AE, UK"));
    }

    #[test]
    fn outward_code() {
        assert_eq!(outward(b"SW1A 1AA"), b"SW1A");
        assert_eq!(outward(b"GIR 0AA"), b"GIR");
        assert_eq!(outward(b"DN55 1PT"), b"DN55");
        assert_eq!(outward(b"SW1A"), b"SW1A");
        assert_eq!(outward(b""), b"");
        assert_eq!(outward(b" 1AA"), b"");
        let hay = b"at EC1A 1BB.";
        let (s, e) = at(hay, 8).unwrap();
        assert_eq!(outward(&hay[s..e]), b"EC1A");
    }

    /// `at` gives the same answer when everything outside
    /// `[p - POSTCODE_LOOKBEHIND, p + POSTCODE_LOOKAHEAD)` is cut off or
    /// replaced.
    fn assert_window_bound(hay: &[u8]) {
        for p in 0..=hay.len() {
            let want = at(hay, p);
            let lo = p.saturating_sub(POSTCODE_LOOKBEHIND);
            let hi = (p + POSTCODE_LOOKAHEAD).min(hay.len());
            let cut = at(&hay[lo..hi], p - lo).map(|(s, e)| (s + lo, e + lo));
            assert_eq!(cut, want, "cut, p = {p}");
            for &fill in FILL {
                let mut h = vec![fill; hay.len()];
                h[lo..hi].copy_from_slice(&hay[lo..hi]);
                assert_eq!(at(&h, p), want, "fill {fill}, p = {p}");
            }
        }
    }

    #[test]
    fn reads_only_within_the_window() {
        for hay in [
            &b"SW1A 1AA"[..],
            b"XSW1A 1AA",
            b"-SW1A 1AA-",
            b"SW1A 1AAX",
            b"M1 1AE",
            b"xM1 1AE",
            b" M1 1AE ",
            b"GIR 0AA",
            b"at EC1A 1BB, then DN55 1PT and W1A 0AX.",
        ] {
            assert_window_bound(hay);
        }
    }

    #[test]
    fn the_window_bound_is_tight() {
        // The boundary byte before a four-byte outward code is read.
        let hay = b"XSW1A 1AA";
        assert_eq!(at(hay, 6), None);
        assert_eq!(at(&hay[1..], 5), Some((0, 8)));
        assert_eq!(POSTCODE_LOOKBEHIND, 6);
        // The boundary byte after the inward code is read.
        let hay = b"SW1A 1AAX";
        assert_eq!(at(hay, 5), None);
        assert_eq!(at(&hay[..5 + POSTCODE_LOOKAHEAD - 1], 5), Some((0, 8)));
    }

    /// Seeds near postcodes, each with one to three random bytes replaced,
    /// inserted or deleted (a fixed xorshift, so failures reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 4] =
        [b"SW1A 1AA", b"GIR 0AA", b"at M1 1AE.", b"W1A 0AX"];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"ASWGIRQ0129 -";

    #[test]
    fn near_misses_keep_the_window_bound() {
        crate::detector::near_misses(
            &NEAR_MISS_SEEDS,
            NEAR_MISS_BYTES,
            200,
            assert_window_bound,
        );
    }
}
