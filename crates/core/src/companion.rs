//! The companion identifiers (spec §4) at a trigger position: NINOs,
//! postcodes, dates of birth, SNOMED CT and ICD-10 codes, NHSmail
//! addresses. The scan loop finds trigger positions (see
//! [`crate::scan`]); this module decides what, if anything, starts there.
//! Each shape's rules live in its detector file; here are only the
//! confidence rules, which combine shape, keywords and structure.

use crate::detector::{date, icd10, nhs_email, nino, postcode, snomed_ct};
use crate::finding::{Confidence, Finding, Kind};
use crate::structure::FieldRole;

/// Bytes before a trigger that deciding a companion may read: the most any
/// companion detector looks back (an email's local part, a date's day and
/// month and its keyword window, a code's keyword window).
pub(crate) const COMPANION_LOOKBEHIND: usize = max(&[
    nino::NINO_LOOKBEHIND,
    postcode::POSTCODE_LOOKBEHIND,
    date::DATE_LOOKBEHIND,
    snomed_ct::SNOMED_LOOKBEHIND,
    icd10::ICD10_LOOKBEHIND,
    nhs_email::NHS_EMAIL_LOOKBEHIND,
]);

/// Bytes from a trigger that deciding a companion may read.
pub(crate) const COMPANION_LOOKAHEAD: usize = max(&[
    nino::NINO_LOOKAHEAD,
    postcode::POSTCODE_LOOKAHEAD,
    date::DATE_LOOKAHEAD,
    snomed_ct::SNOMED_LOOKAHEAD,
    icd10::ICD10_LOOKAHEAD,
    nhs_email::NHS_EMAIL_LOOKAHEAD,
]);

const fn max(values: &[usize]) -> usize {
    let mut m = 0;
    let mut i = 0;
    while i < values.len() {
        if values[i] > m {
            m = values[i];
        }
        i += 1;
    }
    m
}

/// A companion shape found at a trigger, before the field it sits in is
/// known: its confidence in a field with role `in_role`, and otherwise.
#[derive(Clone, Debug)]
pub(crate) struct Companion {
    pub(crate) kind: Kind,
    /// Span in the region.
    pub(crate) start: usize,
    pub(crate) end: usize,
    /// The field role that corroborates it, and the confidence it gives.
    pub(crate) in_role: (FieldRole, Confidence),
    /// The confidence anywhere else; `None` means not reported.
    pub(crate) otherwise: Option<Confidence>,
    /// A date's ISO form.
    iso: Option<[u8; 10]>,
}

impl Companion {
    /// Whether the confidence depends on the field's role (so the caller
    /// must ask the structure trackers).
    pub(crate) fn needs_role(&self) -> bool {
        self.otherwise != Some(self.in_role.1)
    }

    /// The finding, at absolute offsets from `base`, for a field with
    /// `role`; `None` when not reported.
    pub(crate) fn finding(
        &self,
        hay: &[u8],
        base: u64,
        role: FieldRole,
    ) -> Option<Finding> {
        let confidence = if role == self.in_role.0 {
            self.in_role.1
        } else {
            self.otherwise?
        };
        let span = &hay[self.start..self.end];
        let value: Vec<u8> = match (self.kind, self.iso) {
            (_, Some(iso)) => iso.to_vec(),
            (Kind::Nino, _) => {
                span.iter().copied().filter(|&b| b != b' ').collect()
            }
            (Kind::NhsEmail, _) => span.to_ascii_lowercase(),
            _ => span.to_vec(),
        };
        Some(Finding::companion(
            self.kind,
            base + self.start as u64,
            base + self.end as u64,
            confidence,
            &value,
        ))
    }
}

/// Whether a time of day follows a date ending at `end` (`2024-03-04T21:12`,
/// `04/03/2024 21:12`): a timestamp records an event, not a birth, so the
/// date is not a date of birth whatever the words before it.
fn time_after(hay: &[u8], end: usize) -> bool {
    match hay.get(end) {
        Some(b'T') => digit(hay, end + 1),
        Some(b' ') => {
            digit(hay, end + 1)
                && digit(hay, end + 2)
                && hay.get(end + 3) == Some(&b':')
        }
        _ => false,
    }
}

/// Whether a companion can start at trigger `p` at all, for a digit run of
/// `run` bytes there: the cheap test that spares most digit runs (three
/// digits, long numbers) the detectors' work.
#[inline]
pub(crate) fn possible(hay: &[u8], p: usize, run: usize) -> bool {
    if hay[p].is_ascii_digit() {
        date_shaped(hay, p, run)
            || (snomed_ct::SNOMED_MIN_DIGITS..=snomed_ct::SNOMED_MAX_DIGITS)
                .contains(&run)
            || (upper(hay, p + 1) && upper(hay, p + 2))
    } else {
        true
    }
}

/// Whether the digit run `hay[p..p + run]` could be a date's year: eight
/// digits, or four with a date separator (or, for `22 March 1930`, a
/// letter and a space) before them or `-` or `/` after them. Most four-digit runs
/// (amounts, times, codes) fail this before the date detector runs.
#[inline]
fn date_shaped(hay: &[u8], p: usize, run: usize) -> bool {
    let before = |i: usize| p.checked_sub(i).map(|i| hay[i]);
    let separator = matches!(before(1), Some(b'/' | b'-' | b'.'));
    // `22 March 1930`: a space, and a month name's last letter.
    let month = before(1) == Some(b' ')
        && before(2).is_some_and(|b| b.is_ascii_alphabetic());
    run == 8
        || (run == 4
            && (separator
                || month
                || matches!(hay.get(p + 4), Some(b'-' | b'/'))))
}

/// Whether `b` is an ASCII uppercase letter.
#[inline]
fn upper(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_uppercase)
}

/// Whether `hay[i]` is an ASCII digit.
#[inline]
fn digit(hay: &[u8], i: usize) -> bool {
    hay.get(i).is_some_and(u8::is_ascii_digit)
}

/// Whether position `p` is a trigger for a companion other than a digit
/// run: a postcode's inward code (digit, two uppercase letters), a NINO's
/// prefix (two uppercase letters, then a digit or a space), an ICD-10 code
/// (uppercase letter, two digits), or an `@`. The scan loop's masks
/// compute exactly this, 64 bytes at a time; this is their oracle.
pub(crate) fn is_trigger(hay: &[u8], p: usize) -> bool {
    let b = hay[p];
    if b == b'@' {
        return true;
    }
    if b.is_ascii_digit() {
        return upper(hay, p + 1) && upper(hay, p + 2);
    }
    if b.is_ascii_uppercase() {
        let nino = upper(hay, p + 1)
            && (digit(hay, p + 2) || hay.get(p + 2) == Some(&b' '));
        let icd = digit(hay, p + 1) && digit(hay, p + 2);
        return nino || icd;
    }
    false
}

/// The companion shapes starting at trigger `p`, for a digit run of `run`
/// bytes starting there (0 when `p` is not a digit-run start), and whether
/// a health identifier was found at `p` (its digits are then not a SNOMED
/// CT code). Pushes each to `out`.
pub(crate) fn at(
    hay: &[u8],
    p: usize,
    run: usize,
    health_found: bool,
    out: &mut Vec<Companion>,
) {
    let b = hay[p];
    let none = FieldRole::None;
    if b.is_ascii_digit() {
        if date_shaped(hay, p, run) {
            if let Some((start, end, iso)) = date::at(hay, p, run)
                .filter(|&(_, end, _)| !time_after(hay, end))
            {
                let keyword = date::is_birth_keyword_before(hay, start);
                out.push(Companion {
                    kind: Kind::DateOfBirth,
                    start,
                    end,
                    in_role: (FieldRole::BirthDate, Confidence::High),
                    otherwise: keyword.then_some(Confidence::Medium),
                    iso: Some(iso),
                });
            }
        }
        let snomed_len = (snomed_ct::SNOMED_MIN_DIGITS
            ..=snomed_ct::SNOMED_MAX_DIGITS)
            .contains(&run);
        if snomed_len && !health_found && snomed_ct::is_valid(&hay[p..p + run])
        {
            let end = p + run;
            let keyword = snomed_ct::is_context_keyword_near(hay, p, end);
            out.push(Companion {
                kind: Kind::SnomedCt,
                start: p,
                end,
                in_role: (FieldRole::ClinicalCode, Confidence::High),
                otherwise: keyword.then_some(Confidence::Medium),
                iso: None,
            });
        }
        if upper(hay, p + 1) && upper(hay, p + 2) {
            if let Some((start, end)) = postcode::at(hay, p) {
                out.push(Companion {
                    kind: Kind::Postcode,
                    start,
                    end,
                    in_role: (FieldRole::Address, Confidence::Medium),
                    otherwise: Some(Confidence::Low),
                    iso: None,
                });
            }
        }
    } else if b.is_ascii_uppercase() {
        if let Some((start, end)) = nino::at(hay, p) {
            out.push(Companion {
                kind: Kind::Nino,
                start,
                end,
                in_role: (none, Confidence::Medium),
                otherwise: Some(Confidence::Medium),
                iso: None,
            });
        } else if let Some((start, end)) = icd10::at(hay, p) {
            let keyword = icd10::is_context_keyword_near(hay, start);
            out.push(Companion {
                kind: Kind::Icd10,
                start,
                end,
                in_role: (FieldRole::ClinicalCode, Confidence::High),
                otherwise: keyword.then_some(Confidence::Medium),
                iso: None,
            });
        }
    } else if b == b'@' {
        if let Some((start, end)) = nhs_email::at(hay, p) {
            out.push(Companion {
                kind: Kind::NhsEmail,
                start,
                end,
                in_role: (none, Confidence::Medium),
                otherwise: Some(Confidence::Medium),
                iso: None,
            });
        }
    }
}
