#!/usr/bin/env python3
"""Writes the seed corpora in fuzz/corpus/<target>/ from the shared tables.

Usage: python3 fuzz/make-seeds.py   (from anywhere; Python 3.11+ for tomllib)

Reads ../tests/data/*.toml (the tables every front end runs), removes the
⟦ ⟧ markers and, for `unescape = true` cases, the \\xNN escapes, exactly as
caldicott-testkit's loader does, and writes:

  scan_slice/<case>          each haystack, as is
  stream_vs_slice/<case>     each haystack behind a header (configuration
                             and chunking; format: StreamInput::decode in
                             tests/integration/fuzz_regressions.rs), cycling
                             through the HEADERS below
  scan_slice/doc-<name>   each hand-written document of DOCS below (CSV,
                          HL7 v2, FHIR JSON and XML, CDA, DICOM, JSON
                          Lines, plain text with companion identifiers)
  stream_vs_slice/doc-<name>-<j>
                          each document behind three headers: one push,
                          byte by byte, and one more from HEADERS
  validators/<case>-<i>      each marked span and each other number-like
                             token of the haystack (mode byte 0: text)
  validators/formed-*        a few numbers in the "formed" mode (byte 1)
  config/*                   hand-written TOML and JSON configurations and
                             policies
  decode_vs_slice/<doc>-<j>  each encoded document of ENCODED below (gzip,
                             zlib, base64 in JSON, MIME with base64 and
                             quoted-printable parts, HTTP with chunked,
                             gzip and form bodies, multipart, UTF-16, zip,
                             percent-encoded and wrapped numbers) behind
                             DECODE_HEADERS (limits and chunking; format:
                             DecodeInput::decode)

The output is deterministic; the script first deletes every file it wrote
before (all files in those directories), so rerun it after changing the
tables and commit the result. Crash files never go here: they go to
tests/fuzz-crashes/<target>/ (see fuzz/README.md).
"""

import pathlib
import re
import struct
import tomllib

FUZZ = pathlib.Path(__file__).resolve().parent
TABLES = FUZZ.parent / "tests" / "data"
CORPUS = FUZZ / "corpus"
OPEN, CLOSE = "\u27e6", "\u27e7"


def strip_markers(src, unescape):
    """The haystack bytes and the marked spans (byte offsets)."""
    out, spans, start, i = bytearray(), [], None, 0
    while i < len(src):
        c = src[i]
        if c == OPEN:
            start = len(out)
        elif c == CLOSE:
            spans.append((start, len(out)))
        elif c == "\\" and unescape and src[i + 1 : i + 2] == "x":
            out.append(int(src[i + 2 : i + 4], 16))
            i += 3
        else:
            out += c.encode("utf-8")
        i += 1
    return bytes(out), spans


CONTEXTS = [0, 1, 2, 3, 15, 16, 17, 18, 19, 50, 100, 115, 300, 1000, 4095, 4096]


def context(n):
    """Encodes a context window size (see StreamInput::decode)."""
    if n in CONTEXTS:
        return CONTEXTS.index(n) << 1
    return n if n % 2 == 1 else n + 4097


def stream_header(
    kinds=0,
    min_conf=0,
    no_synthetic=False,
    keywords=(),
    before=300,
    after=100,
    stop_after=0,
    pad=0,
    fill=b" ",
    split=0,
    chunks=(),
):
    """Encodes a StreamInput header (see StreamInput::decode)."""
    assert len(keywords) <= 3 and len(chunks) <= 16
    flags = kinds | min_conf << 3 | int(no_synthetic) << 5 | len(keywords) << 6
    out = bytes([flags]) + struct.pack("<HH", context(before), context(after))
    out += bytes([stop_after, pad]) + fill + struct.pack("<H", split)
    out += bytes([len(chunks)])
    for n in chunks:
        # Class 1 (v >> 14 == 1) holds sizes 0..=255, class 2 sizes up to
        # 4095, class 3 multiples of 4 up to 65532.
        if n < 256:
            v = 1 << 14 | n
        elif n < 4096:
            v = 2 << 14 | n
        else:
            assert n % 4 == 0 and n // 4 < 1 << 14
            v = 3 << 14 | n // 4
        out += struct.pack("<H", v)
    for kw in keywords:
        raw = kw.encode("utf-8")
        assert 1 <= len(raw) <= 64
        out += bytes([len(raw) - 1]) + raw
    return out


HEADERS = [
    stream_header(),  # default config, one push
    stream_header(chunks=[1]),  # byte by byte
    stream_header(chunks=[3, 0, 7]),  # odd sizes and an empty push
    stream_header(before=0, after=0, chunks=[5]),  # smallest windows
    stream_header(kinds=1, min_conf=2, stop_after=1, chunks=[2]),
    stream_header(kinds=2, keywords=["ref"], chunks=[4, 64]),
    stream_header(no_synthetic=True, before=4096, after=4096, chunks=[9]),
    stream_header(kinds=4, min_conf=1, stop_after=2, chunks=[0, 11]),
    # A keyword kilobytes before a number, across large chunks.
    stream_header(before=4095, after=17, pad=63, split=4, chunks=[8192, 1]),
    stream_header(before=1234, after=4096, pad=200, fill=b"x", split=12,
                  chunks=[300, 4093]),
]

# Digit groups with the separators a candidate may use: number-like tokens.
TOKEN = re.compile(rb"[0-9](?:[0-9]|[ .\t-]|\xc2\xa0){8,15}[0-9]")

CONFIGS = {
    "default.toml": "",
    "full.toml": """kinds = ["nhs_number", "chi_number", "hc_number"]
context_before = 300
context_after = 100
extra_keywords = ["ref", "Krankenversicherung"]
min_confidence = "low"
report_synthetic = true
""",
    "nhs-high.toml": 'kinds = ["nhs_number"]\nmin_confidence = "high"\n'
    "report_synthetic = false\n",
    "limits.toml": "context_before = 4096\ncontext_after = 0\n",
    "over-limit.toml": "context_before = 4097\n",
    "no-kinds.toml": "kinds = []\n",
    "empty-keyword.toml": 'extra_keywords = [""]\n',
    "long-keyword.toml": 'extra_keywords = ["' + "k" * 65 + '"]\n',
    "unknown-field.toml": "context = 3\n",
    "default.json": "{}",
    "full.json": '{"kinds":["chi_number","hc_number"],"context_before":0,'
    '"context_after":4096,"extra_keywords":["MRN no","\u00e9l\u00e8ve"],'
    '"min_confidence":"medium","report_synthetic":false}',
    "huge.json": '{"context_before":18446744073709551615}',
    "bad-kind.json": '{"kinds":["passport"]}',
    # Policies (the same target parses every input as both).
    "policy-doc.toml": """min_confidence = "medium"
count_synthetic = false
[alert]
distinct = 2
[block]
distinct = 10
distinct_by_kind = { chi_number = 5 }
""",
    "policy-small.toml": 'name = "strict"\nmin_confidence = "low"\n'
    "count_synthetic = true\n[alert]\ndistinct_by_kind = { nhs_number = 1 }\n"
    "[block]\ndistinct = 3\n",
    "policy-zero.toml": "[block]\ndistinct = 0\n",
    "policy.json": '{"name":"p","min_confidence":"high","alert":{"distinct":1},'
    '"block":{"distinct_by_kind":{"hc_number":1,"nhs_number":4096}}}',
    "policy-over.json": '{"block":{"distinct":4097}}',
}

FORMED = {
    # mode 1, ten digits, two gap separators, prefix, suffix
    "formed-contiguous": bytes([1, 9, 4, 3, 4, 7, 6, 5, 9, 1, 9, 0, 0, 0, 0]),
    "formed-nbsp": bytes([1, 9, 4, 3, 4, 7, 6, 5, 9, 1, 9, 5, 5, 1, 2]),
    "formed-mixed": bytes([1, 9, 4, 3, 4, 7, 6, 5, 9, 1, 9, 1, 2, 0, 0]),
    "formed-chi10": bytes([1, 0, 8, 1, 0, 3, 8, 0, 9, 9, 8, 0, 0, 6, 7]),
}


# Hand-written structured documents and plain text with companions, so the
# trackers (crates/core/src/structure/) and the companion detectors start
# from every format they follow. Synthetic NHS numbers (9434765919,
# 9990000018, 9990000026) and numbers printed by
#   cargo run -p caldicott-testkit --bin gen-ids -- nhs 5 1
#   (6699684728 7237345273 7913008261 6333077658 6332794100)
#   cargo run -p caldicott-testkit --bin gen-ids -- hc 2 1   (3653249260)
#   cargo run -p caldicott-testkit --bin gen-ids -- chi 2 1  (3009564449)
# only; names, dates and addresses are made up.


def dicom_element(tag, vr, value, big=False, implicit=False):
    """One data element; `vr` None for items and delimiters."""
    group, elem = tag >> 16, tag & 0xFFFF
    e = ">" if big else "<"
    head = struct.pack(e + "HH", group, elem)
    if len(value) % 2:
        value += b"\0" if vr == b"UI" else b" "
    n = len(value)
    if vr is None or implicit:
        return head + struct.pack(e + "I", n) + value
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"UC", b"UR"):
        return head + vr + b"\0\0" + struct.pack(e + "I", n) + value
    return head + vr + struct.pack(e + "H", n) + value


def dicom_undefined(tag, vr, big=False):
    """The header of a sequence or item of undefined length."""
    group, elem = tag >> 16, tag & 0xFFFF
    e = ">" if big else "<"
    head = struct.pack(e + "HH", group, elem)
    if vr is None:
        return head + b"\xff\xff\xff\xff"
    return head + vr + b"\0\0\xff\xff\xff\xff"


def dicom_file(syntax, dataset):
    """A Part 10 file: 128 zero bytes, DICM, the meta group (explicit VR
    little endian, with the transfer syntax), then `dataset`."""
    meta = dicom_element(0x00020001, b"OB", b"\0\1")
    meta += dicom_element(0x00020002, b"UI", b"1.2.840.10008.5.1.4.1.1.7")
    meta += dicom_element(0x00020010, b"UI", syntax)
    meta += dicom_element(0x00020013, b"SH", b"CALDICOTT")
    group_len = dicom_element(0x00020000, b"UL", struct.pack("<I", len(meta)))
    return b"\0" * 128 + b"DICM" + group_len + meta + dataset


def dicom_dataset(big=False, implicit=False):
    el = lambda tag, vr, v: dicom_element(tag, vr, v, big, implicit)
    d = el(0x00080018, b"UI", b"1.2.826.0.1.3680043.2.1")
    d += el(0x00080020, b"DA", b"20240315")
    d += el(0x00080050, b"SH", b"7237345273")  # AccessionNumber: demoted
    d += el(0x00100010, b"PN", b"DOE^JANE^A^^")
    d += el(0x00100020, b"LO", b"9434765919")
    d += el(0x00100030, b"DA", b"19700201")
    d += el(0x00101040, b"LO", b"1 MILL LANE LEEDS LS1 4AP")
    d += el(0x00200010, b"SH", b"6699684728")  # StudyID: demoted
    return d


def dicom_sequence():
    """Explicit VR LE with OtherPatientIDsSequence (undefined length) and
    encapsulated pixel data."""
    d = dicom_dataset()
    d += dicom_undefined(0x00101002, b"SQ")
    d += dicom_undefined(0xFFFEE000, None)
    d += dicom_element(0x00100020, b"LO", b"9990000018")
    d += dicom_element(0xFFFEE00D, None, b"")
    d += dicom_element(0xFFFEE0DD, None, b"")
    d += dicom_undefined(0x7FE00010, b"OB")
    d += dicom_element(0xFFFEE000, None, b"")
    d += dicom_element(0xFFFEE000, None, b"\x01\x02\x03\x04")
    d += dicom_element(0xFFFEE0DD, None, b"")
    return d


HL7_MSH = "MSH|^~\\&|PAS|RX1|TIE|RX1|20240315093000||ADT^A01|{ctl}|P|2.4"

DOCS = {
    "csv-headers": "nhs_number,order_id,dob,postcode,surname\n"
    "9434765919,6414882151,01/02/1970,LS1 4AP,Smith\n"
    "999 000 0018,7237345273,1980-03-22,M1 1AE,O'Brien\n"
    ",,,,\n",
    "csv-quoted-crlf": '"NHS Number","Order ID","Date of Birth","Post Code",'
    '"Surname","Forename"\r\n"9990000026","6414882151","22/03/1930",'
    '"SW1A 1AA","Doe, Jr","Jane"\r\n"6699684728","","","","Roe","Rick"\r\n',
    "tsv-chi-hc": "CHI\tHCN\tsurname\tcreated\n3009564449\t3653249260\tBrown"
    "\t1704067200\n",
    "hl7-adt-a01": "\r".join([
        HL7_MSH.format(ctl="6333077658"),
        "EVN|A01|20240315093000",
        "PID|1||9434765919^^^NHS^NH~K123456^^^RX1^MR||DOE^JANE^ANN^^MRS||"
        "19700201|F|||1 MILL LANE^^LEEDS^^LS1 4AP^GBR||",
        "PV1|1|I|WARD 7^BED 2^RX1||||C1234^JONES^MARY|||MED|||||||||"
        "6332794100",
        "OBX|1|CE|22298006^Myocardial infarction^SCT||E11.9^Diabetes^I10",
    ]) + "\r",
    "hl7-mllp-two": "\x0b" + "\n".join([
        HL7_MSH.format(ctl="MSG0001"),
        "PID|1||9990000018^^^NHS^NH||SMITH^JOHN||19800101|M|||^^^^M1 1AE",
    ]) + "\n\x1c\r\x0b" + "\r\n".join([
        HL7_MSH.format(ctl="MSG0002"),
        "PID|1||3009564449^^^CHI^CHI||ROE^ANN||19750315|F",
    ]) + "\r\n\x1c\r",
    "fhir-json-patient": """{
  "resourceType": "Patient",
  "identifier": [
    { "system": "https://fhir.nhs.uk/Id/nhs-number", "value": "9434765919" },
    { "system": "https://example.org/mrn", "value": "7913008261" }
  ],
  "name": [ { "use": "official", "family": "Doe", "given": [ "Jane", "Ann" ] } ],
  "birthDate": "1970-02-01",
  "address": [ { "line": [ "1 Mill Lane" ], "postalCode": "LS1 4AP" } ]
}""",
    "fhir-json-bundle": """{"resourceType":"Bundle","type":"collection","entry":[
{"fullUrl":"urn:uuid:1","resource":{"resourceType":"Patient","identifier":[
{"value":"9990000026","system":"https://fhir.nhs.uk/Id/nhs-number"}],
"name":[{"family":"Roe","given":["Rick"]}],"birthDate":"1930-03-22"}},
{"resource":{"resourceType":"Patient","identifier":[{"system":
"https://fhir.nhs.scot/Id/chi","value":"3009564449"}],"name":[{"text":
"Ann Brown"}],"address":[{"postalCode":"EH1 1YZ"}]}},
{"resource":{"resourceType":"Condition","code":{"coding":[{"system":
"http://snomed.info/sct","code":"22298006"},{"system":
"http://hl7.org/fhir/sid/icd-10","code":"E11.9"}]}}},
{"resource":{"resourceType":"Observation","id":"6699684728"}}]}""",
    "fhir-xml-patient": """<?xml version="1.0" encoding="UTF-8"?>
<Patient xmlns="http://hl7.org/fhir">
  <identifier>
    <system value="https://fhir.nhs.uk/Id/nhs-number"/>
    <value value="9434765919"/>
  </identifier>
  <name><family value="Doe"/><given value="Jane"/></name>
  <birthDate value="1970-02-01"/>
  <address><postalCode value="LS1 4AP"/></address>
</Patient>
""",
    "fhir-xml-bundle": """<Bundle xmlns="http://hl7.org/fhir"><entry><resource>
<Patient><identifier><value value="9990000018"/><system
value="https://fhir.nhs.uk/Id/nhs-number"/></identifier><name><family
value="Smith"/></name></Patient></resource></entry><entry><resource>
<Encounter><identifier><value value="7237345273"/></identifier></Encounter>
</resource></entry></Bundle>""",
    "cda": """<?xml version="1.0"?>
<ClinicalDocument xmlns="urn:hl7-org:v3">
  <id root="A4C7D8E2-1B3F-4E5A-9C6D-7E8F9A0B1C2D"/>
  <recordTarget><patientRole>
    <id root="2.16.840.1.113883.2.1.4.1" extension="9434765919"/>
    <id root="2.16.840.1.113883.2.1.3.2.4.18.23" extension="6699684728"/>
    <addr><postalCode>LS1 4AP</postalCode></addr>
    <patient>
      <name><given>Jane</given><family>Doe</family></name>
      <birthTime value="19700201"/>
    </patient>
  </patientRole></recordTarget>
  <component><section><text>ICD-10 E11.9; SNOMED CT 22298006;
  <![CDATA[NHS no 999 000 0026]]><!-- 943 476 5919 --></text></section>
  </component>
</ClinicalDocument>
""",
    "dicom-explicit-le": dicom_file(b"1.2.840.10008.1.2.1", dicom_dataset()),
    "dicom-implicit-le": dicom_file(
        b"1.2.840.10008.1.2", dicom_dataset(implicit=True)
    ),
    "dicom-explicit-be": dicom_file(
        b"1.2.840.10008.1.2.2", dicom_dataset(big=True)
    ),
    "dicom-sequence": dicom_file(b"1.2.840.10008.1.2.1", dicom_sequence()),
    "jsonl-log": "\n".join([
        '{"ts":"2024-03-15T09:30:00Z","level":"info","msg":"lookup",'
        '"nhs_number":"9434765919","order":6414882151}',
        '{"ts":1704067200,"user":"jane.doe@nhs.net","patient":{"dob":'
        '"01/02/1970","postcode":"LS1 4AP","nino":"AB123456C"}}',
        '{"msg":"NHS no 999 000 0018 seen; order=6414882151"}',
    ]) + "\n",
    "text-companions": "Patient Jane Doe, NHS number 943 476 5919, NINO "
    "AB123456C (also AB 12 34 56 C), postcode LS1 4AP, DOB 01/02/1970, "
    "born 22 March 1930, SNOMED CT 22298006, ICD-10 E11.9, email "
    "jane.doe@nhs.net; order=6414882151; Invoice no. 7237345273; "
    "meeting ID is 6699684728; ts=1704067200; CHI 3009564449; "
    "H&C 365 324 9260.\n",
    "text-companions-crlf": "Referral\r\nName: J. Doe\r\nDOB: 1970-02-01\r\n"
    "Address: 1 Mill Lane, Leeds LS1 4AP\r\nNI: AB 12 34 56 C\r\n"
    "Diagnosis: E11.9 (ICD-10), SNOMED 22298006\r\nContact: "
    "A.Smith@NHS.NET\r\nNHS\u00a0no\u00a0999\u00a0000\u00a00026\r\n",
}


LETTER = b"Dear Dr Smith, NHS number 943 476 5919 for the referral.\r\n"
CSV = b"nhs_number,name,dob\r\n9434765919,Ann Example,01/02/1960\r\n"


def chunked(body, size=7):
    out = b""
    for i in range(0, len(body), size):
        part = body[i : i + size]
        out += b"%x\r\n" % len(part) + part + b"\r\n"
    return out + b"0\r\n\r\n"


def zipped(entries):
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, data)
    return buf.getvalue()


def encoded_docs():
    """Documents that reach each decoder (test data: the 9xx number)."""
    import base64
    import gzip
    import zlib

    gz = gzip.compress(CSV, mtime=0)
    b64 = base64.b64encode(LETTER)
    boundary = b"XyZ"
    multipart = (
        b"--" + boundary + b"\r\n"
        b'Content-Disposition: form-data; name="f"; filename="p.csv.gz"\r\n'
        b"Content-Type: application/gzip\r\n\r\n" + gz + b"\r\n"
        b"--" + boundary + b"--\r\n"
    )
    docx = zipped(
        [
            ("[Content_Types].xml", b"<Types/>"),
            (
                "word/document.xml",
                b'<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>NHS 943 476'
                b"</w:t></w:r><w:r><w:t> 5919</w:t></w:r></w:p></w:body>"
                b"</w:document>",
            ),
        ]
    )
    return {
        "gzip": gz,
        "zlib": zlib.compress(LETTER),
        "base64-json": b'{"file": "' + b64 + b'", "n": 1}',
        "base64-wrapped": b"\r\n".join(
            base64.b64encode(b"\0" * 60 + LETTER)[i : i + 76]
            for i in range(0, 160, 76)
        ),
        "gzip-in-base64": b"x=" + base64.b64encode(gz) + b"\n",
        "mime": (
            b"From: a@example.org\r\nSubject: =?utf-8?B?"
            + base64.b64encode(b"NHS 943 476 5919")
            + b"?=\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
            b"--b1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
            b"NHS number 943 4=\r\n76 5919\r\n"
            b"--b1\r\nContent-Type: text/csv\r\n"
            b"Content-Transfer-Encoding: base64\r\n\r\n"
            + base64.encodebytes(CSV).replace(b"\n", b"\r\n")
            + b"--b1--\r\n"
        ),
        "http-chunked-gzip": (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" + chunked(gz)
        ),
        "http-form": (
            b"POST /submit?nhs=943+476+5919 HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 24\r\n\r\nnhs=943%20476%205919&a=1"
            b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
        ),
        "http-multipart": (
            b"POST /upload HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: multipart/form-data; boundary=" + boundary + b"\r\n"
            b"Content-Length: %d\r\n\r\n" % len(multipart) + multipart
        ),
        "http-deflate": (
            b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\n"
            b"Content-Length: %d\r\n\r\n" % len(zlib.compress(CSV))
            + zlib.compress(CSV)
        ),
        "utf16": b"\xff\xfe" + CSV.decode().encode("utf-16-le"),
        "utf16-no-bom": LETTER.decode().encode("utf-16-be"),
        "zip-docx": docx,
        "url-and-wrap": (
            b"see https://x.example/p?id=943%20476%205919 and\n"
            b"> NHS number 943 476\n> 5919\n"
        ),
    }


# Limits and chunking headers for decode_vs_slice (DecodeInput::decode):
# default limits in one push, byte by byte, and a mix with tight limits.
DECODE_HEADERS = [
    bytes([0, 0]),
    bytes([0, 1]) + struct.pack("<H", 1),
    bytes([0, 2]) + struct.pack("<H", 3) + struct.pack("<H", 0x4000 | 200),
    bytes([3 | 1 << 3, 1]) + struct.pack("<H", 0x8000 | 4095),
    bytes([0x80 | 2 << 5 | 2 << 3, 1]) + struct.pack("<H", 0x4000 | 17),
]


def main():
    for target in (
        "scan_slice",
        "stream_vs_slice",
        "validators",
        "config",
        "decode_vs_slice",
    ):
        d = CORPUS / target
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            old.unlink()
    n = 0
    for path in sorted(TABLES.glob("*.toml")):
        with open(path, "rb") as f:
            table = tomllib.load(f)
        for case in table.get("test", []):
            name = case["name"]
            hay, spans = strip_markers(case["haystack"], case.get("unescape", False))
            (CORPUS / "scan_slice" / name).write_bytes(hay)
            header = HEADERS[n % len(HEADERS)]
            (CORPUS / "stream_vs_slice" / name).write_bytes(header + hay)
            tokens = [hay[s:e] for s, e in spans]
            tokens += [m.group() for m in TOKEN.finditer(hay)]
            for i, tok in enumerate(dict.fromkeys(tokens)):
                (CORPUS / "validators" / f"{name}-{i}").write_bytes(b"\0" + tok)
            n += 1
    for i, (name, doc) in enumerate(DOCS.items()):
        data = doc.encode("utf-8") if isinstance(doc, str) else doc
        (CORPUS / "scan_slice" / f"doc-{name}").write_bytes(data)
        # Each document one-shot, byte by byte, and at one more chunking.
        extra = HEADERS[2 + i % (len(HEADERS) - 2)]
        for j, header in enumerate([HEADERS[0], HEADERS[1], extra]):
            path = CORPUS / "stream_vs_slice" / f"doc-{name}-{j}"
            path.write_bytes(header + data)
        n += 1
    for name, data in FORMED.items():
        (CORPUS / "validators" / name).write_bytes(data)
    for name, text in CONFIGS.items():
        (CORPUS / "config" / name).write_text(text, encoding="utf-8")
    for i, (name, data) in enumerate(encoded_docs().items()):
        extra = DECODE_HEADERS[2 + i % (len(DECODE_HEADERS) - 2)]
        for j, header in enumerate([DECODE_HEADERS[0], DECODE_HEADERS[1], extra]):
            path = CORPUS / "decode_vs_slice" / f"{name}-{j}"
            path.write_bytes(header + data)
    print(f"{n} table cases and documents -> {CORPUS}")


if __name__ == "__main__":
    main()
