"""The shared tables through ``scan``, ``Engine.scan`` and ``Stream`` at
every split point and at random chunkings."""

from __future__ import annotations

import random

import pytest

import caldicott
from tables import Case, Expected, load

CASES = load()


def plain(findings: list[caldicott.Finding]) -> list[Expected]:
    """Findings in table order: by start, an enclosing record first."""
    found = [Expected(f.kind, f.start, f.end, f.confidence, f.synthetic) for f in findings]
    return sorted(found, key=lambda e: (e.start, -e.end, e.kind))


def stream_chunks(
    engine: caldicott.Engine, data: bytes, sizes: list[int], notices: list[caldicott.Notice]
) -> list[caldicott.Finding]:
    """Feeds ``data`` in chunks of ``sizes`` (cycled); the stream's notices
    must be ``notices``."""
    stream = engine.stream()
    found: list[caldicott.Finding] = []
    pos, i = 0, 0
    while pos < len(data):
        n = sizes[i % len(sizes)]
        found += stream.feed(data[pos : pos + n])
        pos, i = pos + n, i + 1
    found += stream.finish()
    assert stream.notices == notices, sizes
    return found


# The format of every clinical record in a table file.
RECORD_FORMATS = {
    "csv.toml": "csv",
    "hl7.toml": "hl7v2",
    "fhir_json.toml": "fhir",
    "fhir_xml.toml": "fhir",
    "cda.toml": "cda",
    "dicom.toml": "dicom",
}


def check_formats(case: Case, findings: list[caldicott.Finding]) -> None:
    """Records carry their table's format; other kinds none."""
    for f in findings:
        if f.kind == "clinical_record":
            assert f.format == RECORD_FORMATS.get(case.file, f.format) and f.format is not None, f
            assert f.masked == f"{f.format} record"
        else:
            assert f.format is None, f


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scan(case: Case) -> None:
    found = caldicott.scan(case.haystack)
    assert plain(found) == list(case.expect)
    check_formats(case, found)
    for n in caldicott.scan(case.haystack, with_notices=True)[1]:
        assert repr(n) == f"Notice(offset={n.offset}, source={n.source!r}, limit={n.limit!r}, message={n.message!r})"
    assert plain(caldicott.Engine().scan(memoryview(case.haystack))) == list(case.expect)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scan_str_with_char_offsets(case: Case) -> None:
    """The same findings from ``str`` input, with character offsets that
    select the same text as the byte offsets."""
    try:
        text = case.haystack.decode()
    except UnicodeDecodeError:
        pytest.skip("not UTF-8")
    found, notices = caldicott.scan(text, with_notices=True)
    assert plain(found) == list(case.expect)
    for f in found:
        assert f.char_start is not None and f.char_end is not None
        assert text[f.char_start : f.char_end] == case.haystack[f.start : f.end].decode()
    assert notices == caldicott.scan(case.haystack, with_notices=True)[1]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_stream_every_split_and_random_chunks(case: Case) -> None:
    engine = caldicott.Engine()
    data = case.haystack
    notices = engine.scan(data, with_notices=True)[1]
    for at in range(len(data) + 1):
        stream = engine.stream()
        found = stream.feed(data[:at]) + stream.feed(bytearray(data[at:])) + stream.finish()
        assert plain(found) == list(case.expect), f"split at {at}"
        assert stream.notices == notices, f"split at {at}"
    rng = random.Random(case.name)
    for _ in range(10):
        sizes = [rng.randint(1, 40) for _ in range(rng.randint(1, 5))]
        assert plain(stream_chunks(engine, data, sizes, notices)) == list(case.expect), sizes
