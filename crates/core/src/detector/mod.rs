//! The identifier detectors: one file per kind, plus the checksums and
//! written-form parsing they share.
//!
//! Each detector module offers a standalone validator (`is_valid`) that
//! accepts any written form from the spec (contiguous or 3-3-4 grouped with
//! one separator used twice) and applies that kind's checksum and range.

pub mod chi_number;
pub mod hc_number;
pub mod nhs_number;

// Companion identifiers and clinical content (spec §4). Each module is
// pure functions the engine calls at trigger positions; each names the
// bytes it may read around a trigger (`*_LOOKBEHIND`, `*_LOOKAHEAD`).
pub mod date;
pub mod icd10;
pub mod nhs_email;
pub mod nino;
pub mod postcode;
pub mod snomed_ct;

pub(crate) mod checksum;

use crate::finding::Kind;

/// Ten ASCII digits.
pub(crate) type Digits = [u8; 10];

/// What the digits of a candidate are, before context is considered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    /// Modulus 11 and an allocated (or synthetic) range.
    Valid { kind: Kind, synthetic: bool },
    /// A CHI-shaped number valid only by the Modulus-10 rule: reportable
    /// only with CHI context.
    ChiMod10,
    /// Not a health identifier.
    Invalid,
}

/// Classifies ten digits by placeholder rule, checksum and range (spec §1).
pub(crate) fn classify(d: &Digits) -> Class {
    if d.iter().all(|&b| b == d[0]) {
        return Class::Invalid;
    }
    if checksum::mod11_valid(d) {
        if let Some(synthetic) = nhs_number::range(d) {
            return Class::Valid { kind: Kind::NhsNumber, synthetic };
        }
        if hc_number::in_range(d) {
            return Class::Valid { kind: Kind::HcNumber, synthetic: false };
        }
        if chi_number::has_date(d) {
            return Class::Valid { kind: Kind::ChiNumber, synthetic: false };
        }
        return Class::Invalid;
    }
    if checksum::mod10_valid(d) && chi_number::has_date(d) {
        return Class::ChiMod10;
    }
    Class::Invalid
}

/// The separators allowed between 3-3-4 groups, as byte strings.
pub(crate) const SEPARATORS: [&[u8]; 5] =
    [b" ", b"-", b".", b"\t", "\u{00A0}".as_bytes()];

/// Returns the separator starting at `hay[i..]`, if any.
#[inline]
pub(crate) fn separator_at(hay: &[u8], i: usize) -> Option<&'static [u8]> {
    let rest = hay.get(i..)?;
    SEPARATORS.into_iter().find(|s| rest.starts_with(s))
}

/// Parses a whole string as one written form: ten digits, or 3-3-4 with the
/// same separator twice. Surrounding ASCII whitespace is ignored.
pub(crate) fn parse_written(text: &str) -> Option<Digits> {
    let t = text.trim_matches(|c: char| c.is_ascii_whitespace()).as_bytes();
    let mut d = [0u8; 10];
    if t.len() == 10 && t.iter().all(u8::is_ascii_digit) {
        d.copy_from_slice(t);
        return Some(d);
    }
    if t.len() < 12 || !t[..3].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let sep = separator_at(t, 3)?;
    let rest = &t[3 + sep.len()..];
    let (mid, rest) = (rest.get(..3)?, rest.get(3..)?);
    let last = rest.strip_prefix(sep)?;
    if !mid.iter().all(u8::is_ascii_digit)
        || last.len() != 4
        || !last.iter().all(u8::is_ascii_digit)
    {
        return None;
    }
    d[..3].copy_from_slice(&t[..3]);
    d[3..6].copy_from_slice(mid);
    d[6..].copy_from_slice(last);
    Some(d)
}

/// The value of `d[a..b]` as a number.
#[inline]
pub(crate) fn number(d: &[u8], a: usize, b: usize) -> u32 {
    d[a..b].iter().fold(0, |n, &c| n * 10 + u32::from(c - b'0'))
}

/// Calls `check` on near misses of each seed: `rounds` mutations of it,
/// each one to three bytes from `alphabet` replaced, inserted or deleted (a
/// fixed xorshift, so failures reproduce). The companion detectors' tests
/// use it to check that their reads stay inside their declared windows.
#[cfg(test)]
pub(crate) fn near_misses(
    seeds: &[&[u8]],
    alphabet: &[u8],
    rounds: usize,
    mut check: impl FnMut(&[u8]),
) {
    let mut x = 0x2545_f491_4f6c_dd1d_u64;
    let mut rand = |n: usize| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        usize::try_from(x % n as u64).unwrap_or(0)
    };
    for seed in seeds {
        for _ in 0..rounds {
            let mut hay = seed.to_vec();
            for _ in 0..1 + rand(3) {
                let i = rand(hay.len() + 1);
                let b = alphabet[rand(alphabet.len())];
                match rand(3) {
                    0 if i < hay.len() => hay[i] = b,
                    1 if i < hay.len() => {
                        hay.remove(i);
                    }
                    _ => hay.insert(i, b),
                }
            }
            check(&hay);
        }
    }
}
