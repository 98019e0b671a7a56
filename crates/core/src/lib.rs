//! Caldicott finds UK patient identifiers — NHS numbers, Scottish CHI
//! numbers and Northern Ireland H&C numbers — in bytes, so that proxies and
//! data-loss-prevention tools can stop patient data leaving a hospital.
//!
//! # Overview
//!
//! * [`Engine`] — compiled once from a [`Config`], shared by any number of
//!   threads. [`Engine::scan`] scans a complete input.
//! * [`Stream`] — from [`Engine::stream`]: push chunks, get findings with
//!   absolute offsets. Results never depend on the chunking, and memory is
//!   bounded.
//! * [`Finding`] — kind, byte span, [`Confidence`], `synthetic`, and a
//!   masked rendering. The full value only when asked for.
//! * [`Report`] and [`Policy`] — counts safe to log (distinct identifiers
//!   through a keyed hash, never in clear) and an `allow` / `alert` /
//!   `block` [`Verdict`].
//! * Validators usable on their own: [`nhs_number::is_valid`],
//!   [`chi_number::is_valid`], [`hc_number::is_valid`].
//!
//! # What this crate does not do
//!
//! No I/O. It reads no files or sockets, starts no threads and logs
//! nothing. The caller moves bytes in and findings out:
//!
//! ```text
//!   bytes (file, socket, ICAP body) ──push──▶ Stream ──findings──▶ Sink
//! ```
//!
//! The `caldicott` CLI and the Python bindings are thin layers doing that
//! I/O over this crate.
//!
//! # Example: one-shot
//!
//! ```
//! use caldicott_core::{Confidence, Engine, Kind};
//!
//! let engine = Engine::default();
//! let findings = engine.scan(b"Patient 943 476 5919 attended clinic");
//! assert_eq!(findings.len(), 1);
//! let f = &findings[0];
//! assert_eq!((f.kind, f.confidence), (Kind::NhsNumber, Confidence::High));
//! assert_eq!((f.start, f.end), (8, 20));
//! assert_eq!(f.masked(), "*** *** 5919");
//! ```
//!
//! # Example: streaming
//!
//! ```
//! use caldicott_core::Engine;
//!
//! let engine = Engine::default();
//! let mut stream = engine.stream();
//! let mut findings = Vec::new();
//! stream.push(b"ref 94347", &mut findings)?;
//! stream.push(b"65919 end", &mut findings)?;
//! stream.finish(&mut findings)?;
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].start, 4);
//! # Ok::<(), caldicott_core::StreamError>(())
//! ```
//!
//! The detection rules are in the project's `DESIGN.md`, refining
//! `shared/spec/detection.md`.

#![deny(missing_docs)]
#![deny(rustdoc::broken_intra_doc_links)]
#![deny(clippy::undocumented_unsafe_blocks)]

pub mod detector;

mod companion;
mod context;
mod engine;
mod error;
mod finding;
mod notice;
mod report;
mod scan;
mod stream;
mod structure;

pub use crate::context::{CHI_KEYWORDS, DEFAULT_KEYWORDS};
pub use crate::detector::{chi_number, hc_number, nhs_number};
pub use crate::engine::{
    Config, Engine, FnSink, Sink, DEFAULT_CONTEXT_AFTER,
    DEFAULT_CONTEXT_BEFORE, MAX_CONTEXT_WINDOW, MAX_EXTRA_KEYWORDS,
    MAX_KEYWORD_LEN,
};
pub use crate::error::{BuildError, StreamError};
pub use crate::finding::{
    Confidence, Finding, Kind, Layer, RecordFormat, Revealed,
};
pub use crate::notice::Notice;
pub use crate::report::{
    Policy, Report, Tee, Thresholds, Verdict, MAX_DISTINCT_TRACKED,
};
pub use crate::scan::{HEX_TOKEN_LOOKAROUND, MAX_CANDIDATE_LEN};
pub use crate::stream::{Stream, MAX_STREAM_BUFFER};
pub use crate::structure::csv::{
    MAX_CSV_COLUMNS, MAX_CSV_HEADER_LEN, MAX_CSV_QUOTED_CELL,
};
pub use crate::structure::hl7::MAX_HL7_SEGMENT_LEN;
pub use crate::structure::json::{MAX_JSON_KEY_LEN, MAX_PENDING_NAMES};
pub use crate::structure::xml::MAX_XML_NAME_LEN;
pub use crate::structure::{
    LABEL_LOOKBEHIND, MAX_FIELD_VALUE_LEN, MAX_NESTING_DEPTH,
    STRUCTURE_LOOKAHEAD,
};

#[cfg(test)]
mod tests;
