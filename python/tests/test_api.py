"""The Python surface: types, masking, offsets, files, configuration,
errors and validators."""

from __future__ import annotations

import array
import json
import random
from pathlib import Path

import pytest

import caldicott


def test_finding_fields_and_masking() -> None:
    [f] = caldicott.scan(b"Patient NHS no 943 476 5919")
    assert (f.kind, f.start, f.end, f.confidence, f.synthetic) == ("nhs_number", 15, 27, "high", True)
    assert f.masked == "*** *** 5919"
    assert "943" not in repr(f) and "476" not in repr(f)
    assert repr(f) == (
        "Finding(kind='nhs_number', start=15, end=27, confidence='high', "
        "synthetic=True, masked='*** *** 5919')"
    )
    assert "value" not in f.to_dict()
    assert "476" not in json.dumps(f.to_dict())
    assert f.to_dict(reveal=True)["value"] == "9434765919"
    assert f.reveal() == "9434765919"
    assert f == caldicott.scan(b"Patient NHS no 943 476 5919")[0]
    assert len({f, caldicott.scan(b"Patient NHS no 943 476 5919")[0]}) == 1


def test_str_input_gives_byte_and_char_offsets() -> None:
    text = "Zoë → NHS 943 476 5919 and ünïcödé 9990000018"
    found = caldicott.scan(text)
    assert len(found) == 2
    raw = text.encode()
    for f in found:
        assert f.char_start is not None and f.char_end is not None
        assert text[f.char_start : f.char_end] == raw[f.start : f.end].decode()
    assert caldicott.scan(raw)[0].char_start is None


@pytest.mark.parametrize(
    "data",
    [b"x 9434765919", bytearray(b"x 9434765919"), memoryview(b"x 9434765919"),
     array.array("B", b"x 9434765919"), "x 9434765919"],
    ids=["bytes", "bytearray", "memoryview", "array", "str"],
)
def test_every_buffer_type(data: object) -> None:
    [f] = caldicott.scan(data)  # type: ignore[call-overload]
    assert (f.start, f.end) == (2, 12)


def test_non_contiguous_memoryview_is_copied_correctly() -> None:
    data = bytes(b for ch in b"9434765919" for b in (ch, ord("_")))
    view = memoryview(data)[::2]
    assert [f.start for f in caldicott.scan(view)] == [0]


@pytest.mark.parametrize("bad", [5, 3.0, None, ["9434765919"], {"a": 1}, array.array("i", [1, 2])])
def test_wrong_types_raise_type_error(bad: object) -> None:
    with pytest.raises(TypeError, match="expects bytes, bytearray, memoryview"):
        caldicott.scan(bad)  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        caldicott.Engine().stream().feed(bad)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        caldicott.is_valid_nhs_number(bad)  # type: ignore[arg-type]


def test_empty_and_huge_inputs() -> None:
    assert caldicott.scan(b"") == []
    assert caldicott.scan("") == []
    big = bytearray(b"~" * (64 << 20))
    big[1000:1010] = b"9434765919"
    big[-20:-10] = b"9990000018"
    found = caldicott.scan(bytes(big))
    assert [f.start for f in found] == [1000, len(big) - 20]
    stream = caldicott.Engine().stream()
    assert stream.feed(b"") == []
    assert stream.finish() == []


def test_lone_surrogate_str_is_a_clear_error() -> None:
    with pytest.raises(UnicodeEncodeError):
        caldicott.scan("9434765919 \ud800")


def test_scan_file_streams_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    lines = [f"{i},x" for i in range(100_000)]
    lines[70_000] = "70000,NHS 943 476 5919"
    path.write_text("\n".join(lines) + "\n")
    [f] = caldicott.Engine().scan_file(path)
    assert (f.line, f.column) == (70_001, 11)
    assert f.start == path.read_bytes().index(b"943 476")
    assert caldicott.Engine().scan_file(str(path)) == [f]
    with pytest.raises(FileNotFoundError, match="No such file"):
        caldicott.Engine().scan_file(tmp_path / "missing")
    with pytest.raises(IsADirectoryError):
        caldicott.Engine().scan_file(tmp_path)


def test_engine_configuration(tmp_path: Path) -> None:
    data = b"ref 9434765919" + b"~" * 400 + b"NHS 9990000018"
    assert len(caldicott.Engine().scan(data)) == 2
    assert len(caldicott.Engine(min_confidence="high").scan(data)) == 1
    assert caldicott.Engine(kinds=["chi_number"]).scan(data) == []
    assert caldicott.Engine(report_synthetic=False).scan(data) == []
    assert caldicott.Engine(extra_keywords=["ref"]).scan(data)[0].confidence == "high"
    assert caldicott.Engine(context_after=500).scan(data)[0].confidence == "high"
    config = caldicott.Engine(context_before=7).config
    assert config["context_before"] == 7 and config["kinds"][:3] == ["nhs_number", "chi_number", "hc_number"]
    assert len(config["kinds"]) == 11 and config["structure"] is True

    toml = tmp_path / "policy.toml"
    toml.write_text('min_confidence = "high"\n')
    assert len(caldicott.Engine.from_file(toml).scan(data)) == 1
    js = tmp_path / "policy.json"
    js.write_text('{"kinds": ["hc_number"]}')
    assert caldicott.Engine.from_file(str(js)).scan(data) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"context_before": 99999}, "context_before of 99999 bytes exceeds the maximum of 4096"),
        ({"kinds": ["passport"]}, "unknown kind 'passport'"),
        ({"kinds": []}, "no identifier kinds are enabled"),
        ({"min_confidence": "certain"}, "unknown confidence 'certain'"),
        ({"extra_keywords": [""]}, "empty"),
    ],
)
def test_config_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(caldicott.ConfigError, match=message) as info:
        caldicott.Engine(**kwargs)  # type: ignore[arg-type]
    assert isinstance(info.value, caldicott.CaldicottError)


def test_config_file_errors(tmp_path: Path) -> None:
    typo = tmp_path / "typo.toml"
    typo.write_text('min_confidance = "high"\n')
    with pytest.raises(caldicott.ConfigError, match="min_confidance"):
        caldicott.Engine.from_file(typo)
    with pytest.raises(FileNotFoundError):
        caldicott.Engine.from_file(tmp_path / "absent.toml")
    with pytest.raises(TypeError):
        caldicott.Engine(context_before="300")  # type: ignore[arg-type]


def test_stream_errors_are_sticky_and_context_manager_keeps_findings() -> None:
    engine = caldicott.Engine()
    with engine.stream() as stream:
        assert stream.feed(b"NHS 943 476 ") == []
        assert stream.feed("5919") == []
    assert [f.masked for f in stream.pending] == ["*** *** 5919"]
    for _ in range(2):
        with pytest.raises(caldicott.StreamError, match="already finished"):
            stream.feed(b"9434765919")
        with pytest.raises(caldicott.StreamError):
            stream.finish()
    stream = engine.stream()
    stream.feed(b"9434765919 ")
    assert len(stream.finish()) == 1
    assert stream.pending == []
    assert stream.position == 11


def _mod11_oracle(s: str) -> bool:
    digits = [int(c) for c in s]
    if len(set(digits)) == 1 or sum(d * w for d, w in zip(digits, range(10, 0, -1))) % 11:
        return False
    prefix = int(s[:3])
    return prefix >= 900 or 400 <= prefix < 500 or 600 <= prefix < 800


def test_nhs_validator_agrees_with_modulus_11() -> None:
    rng = random.Random(2026)
    numbers = [f"{rng.randrange(10**10):010d}" for _ in range(50_000)]
    numbers += [f"{p}{c}" for p in ("943476591", "400000000", "799999999", "599999999") for c in "0123456789"]
    for s in numbers:
        want = _mod11_oracle(s)
        assert caldicott.is_valid_nhs_number(s) == want, s
        assert caldicott.is_valid_nhs_number(f"{s[:3]} {s[3:6]} {s[6:]}") == want, s
    assert sum(map(_mod11_oracle, numbers)) > 1000
    assert caldicott.is_valid_nhs_number("943 476 5919")
    assert not caldicott.is_valid_nhs_number("943 476-5919")
    assert not caldicott.is_valid_hc_number("943 476 5919")
    assert not caldicott.is_valid_chi_number("943 476 5919")
