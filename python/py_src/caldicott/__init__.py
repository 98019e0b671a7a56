"""Find UK patient data in bytes, text, files and streams: the health
identifiers (NHS, CHI and H&C numbers), companion identifiers (NINOs,
postcodes, dates of birth, SNOMED CT and ICD-10 codes, NHSmail addresses,
names) and clinical records (HL7 v2 messages, FHIR Patients, CDA documents,
DICOM files, CSV rows), each a ``Finding`` with a ``kind``.

The engine is Rust (``caldicott-core``); this package is a thin layer over
it. Every scan releases the GIL, so threads scan in parallel. Findings show
only a masked value (``*** *** 5919``) unless ``Finding.reveal()`` is
called. What a scan could not do in full (a limit reached, a structure
abandoned) is a ``Notice``: see ``Stream.notices``, ``Assessment.notices``
and ``scan(..., with_notices=True)``.

By default content that hides text is decoded and scanned too (gzip, zlib,
base64 blobs, nested; ``caldicott-decode``): a finding made inside it has
``Finding.layers`` (``"base64 > gzip"``) and ``Finding.layer_start`` (where
the outermost layer starts in the input), and its ``start``/``end`` are
offsets in the innermost decoded layer. ``Engine(decode=False)`` scans the
bytes as they are; ``Engine(limits={...})`` bounds the decoding.
"""

from caldicott._caldicott import (
    Assessment,
    CaldicottError,
    ConfigError,
    Engine,
    Finding,
    Notice,
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
    "Notice",
    "Policy",
    "Stream",
    "StreamError",
    "__version__",
    "is_valid_chi_number",
    "is_valid_hc_number",
    "is_valid_nhs_number",
    "scan",
]
