//! ICD-10 diagnosis codes.
//!
//! An upper-case letter and two digits (the category, `E11`), optionally
//! followed by a subdivision: `.` and one to four digits (`E11.9`; ICD-10-CM
//! goes to `J45.909`), or, in the UK four-character form without the dot, a
//! single digit (`E119`).
//!
//! The shape alone matches many other tokens (grid references, part
//! numbers), so the engine reports a code only with clinical context
//! nearby ([`is_context_keyword_near`]).

/// How many bytes before a code [`is_context_keyword_near`] searches for a
/// keyword: a field label or column header with punctuation
/// (`Primary diagnosis (ICD-10): `), or a keyword followed by a short list
/// of codes, but not unrelated text further away.
pub const ICD10_CONTEXT_WINDOW: usize = 48;

/// Bytes read before `p`, the code's letter: [`at`] reads only the one
/// boundary byte before `p`, and [`is_context_keyword_near`], called with
/// `start == p`, reads the window and the byte before a keyword at its
/// very start (whole words only).
pub const ICD10_LOOKBEHIND: usize = ICD10_CONTEXT_WINDOW + 1;

/// Bytes [`at`] reads from `p` onward: the longest code (`E11.1234`, 8
/// bytes), the byte after it, and the byte after that (a `.` followed by a
/// digit does not end a code). [`is_context_keyword_near`] reads at most
/// `hay[p]` from here on.
pub const ICD10_LOOKAHEAD: usize = MAX_CODE_LEN + 2;

/// Letter, two digits, `.` and four digits.
const MAX_CODE_LEN: usize = 8;

/// Most digits after the dot (ICD-10-CM).
const MAX_DOT_DIGITS: usize = 4;

/// The context keywords, lower case, matched as whole words.
const KEYWORDS: [&[u8]; 8] = [
    b"icd",
    b"icd10",
    b"icd-10",
    b"icd 10",
    b"diagnosis",
    b"diagnoses",
    b"dx",
    b"condition",
];

/// The span `[start, end)` of the ICD-10 code whose letter is `hay[p]`,
/// or `None`.
///
/// `hay[p]` is an upper-case ASCII letter and two ASCII digits follow.
/// Then either `.` and one to four digits, or one more digit (the UK
/// four-character form), or nothing. The byte before `p` must not be an
/// ASCII letter or digit, and the byte after the code must not be an ASCII
/// letter or digit, nor a `.` followed by a digit (a `.` that ends a
/// sentence is fine). Reads only
/// `hay[p - 1..p + ICD10_LOOKAHEAD]` (clipped to `hay`)
/// and never panics, whatever `p` is.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::icd10;
/// assert_eq!(icd10::at(b"Dx: E11.9", 4), Some((4, 9)));
/// assert_eq!(icd10::at(b"Dx: E119.", 4), Some((4, 8)));
/// assert_eq!(icd10::at(b"Dx: E11.", 4), Some((4, 7)));
/// assert_eq!(icd10::at(b"Dx: E1", 4), None);
/// ```
pub fn at(hay: &[u8], p: usize) -> Option<(usize, usize)> {
    if p >= hay.len() {
        return None;
    }
    // From here `p < hay.len() <= isize::MAX`: `p + 10` cannot overflow.
    if !hay.get(p).is_some_and(u8::is_ascii_uppercase)
        || !digit_at(hay, p + 1)
        || !digit_at(hay, p + 2)
    {
        return None;
    }
    if p > 0 && hay.get(p - 1).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    let mut end = p + 3;
    if hay.get(end) == Some(&b'.') && digit_at(hay, end + 1) {
        let digits = (end + 1..end + 1 + MAX_DOT_DIGITS)
            .take_while(|&i| digit_at(hay, i))
            .count();
        end += 1 + digits;
    } else if digit_at(hay, end) {
        end += 1;
    }
    let clear_after = match hay.get(end) {
        Some(b) if b.is_ascii_alphanumeric() => false,
        Some(b'.') => !digit_at(hay, end + 1),
        _ => true,
    };
    clear_after.then_some((p, end))
}

/// Whether a clinical-context keyword lies wholly within the
/// [`ICD10_CONTEXT_WINDOW`] bytes before `start` (the start of a code).
///
/// The keywords are `icd`, `icd10`, `icd-10`, `icd 10`, `diagnosis`,
/// `diagnoses`, `dx` and `condition`, in any ASCII case, as whole words:
/// not preceded or followed by an ASCII letter or digit. So `ICD-10:`,
/// `Dx:` and `diagnosis_code` count; `conditions`, `dxa` and `icd9` do
/// not. Reads only the [`ICD10_LOOKBEHIND`] bytes before `start` and
/// `hay[start]` (the end of a keyword right before the code), allocates
/// nothing and never panics.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::icd10;
/// assert!(icd10::is_context_keyword_near(b"ICD-10: E11.9", 8));
/// assert!(!icd10::is_context_keyword_near(b"Grid ref E11", 9));
/// ```
pub fn is_context_keyword_near(hay: &[u8], start: usize) -> bool {
    let hi = start.min(hay.len());
    let lo = start.saturating_sub(ICD10_CONTEXT_WINDOW);
    (lo..hi).any(|k| {
        KEYWORDS.iter().any(|kw| {
            let kw_end = k + kw.len();
            kw_end <= hi
                && hay
                    .get(k..kw_end)
                    .is_some_and(|w| w.eq_ignore_ascii_case(kw))
                && !word_byte(hay, k.checked_sub(1))
                && !word_byte(hay, Some(kw_end))
        })
    })
}

/// Whether `hay[i]` exists and is an ASCII digit.
fn digit_at(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_digit)
}

/// Whether `hay[i]` exists and is an ASCII letter or digit.
fn word_byte(hay: &[u8], i: Option<usize>) -> bool {
    i.and_then(|i| hay.get(i)).is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"a0 .-x";

    /// The code at the first upper-case letter of `hay`, as a string.
    fn code(hay: &str) -> Option<&str> {
        let p = hay.find(|c: char| c.is_ascii_uppercase()).unwrap();
        at(hay.as_bytes(), p).map(|(s, e)| &hay[s..e])
    }

    #[test]
    fn categories_and_subdivisions() {
        assert_eq!(code("E11"), Some("E11"));
        assert_eq!(code("E11.9"), Some("E11.9"));
        assert_eq!(code("E11.65"), Some("E11.65"));
        assert_eq!(code("J45.909"), Some("J45.909"));
        assert_eq!(code("S72.0012"), Some("S72.0012"));
        assert_eq!(code("E119"), Some("E119"));
        assert_eq!(code("U07.1"), Some("U07.1"));
        assert_eq!(code("A00"), Some("A00"));
        assert_eq!(code("Z99.9"), Some("Z99.9"));
        assert_eq!(code("I10"), Some("I10"));
        assert_eq!(code("O80"), Some("O80"));
    }

    #[test]
    fn every_letter() {
        for c in b'A'..=b'Z' {
            let s = format!("{}45.9", c as char);
            assert_eq!(at(s.as_bytes(), 0), Some((0, 5)), "{s}");
        }
        for c in b"a0.-_ \xc3" {
            let s = [*c, b'4', b'5'];
            assert_eq!(at(&s, 0), None, "{c}");
        }
    }

    #[test]
    fn shape_errors() {
        for s in [
            "E",
            "E1",
            "E1.1",
            "E.11",
            "E1A",
            "EA1",
            "e11",
            "E11.12345",
            "E1190",
            "E11A",
            "E11.9A",
            "E119A",
            "E11.9x",
            "E11.1234.5",
            "E119.5",
            "E11.9.5",
            "EE11",
        ] {
            assert_eq!(at(s.as_bytes(), 0), None, "{s}");
        }
        // `EE11`: not at the second letter either.
        assert_eq!(at(b"EE11", 1), None);
        // An underscore is not a letter or digit, so it ends the code.
        assert_eq!(code("E11_9"), Some("E11"));
    }

    #[test]
    fn dot_not_followed_by_a_digit() {
        // The dot is not part of the code, and ends a sentence.
        assert_eq!(code("E11."), Some("E11"));
        assert_eq!(code("E11. Seen"), Some("E11"));
        assert_eq!(code("E11.9."), Some("E11.9"));
        assert_eq!(code("E119."), Some("E119"));
        assert_eq!(code("E11.."), Some("E11"));
        assert_eq!(code("E11.x"), Some("E11"));
        assert_eq!(code("E11.-"), Some("E11"));
    }

    #[test]
    fn boundaries() {
        assert_eq!(at(b"XE11", 1), None);
        assert_eq!(at(b"xE11", 1), None);
        assert_eq!(at(b"1E11", 1), None);
        assert_eq!(at(b"E11x", 0), None);
        assert_eq!(at(b"E11X", 0), None);
        assert_eq!(at(b"E11.9A", 0), None);
        assert_eq!(at(b"E11.92345", 0), None);
        for (pre, post) in
            [(" ", " "), ("(", ")"), (":", ","), ("_", "_"), ("-", "-")]
        {
            let s = format!("{pre}E11.9{post}");
            assert_eq!(at(s.as_bytes(), 1), Some((1, 6)), "{s}");
        }
        assert_eq!(at("éE11é".as_bytes(), 2), Some((2, 5)));
        // The byte before `p` may be a `.`: only letters and digits count.
        assert_eq!(at(b"1.E11", 2), Some((2, 5)));
    }

    #[test]
    fn only_at_the_letter() {
        let hay = b"Dx E11.9";
        for p in 0..=hay.len() + 2 {
            let want = (p == 3).then_some((3, 8));
            assert_eq!(at(hay, p), want, "p = {p}");
        }
    }

    #[test]
    fn never_panics_on_any_position() {
        for hay in [&b""[..], b"E", b"E1", b"E11", b"E11.", b"E11.1234."] {
            for p in (0..hay.len() + 3).chain([usize::MAX]) {
                let _ = at(hay, p);
                let _ = is_context_keyword_near(hay, p);
            }
        }
    }

    /// `is_context_keyword_near` at the last upper-case letter followed by
    /// two digits.
    fn context(hay: &str) -> bool {
        let b = hay.as_bytes();
        let start = (0..b.len())
            .rev()
            .find(|&i| {
                b[i].is_ascii_uppercase()
                    && digit_at(b, i + 1)
                    && digit_at(b, i + 2)
            })
            .unwrap();
        is_context_keyword_near(b, start)
    }

    #[test]
    fn context_keywords() {
        for hay in [
            "ICD: E11.9",
            "icd10 E11.9",
            "ICD10: E11.9",
            "ICD-10: E11.9",
            "ICD 10 E11.9",
            "ICD-10-CM J45.909",
            "Diagnosis: E11.9",
            "diagnoses: I10, E11.9",
            "Dx: E11.9",
            "DX E11.9",
            "Condition: E11.9",
            "diagnosis_code=E11.9",
            "Primary diagnosis (ICD-10): E11.9",
            "<dx>E11.9",
        ] {
            assert!(context(hay), "{hay}");
        }
    }

    #[test]
    fn no_context_keyword() {
        for hay in [
            "Grid ref E11",
            "Part E11.9",
            "conditions E11.9",
            "preconditions E11.9",
            "dxa E11.9",
            "icd9 E11.9",
            "ICD9: E11.9",
            "xicd E11.9",
            "diagnosed E11.9",
            "dxE11.9",
        ] {
            assert!(!context(hay), "{hay}");
        }
        // A keyword ending at `start` with nothing after it counts.
        assert!(!is_context_keyword_near(b"Dx", 0));
        assert!(!is_context_keyword_near(b"Dx", 1));
        assert!(is_context_keyword_near(b"Dx", 2));
    }

    #[test]
    fn context_window_edges() {
        let w = ICD10_CONTEXT_WINDOW;
        let hay = format!("dx{}E11", " ".repeat(w - 2));
        assert!(context(&hay));
        let hay = format!("dx{}E11", " ".repeat(w - 1));
        assert!(!context(&hay));
        // The byte before the window is read for the whole-word check.
        let hay = format!("xdx{}E11", " ".repeat(w - 2));
        assert!(!context(&hay));
        assert!(is_context_keyword_near(&hay.as_bytes()[1..], w));
        // Context after the code does not count.
        assert!(!is_context_keyword_near(b"E11.9 diagnosis", 0));
    }

    /// `at`, and the keyword search from `p`, give the same answers when
    /// everything outside `[p - ICD10_LOOKBEHIND, p + ICD10_LOOKAHEAD)` is
    /// cut off or replaced; `at` alone also within
    /// `[p - 1, p + ICD10_LOOKAHEAD)`.
    fn assert_window_bound(hay: &[u8]) {
        for p in 0..=hay.len() {
            let want = at(hay, p);
            let want_kw = is_context_keyword_near(hay, p);
            for back in [ICD10_LOOKBEHIND, 1] {
                let lo = p.saturating_sub(back);
                let hi = (p + ICD10_LOOKAHEAD).min(hay.len());
                let cut = &hay[lo..hi];
                let got = at(cut, p - lo).map(|(s, e)| (s + lo, e + lo));
                assert_eq!(got, want, "cut, p = {p}, back = {back}");
                let keyword_too = back == ICD10_LOOKBEHIND;
                if keyword_too {
                    let got = is_context_keyword_near(cut, p - lo);
                    assert_eq!(got, want_kw, "cut keyword, p = {p}");
                }
                for &fill in FILL {
                    let mut h = vec![fill; hay.len()];
                    h[lo..hi].copy_from_slice(&hay[lo..hi]);
                    assert_eq!(at(&h, p), want, "fill {fill}, p = {p}");
                    if keyword_too {
                        let got = is_context_keyword_near(&h, p);
                        assert_eq!(got, want_kw, "fill keyword {fill}");
                    }
                }
            }
        }
    }

    #[test]
    fn reads_only_within_the_window() {
        let w = ICD10_CONTEXT_WINDOW;
        for n in w - 4..=w {
            for pre in ["xdx", " dx", "icd10", ""] {
                for code in ["E11", "E11.1234", "E11.1234.5", "E11.9.", "E119"]
                {
                    let hay = format!("{pre}{}{code}", " ".repeat(n));
                    assert_window_bound(hay.as_bytes());
                }
            }
        }
        assert_window_bound(b"Primary diagnosis (ICD-10): E11.9; Dx I10.");
    }

    #[test]
    fn the_window_bound_is_tight() {
        // A `.` and a digit after the longest code: both bytes are read.
        let hay = b"E11.1234.5";
        assert_eq!(at(hay, 0), None);
        assert_eq!(at(&hay[..ICD10_LOOKAHEAD - 1], 0), Some((0, 8)));
    }

    /// Seeds near ICD-10 codes, each with one to three random bytes replaced,
    /// inserted or deleted (a fixed xorshift, so failures reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 3] =
        [b"Dx: E11.9", b"ICD-10 J45.909.", b"E119"];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"EJdxicICD0159. -";

    #[test]
    fn near_misses_keep_the_window_bound() {
        crate::detector::near_misses(
            &NEAR_MISS_SEEDS,
            NEAR_MISS_BYTES,
            150,
            assert_window_bound,
        );
    }
}
