"""Atheris fuzz target for the Python bindings: ``caldicott.scan`` and
``Stream.feed`` on arbitrary bytes and text, at a chunking derived from the
input. Checks real properties, not only "no crash":

* ``scan`` of ``bytes``, ``bytearray`` and ``memoryview`` agree, findings
  and notices;
* a ``Stream`` fed the same bytes in arbitrary chunks agrees with ``scan``,
  findings and notices: exactly with ``decode=False``; with decoding, the
  same findings in the same order within each layer (when a layer's
  findings arrive relative to the others' depends on the chunking);
* ``scan`` of the same data as ``str`` (when it is UTF-8) agrees, and its
  character offsets select the same text as the byte offsets (a finding
  inside a decoded layer has none);
* offsets are in bounds (a layered finding's ``layer_start``); ``masked``
  follows the masking rule of the kind; ``repr`` is made of the fields and
  ``masked`` only, never the value; ``format`` is set exactly for clinical
  records; ``layers`` and ``layer_start`` are set together;
* every health identifier in the input as given re-validates with the
  validator for its kind;
* with ``decode=False``, no finding has layers.

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
PLAIN = caldicott.Engine(decode=False)


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
    assert (f.layers is None) == (f.layer_start is None), f
    if f.layer_start is None:
        assert 0 <= f.start < f.end <= len(hay), f
    else:
        # Offsets in a decoded layer: only ordered; the layer starts in the input.
        assert 0 <= f.start < f.end, f
        assert 0 <= f.layer_start < len(hay), f
    value = f.reveal()
    assert f.masked == expected_mask(f, value), (f, value)
    assert (f.format is not None) == (f.kind == "clinical_record"), f
    if f.format is not None:
        assert f.format in FORMATS and value == f.format, f
    fmt = "" if f.format is None else f", format={f.format!r}"
    layers = "" if f.layers is None else f", layers={f.layers!r}"
    assert repr(f) == (
        f"Finding(kind={f.kind!r}, start={f.start}, end={f.end}, confidence={f.confidence!r}, "
        f"synthetic={f.synthetic}{fmt}{layers}, masked={f.masked!r})"
    ), f
    assert "value" not in f.to_dict()
    if f.kind in VALIDATORS:
        assert value not in repr(f) and value[:6] not in repr(f)
        assert VALIDATORS[f.kind](value), f
        if f.layers is None:
            text = hay[f.start : f.end].decode("utf-8")
            assert VALIDATORS[f.kind](text), (f, text)
    else:
        assert not f.synthetic, f


def by_layer(found: list[caldicott.Finding]) -> dict[tuple[str | None, int | None], list[caldicott.Finding]]:
    """The findings of each layer (path and start), in order."""
    groups: dict[tuple[str | None, int | None], list[caldicott.Finding]] = {}
    for f in found:
        groups.setdefault((f.layers, f.layer_start), []).append(f)
    return groups


def stream_all(
    engine: caldicott.Engine, hay: bytes, sizes: list[int]
) -> tuple[list[caldicott.Finding], list[caldicott.Notice]]:
    """Findings and notices of ``hay`` fed to a stream in chunks of
    ``sizes`` (cycled)."""
    stream = engine.stream()
    found: list[caldicott.Finding] = []
    pos, i = 0, 0
    while pos < len(hay):
        n = sizes[i % len(sizes)]
        found += stream.feed(hay[pos : pos + n])
        pos, i = pos + n, i + 1
    found += stream.finish()
    return found, stream.notices


def check(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    sizes = [fdp.ConsumeIntInRange(1, 64) for _ in range(fdp.ConsumeIntInRange(1, 4))]
    hay = fdp.ConsumeBytes(fdp.remaining_bytes())
    found, notices = caldicott.scan(hay, with_notices=True)
    assert caldicott.scan(bytearray(hay), with_notices=True) == (found, notices)
    assert ENGINE.scan(memoryview(hay)) == found

    streamed, streamed_notices = stream_all(ENGINE, hay, sizes)
    assert by_layer(streamed) == by_layer(found), (hay, sizes)
    assert sorted(map(repr, streamed_notices)) == sorted(map(repr, notices)), (hay, sizes)
    plain, plain_notices = PLAIN.scan(hay, with_notices=True)
    assert stream_all(PLAIN, hay, sizes) == (plain, plain_notices), (hay, sizes)

    assert all(f.layers is None for f in plain)
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
        if f.layers is not None:
            assert f.char_start is None and f.char_end is None, f
            continue
        assert f.char_start is not None and f.char_end is not None
        assert text[f.char_start : f.char_end] == hay[f.start : f.end].decode("utf-8"), f


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
