//! `Engine`, the module-level `scan` and the validators.

use std::path::PathBuf;
use std::sync::OnceLock;

use caldicott_core::{
    Confidence, Config, Engine, Finding, Kind, Policy, Report,
};
use pyo3::prelude::*;

use crate::errors::{build_error, config_error, io_error, ConfigError};
use crate::finding::PyFinding;
use crate::input::Input;
use crate::policy::{report_dict, PyPolicy};
use crate::stream::PyStream;

/// The result of `Engine.assess`: a verdict, the counts behind it, and
/// the findings.
#[pyclass(frozen, module = "caldicott", name = "Assessment")]
pub(crate) struct PyAssessment {
    /// `allow`, `alert` or `block`.
    #[pyo3(get)]
    verdict: &'static str,
    /// The name of the policy that decided.
    #[pyo3(get)]
    policy: String,
    /// Counts: findings per kind and confidence, distinct identifiers,
    /// synthetic numbers. Never a value.
    #[pyo3(get)]
    report: Py<PyAny>,
    /// The findings.
    #[pyo3(get)]
    findings: Vec<PyFinding>,
}

#[pymethods]
impl PyAssessment {
    fn __repr__(&self) -> String {
        format!(
            "Assessment(verdict='{}', policy='{}', findings={})",
            self.verdict,
            self.policy,
            self.findings.len()
        )
    }
}

/// A compiled detector set, shared freely between threads.
#[pyclass(frozen, module = "caldicott", name = "Engine")]
pub(crate) struct PyEngine {
    pub(crate) engine: Engine,
}

#[pymethods]
impl PyEngine {
    /// Builds an engine; every argument defaults to the library default.
    #[new]
    #[pyo3(signature = (
        *,
        kinds = None,
        context_before = None,
        context_after = None,
        extra_keywords = None,
        min_confidence = None,
        report_synthetic = None,
    ))]
    fn new(
        kinds: Option<Vec<String>>,
        context_before: Option<usize>,
        context_after: Option<usize>,
        extra_keywords: Option<Vec<String>>,
        min_confidence: Option<String>,
        report_synthetic: Option<bool>,
    ) -> PyResult<PyEngine> {
        let mut config = Config::default();
        if let Some(kinds) = kinds {
            config.kinds = kinds
                .iter()
                .map(|k| {
                    Kind::from_name(k).ok_or_else(|| {
                        ConfigError::new_err(format!(
                            "unknown kind '{k}'; expected one of \
                             nhs_number, chi_number, hc_number"
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

    /// Scans `data` (bytes, a buffer, or str) and returns its findings.
    fn scan(
        &self,
        py: Python<'_>,
        data: &Bound<'_, PyAny>,
    ) -> PyResult<Vec<PyFinding>> {
        scan_with(py, &self.engine, data)
    }

    /// Scans a file, streamed through the engine in Rust; findings carry
    /// `line` and `column`.
    fn scan_file(
        &self,
        py: Python<'_>,
        path: PathBuf,
    ) -> PyResult<Vec<PyFinding>> {
        let engine = &self.engine;
        let found = py.detach(|| -> std::io::Result<Vec<PyFinding>> {
            let mut file = std::fs::File::open(&path)?;
            let mut out = Vec::new();
            caldicott_io::scan_reader(
                engine,
                &mut file,
                &mut |f, pos| {
                    let mut finding = PyFinding::new(f);
                    finding.position = Some((pos.line, pos.column));
                    out.push(finding);
                    Ok(())
                },
                // Notices reach Python through `assess` and a stream's
                // report; `scan_file` returns findings only.
                &mut |_| Ok(()),
            )?;
            Ok(out)
        });
        found.map_err(io_error)
    }

    /// Starts a stream: feed chunks, get findings with absolute offsets.
    /// With a policy, the stream also keeps a report and a verdict.
    #[pyo3(signature = (policy = None))]
    fn stream(&self, policy: Option<&PyPolicy>) -> PyStream {
        PyStream::new(self.engine.stream(), policy.map(|p| p.policy.clone()))
    }

    /// Scans `data` and decides a verdict under `policy` (the default
    /// policy if none): returns an `Assessment`.
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
        let (found, report) = py.detach(|| {
            let mut report = Report::for_policy(&policy);
            let mut found = Vec::new();
            engine.scan_into(bytes, &mut report.tee(&mut found));
            (found, report)
        });
        let verdict = policy.verdict(&report).as_str();
        Ok(PyAssessment {
            verdict,
            policy: policy.name.clone(),
            report: report_dict(py, &report)?.unbind(),
            findings: found.into_iter().map(PyFinding::new).collect(),
        })
    }

    /// The configuration, as a dict.
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
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let c = self.engine.config();
        let kinds: Vec<String> =
            c.kinds.iter().map(|k| format!("'{k}'")).collect();
        format!(
            "Engine(kinds=[{}], context_before={}, context_after={}, \
             min_confidence='{}')",
            kinds.join(", "),
            c.context_before,
            c.context_after,
            c.min_confidence
        )
    }
}

/// Scans with the GIL released, and adds character offsets for `str`.
fn scan_with(
    py: Python<'_>,
    engine: &Engine,
    data: &Bound<'_, PyAny>,
) -> PyResult<Vec<PyFinding>> {
    let input = Input::extract(data, "scan()")?;
    let bytes = input.bytes()?;
    let with_chars = input.is_str();
    Ok(py.detach(|| {
        let found = engine.scan(bytes);
        if with_chars {
            with_char_offsets(bytes, found)
        } else {
            found.into_iter().map(PyFinding::new).collect()
        }
    }))
}

/// Adds character offsets to findings (in `start` order) over UTF-8 text,
/// counting characters once across the whole input.
fn with_char_offsets(text: &[u8], found: Vec<Finding>) -> Vec<PyFinding> {
    let (mut pos, mut chars) = (0usize, 0u64);
    let mut count_to = |target: usize| {
        chars +=
            text[pos..target].iter().filter(|&&b| (b & 0xC0) != 0x80).count()
                as u64;
        pos = target;
        chars
    };
    found
        .into_iter()
        .map(|f| {
            let start = count_to(f.start as usize);
            let end = count_to(f.end as usize);
            let mut finding = PyFinding::new(f);
            finding.chars = Some((start, end));
            finding
        })
        .collect()
}

/// The engine behind the module-level `scan`.
fn default_engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(Engine::default)
}

/// Scans `data` with the default engine.
#[pyfunction]
pub(crate) fn scan(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
) -> PyResult<Vec<PyFinding>> {
    scan_with(py, default_engine(), data)
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
