"""Decoding layers from Python: findings inside gzip and base64 content
(nested or not) carry ``layers`` and ``layer_start``; ``decode=False``
scans the bytes as they are; streaming in any chunking agrees with one
scan; files; decoding limits as notices; ``str`` input gives no character
offsets for layered findings."""

from __future__ import annotations

import base64
import gzip
import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import caldicott

# Synthetic (9xx) NHS numbers: never issued to a patient.
TEXT = b"Referral letter\nPatient NHS number 943 476 5919, seen in clinic today.\n"
NUMBER = b"943 476 5919"
GZ = gzip.compress(TEXT, mtime=0)
BLOB = base64.b64encode(TEXT).decode()
DOC = json.dumps({"id": 7, "note": "see attachment", "attachment": BLOB})
NESTED_BLOB = base64.b64encode(GZ).decode()
NESTED = json.dumps({"id": 8, "attachment": NESTED_BLOB})


def _chunked(engine: caldicott.Engine, data: bytes, rng: random.Random) -> caldicott.Stream:
    """A stream of ``engine`` fed ``data`` in random chunks, not finished."""
    stream = engine.stream()
    pos = 0
    while pos < len(data):
        n = rng.randint(1, 50)
        stream.feed(data[pos : pos + n])
        pos += n
    return stream


def _stream(engine: caldicott.Engine, data: bytes, rng: random.Random) -> list[caldicott.Finding]:
    stream = engine.stream()
    found: list[caldicott.Finding] = []
    pos = 0
    while pos < len(data):
        n = rng.randint(1, 50)
        found += stream.feed(data[pos : pos + n])
        pos += n
    found += stream.finish()
    assert stream.position == len(data)
    return found


def test_gzip_text_is_decoded_and_offsets_are_in_the_decoded_text() -> None:
    [f] = caldicott.scan(GZ)
    assert (f.kind, f.layers, f.layer_start) == ("nhs_number", "gzip", 0)
    assert TEXT[f.start : f.end] == NUMBER
    assert f.end <= len(TEXT)
    assert (f.confidence, f.synthetic, f.masked) == ("high", True, "*** *** 5919")
    assert f.char_start is None and f.line is None
    assert caldicott.Engine().scan(GZ) == [f]


def test_layers_in_repr_and_dict_only_when_set() -> None:
    [f] = caldicott.scan(GZ)
    assert repr(f) == (
        f"Finding(kind='nhs_number', start={f.start}, end={f.end}, confidence='high', "
        "synthetic=True, layers='gzip', masked='*** *** 5919')"
    )
    d = f.to_dict()
    assert list(d) == ["kind", "start", "end", "confidence", "synthetic", "layers", "layer_start", "masked"]
    assert (d["layers"], d["layer_start"]) == ("gzip", 0)
    assert "476" not in repr(f) and "476" not in json.dumps(d)
    assert f.to_dict(reveal=True)["value"] == "9434765919"

    [plain] = caldicott.scan(TEXT)
    assert (plain.layers, plain.layer_start) == (None, None)
    assert "layers" not in plain.to_dict() and "layer_start" not in plain.to_dict()
    assert "layers" not in repr(plain)
    # Same kind and offsets, different layer: not equal.
    assert (plain.start, plain.end) == (f.start, f.end)
    assert plain != f


def test_base64_blob_in_json() -> None:
    raw = DOC.encode()
    [f] = caldicott.scan(raw)
    assert (f.layers, f.layer_start) == ("base64", raw.index(BLOB.encode()))
    assert TEXT[f.start : f.end] == NUMBER


def test_gzip_inside_base64_inside_json() -> None:
    raw = NESTED.encode()
    [f] = caldicott.scan(raw)
    assert (f.layers, f.layer_start) == ("base64 > gzip", raw.index(NESTED_BLOB.encode()))
    assert TEXT[f.start : f.end] == NUMBER


def test_decode_false_scans_the_bytes_as_they_are(tmp_path: Path) -> None:
    engine = caldicott.Engine(decode=False)
    assert engine.scan(GZ) == []
    assert engine.scan(DOC) == []
    assert engine.assess(GZ).report["findings"] == 0
    stream = engine.stream()
    assert stream.feed(GZ) + stream.finish() == []
    assert stream.position == len(GZ)
    path = tmp_path / "letter.txt.gz"
    path.write_bytes(GZ)
    assert engine.scan_file(path) == []
    # Plain text is found either way, identically.
    assert engine.scan(TEXT) == caldicott.Engine().scan(TEXT) == caldicott.scan(TEXT)

    assert engine.config["decode"] is False and caldicott.Engine().config["decode"] is True
    assert repr(engine).endswith("structure=True, decode=False)")
    assert repr(caldicott.Engine()).endswith("decode=True)")
    config = tmp_path / "engine.toml"
    config.write_text('min_confidence = "high"\n')
    assert caldicott.Engine.from_file(config).config["decode"] is True
    assert len(caldicott.Engine.from_file(config).scan(GZ)) == 1
    assert caldicott.Engine.from_file(config, decode=False).scan(GZ) == []


def _by_layer(found: list[caldicott.Finding]) -> dict[tuple[str | None, int | None], list[caldicott.Finding]]:
    groups: dict[tuple[str | None, int | None], list[caldicott.Finding]] = {}
    for f in found:
        groups.setdefault((f.layers, f.layer_start), []).append(f)
    return groups


@pytest.mark.parametrize("seed", range(8))
def test_streaming_in_random_chunks_equals_one_scan(seed: int) -> None:
    rng = random.Random(seed)
    engine = caldicott.Engine()
    big = gzip.compress(b"".join(b"line %d NHS 999 000 0018\n" % i for i in range(2000)), mtime=0)
    for data in (GZ, DOC.encode(), NESTED.encode(), big):
        once = engine.scan(data)
        assert once and all(f.layers for f in once)
        assert _stream(engine, data, rng) == once
    # Findings of different layers may interleave differently with the
    # chunking; each layer's findings are the same, in the same order.
    mixed = b"prefix 9990000018\n" + NESTED.encode() + b"\n" + DOC.encode() + b" 943 476 5919\n"
    once = engine.scan(mixed)
    groups = _by_layer(once)
    assert {k: len(v) for k, v in groups.items()} == {
        (None, None): 2,
        ("base64 > gzip", mixed.index(NESTED_BLOB.encode())): 1,
        ("base64", mixed.index(BLOB.encode())): 1,
    }
    assert _by_layer(_stream(engine, mixed, rng)) == _by_layer(once)


def test_scan_file_decodes_and_places_layered_findings_at_their_layer(tmp_path: Path) -> None:
    path = tmp_path / "letter.txt.gz"
    path.write_bytes(GZ)
    [f] = caldicott.Engine().scan_file(path)
    assert (f.layers, f.layer_start, f.line, f.column) == ("gzip", 0, 1, 1)
    assert TEXT[f.start : f.end] == NUMBER

    lines = ["first line", "NHS 999 000 0018 in plain text", "attachment: " + BLOB, "last"]
    log = tmp_path / "log.txt"
    log.write_text("\n".join(lines) + "\n")
    found, notices = caldicott.Engine().scan_file(log, with_notices=True)
    assert notices == []
    [plain] = [f for f in found if f.layers is None]
    [layered] = [f for f in found if f.layers is not None]
    assert (plain.line, plain.column) == (2, 5)
    assert (layered.layers, layered.line, layered.column) == ("base64", 3, len("attachment: ") + 1)
    assert layered.layer_start == log.read_bytes().index(BLOB.encode())
    def key(f: caldicott.Finding) -> tuple[object, ...]:
        return (f.kind, f.start, f.end, f.layers, f.layer_start, f.reveal())

    assert [key(f) for f in found] == [key(f) for f in caldicott.Engine().scan(log.read_bytes())]
    assert [f.reveal() for f in caldicott.Engine(decode=False).scan_file(log)] == ["9990000018"]


def _bomb() -> bytes:
    """A number, then 4 MiB of zeros: about 4 KiB of gzip."""
    return gzip.compress(TEXT + b"\0" * (4 << 20), mtime=0)


def test_gzip_bomb_is_a_notice_not_an_error() -> None:
    bomb = _bomb()
    assert len(bomb) < 16 * 1024
    engine = caldicott.Engine(limits={"max_expansion_ratio": 10})
    assert engine.config["limits"]["max_expansion_ratio"] == 10
    found, notices = engine.scan(bomb, with_notices=True)
    [notice] = notices
    assert (notice.limit, notice.source, notice.offset) == ("max_expansion_ratio", "gzip", 0)
    assert "max_expansion_ratio" in notice.message
    # What was decoded before the limit is still scanned.
    assert [(f.layers, f.reveal()) for f in found] == [("gzip", "9434765919")]

    stream = _chunked(engine, bomb, random.Random(1))
    stream.finish()
    assert stream.notices == notices

    result = engine.assess(bomb, caldicott.Policy(block={"on_notice": True}))
    assert result.notices == notices
    assert result.report["notices"] == {"gzip:max_expansion_ratio": 1}
    assert result.verdict == "block"

    # The default ratio (100) lets 4 MiB of zeros from 4 KiB through.
    assert caldicott.Engine().scan(bomb, with_notices=True)[1] == []


def test_max_depth_stops_nesting_with_a_notice() -> None:
    engine = caldicott.Engine(limits={"max_depth": 1})
    found, notices = engine.scan(NESTED, with_notices=True)
    assert found == []
    assert [(n.limit, n.source) for n in notices] == [("max_depth", "gzip")]
    found, notices = engine.scan(DOC, with_notices=True)
    assert [f.layers for f in found] == ["base64"] and notices == []
    assert caldicott.Engine(limits={"max_depth": 0}).scan(GZ, with_notices=True)[0] == []


def test_limits_config_and_errors() -> None:
    defaults = caldicott.Engine().config["limits"]
    assert defaults == {
        "max_depth": 8,
        "max_decoded_bytes": 1 << 30,
        "max_expansion_ratio": 100,
        "max_parts": 1024,
    }
    limits = caldicott.Engine(limits={"max_depth": 3, "max_parts": 10}).config["limits"]
    assert limits == defaults | {"max_depth": 3, "max_parts": 10}
    # Kept even when not decoding.
    assert caldicott.Engine(decode=False, limits={"max_depth": 2}).config["limits"]["max_depth"] == 2


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_dpeth": 3}, "unknown field `max_dpeth`"),
        ({"max_depth": -1}, "'max_depth' must be a non-negative integer; got -1"),
        ({"max_depth": 2**64}, "'max_depth' must be a non-negative integer"),
        ({"max_depth": "3"}, "got '3'"),
        ({"max_depth": True}, "got True"),
        ({"max_parts": 1.5}, "got 1.5"),
        ({1: 2}, "str keys; got 1"),
    ],
)
def test_limit_errors_are_config_errors(limits: dict[object, object], message: str, tmp_path: Path) -> None:
    with pytest.raises(caldicott.ConfigError, match=message):
        caldicott.Engine(limits=limits)  # type: ignore[arg-type]
    config = tmp_path / "engine.toml"
    config.write_text("")
    with pytest.raises(caldicott.ConfigError, match=message):
        caldicott.Engine.from_file(config, limits=limits)  # type: ignore[arg-type]


def test_limits_must_be_a_dict() -> None:
    with pytest.raises(TypeError):
        caldicott.Engine(limits=[("max_depth", 1)])  # type: ignore[arg-type]


def test_str_input_layered_findings_have_no_char_offsets() -> None:
    text = "Zoë → NHS 999 000 0018; attachment: " + BLOB + " ✓"
    found = caldicott.scan(text)
    [plain] = [f for f in found if f.layers is None]
    [layered] = [f for f in found if f.layers is not None]
    assert plain.char_start is not None and plain.char_end is not None
    assert text[plain.char_start : plain.char_end] == "999 000 0018"
    assert (layered.char_start, layered.char_end) == (None, None)
    assert "char_start" not in layered.to_dict() and "char_start" in plain.to_dict()
    assert layered.layer_start == text.encode().index(BLOB.encode())
    assert TEXT[layered.start : layered.end] == NUMBER

    # Layered offsets past the end of the string are never used to count
    # its characters: 20,000 dots gzip to a short blob.
    inner = b"." * 20_000 + TEXT
    short = "é " + base64.b64encode(gzip.compress(inner, mtime=0)).decode()
    assert len(short.encode()) < 1000
    [only] = caldicott.scan(short)
    assert (only.layers, only.char_start, only.char_end) == ("base64 > gzip", None, None)
    assert only.start > len(short.encode()) and inner[only.start : only.end] == NUMBER


def test_assess_counts_layered_findings() -> None:
    result = caldicott.Engine().assess(NESTED)
    assert [f.layers for f in result.findings] == ["base64 > gzip"]
    assert result.report["findings"] == 1
    assert caldicott.Engine(decode=False).assess(NESTED).report["findings"] == 0


def test_stream_with_policy_sees_layers() -> None:
    policy = caldicott.Policy(count_synthetic=True, alert={}, block={"distinct": 1})
    stream = caldicott.Engine().stream(policy)
    stream.feed(GZ[:10])
    stream.feed(GZ[10:])
    assert [f.layers for f in stream.finish()] == ["gzip"]
    assert stream.verdict == "block"
    with pytest.raises(caldicott.StreamError, match="already finished"):
        stream.feed(b"more")
    assert stream.position == len(GZ)
    assert "position=" + str(len(GZ)) in repr(stream)


def test_decoding_threads_agree_with_one() -> None:
    engine = caldicott.Engine()
    inputs = [gzip.compress(TEXT * (i + 1) * 200, mtime=0) for i in range(4)]
    sequential = [engine.scan(data) for data in inputs]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(engine.scan, inputs))
    assert parallel == sequential
    assert [len(found) for found in parallel] == [200, 400, 600, 800]
