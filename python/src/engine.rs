//! `Engine`, the module-level `scan` and the validators.

use std::path::PathBuf;
use std::sync::OnceLock;

use caldicott_core::{
    Confidence, Config, Engine, Finding, Kind, Notice, Policy, Report, Sink,
};
use caldicott_decode::{Decoder, Limits};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyInt};

use crate::errors::{build_error, config_error, io_error, ConfigError};
use crate::finding::PyFinding;
use crate::input::Input;
use crate::notice::{Collected, PyNotice};
use crate::policy::{report_dict, PyPolicy};
use crate::stream::{PyStream, Scanner};

/// The result of `Engine.assess`: a verdict, the counts behind it, the
/// findings and the notices.
#[pyclass(frozen, module = "caldicott", name = "Assessment")]
pub(crate) struct PyAssessment {
    /// `allow`, `alert` or `block`.
    #[pyo3(get)]
    verdict: &'static str,
    /// The name of the policy that decided.
    #[pyo3(get)]
    policy: String,
    /// Counts: findings per kind and confidence, distinct identifiers,
    /// synthetic numbers, clinical records per format, notices per
    /// `source:limit`. Never a value.
    #[pyo3(get)]
    report: Py<PyAny>,
    /// The findings.
    #[pyo3(get)]
    findings: Vec<PyFinding>,
    /// What the scan could not do in full (limits reached, structures
    /// abandoned).
    #[pyo3(get)]
    notices: Vec<PyNotice>,
}

#[pymethods]
impl PyAssessment {
    /// The verdict, the policy, and how many findings and notices.
    fn __repr__(&self) -> String {
        format!(
            "Assessment(verdict='{}', policy='{}', findings={}, notices={})",
            self.verdict,
            self.policy,
            self.findings.len(),
            self.notices.len()
        )
    }
}

/// A compiled detector set, shared freely between threads.
///
/// `Engine(*, kinds, context_before, context_after, extra_keywords,
/// min_confidence, report_synthetic, structure, decode, limits)`: `kinds`
/// names the kinds to report (default: all of `nhs_number`, `chi_number`,
/// `hc_number`, `nino`, `postcode`, `date_of_birth`, `snomed_ct`, `icd10`,
/// `nhs_email`, `person_name`, `clinical_record`); `structure=False` scans
/// CSV, HL7 v2, FHIR, CDA and DICOM inputs as plain text (no field
/// corroboration, no names, no records). `decode=True` (the default)
/// decodes layers (gzip, zlib, base64 and more) and scans what they hold:
/// such findings have `layers` and `layer_start` set. `limits` bounds the
/// decoding: a dict of `max_depth`, `max_decoded_bytes`,
/// `max_expansion_ratio` and `max_parts` (unset keys keep their defaults);
/// reaching one is a `Notice`, not an error.
#[pyclass(frozen, module = "caldicott", name = "Engine")]
pub(crate) struct PyEngine {
    /// The compiled engine.
    engine: Engine,
    /// The decoding layers over `engine`; `None` with `decode=False`.
    decoder: Option<Decoder>,
    /// The decoding limits (kept, and shown in `config`, even with
    /// `decode=False`).
    limits: Limits,
}

impl PyEngine {
    /// Wraps `engine`, with the decoding layers over it when `decode`.
    fn build(engine: Engine, decode: bool, limits: Limits) -> PyEngine {
        let decoder = decode
            .then(|| Decoder::with_limits(engine.clone(), limits.clone()));
        PyEngine { engine, decoder, limits }
    }
}

/// A `limits` dict as [`Limits`], through the serde form the CLI's
/// configuration file uses (so every field `Limits` has is accepted, and
/// no other): unset keys keep their defaults. A key that is not a limit's
/// name, or a value that is not a non-negative integer in range, is a
/// `ConfigError`.
fn limits_from(limits: Option<&Bound<'_, PyDict>>) -> PyResult<Limits> {
    let Some(limits) = limits else {
        return Ok(Limits::default());
    };
    let mut fields = serde_json::Map::new();
    for (key, value) in limits.iter() {
        let Ok(name) = key.extract::<String>() else {
            return Err(ConfigError::new_err(format!(
                "decoding limits are named by str keys; got {}",
                key.repr()?
            )));
        };
        let n = if value.is_instance_of::<PyInt>()
            && !value.is_instance_of::<PyBool>()
        {
            value.extract::<u64>().ok()
        } else {
            None
        };
        let Some(n) = n else {
            return Err(ConfigError::new_err(format!(
                "decoding limit '{name}' must be a non-negative integer; \
                 got {}",
                value.repr()?
            )));
        };
        fields.insert(name, serde_json::Value::from(n));
    }
    serde_json::from_value(serde_json::Value::Object(fields)).map_err(|e| {
        ConfigError::new_err(format!("invalid decoding limits: {e}"))
    })
}

/// `limits` as a Python dict, through the same serde form.
fn limits_dict<'py>(
    py: Python<'py>,
    limits: &Limits,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(limits).map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(e.to_string())
    })?;
    py.import("json")?.call_method1("loads", (json,))
}

#[pymethods]
impl PyEngine {
    /// Builds an engine; every argument defaults to the library default
    /// (see the class docstring).
    #[new]
    #[pyo3(signature = (
        *,
        kinds = None,
        context_before = None,
        context_after = None,
        extra_keywords = None,
        min_confidence = None,
        report_synthetic = None,
        structure = None,
        decode = true,
        limits = None,
    ))]
    #[allow(clippy::too_many_arguments)] // Python keyword arguments
    fn new(
        kinds: Option<Vec<String>>,
        context_before: Option<usize>,
        context_after: Option<usize>,
        extra_keywords: Option<Vec<String>>,
        min_confidence: Option<String>,
        report_synthetic: Option<bool>,
        structure: Option<bool>,
        decode: bool,
        limits: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyEngine> {
        let limits = limits_from(limits)?;
        let mut config = Config::default();
        if let Some(kinds) = kinds {
            config.kinds = kinds
                .iter()
                .map(|k| {
                    Kind::from_name(k).ok_or_else(|| {
                        let known: Vec<&str> =
                            Kind::ALL.iter().map(|k| k.as_str()).collect();
                        ConfigError::new_err(format!(
                            "unknown kind '{k}'; expected one of {}",
                            known.join(", ")
                        ))
                    })
                })
                .collect::<PyResult<_>>()?;
        }
        if let Some(n) = context_before {
            config.context_before = n;
        }
        if let Some(n) = context_after {
            config.context_after = n;
        }
        if let Some(words) = extra_keywords {
            config.extra_keywords = words;
        }
        if let Some(level) = min_confidence {
            config.min_confidence =
                Confidence::from_name(&level).ok_or_else(|| {
                    ConfigError::new_err(format!(
                        "unknown confidence '{level}'; expected low, \
                         medium or high"
                    ))
                })?;
        }
        if let Some(b) = report_synthetic {
            config.report_synthetic = b;
        }
        if let Some(b) = structure {
            config.structure = b;
        }
        Engine::new(config)
            .map(|engine| PyEngine::build(engine, decode, limits))
            .map_err(build_error)
    }

    /// Builds an engine from a TOML (or, for `*.json`, JSON) file of the
    /// engine's settings; `decode` and `limits` are given here, as for
    /// `Engine(...)` (the file has no decoding settings).
    #[staticmethod]
    #[pyo3(signature = (path, *, decode = true, limits = None))]
    fn from_file(
        path: PathBuf,
        decode: bool,
        limits: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyEngine> {
        let limits = limits_from(limits)?;
        let config = caldicott_io::load_config(&path).map_err(config_error)?;
        Engine::new(config)
            .map(|engine| PyEngine::build(engine, decode, limits))
            .map_err(build_error)
    }

    /// Scans `data` (bytes, a buffer, or str) and returns its findings;
    /// with `with_notices=True`, a `(findings, notices)` tuple.
    #[pyo3(signature = (data, *, with_notices = false))]
    fn scan(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        with_notices: bool,
    ) -> PyResult<Py<PyAny>> {
        let (found, notices) = scan_with(py, self.scanning(), data)?;
        scanned(py, found, notices, with_notices)
    }

    /// Scans a file, streamed through the engine (and the decoding layers)
    /// in Rust; findings carry `line` and `column` (for a finding inside a
    /// decoded layer, those of where its outermost layer starts). Returns
    /// the findings; with `with_notices=True`, a `(findings, notices)`
    /// tuple.
    #[pyo3(signature = (path, *, with_notices = false))]
    fn scan_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
        with_notices: bool,
    ) -> PyResult<Py<PyAny>> {
        let scanning = self.scanning();
        let found =
            py.detach(|| -> std::io::Result<(Vec<PyFinding>, Vec<Notice>)> {
                let mut file = std::fs::File::open(&path)?;
                let (mut out, mut notices) = (Vec::new(), Vec::new());
                let mut stream = scanning.stream();
                caldicott_io::scan_reader_with(
                    &mut stream,
                    &mut file,
                    &mut |f, pos| {
                        let mut finding = PyFinding::new(f);
                        finding.position = Some((pos.line, pos.column));
                        out.push(finding);
                        Ok(())
                    },
                    &mut |n| {
                        notices.push(n);
                        Ok(())
                    },
                )?;
                Ok((out, notices))
            });
        let (found, notices) = found.map_err(io_error)?;
        let notices = notices.into_iter().map(PyNotice::new).collect();
        scanned(py, found, notices, with_notices)
    }

    /// Starts a stream: feed chunks, get findings with absolute offsets
    /// (offsets within their layer for a finding inside decoded content);
    /// the stream keeps its notices (`Stream.notices`). With a policy, it
    /// also keeps a report and a verdict.
    #[pyo3(signature = (policy = None))]
    fn stream(&self, policy: Option<&PyPolicy>) -> PyStream {
        PyStream::new(
            self.scanning().stream(),
            policy.map(|p| p.policy.clone()),
        )
    }

    /// Scans `data` and decides a verdict under `policy` (the default
    /// policy if none): returns an `Assessment` (verdict, report, findings
    /// and notices).
    #[pyo3(signature = (data, policy = None))]
    fn assess(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
        policy: Option<&PyPolicy>,
    ) -> PyResult<PyAssessment> {
        let policy = policy.map_or_else(Policy::default, |p| p.policy.clone());
        let input = Input::extract(data, "assess()")?;
        let bytes = input.bytes()?;
        let scanning = self.scanning();
        let (mut found, report) = py.detach(|| {
            let mut report = Report::for_policy(&policy);
            let mut found = Collected::default();
            scanning.scan_into(bytes, &mut report.tee(&mut found));
            (found, report)
        });
        let verdict = policy.verdict(&report).as_str();
        Ok(PyAssessment {
            verdict,
            policy: policy.name.clone(),
            report: report_dict(py, &report)?.unbind(),
            notices: found.py_notices(),
            findings: found.findings.into_iter().map(PyFinding::new).collect(),
        })
    }

    /// The configuration, as a dict (`kinds`, `context_before`,
    /// `context_after`, `extra_keywords`, `min_confidence`,
    /// `report_synthetic`, `structure`, `decode`, and `limits`: a dict of
    /// `max_depth`, `max_decoded_bytes`, `max_expansion_ratio`,
    /// `max_parts`).
    #[getter]
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = self.engine.config();
        let d = PyDict::new(py);
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
        d.set_item("kinds", kinds)?;
        d.set_item("context_before", c.context_before)?;
        d.set_item("context_after", c.context_after)?;
        d.set_item("extra_keywords", c.extra_keywords.clone())?;
        d.set_item("min_confidence", c.min_confidence.as_str())?;
        d.set_item("report_synthetic", c.report_synthetic)?;
        d.set_item("structure", c.structure)?;
        d.set_item("decode", self.decoder.is_some())?;
        d.set_item("limits", limits_dict(py, &self.limits)?)?;
        Ok(d)
    }

    /// The main settings (the keywords are left out: they may be long).
    fn __repr__(&self) -> String {
        let c = self.engine.config();
        let kinds: Vec<String> =
            c.kinds.iter().map(|k| format!("'{k}'")).collect();
        let py_bool = |b: bool| if b { "True" } else { "False" };
        format!(
            "Engine(kinds=[{}], context_before={}, context_after={}, \
             min_confidence='{}', structure={}, decode={})",
            kinds.join(", "),
            c.context_before,
            c.context_after,
            c.min_confidence,
            py_bool(c.structure),
            py_bool(self.decoder.is_some()),
        )
    }
}

impl PyEngine {
    /// What this engine scans with.
    fn scanning(&self) -> Scanning<'_> {
        match &self.decoder {
            Some(decoder) => Scanning::Decoding(decoder),
            None => Scanning::Plain(&self.engine),
        }
    }
}

/// What a scan runs through: the bare engine, or the decoding layers over
/// it.
#[derive(Clone, Copy)]
pub(crate) enum Scanning<'a> {
    /// The engine alone: the bytes as they are.
    Plain(&'a Engine),
    /// The decoding layers over the engine.
    Decoding(&'a Decoder),
}

impl Scanning<'_> {
    /// Scans a whole input into `sink`.
    fn scan_into(self, bytes: &[u8], sink: &mut dyn Sink) {
        match self {
            Scanning::Plain(engine) => engine.scan_into(bytes, sink),
            Scanning::Decoding(decoder) => decoder.scan_into(bytes, sink),
        }
    }

    /// Starts a stream.
    fn stream(self) -> Scanner {
        match self {
            Scanning::Plain(engine) => Scanner::plain(engine.stream()),
            Scanning::Decoding(decoder) => Scanner::decoding(decoder.stream()),
        }
    }
}

/// Scans with the GIL released, and adds character offsets for `str`.
/// Returns the findings and the notices.
fn scan_with(
    py: Python<'_>,
    scanning: Scanning<'_>,
    data: &Bound<'_, PyAny>,
) -> PyResult<(Vec<PyFinding>, Vec<PyNotice>)> {
    let input = Input::extract(data, "scan()")?;
    let bytes = input.bytes()?;
    let with_chars = input.is_str();
    Ok(py.detach(|| {
        let mut out = Collected::default();
        scanning.scan_into(bytes, &mut out);
        let found = std::mem::take(&mut out.findings);
        let found = if with_chars {
            with_char_offsets(bytes, found)
        } else {
            found.into_iter().map(PyFinding::new).collect()
        };
        (found, out.py_notices())
    }))
}

/// What `scan` and `scan_file` return: the findings, or with
/// `with_notices` a `(findings, notices)` tuple.
fn scanned(
    py: Python<'_>,
    found: Vec<PyFinding>,
    notices: Vec<PyNotice>,
    with_notices: bool,
) -> PyResult<Py<PyAny>> {
    Ok(if with_notices {
        (found, notices).into_pyobject(py)?.into_any().unbind()
    } else {
        found.into_pyobject(py)?.into_any().unbind()
    })
}

/// Adds character offsets to findings over UTF-8 text. Findings are not in
/// `start` order (a record comes after the identifiers inside it), so the
/// offsets are sorted first and characters counted once across the input.
/// A finding inside a decoded layer gets none: its offsets are in the
/// decoded bytes, not in `text`.
fn with_char_offsets(text: &[u8], found: Vec<Finding>) -> Vec<PyFinding> {
    let mut offsets: Vec<usize> = found
        .iter()
        .filter(|f| f.layer.is_none())
        .flat_map(|f| [f.start, f.end])
        .map(|o| usize::try_from(o).unwrap_or(usize::MAX).min(text.len()))
        .collect();
    offsets.sort_unstable();
    offsets.dedup();
    let (mut pos, mut chars) = (0usize, 0u64);
    let counts: Vec<u64> = offsets
        .iter()
        .map(|&target| {
            chars += text[pos..target]
                .iter()
                .filter(|&&b| (b & 0xC0) != 0x80)
                .count() as u64;
            pos = target;
            chars
        })
        .collect();
    let char_at = |offset: u64| {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let i = offsets.partition_point(|&o| o < offset.min(text.len()));
        counts.get(i).copied().unwrap_or(chars)
    };
    found
        .into_iter()
        .map(|f| {
            let chars =
                f.layer.is_none().then(|| (char_at(f.start), char_at(f.end)));
            let mut finding = PyFinding::new(f);
            finding.chars = chars;
            finding
        })
        .collect()
}

/// The decoding layers over the default engine, behind the module-level
/// `scan`.
fn default_decoder() -> &'static Decoder {
    static DECODER: OnceLock<Decoder> = OnceLock::new();
    DECODER.get_or_init(|| Decoder::new(Engine::default()))
}

/// Scans `data` with the default engine, decoding layers (as
/// `Engine().scan`), and returns its findings; with `with_notices=True`, a
/// `(findings, notices)` tuple.
#[pyfunction]
#[pyo3(signature = (data, *, with_notices = false))]
pub(crate) fn scan(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    with_notices: bool,
) -> PyResult<Py<PyAny>> {
    let scanning = Scanning::Decoding(default_decoder());
    let (found, notices) = scan_with(py, scanning, data)?;
    scanned(py, found, notices, with_notices)
}

/// Whether `text` is a valid NHS number (Modulus 11, allocated or 9xx
/// range), written contiguously or 3-3-4.
#[pyfunction]
pub(crate) fn is_valid_nhs_number(text: &str) -> bool {
    caldicott_core::nhs_number::is_valid(text)
}

/// Whether `text` is a valid CHI number (a DDMMYY date, Modulus 11 or 10).
#[pyfunction]
pub(crate) fn is_valid_chi_number(text: &str) -> bool {
    caldicott_core::chi_number::is_valid(text)
}

/// Whether `text` is a valid H&C number (Modulus 11, 320–399 range).
#[pyfunction]
pub(crate) fn is_valid_hc_number(text: &str) -> bool {
    caldicott_core::hc_number::is_valid(text)
}
