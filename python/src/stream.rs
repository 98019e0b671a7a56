//! `Stream` for Python: feed chunks, get findings with absolute offsets.

use std::sync::{Mutex, PoisonError};

use caldicott_core::{Policy, Report, Sink, Stream, StreamError};
use caldicott_decode::{DecodingStream, DecodingStreamError};
use pyo3::prelude::*;

use crate::errors::stream_error;
use crate::finding::PyFinding;
use crate::input::Input;
use crate::notice::{Collected, PyNotice};
use crate::policy::report_dict;

/// What a Python `Stream` pushes its chunks into: the engine's own
/// stream, or the decoding layers over it.
pub(crate) enum Scanner {
    /// The engine's stream: the bytes as they are (boxed: it is three
    /// times the size of the other variant).
    Plain(Box<Stream>),
    /// The decoding layers (gzip, base64, ...) over the engine.
    Decoding {
        /// The stream through the layers. A `DecodingStream` is `Send` but
        /// not `Sync` (its decoders are only `Send`), and a pyclass must be
        /// both: the mutex makes it `Sync`. It is never locked: `&mut self`
        /// reaches it through `Mutex::get_mut`, which costs nothing.
        stream: Mutex<DecodingStream>,
        /// Bytes pushed so far (a `DecodingStream` does not count them).
        position: u64,
    },
}

impl Scanner {
    /// A scanner over the engine's stream.
    pub(crate) fn plain(stream: Stream) -> Scanner {
        Scanner::Plain(Box::new(stream))
    }

    /// A scanner over a decoding stream, at position 0.
    pub(crate) fn decoding(stream: DecodingStream) -> Scanner {
        Scanner::Decoding { stream: Mutex::new(stream), position: 0 }
    }

    /// The next chunk. Both kinds fail with the engine's errors, so a
    /// Python caller sees the same `StreamError` either way.
    fn push(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<(), StreamError> {
        match self {
            Scanner::Plain(stream) => stream.push(chunk, sink),
            Scanner::Decoding { stream, position } => {
                unlocked(stream).push(chunk, sink).map_err(core_error)?;
                *position += chunk.len() as u64;
                Ok(())
            }
        }
    }

    /// The end of the input.
    fn finish(&mut self, sink: &mut dyn Sink) -> Result<(), StreamError> {
        match self {
            Scanner::Plain(stream) => stream.finish(sink),
            Scanner::Decoding { stream, .. } => {
                unlocked(stream).finish(sink).map_err(core_error)
            }
        }
    }

    /// Bytes pushed so far.
    fn position(&self) -> u64 {
        match self {
            Scanner::Plain(stream) => stream.position(),
            Scanner::Decoding { position, .. } => *position,
        }
    }
}

/// Lets `caldicott_io::scan_reader_with` stream a file through either kind.
impl caldicott_io::Scanner for Scanner {
    fn push(
        &mut self,
        chunk: &[u8],
        sink: &mut dyn Sink,
    ) -> std::io::Result<()> {
        Scanner::push(self, chunk, sink).map_err(std::io::Error::other)
    }

    fn finish(&mut self, sink: &mut dyn Sink) -> std::io::Result<()> {
        Scanner::finish(self, sink).map_err(std::io::Error::other)
    }
}

/// The stream in `mutex`, without locking it (exclusive access is proven
/// by `&mut`). A poisoned mutex is impossible (it is never locked) and
/// harmless: the stream is used as it is.
fn unlocked(mutex: &mut Mutex<DecodingStream>) -> &mut DecodingStream {
    mutex.get_mut().unwrap_or_else(PoisonError::into_inner)
}

/// A decoding stream's error as the engine's (same meaning, same message
/// for Python).
fn core_error(e: DecodingStreamError) -> StreamError {
    match e {
        DecodingStreamError::Finished => StreamError::Finished,
        _ => StreamError::Stopped,
    }
}

/// Per-stream state; the findings never depend on how the data is chunked
/// (with decoding, only the order in which different layers' findings
/// interleave may: each layer's own come in the same order). Offsets are
/// bytes from the start of the stream (a `str` chunk counts as
/// its UTF-8 encoding); a finding inside a decoded layer has offsets
/// within that layer, and `layers` and `layer_start` set. The stream keeps
/// the notices it receives (see `notices`).
#[pyclass(module = "caldicott", name = "Stream")]
pub(crate) struct PyStream {
    /// The engine's stream, or the decoding layers over it.
    stream: Scanner,
    /// What closing the stream in `__exit__` flushed.
    pending: Vec<PyFinding>,
    /// Whether `finish()` was called (or `__exit__` finished it).
    finished: bool,
    /// The report and its policy, when the stream was made with one.
    assessed: Option<(Policy, Report)>,
    /// Every notice received so far. Few: each structure tracker stops
    /// following its format when it raises one.
    notices: Vec<PyNotice>,
}

impl PyStream {
    /// A stream over `stream`, keeping a report for `policy` if given.
    pub(crate) fn new(stream: Scanner, policy: Option<Policy>) -> PyStream {
        let assessed = policy.map(|p| {
            let report = Report::for_policy(&p);
            (p, report)
        });
        PyStream {
            stream,
            pending: Vec::new(),
            finished: false,
            assessed,
            notices: Vec::new(),
        }
    }

    /// Runs `f` (a push or a finish) with the GIL released, feeding the
    /// report if there is one and keeping the notices.
    fn run(
        &mut self,
        py: Python<'_>,
        f: impl FnOnce(&mut Scanner, &mut dyn Sink) -> Result<(), StreamError>
            + Send,
    ) -> PyResult<Vec<PyFinding>> {
        let mut out = Collected::default();
        let stream = &mut self.stream;
        let report = self.assessed.as_mut().map(|(_, r)| r);
        let result = py.detach(|| match report {
            Some(r) => f(stream, &mut r.tee(&mut out)),
            None => f(stream, &mut out),
        });
        // A failing call may still have raised notices before failing.
        self.notices.extend(out.py_notices());
        result.map_err(stream_error)?;
        Ok(out.findings.into_iter().map(PyFinding::new).collect())
    }
}

#[pymethods]
impl PyStream {
    /// Scans the next chunk; returns the findings now decided.
    fn feed(
        &mut self,
        py: Python<'_>,
        chunk: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyFinding>> {
        let input = Input::extract(chunk, "feed()")?;
        let bytes = input.bytes()?;
        self.run(py, |s, sink| s.push(bytes, sink))
    }

    /// Ends the stream; returns the findings that were waiting for more
    /// input. The stream accepts nothing afterwards.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Vec<PyFinding>> {
        self.finished = true;
        self.run(py, |s, sink| s.finish(sink))
    }

    /// The verdict on what the stream has seen so far (`allow`, `alert` or
    /// `block`); `None` for a stream made without a policy. A proxy can
    /// check it after every `feed` and stop early.
    #[getter]
    fn verdict(&self) -> Option<&'static str> {
        self.assessed.as_ref().map(|(p, r)| p.verdict(r).as_str())
    }

    /// Counts of what the stream has seen so far (never a value); `None`
    /// for a stream made without a policy.
    #[getter]
    fn report<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.assessed.as_ref().map(|(_, r)| report_dict(py, r)).transpose()
    }

    /// Every notice the stream has received so far (limits reached,
    /// structures abandoned), oldest first; also counted in `report`. A
    /// plain list kept for the stream's life: notices are few, since each
    /// structure tracker stops following its format when it raises one.
    #[getter]
    fn notices(&self) -> Vec<PyNotice> {
        self.notices.clone()
    }

    /// Bytes fed so far.
    #[getter]
    fn position(&self) -> u64 {
        self.stream.position()
    }

    /// The findings flushed when a `with` block closed the stream without
    /// `finish()` having been called; empty otherwise.
    #[getter]
    fn pending(&self) -> Vec<PyFinding> {
        self.pending.clone()
    }

    /// Returns the stream itself.
    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    /// Finishes the stream unless `finish()` was called; what the flush
    /// finds goes to `pending`. Never suppresses an exception.
    #[pyo3(signature = (_exc_type = None, _exc = None, _tb = None))]
    fn __exit__(
        &mut self,
        py: Python<'_>,
        _exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if !self.finished {
            // Keep what the flush finds: nothing is dropped silently. A
            // stream that had already failed has nothing to flush.
            self.pending = self.finish(py).unwrap_or_default();
        }
        Ok(false)
    }

    /// The position and whether the stream is finished.
    fn __repr__(&self) -> String {
        format!(
            "Stream(position={}, finished={})",
            self.stream.position(),
            if self.finished { "True" } else { "False" }
        )
    }
}
