//! [`Config`] and the compiled [`Engine`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::context::Keywords;
use crate::error::BuildError;
use crate::finding::{Confidence, Finding, Kind};
use crate::notice::Notice;
use crate::scan::{self, Region, ScanState};
use crate::stream::Stream;

/// Default bytes before an identifier searched for a context keyword
/// (spec §3; Purview uses 300 characters).
pub const DEFAULT_CONTEXT_BEFORE: usize = 300;

/// Default bytes after an identifier searched for a context keyword
/// (spec §3).
pub const DEFAULT_CONTEXT_AFTER: usize = 100;

/// Largest context window on either side. The stream keeps about
/// `before + after` bytes of history, so this bounds its memory
/// (see [`Stream`]); 4 KiB is ten times the default and more than any
/// peer product uses.
pub const MAX_CONTEXT_WINDOW: usize = 4096;

/// Longest extra keyword accepted. Keywords are words or short phrases; the
/// limit keeps the keyword search's overlap between windows small.
pub const MAX_KEYWORD_LEN: usize = 64;

/// Most extra keywords accepted, so that a configuration file cannot make
/// the keyword automaton arbitrarily large.
pub const MAX_EXTRA_KEYWORDS: usize = 1024;

/// How an [`Engine`] behaves. Deserialisable with serde (the CLI reads it
/// from TOML or JSON); every field has a default, and unknown fields are
/// rejected so a typo in a policy file is an error, not a silent default.
///
/// # Example
///
/// ```
/// use caldicott_core::{Config, Confidence, Engine, Kind};
///
/// let config = Config {
///     kinds: vec![Kind::NhsNumber],
///     min_confidence: Confidence::High,
///     ..Config::default()
/// };
/// let engine = Engine::new(config)?;
/// assert!(engine.scan(b"ref 943 476 5919").is_empty()); // medium
/// assert_eq!(engine.scan(b"NHS no 943 476 5919").len(), 1);
/// # Ok::<(), caldicott_core::BuildError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The kinds to report. Default: all.
    pub kinds: Vec<Kind>,
    /// Bytes before an identifier searched for context keywords.
    pub context_before: usize,
    /// Bytes after an identifier searched for context keywords.
    pub context_after: usize,
    /// Keywords added to [`DEFAULT_KEYWORDS`](crate::DEFAULT_KEYWORDS).
    pub extra_keywords: Vec<String>,
    /// Findings below this confidence are not reported. Default: `low`.
    pub min_confidence: Confidence,
    /// Report numbers from the never-issued 9xx ranges. Default: `true`.
    pub report_synthetic: bool,
    /// Follow the structure of CSV, HL7 v2, FHIR, CDA and DICOM inputs:
    /// fields corroborate or demote numbers, names and records are
    /// reported. Default: `true`; `false` scans everything as plain text.
    pub structure: bool,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            kinds: Kind::ALL.to_vec(),
            context_before: DEFAULT_CONTEXT_BEFORE,
            context_after: DEFAULT_CONTEXT_AFTER,
            extra_keywords: Vec::new(),
            min_confidence: Confidence::Low,
            report_synthetic: true,
            structure: true,
        }
    }
}

/// Receives findings as a scan produces them (the push model of ripgrep's
/// `Sink`). Return `false` to stop the scan.
///
/// Implemented for `Vec<Finding>` (collects everything and ignores
/// notices) and, through [`FnSink`], for closures.
///
/// # Order
///
/// Findings arrive in the order the scan decides them, which is the same
/// for a one-shot scan and for a stream, whatever the chunking. Numbers,
/// dates, postcodes and other shapes come in order of the position the
/// scan recognises them at (for most, their `start`; for an email address,
/// its `@`). A finding made from structure, a name or a record, comes when
/// its field or record ends, so after the identifiers inside it.
pub trait Sink {
    /// Called once per finding.
    fn finding(&mut self, finding: Finding) -> bool;

    /// Called when the scan could not do something in full (a limit
    /// reached, a structure abandoned); the scan goes on. The default
    /// ignores it.
    fn notice(&mut self, notice: Notice) -> bool {
        let _ = notice;
        true
    }
}

impl Sink for Vec<Finding> {
    fn finding(&mut self, finding: Finding) -> bool {
        self.push(finding);
        true
    }
}

/// A [`Sink`] made from a closure.
///
/// # Example
///
/// ```
/// use caldicott_core::{Engine, FnSink};
///
/// let mut first = None;
/// Engine::default().scan_into(
///     b"943 476 5919 and 999 000 0018",
///     &mut FnSink(|f| {
///         first = Some(f);
///         false // stop after the first
///     }),
/// );
/// assert_eq!(first.unwrap().start, 0);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct FnSink<F>(pub F);

impl<F: FnMut(Finding) -> bool> Sink for FnSink<F> {
    fn finding(&mut self, finding: Finding) -> bool {
        (self.0)(finding)
    }
}

/// A compiled detector set: built once from a [`Config`], then shared.
///
/// `Engine` is `Send + Sync` and cheap to clone (an `Arc` inside), so any
/// number of threads can scan with one engine, and each
/// [`Stream`] holds its own clone.
///
/// # Example
///
/// ```
/// use caldicott_core::{Confidence, Engine, Kind};
///
/// let engine = Engine::default();
/// let findings = engine.scan(b"Patient NHS no: 943 476 5919, seen today");
/// assert_eq!(findings.len(), 1);
/// assert_eq!(findings[0].kind, Kind::NhsNumber);
/// assert_eq!(findings[0].confidence, Confidence::High);
/// assert!(findings[0].synthetic); // 9xx: a test number
/// ```
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<Inner>,
}

/// The compiled state shared by scans and streams.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) keywords: Keywords,
    /// Kinds enabled, indexed by `Kind as usize`.
    enabled: [bool; Kind::ALL.len()],
    /// Bytes before a candidate's start that deciding it may read.
    pub(crate) lookbehind: usize,
    /// Bytes after a candidate's start that deciding it may read: the
    /// longest candidate plus its look-ahead.
    pub(crate) hold: usize,
    /// Whether any companion identifier kind is enabled (the scan loop
    /// then looks for their triggers too).
    pub(crate) companions: bool,
}

impl Inner {
    pub(crate) fn wants(
        &self,
        kind: Kind,
        conf: Confidence,
        synthetic: bool,
    ) -> bool {
        self.enabled[kind as usize]
            && conf >= self.config.min_confidence
            && (self.config.report_synthetic || !synthetic)
    }
}

impl Default for Engine {
    /// The engine for [`Config::default`].
    fn default() -> Engine {
        // The default configuration is within every limit.
        Engine::new(Config::default()).expect("default config is valid")
    }
}

impl Engine {
    /// Compiles `config`.
    ///
    /// # Errors
    ///
    /// When a limit is exceeded ([`MAX_CONTEXT_WINDOW`], [`MAX_KEYWORD_LEN`],
    /// [`MAX_EXTRA_KEYWORDS`]), an extra keyword is empty, or no kind is
    /// enabled.
    pub fn new(config: Config) -> Result<Engine, BuildError> {
        for (which, got) in [
            ("context_before", config.context_before),
            ("context_after", config.context_after),
        ] {
            if got > MAX_CONTEXT_WINDOW {
                return Err(BuildError::context_too_large(
                    which,
                    got,
                    MAX_CONTEXT_WINDOW,
                ));
            }
        }
        if config.kinds.is_empty() {
            return Err(BuildError::no_kinds());
        }
        if config.extra_keywords.len() > MAX_EXTRA_KEYWORDS {
            return Err(BuildError::too_many_keywords(
                config.extra_keywords.len(),
                MAX_EXTRA_KEYWORDS,
            ));
        }
        for kw in &config.extra_keywords {
            if kw.is_empty() {
                return Err(BuildError::empty_keyword());
            }
            if kw.len() > MAX_KEYWORD_LEN {
                return Err(BuildError::keyword_too_long(
                    kw.len(),
                    MAX_KEYWORD_LEN,
                ));
            }
        }
        let keywords = Keywords::new(&config.extra_keywords)
            .map_err(BuildError::keywords)?;
        let mut enabled = [false; Kind::ALL.len()];
        for &k in &config.kinds {
            enabled[k as usize] = true;
        }
        let lookbehind = scan::lookbehind(config.context_before);
        let hold = scan::hold(config.context_after);
        let companions = config.kinds.iter().any(|k| {
            !k.is_health_identifier()
                && !matches!(k, Kind::PersonName | Kind::ClinicalRecord)
        });
        let inner =
            Inner { config, keywords, enabled, lookbehind, hold, companions };
        Ok(Engine { inner: Arc::new(inner) })
    }

    /// The configuration this engine was built from.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Scans a complete input and returns every finding, in order of
    /// `start`.
    pub fn scan(&self, haystack: &[u8]) -> Vec<Finding> {
        let mut out = Vec::new();
        self.scan_into(haystack, &mut out);
        out
    }

    /// Scans a complete input, handing each finding to `sink` in order of
    /// `start`. Stops early if the sink returns `false`.
    pub fn scan_into(&self, haystack: &[u8], sink: &mut dyn Sink) {
        let region = Region { hay: haystack, base: 0, eof: true };
        let mut state = ScanState::default();
        scan::scan_region(
            &self.inner,
            region,
            0,
            haystack.len(),
            &mut state,
            sink,
        );
    }

    /// The compiled state, for the crate's own tests.
    #[cfg(test)]
    pub(crate) fn inner(&self) -> &Inner {
        &self.inner
    }

    /// Starts a stream: push chunks in, get findings with absolute offsets.
    /// See [`Stream`] for the contract.
    pub fn stream(&self) -> Stream {
        Stream::new(Arc::clone(&self.inner))
    }

    /// A stream for input that starts in the middle of a document (a
    /// decoder gave up part way through a layer): scanned as plain text,
    /// without structure, since its first line is no header and its first
    /// byte no document's start.
    pub fn stream_without_structure(&self) -> Stream {
        let mut stream = Stream::new(Arc::clone(&self.inner));
        stream.without_structure();
        stream
    }
}
