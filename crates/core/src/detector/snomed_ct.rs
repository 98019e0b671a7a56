//! SNOMED CT identifiers (SCTIDs) of concepts, descriptions and
//! relationships.
//!
//! An SCTID is 6 to 18 decimal digits with no leading zero. Read from the
//! right, the last digit is a Verhoeff check digit and the two before it
//! are the partition identifier: `00` concept, `01` description, `02`
//! relationship (short format, International Release), or `10`, `11`, `12`
//! for the same in the long format (extensions such as the UK's). See the
//! SNOMED CT Technical Implementation Guide, "SCTID" and "Check-digit".
//!
//! The identifiers are public vocabulary, not patient data. A coded
//! diagnosis is what makes a document a clinical record, so the engine
//! reports them only with context nearby ([`is_context_keyword_near`]):
//! many other numbers pass the check digit by chance (one in ten).

/// Fewest digits in an SCTID.
pub const SNOMED_MIN_DIGITS: usize = 6;

/// Most digits in an SCTID (a 64-bit integer below 10^18).
pub const SNOMED_MAX_DIGITS: usize = 18;

/// How many bytes before and after an identifier
/// [`is_context_keyword_near`] searches for a keyword: enough for a label
/// or column header with punctuation (`SNOMED CT concept id: `), a short
/// term after the code (`22298006 |Myocardial infarction|`), or a keyword
/// separated from the code by a display name, but not for unrelated text
/// further away.
pub const SNOMED_CONTEXT_WINDOW: usize = 48;

/// Bytes [`is_context_keyword_near`] reads before `start`: the window, and
/// the byte before a keyword at the very start of it (whole words only).
pub const SNOMED_LOOKBEHIND: usize = SNOMED_CONTEXT_WINDOW + 1;

/// Bytes [`is_context_keyword_near`] reads from `start` onward: the
/// identifier (at most [`SNOMED_MAX_DIGITS`] bytes), the window after it,
/// and the byte after a keyword at the very end of the window.
pub const SNOMED_LOOKAHEAD: usize =
    SNOMED_MAX_DIGITS + SNOMED_CONTEXT_WINDOW + 1;

/// The partition identifiers of concepts, descriptions and relationships,
/// in the short (`0x`) and long (`1x`) formats.
const PARTITIONS: [[u8; 2]; 6] =
    [*b"00", *b"01", *b"02", *b"10", *b"11", *b"12"];

/// The context keywords, lower case, matched as whole words.
const KEYWORDS: [&[u8]; 5] =
    [b"snomed", b"sct", b"snomed ct", b"concept", b"sctid"];

/// Verhoeff's multiplication table: the dihedral group D5 (Verhoeff 1969;
/// also the SNOMED CT Technical Implementation Guide, "Verhoeff
/// algorithm").
const D: [[u8; 10]; 10] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
    [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
    [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
    [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
    [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
    [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
    [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
    [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
    [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];

/// Verhoeff's permutation table: row `i` is the permutation applied to the
/// digit in position `i` (mod 8) counting from the right, from 0.
const P: [[u8; 10]; 8] = [
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
    [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
    [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
    [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
    [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
    [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
    [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/// Verhoeff's inverse table: `INV[j]` is the element that `D` combines
/// with `j` to give 0.
const INV: [u8; 10] = [0, 4, 3, 2, 1, 5, 6, 7, 8, 9];

/// Whether `digits` is an SCTID: 6 to 18 ASCII digits, no leading zero, a
/// known partition identifier (the 2nd and 3rd digits from the right) and
/// a valid Verhoeff check digit (the last digit).
///
/// # Example
///
/// ```
/// use caldicott_core::detector::snomed_ct;
/// assert!(snomed_ct::is_valid(b"22298006")); // myocardial infarction
/// assert!(!snomed_ct::is_valid(b"22298007")); // check digit
/// assert!(!snomed_ct::is_valid(b"22298036")); // partition 03
/// ```
pub fn is_valid(digits: &[u8]) -> bool {
    let len = digits.len();
    (SNOMED_MIN_DIGITS..=SNOMED_MAX_DIGITS).contains(&len)
        && digits.iter().all(u8::is_ascii_digit)
        && digits[0] != b'0'
        && PARTITIONS.contains(&[digits[len - 3], digits[len - 2]])
        && verhoeff_valid(digits)
}

/// The Verhoeff check digit (an ASCII digit) that completes `payload`,
/// the identifier without its last digit; `None` unless `payload` is all
/// ASCII digits. Useful to make synthetic identifiers for tests.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::snomed_ct;
/// assert_eq!(snomed_ct::verhoeff_check_digit(b"2229800"), Some(b'6'));
/// ```
pub fn verhoeff_check_digit(payload: &[u8]) -> Option<u8> {
    if !payload.iter().all(u8::is_ascii_digit) {
        return None;
    }
    // The check digit will sit at position 0, so the payload's digits
    // start at position 1.
    let c = payload.iter().rev().enumerate().fold(0u8, |c, (i, &b)| {
        D[usize::from(c)][usize::from(P[(i + 1) % 8][usize::from(b - b'0')])]
    });
    Some(b'0' + INV[usize::from(c)])
}

/// Whether a context keyword (`snomed`, `sct`, `snomed ct`, `concept` or
/// `sctid`, in any ASCII case, as a whole word) lies wholly within the
/// [`SNOMED_CONTEXT_WINDOW`] bytes before `start` or after `end`, where
/// `hay[start..end]` is a candidate identifier.
///
/// A whole word is not preceded or followed by an ASCII letter or digit,
/// so `SNOMED-CT`, `sct:` and `SCTID=` count, `concepts` and `sctx` do
/// not. A span that cannot be an identifier (`start >= end`, or longer
/// than [`SNOMED_MAX_DIGITS`]) gives `false`. Reads only
/// `hay[start - SNOMED_LOOKBEHIND..start + SNOMED_LOOKAHEAD]` (clipped to
/// `hay`), allocates nothing and never panics.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::snomed_ct;
/// let hay = b"SNOMED CT: 22298006 |Myocardial infarction|";
/// assert!(snomed_ct::is_context_keyword_near(hay, 11, 19));
/// assert!(!snomed_ct::is_context_keyword_near(b"ref 22298006", 4, 12));
/// ```
pub fn is_context_keyword_near(hay: &[u8], start: usize, end: usize) -> bool {
    if start >= end || end - start > SNOMED_MAX_DIGITS {
        return false;
    }
    let before = start.saturating_sub(SNOMED_CONTEXT_WINDOW);
    let after = end.saturating_add(SNOMED_CONTEXT_WINDOW);
    keyword_within(hay, before, start) || keyword_within(hay, end, after)
}

/// Verhoeff: the digits, read from the right through the permutations and
/// combined in D5, give 0 exactly when the check digit is right. The
/// caller has checked that every byte is an ASCII digit.
fn verhoeff_valid(digits: &[u8]) -> bool {
    let c = digits.iter().rev().enumerate().fold(0u8, |c, (i, &b)| {
        D[usize::from(c)][usize::from(P[i % 8][usize::from(b - b'0')])]
    });
    c == 0
}

/// Whether a keyword lies wholly within `hay[lo..hi]` (clipped to `hay`)
/// with no ASCII letter or digit right before or after it (those two bytes
/// may lie outside the range).
fn keyword_within(hay: &[u8], lo: usize, hi: usize) -> bool {
    let hi = hi.min(hay.len());
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

/// Whether `hay[i]` exists and is an ASCII letter or digit.
fn word_byte(hay: &[u8], i: Option<usize>) -> bool {
    i.and_then(|i| hay.get(i)).is_some_and(u8::is_ascii_alphanumeric)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"a0 -t";

    /// Public SNOMED CT concept ids (vocabulary, not patient data).
    const CONCEPTS: [&str; 7] = [
        "22298006",  // myocardial infarction
        "73211009",  // diabetes mellitus
        "38341003",  // hypertensive disorder
        "195967001", // asthma
        "840539006", // COVID-19
        "404684003", // clinical finding
        "138875005", // SNOMED CT concept (the root)
    ];

    /// `payload` completed with its check digit.
    fn with_check(payload: &str) -> String {
        let c = verhoeff_check_digit(payload.as_bytes()).unwrap();
        format!("{payload}{}", c as char)
    }

    #[test]
    fn real_concept_ids() {
        for id in CONCEPTS {
            assert!(is_valid(id.as_bytes()), "{id}");
        }
    }

    #[test]
    fn any_other_check_digit_fails() {
        for id in CONCEPTS {
            let (payload, check) = id.split_at(id.len() - 1);
            assert_eq!(
                verhoeff_check_digit(payload.as_bytes()),
                Some(check.as_bytes()[0]),
                "{id}"
            );
            for c in b'0'..=b'9' {
                let s = format!("{payload}{}", c as char);
                assert_eq!(is_valid(s.as_bytes()), s == id, "{s}");
            }
        }
    }

    #[test]
    fn verhoeff_published_example() {
        // The usual worked example: 236 has check digit 3.
        assert_eq!(verhoeff_check_digit(b"236"), Some(b'3'));
        assert!(verhoeff_valid(b"2363"));
        assert!(!verhoeff_valid(b"2364"));
        assert_eq!(verhoeff_check_digit(b""), Some(b'0'));
        assert_eq!(verhoeff_check_digit(b"12a"), None);
    }

    #[test]
    fn verhoeff_catches_single_errors_and_adjacent_swaps() {
        let ids: Vec<String> = (0..200u64)
            .map(|n| with_check(&(100_000_000_000 + n * 7_919).to_string()))
            .collect();
        for id in &ids {
            assert!(verhoeff_valid(id.as_bytes()), "{id}");
            let bytes = id.as_bytes();
            for i in 0..bytes.len() {
                for c in b'0'..=b'9' {
                    if c != bytes[i] {
                        let mut e = bytes.to_vec();
                        e[i] = c;
                        assert!(!verhoeff_valid(&e), "{id} at {i}");
                    }
                }
                if i + 1 < bytes.len() && bytes[i] != bytes[i + 1] {
                    let mut e = bytes.to_vec();
                    e.swap(i, i + 1);
                    assert!(!verhoeff_valid(&e), "{id} swap {i}");
                }
            }
        }
    }

    #[test]
    fn partitions() {
        for (part, ok) in [
            ("00", true),
            ("01", true),
            ("02", true),
            ("10", true),
            ("11", true),
            ("12", true),
            ("03", false),
            ("09", false),
            ("13", false),
            ("20", false),
            ("99", false),
        ] {
            for item in ["1234", "999999", "12345678901234"] {
                let id = with_check(&format!("{item}{part}"));
                assert_eq!(is_valid(id.as_bytes()), ok, "{id}");
            }
        }
        // A UK extension concept id shape: namespace 1000000, partition 10.
        let uk = with_check("99999999100000010");
        assert_eq!(uk.len(), 18);
        assert!(is_valid(uk.as_bytes()));
    }

    #[test]
    fn lengths() {
        // 6 and 18 digits are the limits.
        let six = with_check("10000");
        assert_eq!(six.len(), 6);
        assert!(is_valid(six.as_bytes()));
        let five = with_check("1000");
        assert!(!is_valid(five.as_bytes()));
        let eighteen = with_check(&format!("1{}", "2".repeat(14) + "10"));
        assert_eq!(eighteen.len(), 18);
        assert!(is_valid(eighteen.as_bytes()));
        let nineteen = with_check(&format!("1{}", "2".repeat(15) + "10"));
        assert_eq!(nineteen.len(), 19);
        assert!(verhoeff_valid(nineteen.as_bytes()));
        assert!(!is_valid(nineteen.as_bytes()));
        assert!(!is_valid(b""));
        assert!(!is_valid(b"0"));
        assert!(!is_valid(b"006"));
    }

    #[test]
    fn leading_zero_and_non_digits() {
        let zero = with_check("022980");
        assert!(verhoeff_valid(zero.as_bytes()));
        assert!(!is_valid(zero.as_bytes()));
        assert!(!is_valid(b"0022298006"));
        assert!(!is_valid(b"22298006 "));
        assert!(!is_valid(b" 22298006"));
        assert!(!is_valid(b"2229-8006"));
        assert!(!is_valid(b"2229800x"));
        assert!(!is_valid(b"\xff\xff\xff\xff\xff\xff"));
    }

    /// `is_context_keyword_near` for the first run of digits in `hay`.
    fn context(hay: &str) -> bool {
        let start = hay.find(|c: char| c.is_ascii_digit()).unwrap();
        let len = hay[start..]
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(hay.len() - start);
        is_context_keyword_near(hay.as_bytes(), start, start + len)
    }

    #[test]
    fn context_keywords() {
        for hay in [
            "SNOMED 22298006",
            "snomed: 22298006",
            "SNOMED CT 22298006",
            "SNOMED-CT: 22298006",
            "sct 22298006",
            "SCTID=22298006",
            "sctid: 22298006",
            "Concept 22298006",
            "concept_id,22298006",
            "code 22298006 (SNOMED CT)",
            "22298006 |Myocardial infarction| concept",
            "<system value=\"http://snomed.info/sct\"/><code value=\"22298006",
        ] {
            assert!(context(hay), "{hay}");
        }
    }

    #[test]
    fn no_context_keyword() {
        for hay in [
            "ref 22298006",
            "Invoice 22298006",
            "concepts 22298006",
            "preconcept 22298006",
            "sctx 22298006",
            "snomeds 22298006",
            "SNOMED22298006",
            "22298006SNOMED",
            "22298006 conceptual",
            "xsct 22298006",
            "snomedct 22298006",
        ] {
            assert!(!context(hay), "{hay}");
        }
    }

    #[test]
    fn context_window_edges() {
        let w = SNOMED_CONTEXT_WINDOW;
        // Before: the keyword must end by `start` and begin in the window.
        let hay = format!("sct{}22298006", " ".repeat(w - 3));
        assert!(context(&hay));
        let hay = format!("sct{}22298006", " ".repeat(w - 2));
        assert!(!context(&hay));
        // After: the keyword must begin at `end` or later and end in the
        // window.
        let hay = format!("22298006{}sct", " ".repeat(w - 3));
        assert!(context(&hay));
        let hay = format!("22298006{}sct", " ".repeat(w - 2));
        assert!(!context(&hay));
        // The bytes just outside the window are read for whole words.
        let hay = format!("xsct{}22298006", " ".repeat(w - 3));
        assert!(!context(&hay));
        let hay = format!("22298006{}sctx", " ".repeat(w - 3));
        assert!(!context(&hay));
    }

    #[test]
    fn context_needs_a_plausible_span() {
        let hay = b"SNOMED 22298006";
        assert!(is_context_keyword_near(hay, 7, 15));
        assert!(!is_context_keyword_near(hay, 7, 7));
        assert!(!is_context_keyword_near(hay, 15, 7));
        assert!(!is_context_keyword_near(hay, 7, 7 + SNOMED_MAX_DIGITS + 1));
        assert!(is_context_keyword_near(hay, 7, 7 + SNOMED_MAX_DIGITS));
    }

    #[test]
    fn never_panics_on_any_span() {
        let hay = b"SNOMED 22298006 sct";
        for start in (0..hay.len() + 3).chain([usize::MAX - 1, usize::MAX]) {
            for end in (0..hay.len() + 3).chain([usize::MAX]) {
                let _ = is_context_keyword_near(hay, start, end);
            }
        }
        assert!(!is_context_keyword_near(b"", 0, 1));
        assert!(!is_context_keyword_near(b"", usize::MAX - 1, usize::MAX));
    }

    /// The keyword search gives the same answer when everything outside
    /// `[start - SNOMED_LOOKBEHIND, start + SNOMED_LOOKAHEAD)` is cut off or
    /// replaced.
    fn assert_window_bound(hay: &[u8]) {
        for start in 0..=hay.len() {
            let lo = start.saturating_sub(SNOMED_LOOKBEHIND);
            let hi = (start + SNOMED_LOOKAHEAD).min(hay.len());
            for len in 1..=SNOMED_MAX_DIGITS + 1 {
                let end = start + len;
                let want = is_context_keyword_near(hay, start, end);
                let got = is_context_keyword_near(
                    &hay[lo..hi],
                    start - lo,
                    end - lo,
                );
                assert_eq!(got, want, "cut, {start}..{end}");
                for &fill in FILL {
                    let mut h = vec![fill; hay.len()];
                    h[lo..hi].copy_from_slice(&hay[lo..hi]);
                    let got = is_context_keyword_near(&h, start, end);
                    assert_eq!(got, want, "fill {fill}, {start}..{end}");
                }
            }
        }
    }

    #[test]
    fn reads_only_within_the_window() {
        let w = SNOMED_CONTEXT_WINDOW;
        for n in w - 4..=w {
            for (pre, post) in [("xsct", "sctx"), (" sct", "sct "), ("", "")] {
                let hay = format!(
                    "{pre}{}123456789012345678{}{post}",
                    " ".repeat(n),
                    " ".repeat(n)
                );
                assert_window_bound(hay.as_bytes());
            }
        }
        assert_window_bound(b"SNOMED CT: 22298006 |Myocardial infarction|");
    }

    /// Seeds near SCTIDs in context, each with one to three random bytes
    /// replaced, inserted or deleted (a fixed xorshift, so failures
    /// reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 3] =
        [b"SNOMED 22298006", b"22298006 concept", b"sctid:195967001"];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"0123456789 sctSNOMED";

    #[test]
    fn near_misses_keep_the_window_bound() {
        crate::detector::near_misses(
            &NEAR_MISS_SEEDS,
            NEAR_MISS_BYTES,
            40,
            assert_window_bound,
        );
    }
}
