"""Type stubs for the compiled module ``caldicott._caldicott``.

Checked against the built module by ``python -m mypy.stubtest``.
"""

from typing_extensions import Buffer
from os import PathLike
from types import TracebackType
from typing import Any, Literal, TypedDict, final, overload

__version__: str
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

from typing_extensions import TypeAlias

_Kind: TypeAlias = Literal[
    "nhs_number",
    "chi_number",
    "hc_number",
    "nino",
    "postcode",
    "date_of_birth",
    "snomed_ct",
    "icd10",
    "nhs_email",
    "person_name",
    "clinical_record",
]
_Format: TypeAlias = Literal["hl7v2", "fhir", "cda", "dicom", "csv"]
_Level: TypeAlias = Literal["low", "medium", "high"]
_Data: TypeAlias = Buffer | str
_Verdict: TypeAlias = Literal["allow", "alert", "block"]

class _Limits(TypedDict, total=False):
    """Decoding limits for ``Engine(limits=...)``; unset keys keep their
    defaults (8, 1 GiB, 100, 1024)."""

    max_depth: int
    max_decoded_bytes: int
    max_expansion_ratio: int
    max_parts: int

class CaldicottError(Exception):
    """Base class of every error Caldicott raises."""

class ConfigError(CaldicottError):
    """An engine configuration is invalid."""

class StreamError(CaldicottError):
    """A stream cannot accept more data."""

@final
class Finding:
    """One identifier, or piece of clinical content, found; shows only the
    masked value unless revealed."""

    @property
    def kind(self) -> _Kind: ...
    @property
    def format(self) -> _Format | None:
        """A ``clinical_record``'s format; ``None`` for every other kind."""
    @property
    def start(self) -> int:
        """Byte offset in the input, or in the innermost decoded layer when
        ``layers`` is set."""
    @property
    def end(self) -> int: ...
    @property
    def layers(self) -> str | None:
        """The decoded layers the finding was found through, outside in
        (``"gzip"``, ``"base64 > gzip"``); ``None`` for the input as given."""
    @property
    def layer_start(self) -> int | None:
        """Byte offset in the input where the outermost decoded layer starts;
        ``None`` unless ``layers`` is set."""
    @property
    def confidence(self) -> _Level: ...
    @property
    def synthetic(self) -> bool: ...
    @property
    def masked(self) -> str: ...
    @property
    def char_start(self) -> int | None:
        """Character offset for ``str`` input; ``None`` for bytes input and
        for a finding inside a decoded layer."""
    @property
    def char_end(self) -> int | None: ...
    @property
    def line(self) -> int | None: ...
    @property
    def column(self) -> int | None: ...
    def reveal(self) -> str:
        """The full value, normalised (ten digits, a NINO without spaces, a
        date as YYYY-MM-DD...). This is patient data."""
    def to_dict(self, *, reveal: bool = False) -> dict[str, Any]:
        """The fields as a dict (``format`` only for a ``clinical_record``,
        ``layers`` and ``layer_start`` only inside a decoded layer);
        ``value`` only with ``reveal=True``."""
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Notice:
    """Something a scan could not do in full: a limit reached or a structure
    abandoned. Offsets, fixed names and counts, never a value."""

    @property
    def offset(self) -> int: ...
    @property
    def source(self) -> str:
        """A structure (``csv``, ``hl7v2``, ``json``, ``xml``, ``dicom``) or
        a decoder (``gzip``, ``zlib``, ``base64``...)."""
    @property
    def limit(self) -> str:
        """The limit's name (``MAX_CSV_QUOTED_CELL``, ``max_expansion_ratio``...)
        or ``malformed``."""
    @property
    def message(self) -> str: ...
    def to_dict(self) -> dict[str, Any]: ...
    def __eq__(self, value: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class Stream:
    """Per-stream state: feed chunks, get findings with absolute offsets
    (within their layer for a finding with ``layers`` set). The findings do
    not depend on the chunking; with decoding, only how different layers'
    findings interleave may."""

    def feed(self, chunk: _Data) -> list[Finding]: ...
    def finish(self) -> list[Finding]: ...
    @property
    def position(self) -> int: ...
    @property
    def pending(self) -> list[Finding]: ...
    @property
    def verdict(self) -> _Verdict | None: ...
    @property
    def report(self) -> dict[str, Any] | None: ...
    @property
    def notices(self) -> list[Notice]:
        """Every notice received so far, oldest first (a few at most)."""
    def __enter__(self) -> Stream: ...
    def __exit__(
        self,
        _exc_type: type[BaseException] | None = None,
        _exc: BaseException | None = None,
        _tb: TracebackType | None = None,
    ) -> bool: ...

@final
class Policy:
    """Turns a report into a verdict: allow, alert or block."""

    def __new__(cls, **fields: Any) -> Policy: ...
    @staticmethod
    def from_file(path: str | PathLike[str]) -> Policy: ...
    @property
    def name(self) -> str: ...

@final
class Assessment:
    """A verdict, the counts behind it, and the findings."""

    @property
    def verdict(self) -> _Verdict: ...
    @property
    def policy(self) -> str: ...
    @property
    def report(self) -> dict[str, Any]: ...
    @property
    def findings(self) -> list[Finding]: ...
    @property
    def notices(self) -> list[Notice]: ...

@final
class Engine:
    """A compiled detector set, shared freely between threads."""

    def __new__(
        cls,
        *,
        kinds: list[str] | None = None,
        context_before: int | None = None,
        context_after: int | None = None,
        extra_keywords: list[str] | None = None,
        min_confidence: str | None = None,
        report_synthetic: bool | None = None,
        structure: bool | None = None,
        decode: bool = True,
        limits: _Limits | None = None,
    ) -> Engine: ...
    @staticmethod
    def from_file(
        path: str | PathLike[str], *, decode: bool = True, limits: _Limits | None = None
    ) -> Engine: ...
    @overload
    def scan(self, data: _Data, *, with_notices: Literal[False] = False) -> list[Finding]: ...
    @overload
    def scan(self, data: _Data, *, with_notices: Literal[True]) -> tuple[list[Finding], list[Notice]]: ...
    @overload
    def scan(self, data: _Data, *, with_notices: bool) -> list[Finding] | tuple[list[Finding], list[Notice]]: ...
    @overload
    def scan_file(self, path: str | PathLike[str], *, with_notices: Literal[False] = False) -> list[Finding]: ...
    @overload
    def scan_file(
        self, path: str | PathLike[str], *, with_notices: Literal[True]
    ) -> tuple[list[Finding], list[Notice]]: ...
    @overload
    def scan_file(
        self, path: str | PathLike[str], *, with_notices: bool
    ) -> list[Finding] | tuple[list[Finding], list[Notice]]: ...
    def stream(self, policy: Policy | None = None) -> Stream: ...
    def assess(self, data: _Data, policy: Policy | None = None) -> Assessment: ...
    @property
    def config(self) -> dict[str, Any]: ...

@overload
def scan(data: _Data, *, with_notices: Literal[False] = False) -> list[Finding]: ...
@overload
def scan(data: _Data, *, with_notices: Literal[True]) -> tuple[list[Finding], list[Notice]]: ...
@overload
def scan(data: _Data, *, with_notices: bool) -> list[Finding] | tuple[list[Finding], list[Notice]]: ...
def is_valid_nhs_number(text: str) -> bool: ...
def is_valid_chi_number(text: str) -> bool: ...
def is_valid_hc_number(text: str) -> bool: ...
