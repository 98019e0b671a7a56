//! `Stream` for Python: feed chunks, get findings with absolute offsets.

use caldicott_core::Stream;
use pyo3::prelude::*;

use crate::errors::stream_error;
use crate::finding::PyFinding;
use crate::input::Input;

/// Per-stream state; results never depend on how the data is chunked.
/// Offsets are bytes from the start of the stream (a `str` chunk counts as
/// its UTF-8 encoding).
#[pyclass(module = "caldicott", name = "Stream")]
pub(crate) struct PyStream {
    stream: Stream,
    /// What closing the stream in `__exit__` flushed.
    pending: Vec<PyFinding>,
    finished: bool,
}

impl PyStream {
    pub(crate) fn new(stream: Stream) -> PyStream {
        PyStream { stream, pending: Vec::new(), finished: false }
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
        let stream = &mut self.stream;
        let mut out = Vec::new();
        py.detach(|| stream.push(bytes, &mut out)).map_err(stream_error)?;
        Ok(out.into_iter().map(PyFinding::new).collect())
    }

    /// Ends the stream; returns the findings that were waiting for more
    /// input. The stream accepts nothing afterwards.
    fn finish(&mut self, py: Python<'_>) -> PyResult<Vec<PyFinding>> {
        let stream = &mut self.stream;
        let mut out = Vec::new();
        self.finished = true;
        py.detach(|| stream.finish(&mut out)).map_err(stream_error)?;
        Ok(out.into_iter().map(PyFinding::new).collect())
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

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

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

    fn __repr__(&self) -> String {
        format!(
            "Stream(position={}, finished={})",
            self.stream.position(),
            if self.finished { "True" } else { "False" }
        )
    }
}
