//! CSV and TSV exports: a header row naming a patient-identifier column
//! corroborates every value in that column (as Macie uses column names);
//! a column named for something else (an order id, a timestamp) demotes
//! the numbers in it.
//!
//! Columns named for a date of birth or an address make dates and
//! postcodes in them patient data; a name column (`surname`, `forename`)
//! makes the header one of a patient export (names themselves are reported
//! from HL7, FHIR, CDA and DICOM structure only, spec §4); each data row
//! holding a health identifier is one `clinical_record`.
//!
//! The header is the first line of the input. It is a header when it has at
//! least two cells and at least one cell has a role; otherwise the tracker
//! goes dormant and costs nothing more. Rows are followed with quotes
//! honoured (a delimiter or newline inside `"…"` does not split).

use super::{
    classify_name, is_leading_filler, FieldRole, NameRole, Output, Tracker,
};
use crate::finding::{Finding, RecordFormat};
use crate::notice::Notice;

/// Longest first line considered as a header. A header row is a few hundred
/// bytes; a longer first line is not a CSV header, and buffering it is the
/// tracker's only variable-size state.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_CSV_HEADER_LEN: usize = 4096;

/// Columns whose names are kept; later columns have no role. Exports have
/// tens of columns; the limit bounds the tracker's memory.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_CSV_COLUMNS: usize = 512;

/// Longest quoted cell followed. A quoted cell may hold newlines, so an
/// unclosed quote would otherwise swallow the rest of the file into one
/// cell; past this many bytes the quote is taken as malformed and the
/// tracker stops (with a notice), leaving plain-text scanning.
#[allow(unreachable_pub)] // re-exported at the crate root
pub const MAX_CSV_QUOTED_CELL: usize = 64 * 1024;

/// Delimiters tried, in order of preference on a tie.
const DELIMITERS: [u8; 4] = [b',', b'\t', b';', b'|'];

/// Parses a header line (without its newline): the delimiter and the
/// columns' roles, or `None` when it is not a header with a role.
pub(crate) fn parse_header(line: &[u8]) -> Option<(u8, Vec<NameRole>)> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    if starts_other_format(line) {
        return None;
    }
    let count = |d: u8| line.iter().filter(|&&b| b == d).count();
    // The most frequent delimiter; the earliest in DELIMITERS on a tie.
    let best = DELIMITERS.into_iter().map(count).max().unwrap_or(0);
    if best == 0 {
        return None;
    }
    let delim = DELIMITERS.into_iter().find(|&d| count(d) == best)?;
    let roles: Vec<NameRole> = line
        .split(|&b| b == delim)
        .take(MAX_CSV_COLUMNS)
        .map(classify_name)
        .collect();
    let useful = roles.iter().any(|r| *r != NameRole::Field(FieldRole::None));
    (roles.len() >= 2 && useful).then_some((delim, roles))
}

/// Whether a first line starts a document another tracker follows (JSON,
/// XML, HL7 v2): a JSON Lines record such as `{"nhs": 1, "x": 2}` is not
/// a CSV header. The line starts the input, so its leading filler (white
/// space, the MLLP start byte, a byte-order mark) is skipped exactly as
/// those trackers skip it ([`is_leading_filler`]): an MLLP-framed HL7
/// message (`\x0BMSH|…`) is HL7, not a `|`-separated header.
fn starts_other_format(line: &[u8]) -> bool {
    let skip = line
        .iter()
        .enumerate()
        .take_while(|&(i, &b)| is_leading_filler(b, i as u64))
        .count();
    let body = &line[skip..];
    matches!(body.first(), Some(b'{' | b'[' | b'<'))
        || [&b"MSH"[..], b"FHS", b"BHS"].iter().any(|s| body.starts_with(s))
}

/// Follows the input's columns.
#[derive(Clone, Debug)]
pub(crate) struct CsvTracker {
    /// Offset of the next byte to look at.
    pos: u64,
    state: State,
}

/// Following the rows of a CSV with a useful header.
#[derive(Clone, Debug)]
struct Rows {
    delim: u8,
    roles: Vec<NameRole>,
    column: usize,
    quoted: bool,
    /// Where the current quoted stretch began, to bound it.
    quote_start: u64,
    /// Where the current row and cell began.
    row_start: u64,
    /// The current row holds a health identifier: it is a record.
    row_has_identifier: bool,
    /// The last byte seen, to tell a `\r\n` line end across advances.
    last_byte: u8,
}

#[derive(Clone, Debug)]
enum State {
    /// Collecting the first line.
    Header(Vec<u8>),
    /// Following rows of a CSV with a useful header.
    Rows(Box<Rows>),
    /// Not a CSV with a useful header: nothing more to do.
    Dormant,
}

impl Default for CsvTracker {
    fn default() -> CsvTracker {
        CsvTracker { pos: 0, state: State::Header(Vec::new()) }
    }
}

impl Rows {
    /// Ends the current row at absolute offset `at` (its newline, or the
    /// end of the input).
    fn end_row(&mut self, at: u64, line_end_cr: bool, out: &mut Output) {
        if self.row_has_identifier {
            let end = if line_end_cr { at - 1 } else { at };
            out.findings.push(Finding::record(
                RecordFormat::Csv,
                self.row_start,
                end.max(self.row_start),
            ));
        }
        self.row_has_identifier = false;
        self.column = 0;
        self.row_start = at + 1;
    }
}

impl CsvTracker {
    /// Reports a quoted cell longer than [`MAX_CSV_QUOTED_CELL`].
    fn quote_too_long(quote_start: u64, out: &mut Output) {
        out.notice(Notice::new(
            quote_start,
            "csv",
            "MAX_CSV_QUOTED_CELL",
            format!(
                "a quoted cell ran past {MAX_CSV_QUOTED_CELL} bytes \
                 without its closing quote; columns are no longer followed"
            ),
        ));
    }
}

impl Tracker for CsvTracker {
    /// Looks at the bytes up to absolute offset `target`. `hay` starts at
    /// absolute offset `base` and must hold every byte from the tracker's
    /// position to `target` (the scan guarantees it: regions are contiguous
    /// and in order).
    fn advance(
        &mut self,
        hay: &[u8],
        base: u64,
        target: u64,
        out: &mut Output,
    ) {
        if target <= self.pos || matches!(self.state, State::Dormant) {
            self.pos = self.pos.max(target);
            return;
        }
        debug_assert!(self.pos >= base);
        let from = (self.pos - base) as usize;
        let to = (target - base) as usize;
        let mut bytes = &hay[from..to];
        let mut at = self.pos;
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
                            let row_start = at + nl as u64 + 1;
                            State::Rows(Box::new(Rows {
                                delim,
                                roles,
                                column: 0,
                                quoted: false,
                                quote_start: 0,
                                row_start,
                                row_has_identifier: false,
                                last_byte: b'\n',
                            }))
                        }
                        _ => State::Dormant,
                    };
                    bytes = &bytes[nl + 1..];
                    at += nl as u64 + 1;
                }
            }
        }
        let State::Rows(rows) = &mut self.state else {
            return;
        };
        // The quoted-cell limit fires at an exact byte: the first byte more
        // than MAX_CSV_QUOTED_CELL after the opening quote reached while
        // still quoted, so chunking cannot move it.
        let over = |rows: &Rows, here: u64| {
            rows.quoted && here > rows.quote_start + MAX_CSV_QUOTED_CELL as u64
        };
        for i in memchr::memchr3_iter(rows.delim, b'"', b'\n', bytes) {
            let here = at + i as u64;
            if over(rows, here) {
                Self::quote_too_long(rows.quote_start, out);
                self.state = State::Dormant;
                return;
            }
            match bytes[i] {
                b'"' => {
                    rows.quoted = !rows.quoted;
                    rows.quote_start = here;
                }
                b'\n' if !rows.quoted => {
                    let before =
                        if i > 0 { bytes[i - 1] } else { rows.last_byte };
                    rows.end_row(here, before == b'\r', out);
                }
                b if b == rows.delim && !rows.quoted => rows.column += 1,
                _ => {}
            }
        }
        if let Some(&b) = bytes.last() {
            rows.last_byte = b;
        }
        if over(rows, target - 1) {
            Self::quote_too_long(rows.quote_start, out);
            self.state = State::Dormant;
        }
    }

    fn finish(&mut self, end: u64, out: &mut Output) {
        if let State::Rows(rows) = &mut self.state {
            if end > rows.row_start {
                rows.end_row(end, false, out);
            }
        }
    }

    /// The role of the field at the tracker's position.
    fn role(&self, _after: &[u8]) -> FieldRole {
        match &self.state {
            State::Rows(rows) => match rows.roles.get(rows.column) {
                Some(NameRole::Field(role)) => *role,
                _ => FieldRole::None,
            },
            _ => FieldRole::None,
        }
    }

    fn is_dormant(&self) -> bool {
        matches!(self.state, State::Dormant)
    }

    fn stop_following(&mut self) {
        self.state = State::Dormant;
    }

    fn identifier_found(&mut self) {
        if let State::Rows(rows) = &mut self.state {
            rows.row_has_identifier = true;
        }
    }
}
