//! CSV and TSV exports: a header row naming a patient-identifier column
//! corroborates every value in that column (as Macie uses column names);
//! a column named for something else (an order id, a timestamp) demotes
//! the numbers in it.
//!
//! The header is the first line of the input. It is a header when it has at
//! least two cells and at least one cell has a role; otherwise the tracker
//! goes dormant and costs nothing more. Rows are followed with quotes
//! honoured (a delimiter or newline inside `"…"` does not split).

use super::FieldRole;

/// Longest first line considered as a header. A header row is a few hundred
/// bytes; a longer first line is not a CSV header, and buffering it is the
/// tracker's only variable-size state.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_CSV_HEADER_LEN: usize = 4096;

/// Columns whose names are kept; later columns have no role. Exports have
/// tens of columns; the limit bounds the tracker's memory.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_CSV_COLUMNS: usize = 512;

/// Delimiters tried, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Normalised header names (ASCII letters and digits, lower case) that
/// name a CHI number column.
const CHI_NAMES: [&str; 5] = ["chi", "chino", "chinumber", "chinum", "chiid"];

/// Normalised header names that name an H&C number column.
const HC_NAMES: [&str; 5] =
    ["hcn", "hcno", "hcnumber", "hscnumber", "healthandcarenumber"];

/// Parts of normalised header names that say a column holds something other
/// than a health identifier.
const OTHER_PARTS: [&str; 10] = [
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
];

/// Whole normalised header names that say the same.
const OTHER_NAMES: [&str; 4] = ["tel", "ts", "time", "telephone"];

/// The role of a header cell.
pub(crate) fn role_of(cell: &[u8]) -> FieldRole {
    let name: String = cell
        .iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| b.to_ascii_lowercase() as char)
        .collect();
    let chi = CHI_NAMES.contains(&name.as_str());
    if chi || name.contains("nhs") || HC_NAMES.contains(&name.as_str()) {
        FieldRole::Identifier { chi }
    } else if OTHER_PARTS.iter().any(|p| name.contains(p))
        || OTHER_NAMES.contains(&name.as_str())
    {
        FieldRole::Other
    } else {
        FieldRole::None
    }
}

/// Parses a header line (without its newline): the delimiter and the
/// columns' roles, or `None` when it is not a header with a role.
pub(crate) fn parse_header(line: &[u8]) -> Option<(u8, Vec<FieldRole>)> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    // The most frequent delimiter; the earliest in DELIMITERS on a tie.
    let best = DELIMITERS.into_iter().map(count).max().unwrap_or(0);
    if best == 0 {
        return None;
    }
    let delim = DELIMITERS.into_iter().find(|&d| count(d) == best)?;
    let roles: Vec<FieldRole> = line
        .split(|&b| b == delim)
        .take(MAX_CSV_COLUMNS)
        .map(role_of)
        .collect();
    let useful = roles.iter().any(|r| *r != FieldRole::None);
    (roles.len() >= 2 && useful).then_some((delim, roles))
}

/// Follows the input's columns.
#[derive(Clone, Debug)]
pub(crate) struct CsvTracker {
    /// Offset of the next byte to look at.
    pos: u64,
    state: State,
}

#[derive(Clone, Debug)]
enum State {
    /// Collecting the first line.
    Header(Vec<u8>),
    /// Following rows of a CSV with a useful header.
    Rows { delim: u8, roles: Vec<FieldRole>, column: usize, quoted: bool },
    /// Not a CSV with a useful header: nothing more to do.
    Dormant,
}

impl Default for CsvTracker {
    fn default() -> CsvTracker {
        CsvTracker { pos: 0, state: State::Header(Vec::new()) }
    }
}

impl CsvTracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target` (the scan guarantees it: regions are contiguous
    /// and in order).
    pub(crate) fn advance(&mut self, hay: &[u8], base: u64, target: u64) {
        if target <= self.pos || matches!(self.state, State::Dormant) {
            self.pos = self.pos.max(target);
            return;
        }
        debug_assert!(self.pos >= base);
        let from = (self.pos - base) as usize;
        let to = (target - base) as usize;
        let mut bytes = &hay[from..to];
        self.pos = target;
        if let State::Header(line) = &mut self.state {
            match memchr::memchr(b'\n', bytes) {
                None => {
                    line.extend_from_slice(bytes);
                    if line.len() > MAX_CSV_HEADER_LEN {
                        self.state = State::Dormant;
                    }
                    return;
                }
                Some(nl) => {
                    line.extend_from_slice(&bytes[..nl]);
                    self.state = match parse_header(line) {
                        Some((delim, roles))
                            if line.len() <= MAX_CSV_HEADER_LEN =>
                        {
                            State::Rows {
                                delim,
                                roles,
                                column: 0,
                                quoted: false,
                            }
                        }
                        _ => State::Dormant,
                    };
                    bytes = &bytes[nl + 1..];
                }
            }
        }
        if let State::Rows { delim, column, quoted, .. } = &mut self.state {
            for i in memchr::memchr3_iter(*delim, b'"', b'\n', bytes) {
                match bytes[i] {
                    b'"' => *quoted = !*quoted,
                    b'\n' if !*quoted => *column = 0,
                    b if b == *delim && !*quoted => *column += 1,
                    _ => {}
                }
            }
        }
    }

    /// The role of the field at the tracker's position.
    pub(crate) fn role(&self) -> FieldRole {
        match &self.state {
            State::Rows { roles, column, .. } => {
                roles.get(*column).copied().unwrap_or(FieldRole::None)
            }
            _ => FieldRole::None,
        }
    }
}
