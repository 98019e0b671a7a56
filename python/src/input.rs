//! Accepting data from Python: `bytes` without copying, `str` as its UTF-8
//! encoding (borrowed from the string's own cache), and any other buffer of
//! bytes (`bytearray`, `memoryview`, `array('B')`, mmap) copied once, since
//! Python code may change those while the scan runs without the GIL.

use pyo3::buffer::PyBuffer;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

/// Data to scan, held for the duration of a call.
pub(crate) enum Input<'py> {
    /// Immutable bytes: scanned in place.
    Bytes(Bound<'py, PyBytes>),
    /// Text: its UTF-8 bytes, scanned in place.
    Str(Bound<'py, PyString>),
    /// A mutable buffer, copied.
    Copied(Vec<u8>),
}

impl<'py> Input<'py> {
    /// Extracts the data, or raises `TypeError` naming what was given.
    pub(crate) fn extract(
        obj: &Bound<'py, PyAny>,
        what: &str,
    ) -> PyResult<Input<'py>> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Input::Bytes(b.clone()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            // Fails now, with UnicodeEncodeError, for lone surrogates; the
            // UTF-8 form is then cached on the string object.
            s.to_str()?;
            return Ok(Input::Str(s.clone()));
        }
        if let Ok(buf) = PyBuffer::<u8>::get(obj) {
            return Ok(Input::Copied(buf.to_vec(obj.py())?));
        }
        Err(PyTypeError::new_err(format!(
            "{what} expects bytes, bytearray, memoryview or another buffer \
             of bytes, or str; got {}",
            obj.get_type().name()?
        )))
    }

    /// The bytes to scan.
    pub(crate) fn bytes(&self) -> PyResult<&[u8]> {
        Ok(match self {
            Input::Bytes(b) => b.as_bytes(),
            Input::Str(s) => s.to_str()?.as_bytes(),
            Input::Copied(v) => v,
        })
    }

    /// Whether offsets should also be given in characters.
    pub(crate) fn is_str(&self) -> bool {
        matches!(self, Input::Str(_))
    }
}
