//! The slow, obvious oracle: the rules of DESIGN.md written as directly as
//! possible, sharing no logic with the engine (only the keyword lists, which
//! are data). Every position of the input is tried against every written
//! form; every keyword is compared at every position of the window.

use caldicott_core::{CHI_KEYWORDS, DEFAULT_KEYWORDS};
use caldicott_testkit::gen::{mod10_valid, mod11_valid, valid_ddmmyy};

use crate::util::Plain;

const SEPARATORS: [&[u8]; 5] = [b" ", b"-", b".", b"\t", b"\xC2\xA0"];

fn is_digit(hay: &[u8], i: usize) -> bool {
    i < hay.len() && hay[i].is_ascii_digit()
}

fn all_digits(hay: &[u8], from: usize, n: usize) -> bool {
    (from..from + n).all(|i| is_digit(hay, i))
}

fn starts_with_at(hay: &[u8], i: usize, s: &[u8]) -> bool {
    i + s.len() <= hay.len() && &hay[i..i + s.len()] == s
}

fn ends_with_at(hay: &[u8], i: usize, s: &[u8]) -> bool {
    i >= s.len() && &hay[i - s.len()..i] == s
}

/// `(end, digits, separator)` of a written form.
type Form = (usize, Vec<u8>, Option<&'static [u8]>);

/// The written form starting at `i`, if any.
fn form_at(hay: &[u8], i: usize) -> Option<Form> {
    if i > 0 && is_digit(hay, i - 1) {
        return None;
    }
    if all_digits(hay, i, 10) && !is_digit(hay, i + 10) {
        return Some((i + 10, hay[i..i + 10].to_vec(), None));
    }
    for sep in SEPARATORS {
        let b = i + 3 + sep.len();
        let c = b + 3 + sep.len();
        if all_digits(hay, i, 3)
            && starts_with_at(hay, i + 3, sep)
            && all_digits(hay, b, 3)
            && starts_with_at(hay, b + 3, sep)
            && all_digits(hay, c, 4)
            && !is_digit(hay, c + 4)
        {
            let mut d = hay[i..i + 3].to_vec();
            d.extend_from_slice(&hay[b..b + 3]);
            d.extend_from_slice(&hay[c..c + 4]);
            return Some((c + 4, d, Some(sep)));
        }
    }
    None
}

fn is_hex(hay: &[u8], i: usize) -> bool {
    i < hay.len() && hay[i].is_ascii_hexdigit()
}

fn dropped_by_boundaries(
    hay: &[u8],
    i: usize,
    end: usize,
    sep: Option<&[u8]>,
) -> bool {
    if let Some(sep) = sep {
        let before = ends_with_at(hay, i, sep)
            && i > sep.len()
            && is_digit(hay, i - sep.len() - 1);
        let after =
            starts_with_at(hay, end, sep) && is_digit(hay, end + sep.len());
        return before || after;
    }
    // Contiguous: `-` or `.` joined to a digit on either side.
    for joiner in [b'-', b'.'] {
        if i >= 2 && hay[i - 1] == joiner && is_digit(hay, i - 2) {
            return true;
        }
        if end < hay.len() && hay[end] == joiner && is_digit(hay, end + 1) {
            return true;
        }
    }
    // Dialling prefix: [+]digits[sep] right before the number.
    let mut j = i;
    for sep in SEPARATORS {
        if ends_with_at(hay, j, sep) {
            j -= sep.len();
            break;
        }
    }
    let mut k = j;
    while k > 0 && is_digit(hay, k - 1) && j - k < 6 {
        k -= 1;
    }
    let n = j - k;
    if (1..=3).contains(&n) && k > 0 && hay[k - 1] == b'+' {
        return true;
    }
    if (4..=5).contains(&n) && hay[k] == b'0' && hay[k + 1] == b'0' {
        let continues_number = SEPARATORS.iter().any(|sep| {
            ends_with_at(hay, k, sep)
                && k > sep.len()
                && is_digit(hay, k - sep.len() - 1)
        });
        if !continues_number {
            return true;
        }
    }
    // Hex token, looking at most 16 bytes each way.
    let mut left = 0;
    while left < 16 && i > left && is_hex(hay, i - left - 1) {
        left += 1;
    }
    let mut right = 0;
    while right < 16 && is_hex(hay, end + right) {
        right += 1;
    }
    let letter = (i - left..i)
        .chain(end..end + right)
        .any(|x| hay[x].is_ascii_alphabetic());
    let s = i - left;
    let uuid = s >= 2 && hay[s - 1] == b'-' && is_hex(hay, s - 2);
    letter && (left + 10 + right >= 16 || uuid)
}

fn number(d: &[u8], a: usize, b: usize) -> u64 {
    std::str::from_utf8(&d[a..b]).unwrap().parse().unwrap()
}

/// Whether any of `words` lies wholly in `hay[ws..we]` as a whole word.
fn keyword_in(hay: &[u8], ws: usize, we: usize, words: &[&str]) -> bool {
    for w in words {
        let w = w.as_bytes();
        if w.len() > we - ws {
            continue;
        }
        for k in ws..=we - w.len() {
            if hay[k..k + w.len()].eq_ignore_ascii_case(w)
                && !(k > 0 && hay[k - 1].is_ascii_alphabetic())
                && !(k + w.len() < hay.len()
                    && hay[k + w.len()].is_ascii_alphabetic())
            {
                return true;
            }
        }
    }
    false
}

/// A CSV column's role, per DESIGN.md "Structure: CSV and TSV headers".
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    None,
    Identifier { chi: bool },
    Other,
}

fn role_of(cell: &[u8]) -> Role {
    let name: String = cell
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    let chi = ["chi", "chino", "chinumber", "chinum", "chiid"]
        .contains(&name.as_str());
    let hc = ["hcn", "hcno", "hcnumber", "hscnumber", "healthandcarenumber"]
        .contains(&name.as_str());
    let other_parts = [
        "order",
        "invoice",
        "isbn",
        "timestamp",
        "phone",
        "mobile",
        "account",
        "transaction",
        "meeting",
        "epoch",
        "visit",
        "accession",
    ];
    if chi || hc || name.contains("nhs") {
        Role::Identifier { chi }
    } else if other_parts.iter().any(|p| name.contains(p))
        || ["tel", "ts", "time", "telephone", "created"]
            .contains(&name.as_str())
    {
        Role::Other
    } else {
        Role::None
    }
}

/// The header of `hay`, if its first line is a CSV header with a role:
/// where the rows start, the delimiter, and the columns' roles.
fn csv_header(hay: &[u8]) -> Option<(usize, u8, Vec<Role>)> {
    let nl = hay.iter().position(|&b| b == b'\n')?;
    if nl > 4096 {
        return None;
    }
    let mut line = &hay[..nl];
    if line.last() == Some(&b'\r') {
        line = &line[..line.len() - 1];
    }
    // JSON, XML and HL7 documents are not CSV, whatever their first line.
    let body = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let body = body.trim_ascii_start();
    if matches!(body.first(), Some(b'{' | b'[' | b'<'))
        || body.starts_with(b"MSH")
        || body.starts_with(b"FHS")
        || body.starts_with(b"BHS")
    {
        return None;
    }
    let delims = [b',', b'\t', b';', b'|'];
    let counts: Vec<usize> = delims
        .iter()
        .map(|d| line.iter().filter(|b| *b == d).count())
        .collect();
    let best = *counts.iter().max().unwrap();
    if best == 0 {
        return None;
    }
    let delim = delims[counts.iter().position(|&c| c == best).unwrap()];
    let roles: Vec<Role> =
        line.split(|&b| b == delim).take(512).map(role_of).collect();
    if roles.len() < 2 || roles.iter().all(|r| *r == Role::None) {
        return None;
    }
    Some((nl + 1, delim, roles))
}

/// The role of the field holding offset `p`.
fn role_at(
    hay: &[u8],
    header: &Option<(usize, u8, Vec<Role>)>,
    p: usize,
) -> Role {
    let Some((rows, delim, roles)) = header else { return Role::None };
    if p < *rows {
        return Role::None;
    }
    let (mut column, mut quoted) = (0, false);
    for &b in &hay[*rows..p] {
        if b == b'"' {
            quoted = !quoted;
        } else if b == b'\n' && !quoted {
            column = 0;
        } else if b == *delim && !quoted {
            column += 1;
        }
    }
    roles.get(column).copied().unwrap_or(Role::None)
}

/// The role of a label word attached to the number at `p` (DESIGN.md,
/// "Labels in plain text"): up to three separators, a word, and if that
/// word is a filler, up to three more separators and the word before it.
fn label_at(hay: &[u8], p: usize) -> Role {
    let lo = p.saturating_sub(60);
    let seps = b" \t:=#.";
    let fillers =
        ["no", "number", "num", "nr", "id", "ref", "reference", "is"];
    let mut i = p;
    let mut word: Vec<u8> = Vec::new();
    for round in 0..3 {
        let mut n = 0;
        while i > lo && n < 3 && seps.contains(&hay[i - 1]) {
            i -= 1;
            n += 1;
        }
        if n == 0 {
            return Role::None;
        }
        let end = i;
        while i > lo
            && (hay[i - 1].is_ascii_alphanumeric() || hay[i - 1] == b'_')
        {
            i -= 1;
        }
        let cut = i > 0 && hay[i - 1].is_ascii_alphanumeric();
        if end - i > 16 || cut || end == i {
            return Role::None;
        }
        word = hay[i..end].to_vec();
        let lower = String::from_utf8_lossy(&word).to_ascii_lowercase();
        if round < 2 && fillers.contains(&lower.as_str()) {
            continue;
        }
        break;
    }
    role_of(&word)
}

/// Every finding in `hay` under the default configuration but the given
/// context window.
pub(crate) fn scan(hay: &[u8], before: usize, after: usize) -> Vec<Plain> {
    let mut all_words: Vec<&str> = DEFAULT_KEYWORDS.to_vec();
    all_words.extend_from_slice(CHI_KEYWORDS);
    let header = csv_header(hay);
    let mut out = Vec::new();
    for i in 0..hay.len() {
        let Some((end, d, sep)) = form_at(hay, i) else { continue };
        if dropped_by_boundaries(hay, i, end, sep) {
            continue;
        }
        if d.iter().all(|&b| b == d[0]) {
            continue;
        }
        let ws = i.saturating_sub(before);
        let we = (end + after).min(hay.len());
        let p3 = number(&d, 0, 3);
        let p9 = number(&d, 0, 9);
        let (kind, synthetic, mod10) = if mod11_valid(&d) {
            if p3 >= 900 {
                ("nhs_number", true, false)
            } else if (400..500).contains(&p3) || (600..800).contains(&p3) {
                ("nhs_number", false, false)
            } else if (320_000_001..=399_999_999).contains(&p9) {
                ("hc_number", false, false)
            } else if valid_ddmmyy(&d) {
                ("chi_number", false, false)
            } else {
                continue;
            }
        } else if mod10_valid(&d) && valid_ddmmyy(&d) {
            ("chi_number", false, true)
        } else {
            continue;
        };
        let role = match role_at(hay, &header, i) {
            Role::None => label_at(hay, i),
            role => role,
        };
        let confidence = if mod10 {
            if role != (Role::Identifier { chi: true })
                && !keyword_in(hay, ws, we, CHI_KEYWORDS)
            {
                continue;
            }
            "low"
        } else if matches!(role, Role::Identifier { .. }) {
            "high"
        } else if role == Role::Other {
            "low"
        } else if keyword_in(hay, ws, we, &all_words) {
            "high"
        } else {
            "medium"
        };
        out.push((
            kind.to_string(),
            i as u64,
            end as u64,
            confidence.to_string(),
            synthetic,
        ));
    }
    out
}
