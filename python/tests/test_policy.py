"""Reports and verdicts from Python: ``Engine.assess``, ``Policy`` and
streams made with a policy."""

from __future__ import annotations

from pathlib import Path

import pytest

import caldicott


def _nhs_numbers(n: int) -> list[str]:
    """Valid numbers from the synthetic 9xx range."""
    out: list[str] = []
    prefix = 999_000_000
    while len(out) < n:
        for check in range(10):
            s = f"{prefix}{check}"
            if caldicott.is_valid_nhs_number(s):
                out.append(s)
        prefix += 1
    return out[:n]


def test_assess_default_policy_excludes_synthetic() -> None:
    ids = _nhs_numbers(12)
    result = caldicott.Engine().assess("\n".join(ids).encode())
    assert result.verdict == "allow"
    assert result.policy == "default"
    assert result.report["synthetic"] == 12
    assert result.report["distinct"] == {}
    assert len(result.findings) == 12


@pytest.mark.parametrize(("n", "verdict"), [(0, "allow"), (1, "allow"), (2, "alert"), (9, "alert"), (10, "block")])
def test_thresholds(n: int, verdict: str) -> None:
    policy = caldicott.Policy(count_synthetic=True)
    data = "\n".join(_nhs_numbers(n))
    assert caldicott.Engine().assess(data, policy).verdict == verdict


def test_distinct_counting_and_report_has_no_values() -> None:
    policy = caldicott.Policy(count_synthetic=True, block={"distinct": 2})
    [one] = _nhs_numbers(1)
    result = caldicott.Engine().assess(f"NHS {one}\n" * 30, policy)
    assert result.verdict == "allow"
    assert result.report["findings"] == 30
    assert result.report["distinct"] == {"nhs_number": 1}
    assert result.report["by_kind"] == {"nhs_number": {"high": 30}}
    assert one not in repr(result.report) and one[-4:] not in repr(result.report)


def test_policy_errors_and_files(tmp_path: Path) -> None:
    with pytest.raises(caldicott.ConfigError, match="block threshold of 0"):
        caldicott.Policy(block={"distinct": 0})
    with pytest.raises(caldicott.ConfigError, match="unknown field"):
        caldicott.Policy(blok={"distinct": 2})
    path = tmp_path / "ward.toml"
    path.write_text('name = "ward"\ncount_synthetic = true\n[block]\ndistinct = 3\n')
    policy = caldicott.Policy.from_file(path)
    assert policy.name == "ward"
    assert caldicott.Engine().assess(" ".join(_nhs_numbers(3)), policy).verdict == "block"


def test_stream_verdict_as_data_arrives() -> None:
    policy = caldicott.Policy(count_synthetic=True, block={"distinct": 3})
    stream = caldicott.Engine().stream(policy)
    verdicts = []
    for number in _nhs_numbers(3):
        stream.feed(f"{number}\n" + "~" * 200)
        verdicts.append(stream.verdict)
    stream.finish()
    assert verdicts == ["allow", "alert", "block"]
    assert stream.report is not None and stream.report["distinct"] == {"nhs_number": 3}
    plain = caldicott.Engine().stream()
    assert plain.verdict is None and plain.report is None
