//! The exception hierarchy: `CaldicottError` and its subclasses, and the
//! mapping from each Rust error type.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

create_exception!(
    caldicott,
    CaldicottError,
    PyException,
    "Base class of every error Caldicott raises."
);
create_exception!(
    caldicott,
    ConfigError,
    CaldicottError,
    "An engine configuration is invalid (a limit exceeded, an unknown key or kind)."
);
create_exception!(
    caldicott,
    StreamError,
    CaldicottError,
    "A stream cannot accept more data (already finished, or stopped)."
);

/// Adds the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("CaldicottError", py.get_type::<CaldicottError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("StreamError", py.get_type::<StreamError>())?;
    Ok(())
}

/// An engine could not be built.
pub(crate) fn build_error(e: caldicott_core::BuildError) -> PyErr {
    ConfigError::new_err(e.to_string())
}

/// A configuration file could not be read (`OSError`) or parsed
/// (`ConfigError`).
pub(crate) fn config_error(e: caldicott_io::ConfigError) -> PyErr {
    match e.io_kind() {
        Some(kind) => std::io::Error::new(kind, e.to_string()).into(),
        None => ConfigError::new_err(e.to_string()),
    }
}

/// A stream refused data.
pub(crate) fn stream_error(e: caldicott_core::StreamError) -> PyErr {
    StreamError::new_err(e.to_string())
}

/// Reading a file failed: the matching `OSError` subclass
/// (`FileNotFoundError`, `PermissionError`, …).
pub(crate) fn io_error(e: std::io::Error) -> PyErr {
    e.into()
}
