//! `Notice` for Python: what a scan could not do in full. Also the sink
//! that collects findings and notices together for every front end.

use caldicott_core::{Finding, Notice, Sink};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Something a scan could not do in full: a named limit was reached, or a
/// structure (CSV, HL7 v2, JSON, XML, DICOM) or a decoded layer (gzip,
/// base64, ...) was abandoned as malformed. The scan went on and kept
/// every finding; the notice says what was lost. It holds offsets, fixed names and counts, never a value
/// (at most one offending byte, in hex, in an HL7 message).
#[pyclass(frozen, eq, hash, module = "caldicott", name = "Notice")]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct PyNotice {
    /// The core notice.
    inner: Notice,
}

impl PyNotice {
    /// Wraps a core notice.
    pub(crate) fn new(inner: Notice) -> PyNotice {
        PyNotice { inner }
    }
}

#[pymethods]
impl PyNotice {
    /// Byte offset in the input (from the start of the stream) where the
    /// scan gave up; for a decoded layer, where its outermost layer starts.
    #[getter]
    fn offset(&self) -> u64 {
        self.inner.offset
    }

    /// What gave up: a structure format (`csv`, `hl7v2`, `json`, `xml`,
    /// `dicom`) or a decoder (`gzip`, `zlib`, `base64`, ...).
    #[getter]
    fn source(&self) -> &'static str {
        self.inner.source
    }

    /// The name of the limit reached (`MAX_CSV_QUOTED_CELL`,
    /// `MAX_NESTING_DEPTH`, `max_expansion_ratio`, `max_depth`, …), or
    /// `malformed` when the input stopped being the format.
    #[getter]
    fn limit(&self) -> &'static str {
        self.inner.limit
    }

    /// A sentence for people, with the numbers.
    #[getter]
    fn message(&self) -> &str {
        &self.inner.message
    }

    /// The notice as a dict: `offset`, `source`, `limit`, `message`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("offset", self.offset())?;
        d.set_item("source", self.source())?;
        d.set_item("limit", self.limit())?;
        d.set_item("message", self.message())?;
        Ok(d)
    }

    /// `Notice(offset=…, source='…', limit='…', message='…')`.
    fn __repr__(&self) -> String {
        format!(
            "Notice(offset={}, source='{}', limit='{}', message={})",
            self.offset(),
            self.source(),
            self.limit(),
            py_str_literal(self.message()),
        )
    }

    /// `csv at byte 20: … (MAX_CSV_QUOTED_CELL)`.
    fn __str__(&self) -> String {
        self.inner.to_string()
    }
}

/// `text` as Python's `repr()` writes a string of printable ASCII (which
/// the messages are): in single quotes, or double quotes if it holds a
/// single quote and no double quote.
fn py_str_literal(text: &str) -> String {
    let quote =
        if text.contains('\'') && !text.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// A sink that keeps both findings and notices, in arrival order.
#[derive(Default)]
pub(crate) struct Collected {
    /// The findings, in the order the scan decided them.
    pub(crate) findings: Vec<Finding>,
    /// The notices, in the order they were raised.
    pub(crate) notices: Vec<Notice>,
}

impl Collected {
    /// The notices as Python objects.
    pub(crate) fn py_notices(&mut self) -> Vec<PyNotice> {
        self.notices.drain(..).map(PyNotice::new).collect()
    }
}

impl Sink for Collected {
    fn finding(&mut self, finding: Finding) -> bool {
        self.findings.push(finding);
        true
    }

    fn notice(&mut self, notice: Notice) -> bool {
        self.notices.push(notice);
        true
    }
}
