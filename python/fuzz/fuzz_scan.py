"""Atheris fuzz target for the Python bindings: ``caldicott.scan`` and
``Stream.feed`` on arbitrary bytes and text, at a chunking derived from the
input. Checks real properties, not only "no crash":

* ``scan`` of ``bytes``, ``bytearray`` and ``memoryview`` agree, findings
  and notices;
* a ``Stream`` fed the same bytes in arbitrary chunks agrees with ``scan``,
  findings and notices;
* ``scan`` of the same data as ``str`` (when it is UTF-8) agrees, and its
  character offsets select the same text as the byte offsets;
* offsets are in bounds; ``masked`` follows the masking rule of the kind;
  ``repr`` is made of the fields and ``masked`` only, never the value;
  ``format`` is set exactly for clinical records;
* every health identifier re-validates with the validator for its kind.

    python fuzz_scan.py [libFuzzer options, e.g. -max_total_time=30]
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import caldicott

VALIDATORS = {
    "nhs_number": caldicott.is_valid_nhs_number,
    "chi_number": caldicott.is_valid_chi_number,
    "hc_number": caldicott.is_valid_hc_number,
}
FORMATS = {"hl7v2", "fhir", "cda", "dicom", "csv"}
ENGINE = caldicott.Engine()


def expected_mask(f: caldicott.Finding, value: str) -> str:
    """The masked rendering the core's rules give for ``value``."""
    if f.kind in VALIDATORS:
        return "*** *** " + value[-4:]
    if f.kind == "nino":
        return "*" * max(len(value) - 3, 0) + value[-3:]
    if f.kind == "postcode":
        return value.split(" ", 1)[0] + " ***" if " " in value else "***"
    if f.kind == "nhs_email":
        return "***@" + value.rsplit("@", 1)[1] if "@" in value else "***"
    if f.kind == "clinical_record":
        return f"{value} record"
    return "***"


def check_finding(f: caldicott.Finding, hay: bytes) -> None:
    assert 0 <= f.start < f.end <= len(hay), f
    value = f.reveal()
    assert f.masked == expected_mask(f, value), (f, value)
    assert (f.format is not None) == (f.kind == "clinical_record"), f
    if f.format is not None:
        assert f.format in FORMATS and value == f.format, f
    fmt = "" if f.format is None else f", format={f.format!r}"
    assert repr(f) == (
        f"Finding(kind={f.kind!r}, start={f.start}, end={f.end}, confidence={f.confidence!r}, "
        f"synthetic={f.synthetic}{fmt}, masked={f.masked!r})"
    ), f
    assert "value" not in f.to_dict()
    if f.kind in VALIDATORS:
        assert value not in repr(f) and value[:6] not in repr(f)
        text = hay[f.start : f.end].decode("utf-8")
        assert VALIDATORS[f.kind](text), (f, text)
    else:
        assert not f.synthetic, f


def check(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    sizes = [fdp.ConsumeIntInRange(1, 64) for _ in range(fdp.ConsumeIntInRange(1, 4))]
    hay = fdp.ConsumeBytes(fdp.remaining_bytes())
    found, notices = caldicott.scan(hay, with_notices=True)
    assert caldicott.scan(bytearray(hay), with_notices=True) == (found, notices)
    assert ENGINE.scan(memoryview(hay)) == found

    stream = ENGINE.stream()
    streamed: list[caldicott.Finding] = []
    pos, i = 0, 0
    while pos < len(hay):
        n = sizes[i % len(sizes)]
        streamed += stream.feed(hay[pos : pos + n])
        pos, i = pos + n, i + 1
    streamed += stream.finish()
    assert streamed == found, (hay, sizes)
    assert stream.notices == notices, (hay, sizes)

    for f in found:
        check_finding(f, hay)
    for notice in notices:
        assert 0 <= notice.offset <= len(hay), notice

    try:
        text = hay.decode("utf-8")
    except UnicodeDecodeError:
        return
    from_str = caldicott.scan(text)
    # Equal but for the character offsets, which only str input has.
    assert [f.to_dict(reveal=True) | {"char_start": 0, "char_end": 0} for f in from_str] == [
        f.to_dict(reveal=True) | {"char_start": 0, "char_end": 0} for f in found
    ]
    for f in from_str:
        assert f.char_start is not None and f.char_end is not None
        assert text[f.char_start : f.char_end] == hay[f.start : f.end].decode("utf-8"), f


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
