//! `Engine`, the module-level `scan` and the validators.

use std::path::PathBuf;
use std::sync::OnceLock;

use caldicott_core::{
    Confidence, Config, Engine, Finding, Kind, Notice, Policy, Report,
};
use pyo3::prelude::*;

use crate::errors::{build_error, config_error, io_error, ConfigError};
use crate::finding::PyFinding;
use crate::input::Input;
use crate::notice::{Collected, PyNotice};
use crate::policy::{report_dict, PyPolicy};
use crate::stream::PyStream;

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
/// min_confidence, report_synthetic, structure)`: `kinds` names the kinds
/// to report (default: all of `nhs_number`, `chi_number`, `hc_number`,
/// `nino`, `postcode`, `date_of_birth`, `snomed_ct`, `icd10`, `nhs_email`,
/// `person_name`, `clinical_record`); `structure=False` scans CSV, HL7 v2,
/// FHIR, CDA and DICOM inputs as plain text (no field corroboration, no
/// names, no records).
#[pyclass(frozen, module = "caldicott", name = "Engine")]
pub(crate) struct PyEngine {
    pub(crate) engine: Engine,
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
    ))]
    fn new(
        kinds: Option<Vec<String>>,
        context_before: Option<usize>,
        context_after: Option<usize>,
        extra_keywords: Option<Vec<String>>,
        min_confidence: Option<String>,
        report_synthetic: Option<bool>,
        structure: Option<bool>,
    ) -> PyResult<PyEngine> {
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
            .map(|engine| PyEngine { engine })
            .map_err(build_error)
    }

    /// Builds an engine from a TOML (or, for `*.json`, JSON) file.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<PyEngine> {
        let config = caldicott_io::load_config(&path).map_err(config_error)?;
        Engine::new(config)
            .map(|engine| PyEngine { engine })
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
        let (found, notices) = scan_with(py, &self.engine, data)?;
        scanned(py, found, notices, with_notices)
    }

    /// Scans a file, streamed through the engine in Rust; findings carry
    /// `line` and `column`. Returns the findings; with
    /// `with_notices=True`, a `(findings, notices)` tuple.
    #[pyo3(signature = (path, *, with_notices = false))]
    fn scan_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
        with_notices: bool,
    ) -> PyResult<Py<PyAny>> {
        let engine = &self.engine;
        let found =
            py.detach(|| -> std::io::Result<(Vec<PyFinding>, Vec<Notice>)> {
                let mut file = std::fs::File::open(&path)?;
                let (mut out, mut notices) = (Vec::new(), Vec::new());
                caldicott_io::scan_reader(
                    engine,
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

    /// Starts a stream: feed chunks, get findings with absolute offsets;
    /// the stream keeps its notices (`Stream.notices`). With a policy, it
    /// also keeps a report and a verdict.
    #[pyo3(signature = (policy = None))]
    fn stream(&self, policy: Option<&PyPolicy>) -> PyStream {
        PyStream::new(self.engine.stream(), policy.map(|p| p.policy.clone()))
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
        let engine = &self.engine;
        let (mut found, report) = py.detach(|| {
            let mut report = Report::for_policy(&policy);
            let mut found = Collected::default();
            engine.scan_into(bytes, &mut report.tee(&mut found));
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
    /// `report_synthetic`, `structure`).
    #[getter]
    fn config<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
        let c = self.engine.config();
        let d = pyo3::types::PyDict::new(py);
        let kinds: Vec<&str> = c.kinds.iter().map(|k| k.as_str()).collect();
        d.set_item("kinds", kinds)?;
        d.set_item("context_before", c.context_before)?;
        d.set_item("context_after", c.context_after)?;
        d.set_item("extra_keywords", c.extra_keywords.clone())?;
        d.set_item("min_confidence", c.min_confidence.as_str())?;
        d.set_item("report_synthetic", c.report_synthetic)?;
        d.set_item("structure", c.structure)?;
        Ok(d)
    }

    /// The main settings (the keywords are left out: they may be long).
    fn __repr__(&self) -> String {
        let c = self.engine.config();
        let kinds: Vec<String> =
            c.kinds.iter().map(|k| format!("'{k}'")).collect();
        format!(
            "Engine(kinds=[{}], context_before={}, context_after={}, \
             min_confidence='{}', structure={})",
            kinds.join(", "),
            c.context_before,
            c.context_after,
            c.min_confidence,
            if c.structure { "True" } else { "False" }
        )
    }
}

/// Scans with the GIL released, and adds character offsets for `str`.
/// Returns the findings and the notices.
fn scan_with(
    py: Python<'_>,
    engine: &Engine,
    data: &Bound<'_, PyAny>,
) -> PyResult<(Vec<PyFinding>, Vec<PyNotice>)> {
    let input = Input::extract(data, "scan()")?;
    let bytes = input.bytes()?;
    let with_chars = input.is_str();
    Ok(py.detach(|| {
        let mut out = Collected::default();
        engine.scan_into(bytes, &mut out);
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
fn with_char_offsets(text: &[u8], found: Vec<Finding>) -> Vec<PyFinding> {
    let mut offsets: Vec<usize> = found
        .iter()
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
            let chars = (char_at(f.start), char_at(f.end));
            let mut finding = PyFinding::new(f);
            finding.chars = Some(chars);
            finding
        })
        .collect()
}

/// The engine behind the module-level `scan`.
fn default_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Scans `data` with the default engine and returns its findings; with
/// `with_notices=True`, a `(findings, notices)` tuple.
#[pyfunction]
#[pyo3(signature = (data, *, with_notices = false))]
pub(crate) fn scan(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    with_notices: bool,
) -> PyResult<Py<PyAny>> {
    let (found, notices) = scan_with(py, default_engine(), data)?;
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
