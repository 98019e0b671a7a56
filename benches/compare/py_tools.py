"""Times one Python-hosted scanner on one file and prints one JSON line.

    python py_tools.py TOOL FILE [--runs N]

TOOL is one of:

* ``hyperscan``: the ``hyperscan`` PyPI package (Vectorscan, statically
  linked) in block mode with the NHS shape regex, start-of-match on, and
  Modulus 11 on each match in the match callback;
* ``presidio``: Presidio's ``NhsRecognizer`` (regex plus its Modulus 11
  ``validate_result``) called directly, without an NLP engine: the spaCy
  model the full ``AnalyzerEngine`` loads cannot be downloaded here, and the
  recognizer's own work is pattern plus checksum anyway;
* ``caldicott``: the Caldicott Python bindings (``import caldicott``), the
  hook for when they are installed into the same environment.

The file is read (and for Presidio decoded as Latin-1, one character per
byte) before timing. One untimed warm-up run, then N timed runs (default
5). The JSON line has the same fields as the Rust binaries print: ``tool``,
``bytes``, ``runs``, ``median_s``, ``min_s``, ``max_s``, ``mb_per_s``,
``count``; or ``tool`` and ``error`` when the tool cannot be loaded (exit
status 3).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable

# The shape regex of issue 6, ASCII (Hyperscan is ASCII unless told UTF-8).
SHAPE = rb"\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"


def mod11(text: bytes) -> bool:
    """Ten ASCII digits (others skipped), weights 10..1, sum divisible by 11,
    not one repeated digit: the same rule as the Rust regex baseline."""
    digits = [c - 48 for c in text if 48 <= c <= 57]
    if len(digits) != 10 or len(set(digits)) == 1:
        return False
    return sum(d * w for d, w in zip(digits, range(10, 0, -1))) % 11 == 0


def hyperscan_tool(data: bytes) -> tuple[str, Callable[[], int]]:
    import hyperscan

    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    db.compile(
        expressions=[SHAPE],
        ids=[1],
        flags=[hyperscan.HS_FLAG_SOM_LEFTMOST],
    )

    def run() -> int:
        count = 0

        def on_match(_id, start, end, _flags, _ctx):
            nonlocal count
            if mod11(data[start:end]):
                count += 1

        db.scan(data, match_event_handler=on_match)
        return count

    return f"Hyperscan (Vectorscan, python-hyperscan {hyperscan.__version__}) + Modulus 11", run


def presidio_tool(data: bytes) -> tuple[str, Callable[[], int]]:
    from importlib.metadata import version

    from presidio_analyzer.predefined_recognizers import NhsRecognizer

    recognizer = NhsRecognizer()
    text = data.decode("latin-1")

    def run() -> int:
        return len(recognizer.analyze(text, ["UK_NHS"], None))

    name = f"Presidio {version('presidio-analyzer')} NhsRecognizer (pattern + checksum, no NLP)"
    return name, run


def caldicott_tool(data: bytes) -> tuple[str, Callable[[], int]]:
    import caldicott

    engine = caldicott.Engine()

    def run() -> int:
        return len(engine.scan(data))

    return "Caldicott (Python bindings, `Engine().scan(bytes)`)", run


TOOLS = {
    "hyperscan": hyperscan_tool,
    "presidio": presidio_tool,
    "caldicott": caldicott_tool,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=sorted(TOOLS))
    parser.add_argument("file")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with open(args.file, "rb") as f:
        data = f.read()
    try:
        name, run = TOOLS[args.tool](data)
    except Exception as e:  # ImportError, or a library that fails to load
        print(json.dumps({"tool": args.tool, "error": f"{type(e).__name__}: {e}"}))
        return 3
    count = run()  # warm-up
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        n = run()
        times.append(time.perf_counter() - start)
        if n != count:
            raise SystemExit(f"{args.tool}: count changed between runs ({count} then {n})")
    times.sort()
    median = times[len(times) // 2]
    print(
        json.dumps(
            {
                "tool": name,
                "bytes": len(data),
                "runs": len(times),
                "median_s": round(median, 6),
                "min_s": round(times[0], 6),
                "max_s": round(times[-1], 6),
                "mb_per_s": round(len(data) / 1e6 / median, 1),
                "count": count,
                "stdev_s": round(statistics.pstdev(times), 6),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
