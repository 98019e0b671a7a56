"""Atheris fuzz target for the Python bindings: ``caldicott.scan`` and
``Stream.feed`` on arbitrary bytes and text, at a chunking derived from the
input. Checks real properties, not only "no crash":

* ``scan`` of ``bytes``, ``bytearray`` and ``memoryview`` agree;
* a ``Stream`` fed the same bytes in arbitrary chunks agrees with ``scan``;
* offsets are in bounds and ordered; ``masked`` shows at most the last four
  digits; ``repr`` never holds the value;
* every finding re-validates with the validator for its kind.

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
ENGINE = caldicott.Engine()


def check(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    sizes = [fdp.ConsumeIntInRange(1, 64) for _ in range(fdp.ConsumeIntInRange(1, 4))]
    hay = fdp.ConsumeBytes(fdp.remaining_bytes())
    found = caldicott.scan(hay)
    assert caldicott.scan(bytearray(hay)) == found
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

    last_end = 0
    for f in found:
        assert last_end <= f.start < f.end <= len(hay)
        last_end = f.end
        value = f.reveal()
        assert f.masked == "*** *** " + value[-4:]
        assert value not in repr(f) and value[:6] not in repr(f)
        text = hay[f.start : f.end].decode("utf-8")
        assert VALIDATORS[f.kind](text), (f, text)


def main() -> None:
    atheris.Setup(sys.argv, check)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
