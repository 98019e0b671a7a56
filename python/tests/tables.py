"""Loads the shared test tables (``tests/data/*.toml``), the same files the
Rust tests run, in the format documented in caldicott-testkit's crate docs.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
OPEN, CLOSE = "\u27e6", "\u27e7"
_HEX_ESCAPE = re.compile(rb"\\x([0-9A-Fa-f]{2})")


@dataclass(frozen=True)
class Expected:
    kind: str
    start: int
    end: int
    confidence: str
    synthetic: bool


@dataclass(frozen=True)
class Case:
    file: str
    name: str
    haystack: bytes
    expect: tuple[Expected, ...]


def _strip_markers(text: str, unescape: bool) -> tuple[bytes, list[tuple[int, int]]]:
    out = bytearray()
    # Markers nest (a record around the identifiers in it); spans are listed
    # in the order their markers open.
    spans: list[tuple[int, int]] = []
    open_: list[int] = []
    for piece in re.split(f"([{OPEN}{CLOSE}])", text):
        if piece == OPEN:
            open_.append(len(spans))
            spans.append((len(out), len(out)))
        elif piece == CLOSE:
            index = open_.pop()
            spans[index] = (spans[index][0], len(out))
        else:
            raw = piece.encode()
            if unescape:
                raw = _HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), raw)
            out += raw
    return bytes(out), spans


def load() -> list[Case]:
    cases = []
    for path in sorted(DATA.glob("*.toml")):
        for t in tomllib.loads(path.read_text())["test"]:
            hay, spans = _strip_markers(t["haystack"], t.get("unescape", False))
            assert len(spans) == len(t["expect"]), t["name"]
            expect = tuple(
                Expected(e["kind"], s, e_, e["confidence"], e.get("synthetic", False))
                for e, (s, e_) in zip(t["expect"], spans)
            )
            cases.append(Case(path.name, t["name"], hay, expect))
    assert len(cases) >= 50, f"only {len(cases)} cases in {DATA}"
    return cases
