//! [`Notice`]: what a scan could not do in full.

use std::fmt;

use serde::Serialize;

/// Something the scan could not do in full: a named limit was reached, or
/// a structure was abandoned as malformed. The scan goes on (as plain
/// text, or without the abandoned layer) and keeps every finding already
/// made; the notice says what was lost, because a DLP policy may treat an
/// input it cannot fully inspect as a signal in itself.
///
/// Notices go to [`Sink::notice`](crate::Sink::notice) and are counted by
/// the [`Report`](crate::Report).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub struct Notice {
    /// Absolute offset in the input where it happened.
    pub offset: u64,
    /// What gave up: a structure format (`hl7v2`, `json`, `xml`, `dicom`,
    /// `csv`).
    pub source: &'static str,
    /// The name of the limit reached (`MAX_NESTING_DEPTH`, …), or
    /// `malformed` when the input stopped being the format.
    pub limit: &'static str,
    /// A sentence for people, with the numbers.
    pub message: String,
}

impl Notice {
    /// A notice from `source` at `offset` (front ends that decode content
    /// make their own: a decompression bomb, a truncated archive).
    pub fn new(
        offset: u64,
        source: &'static str,
        limit: &'static str,
        message: String,
    ) -> Notice {
        Notice { offset, source, limit, message }
    }
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {} ({})",
            self.source, self.offset, self.message, self.limit
        )
    }
}
