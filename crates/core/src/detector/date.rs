//! Calendar dates, the raw material of dates of birth.
//!
//! Recognised written forms, each found from the four- or eight-digit run
//! that holds the year:
//!
//! * `DD/MM/YYYY`, `DD-MM-YYYY`, `DD.MM.YYYY`: the same separator twice,
//!   day and month of one or two digits (`1/2/1970`);
//! * `YYYY-MM-DD` and `YYYY/MM/DD`: two-digit month and day;
//! * `YYYYMMDD` (HL7 `DT`/`TS`, DICOM `DA`).
//!
//! The year is 1880–2099 and the date must exist in the Gregorian calendar
//! (leap years: divisible by 4, except centuries not divisible by 400).
//!
//! A date is not part of a longer run of numbers: the byte before its
//! first digit is neither an ASCII digit nor a separator (`/`, `-`, `.`),
//! and the byte after its last digit is neither an ASCII digit nor a
//! separator followed by a digit. So `1/01/02/1970` and `1970-01-01-5` are
//! not dates, while `born 01/02/1970.` is.
//!
//! Whether a date is a date *of birth* is decided by context:
//! [`is_birth_keyword_before`] looks for a keyword such as `DOB` just
//! before it.

/// The oldest year accepted: older than any living person, so dates of
/// birth are never missed, while most other four-digit numbers are not
/// years.
pub const DATE_MIN_YEAR: u32 = 1880;

/// The latest year accepted.
pub const DATE_MAX_YEAR: u32 = 2099;

/// How many bytes before a date [`is_birth_keyword_before`] searches for a
/// keyword. 32 bytes hold a field label with its punctuation and a format
/// hint (`Date of birth (DD/MM/YYYY): ` is 28 bytes), but not usually the
/// end of an unrelated sentence or the previous line of a form.
pub const DOB_KEYWORD_WINDOW: usize = 32;

/// Bytes [`is_birth_keyword_before`] reads before its `start`: the window,
/// and the byte before a keyword at the very start of the window (a
/// keyword must not follow an ASCII letter).
pub const DOB_KEYWORD_LOOKBEHIND: usize = DOB_KEYWORD_WINDOW + 1;

/// Bytes read before `p`, where `p` is the year's first digit: [`at`]
/// reads the `DD/MM/` before the year and the boundary byte before that
/// (7 bytes), and [`is_birth_keyword_before`], called with the start of a
/// date that [`at`] returned (at most 6 bytes before `p`), reads
/// [`DOB_KEYWORD_LOOKBEHIND`] bytes before that start.
pub const DATE_LOOKBEHIND: usize = DAY_MONTH_LEN + DOB_KEYWORD_LOOKBEHIND;

/// Bytes [`at`] reads from `p` onward: the ten bytes of `YYYY-MM-DD`, the
/// byte after it, and the byte after that (a separator followed by a digit
/// ends no date).
pub const DATE_LOOKAHEAD: usize = ISO_LEN + 2;

/// The longest stretch of a date before its year: `DD September ` (the
/// textual form; `DD/MM/` is 6).
const DAY_MONTH_LEN: usize = 13;

/// Month names, lower case, with the common abbreviations (`Sept` too):
/// `22 March 1930`, `8 Apr 1967`.
const MONTHS: [(&[u8], u32); 24] = [
    (b"january", 1),
    (b"jan", 1),
    (b"february", 2),
    (b"feb", 2),
    (b"march", 3),
    (b"mar", 3),
    (b"april", 4),
    (b"apr", 4),
    (b"may", 5),
    (b"june", 6),
    (b"jun", 6),
    (b"july", 7),
    (b"jul", 7),
    (b"august", 8),
    (b"aug", 8),
    (b"september", 9),
    (b"sept", 9),
    (b"sep", 9),
    (b"october", 10),
    (b"oct", 10),
    (b"november", 11),
    (b"nov", 11),
    (b"december", 12),
    (b"dec", 12),
];

/// Length of `YYYY-MM-DD`.
const ISO_LEN: usize = 10;

/// The separators between day, month and year.
const SEPARATORS: &[u8] = b"/-.";

/// The date-of-birth keywords, lower case. Each counts when it starts a
/// word, whatever follows it, so `birth` also covers `birthdate` and
/// `birthday`, and `d.o.b` covers `d.o.b.`; the longer forms are listed
/// anyway so that the list reads as the specification.
const DOB_KEYWORDS: [&[u8]; 8] = [
    b"dob",
    b"d.o.b",
    b"d.o.b.",
    b"date of birth",
    b"birth date",
    b"birthdate",
    b"born",
    b"birth",
];

/// The date whose year is the digit run `hay[p..p + run]`, as its span
/// `[start, end)` and its ISO 8601 form `YYYY-MM-DD` (ASCII), or `None`.
///
/// `p` starts a run of exactly `run` ASCII digits (the bytes before and
/// after the run are not digits). With `run == 4` the run is the year of
/// `DD/MM/YYYY` or `D Month YYYY` (looking back from `p`; `22 March 1930`,
/// `8 Apr 1967`) or of `YYYY-MM-DD` (looking forward); with `run == 8` it
/// is `YYYYMMDD`. Any other `run`, or a run
/// that is not as described, gives `None`. Reads only
/// `hay[p - DATE_LOOKBEHIND..p + DATE_LOOKAHEAD]` (clipped to `hay`) and
/// never panics, whatever `p` and `run` are.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::date;
/// let hay = b"DOB: 1/2/1970.";
/// assert_eq!(date::at(hay, 9, 4), Some((5, 13, *b"1970-02-01")));
/// assert_eq!(date::at(b"19700201", 0, 8), Some((0, 8, *b"1970-02-01")));
/// assert_eq!(date::at(b"1970-02-30", 0, 4), None); // no 30 February
/// assert_eq!(date::at(b"b. 22 March 1930", 12, 4), Some((3, 16, *b"1930-03-22")));
/// ```
pub fn at(
    hay: &[u8],
    p: usize,
    run: usize,
) -> Option<(usize, usize, [u8; 10])> {
    if p >= hay.len() || (run != 4 && run != 8) {
        return None;
    }
    // From here `p < hay.len() <= isize::MAX`: `p + 12` cannot overflow.
    let run_end = p + run;
    if !hay.get(p..run_end)?.iter().all(u8::is_ascii_digit)
        || digit_at(hay, run_end)
    {
        return None;
    }
    // A day-month-year shape puts a separator right before `p`, which
    // rules out a year-first date there, so trying them in turn is exact.
    let (start, end, year, month, day) = if run == 8 {
        compact(hay, p)?
    } else {
        backward(hay, p)
            .or_else(|| textual(hay, p))
            .or_else(|| forward(hay, p))?
    };
    if !bounded(hay, start, end) {
        return None;
    }
    Some((start, end, iso(year, month, day)?))
}

/// Whether a date-of-birth keyword lies wholly within the
/// [`DOB_KEYWORD_WINDOW`] bytes before `start` (the start of a date).
///
/// The keywords are `dob`, `d.o.b`, `d.o.b.`, `date of birth`,
/// `birth date`, `birthdate`, `born` and `birth`, in any ASCII case. A
/// keyword must not follow an ASCII letter (`adobe` has no `dob`), but
/// anything may follow it, so `DOB: `, `Date of birth 1970-02-01` and
/// `birthday` all count (and so would a name such as `Dobson`). No digit
/// may come between the keyword and the date: the keyword names the first
/// date after it, not a timestamp further on (`DOB 03/08/2024 at
/// 2024-08-03T12:34` has one date of birth). Reads
/// only the [`DOB_KEYWORD_LOOKBEHIND`] bytes before `start` (clipped to
/// `hay`), allocates nothing and never panics.
///
/// # Example
///
/// ```
/// use caldicott_core::detector::date;
/// assert!(date::is_birth_keyword_before(b"DOB: 01/02/1970", 5));
/// assert!(date::is_birth_keyword_before(b"Date of birth 1970-02-01", 14));
/// assert!(!date::is_birth_keyword_before(b"Seen 01/02/2024", 5));
/// assert!(!date::is_birth_keyword_before(b"DOB 1/2/1970 at 1970-02-01", 16));
/// ```
pub fn is_birth_keyword_before(hay: &[u8], start: usize) -> bool {
    let hi = start.min(hay.len());
    let lo = start.saturating_sub(DOB_KEYWORD_WINDOW);
    // This runs for every date in the input, and most windows hold no
    // keyword. Every keyword has a `b` in it: a window without one is
    // ruled out by one fast search.
    if lo >= hi || memchr::memchr2(b'b', b'B', &hay[lo..hi]).is_none() {
        return false;
    }
    // Every keyword starts with `b` or `d`: only those positions are tried.
    (lo..hi).any(|k| {
        let first = hay[k].to_ascii_lowercase();
        (first == b'b' || first == b'd')
            && (k == 0 || !hay[k - 1].is_ascii_alphabetic())
            && DOB_KEYWORDS.iter().any(|kw| {
                let kw_end = k + kw.len();
                kw[0] == first
                    && kw_end <= hi
                    && hay[k..kw_end].eq_ignore_ascii_case(kw)
                    && !hay[kw_end..hi].iter().any(u8::is_ascii_digit)
            })
    })
}

/// `DD/MM/YYYY` with the year at `p`: day and month of one or two digits,
/// the same separator twice. Returns the span and the three numbers.
fn backward(hay: &[u8], p: usize) -> Option<(usize, usize, u32, u32, u32)> {
    let sep = *hay.get(p.checked_sub(1)?)?;
    if !SEPARATORS.contains(&sep) {
        return None;
    }
    let (month_start, month) = short_number_before(hay, p - 1)?;
    let sep2 = month_start.checked_sub(1)?;
    if hay.get(sep2) != Some(&sep) {
        return None;
    }
    let (day_start, day) = short_number_before(hay, sep2)?;
    let end = p + 4;
    Some((day_start, end, number(hay, p, end)?, month, day))
}

/// `D Month YYYY` with the year at `p`: a day of one or two digits, one
/// space, a month name or abbreviation (any case), one space.
fn textual(hay: &[u8], p: usize) -> Option<(usize, usize, u32, u32, u32)> {
    if hay.get(p.checked_sub(1)?)? != &b' ' {
        return None;
    }
    let name_end = p - 1;
    let mut name_start = name_end;
    while name_start > 0
        && name_end - name_start < 9
        && hay[name_start - 1].is_ascii_alphabetic()
    {
        name_start -= 1;
    }
    let name = hay.get(name_start..name_end)?;
    let month = MONTHS
        .iter()
        .find(|(m, _)| name.eq_ignore_ascii_case(m))
        .map(|&(_, n)| n)?;
    let space = name_start.checked_sub(1)?;
    if hay.get(space) != Some(&b' ') {
        return None;
    }
    let (day_start, day) = short_number_before(hay, space)?;
    let end = p + 4;
    Some((day_start, end, number(hay, p, end)?, month, day))
}

/// `YYYY-MM-DD` or `YYYY/MM/DD` with the year at `p`.
fn forward(hay: &[u8], p: usize) -> Option<(usize, usize, u32, u32, u32)> {
    let end = p + ISO_LEN;
    let s = hay.get(p..end)?;
    let sep = s[4];
    if (sep != b'-' && sep != b'/')
        || s[7] != sep
        || !s[5..7].iter().chain(&s[8..10]).all(u8::is_ascii_digit)
    {
        return None;
    }
    let year = number(hay, p, p + 4)?;
    let month = number(hay, p + 5, p + 7)?;
    Some((p, end, year, month, number(hay, p + 8, end)?))
}

/// `YYYYMMDD` at `p` (the caller checked the eight digits).
fn compact(hay: &[u8], p: usize) -> Option<(usize, usize, u32, u32, u32)> {
    let end = p + 8;
    let year = number(hay, p, p + 4)?;
    let month = number(hay, p + 4, p + 6)?;
    Some((p, end, year, month, number(hay, p + 6, end)?))
}

/// The number of one or two digits ending just before `end`, with its
/// start. `None` when there is no digit there or a third digit precedes
/// the two.
fn short_number_before(hay: &[u8], end: usize) -> Option<(usize, u32)> {
    let mut start = end;
    while start > 0 && end - start < 2 && digit_at(hay, start - 1) {
        start -= 1;
    }
    if start == end || (start > 0 && digit_at(hay, start - 1)) {
        return None;
    }
    Some((start, number(hay, start, end)?))
}

/// Whether `hay[start..end]` stands alone: not preceded by a digit or a
/// separator, not followed by a digit or a separator and a digit.
fn bounded(hay: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).and_then(|i| hay.get(i));
    let clear_before =
        before.is_none_or(|b| !b.is_ascii_digit() && !SEPARATORS.contains(b));
    let clear_after = match hay.get(end) {
        Some(b) if b.is_ascii_digit() => false,
        Some(b) if SEPARATORS.contains(b) => !digit_at(hay, end + 1),
        _ => true,
    };
    clear_before && clear_after
}

/// The ISO form of a date in range that exists, else `None`.
fn iso(year: u32, month: u32, day: u32) -> Option<[u8; 10]> {
    if !(DATE_MIN_YEAR..=DATE_MAX_YEAR).contains(&year)
        || !(1..=days_in_month(year, month)).contains(&day)
    {
        return None;
    }
    let mut out = *b"0000-00-00";
    write_digits(&mut out[0..4], year);
    write_digits(&mut out[5..7], month);
    write_digits(&mut out[8..10], day);
    Some(out)
}

/// Writes `value` into `out` as ASCII digits, zero-padded on the left.
fn write_digits(out: &mut [u8], mut value: u32) {
    for slot in out.iter_mut().rev() {
        // `value % 10` is a single digit, so the cast is lossless.
        *slot = b'0' + (value % 10) as u8;
        value /= 10;
    }
}

/// Days in `month` of `year` (Gregorian); 0 for a month that does not
/// exist.
fn days_in_month(year: u32, month: u32) -> u32 {
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether `hay[i]` exists and is an ASCII digit.
fn digit_at(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_digit)
}

/// The value of the ASCII digits `hay[a..b]`; `None` if out of bounds.
fn number(hay: &[u8], a: usize, b: usize) -> Option<u32> {
    let digits = hay.get(a..b)?;
    Some(
        digits
            .iter()
            .fold(0, |n, &c| n * 10 + u32::from(c.wrapping_sub(b'0'))),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_keyword_has_a_b() {
        // `is_birth_keyword_before` rules out windows without a `b`.
        for kw in DOB_KEYWORDS {
            assert!(kw.contains(&b'b'), "{}", String::from_utf8_lossy(kw));
        }
    }

    #[test]
    fn textual_months() {
        let ok: [(&[u8], usize, &[u8; 10]); 5] = [
            (b"born 22 March 1930.", 14, b"1930-03-22"),
            (b"DOB 8 apr 1967", 10, b"1967-04-08"),
            (b"on 29 Feb 2000", 10, b"2000-02-29"),
            (b"(1 SEPT 1999)", 8, b"1999-09-01"),
            (b"31 December 1899", 12, b"1899-12-31"),
        ];
        for (hay, p, iso) in ok {
            let got = at(hay, p, 4).map(|(_, _, d)| d);
            assert_eq!(
                got.as_ref(),
                Some(iso),
                "{}",
                String::from_utf8_lossy(hay)
            );
        }
        let bad: [(&[u8], usize); 6] = [
            (b"32 March 1930", 9),
            (b"29 Feb 1900", 7),
            (b"March 1930", 6),
            (b"22 Marchx 1930", 10),
            (b"22  March 1930", 10),
            (b"122 March 1930", 10),
        ];
        for (hay, p) in bad {
            assert_eq!(
                at(hay, p, 4),
                None,
                "{}",
                String::from_utf8_lossy(hay)
            );
        }
    }

    /// Bytes the window tests put outside the window.
    const FILL: &[u8] = b"0/-. bD";

    /// The length of the digit run starting at `p`.
    fn run_at(hay: &[u8], p: usize) -> usize {
        hay[p..].iter().take_while(|b| b.is_ascii_digit()).count()
    }

    /// Scans `hay` the way the engine does: at the start of every digit
    /// run, and returns every date found, as strings.
    fn scan(hay: &str) -> Vec<(usize, usize, String)> {
        let h = hay.as_bytes();
        let mut out = Vec::new();
        for p in 0..h.len() {
            if h[p].is_ascii_digit() && (p == 0 || !h[p - 1].is_ascii_digit())
            {
                if let Some((s, e, iso)) = at(h, p, run_at(h, p)) {
                    out.push((s, e, String::from_utf8(iso.to_vec()).unwrap()));
                }
            }
        }
        out
    }

    /// The ISO form of the single date in `hay`, if exactly one is found,
    /// checking that its span covers the whole of `hay`.
    fn whole(hay: &str) -> Option<String> {
        let found = scan(hay);
        assert!(found.len() <= 1, "{hay}: {found:?}");
        found.into_iter().next().map(|(s, e, iso)| {
            assert_eq!((s, e), (0, hay.len()), "{hay}");
            iso
        })
    }

    #[test]
    fn day_month_year_forms() {
        assert_eq!(whole("01/02/1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("01-02-1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("01.02.1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("1/2/1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("1-2-1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("1.2.1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("01/2/1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("1/02/1970").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("31/12/1999").as_deref(), Some("1999-12-31"));
        assert_eq!(whole("9/11/2001").as_deref(), Some("2001-11-09"));
    }

    #[test]
    fn year_first_forms() {
        assert_eq!(whole("1970-02-01").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("1970/02/01").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("2099-12-31").as_deref(), Some("2099-12-31"));
        // Only two-digit month and day, only `-` and `/`.
        assert_eq!(whole("1970-2-01"), None);
        assert_eq!(whole("1970-02-1"), None);
        assert_eq!(whole("1970-2-1"), None);
        assert_eq!(whole("1970.02.01"), None);
        assert_eq!(whole("1970-02/01"), None);
        assert_eq!(whole("1970/02-01"), None);
        assert_eq!(whole("1970-02-"), None);
        assert_eq!(whole("1970-02"), None);
        assert_eq!(whole("1970-"), None);
    }

    #[test]
    fn compact_form() {
        assert_eq!(whole("19700201").as_deref(), Some("1970-02-01"));
        assert_eq!(whole("20000229").as_deref(), Some("2000-02-29"));
        assert_eq!(whole("19700231"), None);
        assert_eq!(whole("19701301"), None);
        assert_eq!(whole("19700001"), None);
        assert_eq!(whole("19700100"), None);
        assert_eq!(whole("18791231"), None);
        assert_eq!(whole("21000101"), None);
        // Seven and nine digits are not dates; nor is a run of 8 digits
        // read as a year.
        assert_eq!(whole("1970020"), None);
        assert_eq!(whole("197002011"), None);
        assert_eq!(at(b"19700201", 0, 4), None);
        // HL7 and DICOM fields.
        let hay = "PID|1||X||DOE^JANE||19700201|F";
        assert_eq!(scan(hay), vec![(20, 28, "1970-02-01".to_string())]);
    }

    #[test]
    fn mixed_separators_are_not_dates() {
        for s in ["01/02-1970", "01-02/1970", "01.02/1970", "01/02.1970"] {
            assert_eq!(whole(s), None, "{s}");
        }
    }

    #[test]
    fn long_day_or_month_is_not_a_date() {
        assert_eq!(whole("101/02/1970"), None);
        assert_eq!(whole("01/002/1970"), None);
        assert_eq!(whole("001/02/1970"), None);
        assert_eq!(whole("01//1970"), None);
        assert_eq!(whole("/02/1970"), None);
        assert_eq!(whole("/1970"), None);
    }

    #[test]
    fn years() {
        assert_eq!(whole("31/12/1879"), None);
        assert_eq!(whole("01/01/1880").as_deref(), Some("1880-01-01"));
        assert_eq!(whole("31/12/2099").as_deref(), Some("2099-12-31"));
        assert_eq!(whole("01/01/2100"), None);
        assert_eq!(whole("1879-12-31"), None);
        assert_eq!(whole("1880-01-01").as_deref(), Some("1880-01-01"));
        assert_eq!(whole("2100-01-01"), None);
        assert_eq!(whole("01/01/0000"), None);
        assert_eq!(whole("01/01/9999"), None);
        // Two-digit years are not recognised.
        assert_eq!(whole("01/02/70"), None);
    }

    #[test]
    fn calendar() {
        for (s, ok) in [
            ("29/02/2000", true),  // divisible by 400
            ("29/02/1900", false), // century
            ("29/02/2004", true),
            ("29/02/2003", false),
            ("29/02/2096", true),
            ("29/02/1896", true),
            ("28/02/1900", true),
            ("30/02/2000", false),
            ("31/04/2020", false),
            ("30/04/2020", true),
            ("31/06/2020", false),
            ("31/09/2020", false),
            ("31/11/2020", false),
            ("31/01/2020", true),
            ("31/03/2020", true),
            ("31/05/2020", true),
            ("31/07/2020", true),
            ("31/08/2020", true),
            ("31/10/2020", true),
            ("31/12/2020", true),
            ("32/01/2020", false),
            ("00/01/2020", false),
            ("01/00/2020", false),
            ("01/13/2020", false),
            ("0/1/2020", false),
            ("1/0/2020", false),
        ] {
            assert_eq!(whole(s).is_some(), ok, "{s}");
        }
        // American order is only a date when it is also a British one.
        assert_eq!(whole("12/31/1999"), None);
    }

    #[test]
    fn every_day_of_two_years_against_a_naive_count() {
        for (year, days) in [(2000u32, 366), (1900, 365), (2024, 366)] {
            let mut found = 0;
            for m in 1..=12 {
                for d in 1..=31 {
                    let s = format!("{d:02}/{m:02}/{year}");
                    let iso = format!("{year}-{m:02}-{d:02}");
                    if let Some(got) = whole(&s) {
                        assert_eq!(got, iso);
                        found += 1;
                    }
                    let f = format!("{year}-{m:02}-{d:02}");
                    assert_eq!(whole(&f).is_some(), whole(&s).is_some());
                    let c = format!("{year}{m:02}{d:02}");
                    assert_eq!(whole(&c).is_some(), whole(&s).is_some());
                }
            }
            assert_eq!(found, days, "{year}");
        }
    }

    #[test]
    fn boundaries_before() {
        assert_eq!(whole("1/01/02/1970"), None);
        assert_eq!(scan("1/01/02/1970"), vec![]);
        assert_eq!(scan("5-01-02-1970"), vec![]);
        assert_eq!(scan(".01.02.1970"), vec![]);
        assert_eq!(scan("-1970-01-02"), vec![]);
        assert_eq!(scan("/1970/01/02"), vec![]);
        assert_eq!(scan("-19700102"), vec![]);
        assert_eq!(scan("01/02/1970-03-04"), vec![]);
        // A digit right before (the engine never calls `at` there, but
        // the function refuses anyway).
        assert_eq!(at(b"101/02/1970", 7, 4), None);
        assert_eq!(at(b"11970-01-02", 1, 4), None);
        assert_eq!(at(b"119700102", 1, 8), None);
        // Letters, spaces and other punctuation are fine.
        for pre in ["x", " ", ":", "(", "_", "|", "^", "é"] {
            for date in ["01/02/1970", "1970-02-01", "19700201"] {
                let hay = format!("{pre}{date}");
                let found = scan(&hay);
                assert_eq!(found.len(), 1, "{hay}");
                assert_eq!(found[0].0, pre.len(), "{hay}");
                assert_eq!(found[0].2, "1970-02-01", "{hay}");
            }
        }
    }

    #[test]
    fn boundaries_after() {
        assert_eq!(scan("1970-01-01-5"), vec![]);
        assert_eq!(scan("01/01/1970/5"), vec![]);
        assert_eq!(scan("01.01.1970.5"), vec![]);
        assert_eq!(scan("01/01/1970-5"), vec![]);
        assert_eq!(scan("19700101-5"), vec![]);
        assert_eq!(scan("1970-01-015"), vec![]);
        assert_eq!(at(b"01/01/19701", 6, 4), None);
        // A separator not followed by a digit ends a sentence.
        for post in [".", "-", "/", ". ", "-x", ",", ")", "\n", "T10:00"] {
            for date in ["01/02/1970", "1970-02-01", "19700201"] {
                let hay = format!("{date}{post}");
                let found = scan(&hay);
                assert_eq!(found.len(), 1, "{hay}");
                assert_eq!(found[0].1, date.len(), "{hay}");
            }
        }
    }

    #[test]
    fn in_text() {
        let hay = "Patient born 3/4/1955, seen 2024-05-06 and 20240507.";
        assert_eq!(
            scan(hay),
            vec![
                (13, 21, "1955-04-03".to_string()),
                (28, 38, "2024-05-06".to_string()),
                (43, 51, "2024-05-07".to_string()),
            ]
        );
    }

    #[test]
    fn only_at_the_year_run() {
        let hay = b"DOB 01/02/1970";
        for p in 0..=hay.len() + 1 {
            for run in 0..=10 {
                let want =
                    (p == 10 && run == 4).then_some((4, 14, *b"1970-02-01"));
                assert_eq!(at(hay, p, run), want, "p = {p}, run = {run}");
            }
        }
    }

    #[test]
    fn wrong_runs_give_none() {
        assert_eq!(at(b"1970-02-01", 0, 3), None);
        assert_eq!(at(b"1970-02-01", 0, 5), None);
        assert_eq!(at(b"19700201", 0, 7), None);
        assert_eq!(at(b"19700201", 0, 9), None);
        assert_eq!(at(b"1970", 0, 8), None);
        assert_eq!(at(b"01/02/197", 6, 4), None);
    }

    #[test]
    fn never_panics_on_any_input() {
        let hays: [&[u8]; 6] =
            [b"", b"1", b"/1970", b"1/1970", b"1970-", b"99/99/9999-99-99"];
        for hay in hays {
            for p in (0..hay.len() + 3).chain([usize::MAX - 3, usize::MAX]) {
                for run in [0, 4, 8, usize::MAX] {
                    let _ = at(hay, p, run);
                }
                let _ = is_birth_keyword_before(hay, p);
            }
        }
    }

    #[test]
    fn iso_form() {
        assert_eq!(iso(1880, 1, 1), Some(*b"1880-01-01"));
        assert_eq!(iso(2099, 12, 31), Some(*b"2099-12-31"));
        assert_eq!(iso(1999, 9, 9), Some(*b"1999-09-09"));
        assert_eq!(iso(1999, 9, 31), None);
        assert_eq!(iso(1999, 0, 1), None);
        assert_eq!(iso(1999, 13, 1), None);
    }

    /// Whether a keyword is found before the first digit of `hay`.
    fn keyword(hay: &str) -> bool {
        let start = hay.find(|c: char| c.is_ascii_digit()).unwrap();
        is_birth_keyword_before(hay.as_bytes(), start)
    }

    #[test]
    fn birth_keywords() {
        for hay in [
            "DOB: 01/02/1970",
            "dob 01/02/1970",
            "Dob=1970-02-01",
            "D.O.B. 01/02/1970",
            "d.o.b 01/02/1970",
            "Date of birth 1970-02-01",
            "DATE OF BIRTH: 01.02.1970",
            "Date of birth (DD/MM/YYYY): 01/02/1970",
            "Birth date: 01/02/1970",
            "birthdate=19700201",
            "\"birthDate\": \"1970-02-01\"",
            "Born 01/02/1970",
            "born on 01/02/1970",
            "Birth: 01/02/1970",
            "birthday 01/02/1970",
            "patient_dob=19700201",
            "#dob 01/02/1970",
            "<dob>1970-02-01",
        ] {
            assert!(keyword(hay), "{hay}");
        }
    }

    #[test]
    fn no_birth_keyword() {
        for hay in [
            "Seen 01/02/2024",
            "Appointment date: 01/02/2024",
            "Date of admission 01/02/2024",
            "adobe 01/02/1970",
            "xdob 01/02/1970",
            "stubborn 01/02/1970",
            "reborn 01/02/1970",
            "newbirth 01/02/1970",
            "patientDOB 01/02/1970",
            "d.o. 01/02/1970",
            "date of bir 01/02/1970",
            "bir th 01/02/1970",
            "do b 01/02/1970",
        ] {
            assert!(!keyword(hay), "{hay}");
        }
        assert!(!is_birth_keyword_before(b"", 0));
    }

    #[test]
    fn keyword_window_edges() {
        // The keyword must lie wholly within the 32 bytes before `start`.
        let pad = |n: usize| format!("DOB{}01/02/1970", " ".repeat(n));
        let at_edge = pad(DOB_KEYWORD_WINDOW - 3);
        assert!(keyword(&at_edge));
        let past_edge = pad(DOB_KEYWORD_WINDOW - 2);
        assert!(!keyword(&past_edge));
        // A keyword that would overlap `start` does not count.
        assert!(!is_birth_keyword_before(b"DOB", 2));
        assert!(is_birth_keyword_before(b"DOB", 3));
        // A start beyond the input looks only at what exists.
        assert!(is_birth_keyword_before(b"DOB", 10));
        assert!(!is_birth_keyword_before(b"DOB", 3 + DOB_KEYWORD_WINDOW));
        assert!(!is_birth_keyword_before(b"DOB", usize::MAX));
        // The byte before the window is read for the word boundary.
        let mut hay = b"x".to_vec();
        hay.extend_from_slice(b"dob");
        hay.extend_from_slice(&[b' '; DOB_KEYWORD_WINDOW - 3]);
        assert!(!is_birth_keyword_before(&hay, hay.len()));
        assert!(is_birth_keyword_before(&hay[1..], hay.len() - 1));
    }

    /// `at`, and the keyword search from the date it finds, give the same
    /// answers when everything outside
    /// `[p - DATE_LOOKBEHIND, p + DATE_LOOKAHEAD)` is cut off or replaced.
    fn assert_window_bound(hay: &[u8]) {
        for p in 0..=hay.len() {
            let lo = p.saturating_sub(DATE_LOOKBEHIND);
            let hi = (p + DATE_LOOKAHEAD).min(hay.len());
            for run in [0, 1, 3, 4, 5, 8, 9] {
                let want = at(hay, p, run);
                let kw = want.map(|(s, ..)| is_birth_keyword_before(hay, s));
                let cut = &hay[lo..hi];
                let got = at(cut, p - lo, run);
                assert_eq!(
                    got.map(|(s, e, iso)| (s + lo, e + lo, iso)),
                    want,
                    "cut, p = {p}, run = {run}"
                );
                let got_kw =
                    got.map(|(s, ..)| is_birth_keyword_before(cut, s));
                assert_eq!(got_kw, kw, "cut keyword, p = {p}");
                for &fill in FILL {
                    let mut h = vec![fill; hay.len()];
                    h[lo..hi].copy_from_slice(&hay[lo..hi]);
                    let got = at(&h, p, run);
                    assert_eq!(got, want, "fill {fill}, p = {p}");
                    let got_kw =
                        got.map(|(s, ..)| is_birth_keyword_before(&h, s));
                    assert_eq!(got_kw, kw, "fill keyword {fill}, p = {p}");
                }
            }
        }
    }

    #[test]
    fn reads_only_within_the_window() {
        for hay in [
            &b"01/02/1970"[..],
            b"1/2/1970",
            b"x1/2/1970.5",
            b"1/01/02/1970",
            b"1970-02-01",
            b"1970-02-01-5",
            b"1970-02-01-",
            b"19700201",
            b"19700201-5",
            b"Date of birth (DD/MM/YYYY): 01/02/1970 seen 2024-05-06",
            b"birth                           19700201",
        ] {
            assert_window_bound(hay);
        }
        // Keywords at and around the far edge of the keyword window.
        for n in 24..=32 {
            for date in ["01/02/1970", "1/2/1970", "1970-02-01", "19700201"] {
                let hay = format!("xDOB{}{date}", " ".repeat(n));
                assert_window_bound(hay.as_bytes());
            }
        }
    }

    #[test]
    fn keyword_search_reads_only_its_lookbehind() {
        let hay = b"x DOB: d.o.b birthdate xdob Date of birth 01/02/1970";
        for start in 0..=hay.len() + 1 {
            let want = is_birth_keyword_before(hay, start);
            let lo = start.saturating_sub(DOB_KEYWORD_LOOKBEHIND);
            let hi = start.min(hay.len());
            let got = is_birth_keyword_before(&hay[lo..hi], start - lo);
            assert_eq!(got, want, "start = {start}");
        }
    }

    #[test]
    fn the_window_bound_is_tight() {
        // `DD/MM/` and the boundary byte before it are read.
        assert_eq!(at(b"1/01/02/1970", 8, 4), None);
        assert!(at(&b"1/01/02/1970"[1..], 7, 4).is_none());
        assert!(at(&b"1/01/02/1970"[2..], 6, 4).is_some());
        // The byte after a separator after `YYYY-MM-DD` is read.
        assert_eq!(at(b"1970-02-01-5", 0, 4), None);
        assert!(at(&b"1970-02-01-5"[..DATE_LOOKAHEAD - 1], 0, 4).is_some());
    }

    /// Seeds near dates, each with one to three random bytes replaced,
    /// inserted or deleted (a fixed xorshift, so failures reproduce).
    const NEAR_MISS_SEEDS: [&[u8]; 4] =
        [b"DOB: 01/02/1970", b"1970-02-01", b"19700201", b"born 1/2/1970."];

    /// The bytes the near-miss mutations use.
    const NEAR_MISS_BYTES: &[u8] = b"0123456789/-. DOBdob";

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
