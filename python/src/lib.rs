//! The compiled module `caldicott._caldicott`: conversion glue between
//! Python and `caldicott-core` / `caldicott-io`. No detection logic lives
//! here; every scan runs with the GIL released.

mod engine;
mod errors;
mod finding;
mod input;
mod notice;
mod policy;
mod stream;

use pyo3::prelude::*;

/// The private compiled module behind the `caldicott` package.
#[pymodule(gil_used = false)]
fn _caldicott(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<stream::PyStream>()?;
    m.add_class::<finding::PyFinding>()?;
    m.add_class::<notice::PyNotice>()?;
    m.add_class::<policy::PyPolicy>()?;
    m.add_class::<engine::PyAssessment>()?;
    m.add_function(wrap_pyfunction!(engine::scan, m)?)?;
    m.add_function(wrap_pyfunction!(engine::is_valid_nhs_number, m)?)?;
    m.add_function(wrap_pyfunction!(engine::is_valid_chi_number, m)?)?;
    m.add_function(wrap_pyfunction!(engine::is_valid_hc_number, m)?)?;
    errors::register(m)?;
    Ok(())
}
