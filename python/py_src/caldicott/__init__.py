"""Find UK patient identifiers (NHS, CHI and H&C numbers) in bytes, text,
files and streams.

The engine is Rust (``caldicott-core``); this package is a thin layer over
it. Every scan releases the GIL, so threads scan in parallel. Findings show
only a masked value (``*** *** 5919``) unless ``Finding.reveal()`` is
called.
"""

from caldicott._caldicott import (
    Assessment,
    CaldicottError,
    ConfigError,
    Engine,
    Finding,
    Policy,
    Stream,
    StreamError,
    __version__,
    is_valid_chi_number,
    is_valid_hc_number,
    is_valid_nhs_number,
    scan,
)

__all__ = [
    "Assessment",
    "CaldicottError",
    "ConfigError",
    "Engine",
    "Finding",
    "Policy",
    "Stream",
    "StreamError",
    "__version__",
    "is_valid_chi_number",
    "is_valid_hc_number",
    "is_valid_nhs_number",
    "scan",
]
