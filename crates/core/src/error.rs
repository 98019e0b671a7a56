//! Errors: [`BuildError`] when compiling an engine, [`StreamError`] when
//! pushing bytes through a stream.

use std::fmt;

/// An [`Engine`](crate::Engine) could not be built from a
/// [`Config`](crate::Config), or a [`Policy`](crate::Policy) is invalid.
///
/// Opaque on purpose, so new reasons can be added without breaking
/// callers; the message says what was wrong and by how much.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError {
    kind: BuildErrorKind,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum BuildErrorKind {
    ContextTooLarge { which: &'static str, got: usize, max: usize },
    NoKinds,
    EmptyKeyword,
    KeywordTooLong { len: usize, max: usize },
    TooManyKeywords { got: usize, max: usize },
    Keywords(String),
    PolicyThreshold { which: &'static str, got: u64, max: u64 },
}

impl BuildError {
    pub(crate) fn context_too_large(
        which: &'static str,
        got: usize,
        max: usize,
    ) -> BuildError {
        BuildError {
            kind: BuildErrorKind::ContextTooLarge { which, got, max },
        }
    }

    pub(crate) fn no_kinds() -> BuildError {
        BuildError { kind: BuildErrorKind::NoKinds }
    }

    pub(crate) fn empty_keyword() -> BuildError {
        BuildError { kind: BuildErrorKind::EmptyKeyword }
    }

    pub(crate) fn keyword_too_long(len: usize, max: usize) -> BuildError {
        BuildError { kind: BuildErrorKind::KeywordTooLong { len, max } }
    }

    pub(crate) fn too_many_keywords(got: usize, max: usize) -> BuildError {
        BuildError { kind: BuildErrorKind::TooManyKeywords { got, max } }
    }

    pub(crate) fn policy_threshold(
        which: &'static str,
        got: u64,
        max: u64,
    ) -> BuildError {
        BuildError {
            kind: BuildErrorKind::PolicyThreshold { which, got, max },
        }
    }

    pub(crate) fn keywords(err: aho_corasick::BuildError) -> BuildError {
        BuildError { kind: BuildErrorKind::Keywords(err.to_string()) }
    }
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            BuildErrorKind::ContextTooLarge { which, got, max } => write!(
                f,
                "{which} of {got} bytes exceeds the maximum of {max} bytes"
            ),
            BuildErrorKind::NoKinds => {
                f.write_str("no identifier kinds are enabled")
            }
            BuildErrorKind::EmptyKeyword => {
                f.write_str("an extra keyword is empty")
            }
            BuildErrorKind::KeywordTooLong { len, max } => write!(
                f,
                "an extra keyword of {len} bytes exceeds the maximum of \
                 {max} bytes"
            ),
            BuildErrorKind::TooManyKeywords { got, max } => {
                write!(f, "{got} extra keywords exceed the maximum of {max}")
            }
            BuildErrorKind::PolicyThreshold { which, got, max } => write!(
                f,
                "{which} threshold of {got} distinct identifiers is outside \
                 1..={max}"
            ),
            BuildErrorKind::Keywords(msg) => {
                write!(f, "the keyword automaton could not be built: {msg}")
            }
        }
    }
}

impl std::error::Error for BuildError {}

/// A [`Stream`](crate::Stream) cannot accept more bytes.
///
/// Errors are sticky: once a stream has returned an error, every later call
/// returns the same error and scans nothing (as rustls does), so a proxy
/// that ignores one error cannot be tricked into scanning half a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StreamError {
    /// [`Stream::finish`](crate::Stream::finish) was already called.
    Finished,
    /// The sink returned `false`, asking the scan to stop; the rest of the
    /// stream is not scanned.
    Stopped,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            StreamError::Finished => "the stream is already finished",
            StreamError::Stopped => {
                "the sink stopped the scan; the rest of the stream is not scanned"
            }
        })
    }
}

impl std::error::Error for StreamError {}
