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
  validators/<case>-<i>      each marked span and each other number-like
                             token of the haystack (mode byte 0: text)
  validators/formed-*        a few numbers in the "formed" mode (byte 1)
  config/*                   hand-written TOML and JSON configurations and
                             policies

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


def main():
    for target in ("scan_slice", "stream_vs_slice", "validators", "config"):
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
    for name, data in FORMED.items():
        (CORPUS / "validators" / name).write_bytes(data)
    for name, text in CONFIGS.items():
        (CORPUS / "config" / name).write_text(text, encoding="utf-8")
    print(f"{n} table cases -> {CORPUS}")


if __name__ == "__main__":
    main()
