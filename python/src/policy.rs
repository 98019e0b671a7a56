//! `Policy` for Python: parsed by the same code as policy files, so a
//! policy built from keyword arguments means exactly what the TOML would.

use std::path::PathBuf;

use caldicott_core::{Policy, Report};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::config_error;

/// Turns a report into a verdict: `allow`, `alert` or `block`.
#[pyclass(frozen, module = "caldicott", name = "Policy")]
pub(crate) struct PyPolicy {
    /// The core policy.
    pub(crate) policy: Policy,
}

#[pymethods]
impl PyPolicy {
    /// A policy from keyword arguments with the fields of a policy file
    /// (`name`, `min_confidence`, `count_synthetic`, `alert`, `block`;
    /// each threshold a dict of `distinct`, `distinct_by_kind`, `records`,
    /// `on_notice`); unset fields take the default policy's values.
    #[new]
    #[pyo3(signature = (**fields))]
    fn new(
        py: Python<'_>,
        fields: Option<&Bound<'_, PyDict>>,
    ) -> PyResult<PyPolicy> {
        let json = match fields {
            Some(f) => py
                .import("json")?
                .call_method1("dumps", (f,))?
                .extract::<String>()?,
            None => "{}".to_string(),
        };
        caldicott_io::parse_policy(&json, true)
            .map(|policy| PyPolicy { policy })
            .map_err(config_error)
    }

    /// A policy from a TOML (or, for `*.json`, JSON) file.
    #[staticmethod]
    fn from_file(path: PathBuf) -> PyResult<PyPolicy> {
        caldicott_io::load_policy(&path)
            .map(|policy| PyPolicy { policy })
            .map_err(config_error)
    }

    /// The policy's name.
    #[getter]
    fn name(&self) -> &str {
        &self.policy.name
    }

    /// The policy's name.
    fn __repr__(&self) -> String {
        format!("Policy(name='{}')", self.policy.name)
    }
}

/// A report as a Python dict, through its serde form (counts only):
/// `findings`, `synthetic`, `by_kind`, `distinct`, `distinct_saturated`,
/// `records` (format → count) and `notices` (`source:limit` → count).
pub(crate) fn report_dict<'py>(
    py: Python<'py>,
    report: &Report,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(report).map_err(|e| {
        pyo3::exceptions::PyRuntimeError::new_err(e.to_string())
    })?;
    py.import("json")?.call_method1("loads", (json,))
}
