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


def stream_chunks(engine: caldicott.Engine, data: bytes, sizes: list[int]) -> list[caldicott.Finding]:
    stream = engine.stream()
    found: list[caldicott.Finding] = []
    pos, i = 0, 0
    while pos < len(data):
        n = sizes[i % len(sizes)]
        found += stream.feed(data[pos : pos + n])
        pos, i = pos + n, i + 1
    return found + stream.finish()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scan(case: Case) -> None:
    assert plain(caldicott.scan(case.haystack)) == list(case.expect)
    assert plain(caldicott.Engine().scan(memoryview(case.haystack))) == list(case.expect)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_stream_every_split_and_random_chunks(case: Case) -> None:
    engine = caldicott.Engine()
    data = case.haystack
    for at in range(len(data) + 1):
        stream = engine.stream()
        found = stream.feed(data[:at]) + stream.feed(bytearray(data[at:])) + stream.finish()
        assert plain(found) == list(case.expect), f"split at {at}"
    rng = random.Random(case.name)
    for _ in range(10):
        sizes = [rng.randint(1, 40) for _ in range(rng.randint(1, 5))]
        assert plain(stream_chunks(engine, data, sizes)) == list(case.expect), sizes
