//! `Finding` for Python: a frozen view of a core finding, which never shows
//! the full value unless `reveal()` is called.

use caldicott_core::Finding;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// One identifier, or piece of clinical content, found. `repr()` and
/// `to_dict()` show only the masked value; `reveal()` returns the value.
#[pyclass(frozen, eq, module = "caldicott", name = "Finding")]
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PyFinding {
    /// The core finding (its `layer` set inside decoded content).
    pub(crate) inner: Finding,
    /// Character offsets, when the input was a `str`.
    pub(crate) chars: Option<(u64, u64)>,
    /// Line and column, when the finding came from `scan_file`.
    pub(crate) position: Option<(u64, u64)>,
}

impl PyFinding {
    /// Wraps a core finding, with no character offsets or position.
    pub(crate) fn new(inner: Finding) -> PyFinding {
        PyFinding { inner, chars: None, position: None }
    }
}

#[pymethods]
impl PyFinding {
    /// What was found: a health identifier (`nhs_number`, `chi_number`,
    /// `hc_number`), a companion identifier (`nino`, `postcode`,
    /// `date_of_birth`, `snomed_ct`, `icd10`, `nhs_email`, `person_name`)
    /// or a `clinical_record`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.inner.kind.as_str()
    }

    /// For a `clinical_record`, its format (`hl7v2`, `fhir`, `cda`,
    /// `dicom`, `csv`); `None` for every other kind.
    #[getter]
    fn format(&self) -> Option<&'static str> {
        self.inner.format.map(|f| f.as_str())
    }

    /// Byte offset of the first byte: in the input, or, for a finding
    /// inside a decoded layer (`layers` set), in the innermost layer's
    /// decoded bytes.
    #[getter]
    fn start(&self) -> u64 {
        self.inner.start
    }

    /// Byte offset one past the last byte (in the innermost decoded layer
    /// when `layers` is set).
    #[getter]
    fn end(&self) -> u64 {
        self.inner.end
    }

    /// For a finding inside decoded content, the layers it was found
    /// through, from the outside in (`gzip`, `base64 > gzip`); `None` for
    /// a finding in the input as given.
    #[getter]
    fn layers(&self) -> Option<&str> {
        self.inner.layer.as_ref().map(|l| l.path.as_str())
    }

    /// For a finding inside decoded content, the byte offset in the input
    /// where the outermost decoded layer starts; `None` otherwise.
    #[getter]
    fn layer_start(&self) -> Option<u64> {
        self.inner.layer.as_ref().map(|l| l.start)
    }

    /// `low`, `medium` or `high`.
    #[getter]
    fn confidence(&self) -> &'static str {
        self.inner.confidence.as_str()
    }

    /// Whether the number is from a never-issued (9xx) range (always
    /// `False` for kinds other than the health identifiers).
    #[getter]
    fn synthetic(&self) -> bool {
        self.inner.synthetic
    }

    /// The value with everything identifying hidden: a health identifier
    /// keeps its last four digits (`*** *** 5919`), a NINO its last three
    /// characters, a postcode its outward code (`LS1 ***`), an NHSmail
    /// address its domain, a record its format (`csv record`); dates of
    /// birth, names and clinical codes are hidden entirely (`***`).
    #[getter]
    fn masked(&self) -> String {
        self.inner.masked()
    }

    /// Character offset of the first character (`str` input only; `None`
    /// for a finding inside a decoded layer, whose offsets are not in the
    /// string).
    #[getter]
    fn char_start(&self) -> Option<u64> {
        self.chars.map(|c| c.0)
    }

    /// Character offset one past the last character (`str` input only;
    /// `None` for a finding inside a decoded layer).
    #[getter]
    fn char_end(&self) -> Option<u64> {
        self.chars.map(|c| c.1)
    }

    /// 1-based line (`scan_file` only).
    #[getter]
    fn line(&self) -> Option<u64> {
        self.position.map(|p| p.0)
    }

    /// 1-based byte column (`scan_file` only).
    #[getter]
    fn column(&self) -> Option<u64> {
        self.position.map(|p| p.1)
    }

    /// The full value, normalised: a health identifier's ten digits
    /// without separators, a NINO without spaces, a date as `YYYY-MM-DD`,
    /// an email address in lower case, a name as written, a record's
    /// format name. This is patient data; call it only when the user asked
    /// to see it.
    fn reveal(&self) -> &str {
        self.inner.value()
    }

    /// The finding as a dict (the fields of the Rust serialisation:
    /// `format` only for a `clinical_record`, `layers` and `layer_start`
    /// only for a finding inside a decoded layer); with `reveal=True`,
    /// also its `value`.
    #[pyo3(signature = (*, reveal = false))]
    fn to_dict<'py>(
        &self,
        py: Python<'py>,
        reveal: bool,
    ) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        d.set_item("kind", self.kind())?;
        d.set_item("start", self.start())?;
        d.set_item("end", self.end())?;
        d.set_item("confidence", self.confidence())?;
        d.set_item("synthetic", self.synthetic())?;
        if let Some(format) = self.format() {
            d.set_item("format", format)?;
        }
        if let Some(layer) = &self.inner.layer {
            d.set_item("layers", &layer.path)?;
            d.set_item("layer_start", layer.start)?;
        }
        d.set_item("masked", self.masked())?;
        if let Some((s, e)) = self.chars {
            d.set_item("char_start", s)?;
            d.set_item("char_end", e)?;
        }
        if let Some((line, column)) = self.position {
            d.set_item("line", line)?;
            d.set_item("column", column)?;
        }
        if reveal {
            d.set_item("value", self.reveal())?;
        }
        Ok(d)
    }

    /// Hashes kind, span and confidence only. A hash of the digits would
    /// be a stable fingerprint of the identifier, which could be brute-forced
    /// back to the number; equal findings still hash equal.
    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (self.kind(), self.start(), self.end(), self.confidence())
            .hash(&mut h);
        h.finish()
    }

    /// The fields and the masked value, never the value itself; `format`
    /// only for a `clinical_record`, `layers` only for a finding inside a
    /// decoded layer (as Python writes the string: a layer path may hold a
    /// zip entry's name).
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let format = self
            .format()
            .map_or_else(String::new, |f| format!(", format='{f}'"));
        let layers = match self.layers() {
            Some(path) => {
                let path = pyo3::types::PyString::new(py, path).repr()?;
                format!(", layers={path}")
            }
            None => String::new(),
        };
        Ok(format!(
            "Finding(kind='{}', start={}, end={}, confidence='{}', \
             synthetic={}{format}{layers}, masked='{}')",
            self.kind(),
            self.start(),
            self.end(),
            self.confidence(),
            if self.synthetic() { "True" } else { "False" },
            self.masked(),
        ))
    }
}
