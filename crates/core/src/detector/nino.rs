//! UK National Insurance numbers (NINOs).
//!
//! Two prefix letters, six digits and a suffix letter A–D, written either
//! contiguously (`AB123456C`) or as spaced pairs with single spaces
//! (`AB 12 34 56 C`). Nothing in between: `AB 123456C` is neither form.
//!
//! The prefix rules are HMRC's (National Insurance Manual, NIM39110):
//!
//! * D, F, I, Q, U and V are never used as the first or the second letter;
//! * O is never used as the second letter;
//! * BG, GB, KN, NK, NT, TN and ZZ are never allocated.
//!
//! HMRC's own documented example, `QQ 12 34 56 C`, is therefore **not**
//! valid here (Q is never a prefix letter). There is no check digit.

/// Bytes [`at`] reads before `p`: the one boundary byte, which must not be
/// an ASCII letter or digit.
pub const NINO_LOOKBEHIND: usize = 1;

/// Bytes [`at`] reads from `p` onward: the 13 bytes of the spaced form
/// `AB 12 34 56 C` plus the boundary byte after it.
pub const NINO_LOOKAHEAD: usize = SPACED_LEN + 1;

/// Length of the contiguous form `AB123456C`.
const CONTIGUOUS_LEN: usize = 9;

/// Length of the spaced form `AB 12 34 56 C`.
const SPACED_LEN: usize = 13;

/// Where the nine characters sit in the spaced form.
const SPACED_CHARS: [usize; 9] = [0, 1, 3, 4, 6, 7, 9, 10, 12];

/// Where the four spaces sit in the spaced form.
const SPACED_GAPS: [usize; 4] = [2, 5, 8, 11];

/// Letters never used in either position of the prefix.
const NEVER_IN_PREFIX: &[u8] = b"DFIQUV";

/// Prefixes that are never allocated although their letters are allowed.
const UNALLOCATED: [[u8; 2]; 7] =
    [*b"BG", *b"GB", *b"KN", *b"NK", *b"NT", *b"TN", *b"ZZ"];

/// The span `[start, end)` of the NINO whose first prefix letter is at
/// `hay[p]`, in either written form, or `None`.
///
/// The byte before `p` and the byte after the NINO must not be ASCII
/// letters or digits (the start and the end of `hay` are fine). Reads
/// only `hay[p - NINO_LOOKBEHIND..p + NINO_LOOKAHEAD]` (clipped to `hay`)
/// and never panics, whatever `p` is.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::nino;
/// assert_eq!(nino::at(b"NI: AB123456C.", 4), Some((4, 13)));
/// assert_eq!(nino::at(b"NI: AB 12 34 56 C", 4), Some((4, 17)));
/// assert_eq!(nino::at(b"NI: AB123456CX", 4), None); // boundary
/// ```
pub fn at(hay: &[u8], p: usize) -> Option<(usize, usize)> {
    if p >= hay.len() {
        return None;
    }
    // From here `p < hay.len() <= isize::MAX`, so `p + 14` cannot overflow.
    if p > 0 && hay.get(p - 1).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let len = if hay.get(p + 2) == Some(&b' ') {
        SPACED_LEN
    } else {
        CONTIGUOUS_LEN
    };
    let end = p + len;
    parse(hay.get(p..end)?)?;
    if hay.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((p, end))
}

/// Whether the whole of `text` is one NINO, contiguous (`AB123456C`) or
/// in spaced pairs (`AB 12 34 56 C`), with an allowed prefix. No
/// surrounding whitespace, lower case or other spacing is accepted.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::nino;
/// assert!(nino::is_valid("AB123456C"));
/// assert!(nino::is_valid("AB 12 34 56 C"));
/// assert!(!nino::is_valid("QQ123456C")); // HMRC's example prefix
/// assert!(!nino::is_valid("AB123456E")); // suffix A-D only
/// assert!(!nino::is_valid("AB 123456 C")); // partly spaced
/// ```
pub fn is_valid(text: &str) -> bool {
    parse(text.as_bytes()).is_some()
}

/// The nine characters of the NINO written in `hay[start..end]`, without
/// its spaces (`AB 12 34 56 C` gives `AB123456C`), for hashing or
/// comparing the two written forms.
///
/// Returns `None` when `hay[start..end]` is not exactly one NINO in either
/// written form (including when the range is out of bounds). Spans
/// returned by [`at`] always normalise.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::nino;
/// let hay = b"NI AB 12 34 56 C";
/// assert_eq!(nino::normalise(hay, 3, 16), Some(*b"AB123456C"));
/// assert_eq!(nino::normalise(hay, 3, 15), None);
/// ```
pub fn normalise(hay: &[u8], start: usize, end: usize) -> Option<[u8; 9]> {
    parse(hay.get(start..end)?)
}

/// Parses the whole of `s` as one written form, returning the nine
/// characters if they make a NINO.
fn parse(s: &[u8]) -> Option<[u8; 9]> {
    let mut nino = [0u8; 9];
    match s.len() {
        CONTIGUOUS_LEN => nino.copy_from_slice(s),
        SPACED_LEN => {
            if !SPACED_GAPS.iter().all(|&i| s[i] == b' ') {
                return None;
            }
            for (c, &i) in nino.iter_mut().zip(&SPACED_CHARS) {
                *c = s[i];
            }
        }
        _ => return None,
    }
    let [first, second, digits @ .., suffix] = nino;
    let ok = prefix_allowed(first, second)
        && digits.iter().all(u8::is_ascii_digit)
        && matches!(suffix, b'A'..=b'D');
    ok.then_some(nino)
}

/// The HMRC prefix rules (NIM39110) for the two letters.
fn prefix_allowed(first: u8, second: u8) -> bool {
    first.is_ascii_uppercase()
        && second.is_ascii_uppercase()
        && !NEVER_IN_PREFIX.contains(&first)
        && !NEVER_IN_PREFIX.contains(&second)
        && second != b'O'
        && !UNALLOCATED.contains(&[first, second])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"A0 C.-";

    fn at_str(hay: &str, p: usize) -> Option<(usize, usize)> {
        at(hay.as_bytes(), p)
    }

    #[test]
    fn contiguous_form() {
        assert_eq!(at_str("AB123456C", 0), Some((0, 9)));
        assert_eq!(at_str("NI AB123456C", 3), Some((3, 12)));
        assert_eq!(at_str("AB123456A end", 0), Some((0, 9)));
        assert_eq!(at_str("(AB123456D)", 1), Some((1, 10)));
        assert_eq!(at_str("x:JG103759A,", 2), Some((2, 11)));
        assert_eq!(at_str("OA000000B", 0), Some((0, 9)));
    }

    #[test]
    fn spaced_form() {
        assert_eq!(at_str("AB 12 34 56 C", 0), Some((0, 13)));
        assert_eq!(at_str("NINO: AB 12 34 56 C.", 6), Some((6, 19)));
        assert_eq!(at_str("AB 12 34 56 C\n", 0), Some((0, 13)));
    }

    #[test]
    fn partly_spaced_forms_are_not_ninos() {
        for s in [
            "AB 123456C",
            "AB123456 C",
            "AB12 34 56 C",
            "AB 12 3456 C",
            "AB 12 34 56C",
            "AB  12 34 56 C",
            "AB 12 34 56  C",
            "AB\t12 34 56 C",
            "AB-12-34-56-C",
            "A B123456C",
        ] {
            assert_eq!(at_str(s, 0), None, "{s}");
            assert!(!is_valid(s), "{s}");
        }
    }

    #[test]
    fn shape_errors() {
        for s in [
            "AB12345C",   // five digits
            "AB1234567C", // seven digits
            "AB123456",   // no suffix
            "AB123456E",  // suffix beyond D
            "AB123456c",  // lower-case suffix
            "ab123456C",  // lower-case prefix
            "Ab123456C",  // mixed case
            "A1123456C",  // digit in prefix
            "AB12E456C",  // letter among digits
            "AB 12 34 5X C",
            "",
            "A",
        ] {
            assert_eq!(at_str(s, 0), None, "{s}");
            assert!(!is_valid(s), "{s}");
        }
    }

    #[test]
    fn prefix_letters() {
        for bad in ["DA", "FA", "IA", "QA", "UA", "VA"] {
            assert!(!is_valid(&format!("{bad}123456C")), "{bad}");
        }
        for bad in ["AD", "AF", "AI", "AQ", "AU", "AV", "AO"] {
            assert!(!is_valid(&format!("{bad}123456C")), "{bad}");
        }
        for bad in ["BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "QQ"] {
            assert!(!is_valid(&format!("{bad}123456C")), "{bad}");
            assert!(!is_valid(&format!("{bad} 12 34 56 C")), "{bad}");
        }
        // O is allowed first; the unallocated pairs reversed or shifted are
        // allowed.
        for good in ["OA", "AB", "BH", "GA", "KM", "NJ", "ZY", "YZ", "CE"] {
            assert!(is_valid(&format!("{good}123456C")), "{good}");
        }
    }

    #[test]
    fn prefix_rules_match_a_naive_oracle() {
        for first in b'A'..=b'Z' {
            for second in b'A'..=b'Z' {
                let naive = !"DFIQUV".contains(first as char)
                    && !"DFIQUVO".contains(second as char)
                    && !["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].contains(
                        &format!("{}{}", first as char, second as char)
                            .as_str(),
                    );
                let s = format!("{}{}123456A", first as char, second as char);
                assert_eq!(is_valid(&s), naive, "{s}");
                assert_eq!(at_str(&s, 0).is_some(), naive, "{s}");
            }
        }
    }

    #[test]
    fn every_suffix() {
        for suffix in b'A'..=b'Z' {
            let s = format!("AB123456{}", suffix as char);
            assert_eq!(is_valid(&s), suffix <= b'D', "{s}");
        }
    }

    #[test]
    fn boundaries() {
        // Before: letters and digits are not boundaries.
        assert_eq!(at_str("XAB123456C", 1), None);
        assert_eq!(at_str("xAB123456C", 1), None);
        assert_eq!(at_str("1AB123456C", 1), None);
        assert_eq!(at_str("1AB 12 34 56 C", 1), None);
        // After.
        assert_eq!(at_str("AB123456CX", 0), None);
        assert_eq!(at_str("AB123456Cx", 0), None);
        assert_eq!(at_str("AB123456C1", 0), None);
        assert_eq!(at_str("AB 12 34 56 CD", 0), None);
        assert_eq!(at_str("AB 12 34 56 C7", 0), None);
        // Punctuation and whitespace are boundaries.
        for (before, after) in [(" ", " "), ("-", "-"), (".", "."), ("_", "_")]
        {
            let s = format!("{before}AB123456C{after}");
            assert_eq!(at_str(&s, 1), Some((1, 10)), "{s}");
        }
        // Non-ASCII neighbours are boundaries (not ASCII letters).
        let s = "éAB123456Cé";
        assert_eq!(at_str(s, 2), Some((2, 11)));
    }

    #[test]
    fn only_at_the_first_prefix_letter() {
        let hay = "id AB123456C";
        for p in 0..=hay.len() + 2 {
            let want = (p == 3).then_some((3, 12));
            assert_eq!(at_str(hay, p), want, "p = {p}");
        }
    }

    #[test]
    fn spaced_candidate_that_is_also_contiguous_prefix() {
        // "AB 12 34 56 C" but cut short: no NINO, no panic.
        for s in ["AB 12 34 56 ", "AB 12 34 56", "AB 1", "AB ", "AB"] {
            assert_eq!(at_str(s, 0), None, "{s}");
        }
    }

    #[test]
    fn never_panics_on_any_position() {
        let hay = b"AB123456C AB 12 34 56 C";
        for p in [0, 1, hay.len() - 1, hay.len(), hay.len() + 1, usize::MAX] {
            let _ = at(hay, p);
            let _ = normalise(hay, p, p.wrapping_add(9));
            let _ = normalise(hay, p, 0);
        }
        assert_eq!(at(b"", 0), None);
        assert_eq!(at(b"", usize::MAX), None);
    }

    #[test]
    fn is_valid_needs_the_whole_string() {
        assert!(is_valid("AB123456C"));
        assert!(is_valid("AB 12 34 56 C"));
        assert!(!is_valid(" AB123456C"));
        assert!(!is_valid("AB123456C "));
        assert!(!is_valid("AB123456C\n"));
        assert!(!is_valid("NI AB123456C"));
        assert!(!is_valid("AB123456CD"));
    }

    #[test]
    fn normalise_both_forms() {
        let hay = b"AB123456C / AB 12 34 56 C";
        assert_eq!(normalise(hay, 0, 9), Some(*b"AB123456C"));
        assert_eq!(normalise(hay, 12, 25), Some(*b"AB123456C"));
        assert_eq!(normalise(hay, 0, 8), None);
        assert_eq!(normalise(hay, 1, 10), None);
        assert_eq!(normalise(hay, 9, 0), None);
        assert_eq!(normalise(hay, 12, 26), None);
        for p in 0..hay.len() {
            if let Some((s, e)) = at(hay, p) {
                assert_eq!(normalise(hay, s, e), Some(*b"AB123456C"));
            }
        }
    }

    /// `at` gives the same answer when everything outside
    /// `[p - NINO_LOOKBEHIND, p + NINO_LOOKAHEAD)` is cut off or replaced.
    fn assert_window_bound(hay: &[u8]) {
        for p in 0..=hay.len() {
            let want = at(hay, p);
            let lo = p.saturating_sub(NINO_LOOKBEHIND);
            let hi = (p + NINO_LOOKAHEAD).min(hay.len());
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
            &b"AB 12 34 56 C"[..],
            b"AB 12 34 56 CD",
            b"xAB 12 34 56 C",
            b" AB 12 34 56 C ",
            b"AB123456C",
            b"AB123456CD",
            b"1AB123456C1",
            b"a AB123456C b AB 12 34 56 D c",
        ] {
            assert_window_bound(hay);
        }
    }

    #[test]
    fn the_window_bound_is_tight() {
        // The boundary byte after the spaced form is the last byte read.
        let hay = b"AB 12 34 56 CD";
        assert_eq!(at(hay, 0), None);
        assert_eq!(at(&hay[..NINO_LOOKAHEAD - 1], 0), Some((0, 13)));
        // The byte before `p` is read.
        assert_eq!(at(b"1AB123456C", 1), None);
        assert_eq!(at(&b"1AB123456C"[1..], 0), Some((0, 9)));
    }

    /// Seeds near NINOs, each with one to three random bytes replaced,
    /// inserted or deleted (a fixed xorshift, so failures reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 3] =
        [b"AB123456C", b"AB 12 34 56 C", b"x AB123456D y"];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"ABCDOQZ0123456789 ";

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
