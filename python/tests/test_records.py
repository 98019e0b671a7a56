"""Companion identifiers, clinical records and notices from Python: every
kind and record format, masking of the new kinds, ``structure=False``, and
notices through ``scan``, ``scan_file``, ``Stream`` and ``assess``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import caldicott

ALL_KINDS = [
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

# caldicott-core's MAX_CSV_QUOTED_CELL (64 KiB): a quoted CSV cell that runs
# past it without its closing quote makes the CSV tracker give up.
MAX_CSV_QUOTED_CELL = 64 * 1024
UNCLOSED = "nhs_number,order_id\n7573562667,x\n\"" + "x" * (MAX_CSV_QUOTED_CELL + 10)
NOTICE_AT = len("nhs_number,order_id\n7573562667,x\n")

CSV = "nhs_number,surname\n7573562667,Smith\n6414882151,Jones\n"
HL7 = (
    "MSH|^~\\&|PAS|RX1|TIE|RX1|20240315093000||ADT^A01|MSG00010|P|2.4\r"
    "PID|1||6169489243^^^NHS^NH||SMITH^JOHN^PAUL^^MR||19800101|F|||"
    "12 MILL LANE^^LEEDS^^LS1 4AP\r"
    "PV1|1|I|WARD 7^BED 2^RX1\r"
)


def _only(found: list[caldicott.Finding], kind: str) -> list[caldicott.Finding]:
    return [f for f in found if f.kind == kind]


def test_csv_rows_are_records_and_the_report_counts_them() -> None:
    found = caldicott.scan(CSV.encode())
    records = _only(found, "clinical_record")
    assert [CSV.encode()[r.start : r.end] for r in records] == [b"7573562667,Smith", b"6414882151,Jones"]
    for r in records:
        assert (r.format, r.confidence, r.synthetic, r.masked) == ("csv", "high", False, "csv record")
        assert r.to_dict()["format"] == "csv"
        assert repr(r) == (
            f"Finding(kind='clinical_record', start={r.start}, end={r.end}, confidence='high', "
            "synthetic=False, format='csv', masked='csv record')"
        )
    for f in _only(found, "nhs_number"):
        assert f.format is None
        assert "format" not in f.to_dict() and "format" not in repr(f)

    result = caldicott.Engine().assess(CSV)
    assert result.report["records"] == {"csv": 2}
    assert result.report["by_kind"]["clinical_record"] == {"high": 2}
    assert result.verdict == "alert"  # the default policy alerts at 2 records (and 2 identifiers)
    assert result.notices == []
    assert caldicott.Engine().assess(CSV, caldicott.Policy(alert={}, block={"records": 2})).verdict == "block"
    assert caldicott.Engine().assess(CSV, caldicott.Policy(alert={}, block={"records": 3})).verdict == "allow"


def test_structure_false_scans_as_plain_text(tmp_path: Path) -> None:
    engine = caldicott.Engine(structure=False)
    assert engine.config["structure"] is False
    assert caldicott.Engine().config["structure"] is True
    assert "structure=False" in repr(engine)
    found = engine.scan(CSV)
    assert {f.kind for f in found} == {"nhs_number"}
    assert engine.assess(CSV).report["records"] == {}
    assert _only(engine.scan(HL7), "clinical_record") == []
    path = tmp_path / "plain.toml"
    path.write_text("structure = false\n")
    assert caldicott.Engine.from_file(path).scan(CSV) == found


def test_hl7_name_and_date_never_shown_unless_revealed() -> None:
    found = caldicott.scan(HL7)
    assert sorted(f.kind for f in found) == sorted(
        ["clinical_record", "nhs_number", "person_name", "date_of_birth", "postcode"]
    )
    [record] = _only(found, "clinical_record")
    assert (record.format, record.start, record.masked) == ("hl7v2", 0, "hl7v2 record")
    [name] = _only(found, "person_name")
    assert name.reveal() == "SMITH JOHN PAUL"
    assert name.to_dict(reveal=True)["value"] == name.reveal()
    assert HL7[name.start : name.end] == "SMITH^JOHN^PAUL"
    [dob] = _only(found, "date_of_birth")
    assert dob.reveal() == "1980-01-01"
    [postcode] = _only(found, "postcode")
    assert (postcode.masked, postcode.reveal()) == ("LS1 ***", "LS1 4AP")
    for f in (name, dob):
        assert f.masked == "***" and f.format is None
    secrets = ["SMITH", "JOHN", "PAUL", "1980", "19800101", "4AP", "6169489243", "616 948"]
    for f in found:
        shown = repr(f) + json.dumps(f.to_dict()) + str(f)
        assert not [s for s in secrets if s in shown], shown


def test_nino_reveal_is_normalised() -> None:
    [f] = caldicott.scan("National Insurance: AB 12 34 56 C.")
    assert (f.kind, f.confidence, f.format) == ("nino", "medium", None)
    assert f.reveal() == "AB123456C"
    assert f.masked == "******56C"
    assert "AB" not in repr(f) and "12 34" not in repr(f)
    assert "value" not in f.to_dict()
    assert f.to_dict(reveal=True)["value"] == "AB123456C"


def test_nhs_email_is_masked_to_its_domain() -> None:
    [f] = caldicott.scan("Reply to A.Smith@NHS.NET today")
    assert (f.kind, f.masked, f.reveal()) == ("nhs_email", "***@nhs.net", "a.smith@nhs.net")
    assert "smith" not in repr(f).lower()


def test_every_kind_can_be_enabled_by_name() -> None:
    assert caldicott.Engine().config["kinds"] == ALL_KINDS
    assert caldicott.Engine(kinds=ALL_KINDS).config["kinds"] == ALL_KINDS
    for kind in ALL_KINDS:
        assert caldicott.Engine(kinds=[kind]).config["kinds"] == [kind]
    text = "NHS 943 476 5919, NI AB123456C, LS1 4AP"
    assert [f.kind for f in caldicott.Engine(kinds=["nino"]).scan(text)] == ["nino"]
    assert [f.kind for f in caldicott.Engine(kinds=["nhs_number"]).scan(text)] == ["nhs_number"]
    records = caldicott.Engine(kinds=["clinical_record"]).scan(HL7)
    assert [(f.kind, f.format) for f in records] == [("clinical_record", "hl7v2")]
    with pytest.raises(caldicott.ConfigError, match="expected one of nhs_number, .*, clinical_record"):
        caldicott.Engine(kinds=["passport"])


def test_str_input_char_offsets_with_nested_records() -> None:
    """A record arrives after the findings inside it; character offsets are
    still right for every finding."""
    text = HL7.replace("SMITH^JOHN", "BRONTË^ZOË").replace("WARD 7", "WÄRD 7")
    found = caldicott.scan(text)
    assert {f.kind for f in found} >= {"clinical_record", "person_name", "nhs_number"}
    raw = text.encode()
    for f in found:
        assert f.char_start is not None and f.char_end is not None
        assert text[f.char_start : f.char_end] == raw[f.start : f.end].decode(), f
    [record] = _only(found, "clinical_record")
    assert (record.char_start, record.char_end) == (0, len(text.rstrip("\r")))


def test_notice_fields() -> None:
    found, notices = caldicott.scan(UNCLOSED, with_notices=True)
    assert sorted(f.kind for f in found) == ["clinical_record", "nhs_number"]
    [n] = notices
    assert (n.offset, n.source, n.limit) == (NOTICE_AT, "csv", "MAX_CSV_QUOTED_CELL")
    assert n.message == (
        f"a quoted cell ran past {MAX_CSV_QUOTED_CELL} bytes without its closing quote; "
        "columns are no longer followed"
    )
    assert repr(n) == (
        f"Notice(offset={NOTICE_AT}, source='csv', limit='MAX_CSV_QUOTED_CELL', message='{n.message}')"
    )
    assert str(n) == f"csv at byte {NOTICE_AT}: {n.message} (MAX_CSV_QUOTED_CELL)"
    assert n.to_dict() == {"offset": NOTICE_AT, "source": "csv", "limit": "MAX_CSV_QUOTED_CELL", "message": n.message}
    again = caldicott.Engine().scan(UNCLOSED.encode(), with_notices=True)[1]
    assert again == [n] and len({n, *again}) == 1
    # Without with_notices, scan returns the findings alone.
    assert caldicott.scan(UNCLOSED) == found
    assert caldicott.Engine().scan(UNCLOSED, with_notices=False) == found
    assert caldicott.scan(CSV, with_notices=True)[1] == []


def test_notice_reaches_scan_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text(UNCLOSED)
    found, notices = caldicott.Engine().scan_file(path, with_notices=True)
    assert sorted((f.kind, f.line, f.column) for f in found) == [("clinical_record", 2, 1), ("nhs_number", 2, 1)]
    assert [(n.offset, n.limit) for n in notices] == [(NOTICE_AT, "MAX_CSV_QUOTED_CELL")]
    assert caldicott.Engine().scan_file(path) == found


def test_notice_reaches_the_stream_and_its_verdict() -> None:
    # More input after the limit, so the notice arrives while feeding.
    data = UNCLOSED.encode() + b"x" * 8192
    strict = caldicott.Policy(block={"on_notice": True})
    for policy in (None, strict):
        stream = caldicott.Engine().stream(policy)
        seen_at = None
        for i in range(0, len(data), 4096):
            stream.feed(data[i : i + 4096])
            if stream.notices and seen_at is None:
                seen_at = i
            if policy is not None:
                assert stream.verdict == ("block" if stream.notices else "allow")
        assert seen_at is not None and NOTICE_AT + MAX_CSV_QUOTED_CELL - 4096 < seen_at < len(UNCLOSED)
        stream.finish()
        [n] = stream.notices
        assert (n.offset, n.source, n.limit) == (NOTICE_AT, "csv", "MAX_CSV_QUOTED_CELL")
        if policy is None:
            assert stream.report is None
        else:
            assert stream.report is not None
            assert stream.report["notices"] == {"csv:MAX_CSV_QUOTED_CELL": 1}
    with caldicott.Engine().stream() as stream:
        stream.feed(data)
    assert len(stream.notices) == 1
    assert caldicott.Engine().stream().notices == []


def test_notice_in_assess_and_on_notice_policies(tmp_path: Path) -> None:
    engine = caldicott.Engine()
    result = engine.assess(UNCLOSED)
    assert result.verdict == "allow"  # notices do not decide by default
    assert result.report["notices"] == {"csv:MAX_CSV_QUOTED_CELL": 1}
    assert [n.limit for n in result.notices] == ["MAX_CSV_QUOTED_CELL"]
    assert repr(result) == "Assessment(verdict='allow', policy='default', findings=2, notices=1)"
    assert engine.assess(UNCLOSED, caldicott.Policy(block={"on_notice": True})).verdict == "block"
    assert engine.assess(UNCLOSED, caldicott.Policy(alert={"on_notice": True})).verdict == "alert"
    assert engine.assess(CSV, caldicott.Policy(alert={}, block={"on_notice": True})).verdict == "allow"

    path = tmp_path / "fail-closed.toml"
    path.write_text('name = "fail-closed"\n[block]\non_notice = true\nrecords = 3\n')
    policy = caldicott.Policy.from_file(path)
    assert engine.assess(UNCLOSED, policy).verdict == "block"
    assert engine.assess(CSV, policy).verdict == "alert"  # [alert] keeps its defaults
    assert engine.assess(CSV + "9990000018,Test\n", policy).verdict == "block"  # 3 records


def test_new_threshold_fields_are_checked() -> None:
    with pytest.raises(caldicott.ConfigError, match="block threshold of 0"):
        caldicott.Policy(block={"records": 0})
    with pytest.raises(caldicott.ConfigError, match="invalid type"):
        caldicott.Policy(block={"on_notice": "yes"})
    with pytest.raises(caldicott.ConfigError, match="unknown field"):
        caldicott.Policy(block={"on_notices": True})
    by_kind = caldicott.Policy(alert={}, block={"distinct_by_kind": {"nino": 2}})
    text = "NI AB123456C and NI CE123456A"
    assert caldicott.Engine().assess(text, by_kind).verdict == "block"
