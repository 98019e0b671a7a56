"""Runs every scanner of the comparison on one corpus and writes RESULTS.md.

Called by ``run.sh``, which installs the tools, builds the binaries and
generates the corpus; see ``benches/README.md``. Each scanner runs in its own
process. In-process tools (Caldicott, the regex baseline, Hyperscan,
Presidio) time only the scan of bytes already in memory and report the
median of N runs after one warm-up; whole-process tools (ripgrep, the
``caldicott`` CLI) are timed from outside with hyperfine (or, without it,
by this script), so their time includes start-up and reading the file from
the page cache.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

# The shape regex of issue 6 with Unicode off, as the Rust baseline uses it
# (caldicott_benches::SHAPE_REGEX); ripgrep gets the same string.
SHAPE_REGEX = r"(?-u)\b\d{3}[ -]?\d{3}[ -]?\d{4}\b"


@dataclass
class Row:
    key: str
    tool: str
    checks: str
    timing: str
    result: dict | None = None
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def mbps(self) -> float | None:
        if self.result is None:
            return None
        return self.result["bytes"] / 1e6 / self.result["median_s"]


def run_json(cmd: list[str]) -> tuple[dict | None, str | None]:
    """Runs a timing program that prints one JSON line."""
    print("+", shlex.join(cmd), file=sys.stderr, flush=True)
    p = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in p.stdout.splitlines() if line.startswith("{")]
    if not lines:
        tail = (p.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"exit {p.returncode}: {tail}"
    data = json.loads(lines[-1])
    if "error" in data:
        return None, data["error"]
    if p.returncode != 0:
        return None, f"exit {p.returncode}"
    return data, None


def whole_process(
    cmd: list[str], size: int, runs: int, workdir: Path, name: str
) -> tuple[dict | None, str | None]:
    """Median wall time of a whole command, stdout discarded."""
    if shutil.which("hyperfine"):
        out = workdir / f"hyperfine-{name}.json"
        hcmd = [
            "hyperfine", "-N", "-i", "--style", "none",
            "--warmup", "1", "--runs", str(runs),
            "--export-json", str(out), shlex.join(cmd),
        ]
        print("+", shlex.join(hcmd), file=sys.stderr, flush=True)
        p = subprocess.run(hcmd, capture_output=True, text=True)
        if p.returncode != 0:
            return None, f"hyperfine failed: {p.stderr.strip()[-300:]}"
        r = json.loads(out.read_text())["results"][0]
        times = sorted(r["times"])
        how = "hyperfine"
    else:
        subprocess.run(cmd, stdout=subprocess.DEVNULL)  # warm-up
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL)
            times.append(time.perf_counter() - start)
        times.sort()
        how = "compare.py"
    median = times[len(times) // 2]
    return {
        "bytes": size,
        "runs": len(times),
        "median_s": median,
        "min_s": times[0],
        "max_s": times[-1],
        "timer": how,
    }, None


def count_output(cmd: list[str], parse) -> int:
    p = subprocess.run(cmd, capture_output=True, text=True)
    return parse(p.stdout)


def sh(cmd: str) -> str:
    try:
        return subprocess.run(
            cmd, shell=True, capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return ""


def machine() -> dict[str, str]:
    cpu = ""
    flags = ""
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name") and not cpu:
            cpu = line.split(":", 1)[1].strip()
        if line.startswith("flags") and not flags:
            have = set(line.split(":", 1)[1].split())
            flags = " ".join(
                f for f in ["sse4_2", "avx2", "avx512f", "avx512bw"] if f in have
            )
    mem = ""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GiB"
    osname = ""
    if Path("/etc/os-release").exists():
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                osname = line.split("=", 1)[1].strip('"')
    return {
        "nproc": sh("nproc"),
        "cpu": cpu,
        "simd": flags,
        "memory": mem,
        "os": f"{osname}, Linux {platform.release()}",
        "rustc": sh("rustc -V"),
        "python": platform.python_version(),
        "ripgrep": (sh("rg --version").splitlines() or ["-"])[0],
        "hyperfine": sh("hyperfine --version") or "-",
    }


def fmt_mbps(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x:,.0f}" if x >= 10 else f"{x:.2f}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True, type=Path)
    ap.add_argument("--meta", required=True, type=Path)
    ap.add_argument("--bin", required=True, type=Path)
    ap.add_argument("--python", required=True)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--slow-runs", type=int, default=3)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--command", required=True)
    ap.add_argument("--install-log", type=Path)
    args = ap.parse_args()

    meta = json.loads(args.meta.read_text())
    size = args.corpus.stat().st_size
    here = Path(__file__).resolve().parent
    workdir = Path(tempfile.mkdtemp(prefix="caldicott-compare-"))
    corpus = str(args.corpus)
    runs = str(args.runs)
    install = {}
    if args.install_log and args.install_log.exists():
        install = json.loads(args.install_log.read_text())

    load_start = os.getloadavg()[0]
    rows: list[Row] = []

    def inproc(key, tool, checks, cmd):
        row = Row(key, tool, checks, "in-process, scan only")
        row.result, row.error = run_json(cmd)
        if row.result:
            row.tool = row.result["tool"] if key.startswith("py-") else tool
        rows.append(row)
        return row

    inproc(
        "rust-oneshot", "Caldicott (Rust), one-shot `Engine::scan`",
        "shape, boundaries, Mod 11/10, ranges, dates, context",
        [str(args.bin / "scan-file"), corpus, "--runs", runs],
    )
    inproc(
        "rust-stream", "Caldicott (Rust), `Stream` in 64 KiB chunks",
        "same as one-shot",
        [str(args.bin / "scan-file"), corpus, "--runs", runs, "--chunk", "65536"],
    )
    py = inproc(
        "py-caldicott", "Caldicott (Python bindings)", "same as one-shot",
        [args.python, str(here / "py_tools.py"), "caldicott", corpus, "--runs", runs],
    )
    if py.error:
        py.error = (
            "not installed in the comparison venv (hook: `CALDICOTT_PY=1 "
            f"benches/compare/run.sh` builds `./python` into it): {py.error}"
        )
    inproc(
        "regex", "`regex` crate baseline: shape regex + Modulus 11",
        "shape (`\\b` boundaries), Mod 11",
        [str(args.bin / "regex-baseline"), corpus, "--runs", runs],
    )
    hs = inproc(
        "py-hyperscan", "Hyperscan + Modulus 11", "shape (`\\b`), Mod 11 in callback",
        [args.python, str(here / "py_tools.py"), "hyperscan", corpus, "--runs", runs],
    )
    if hs.error and "hyperscan" in install:
        hs.error = f"not installable: {install['hyperscan']}"
    pr = inproc(
        "py-presidio", "Presidio NhsRecognizer", "shape (`\\b`), Mod 11",
        [args.python, str(here / "py_tools.py"), "presidio", corpus,
         "--runs", str(args.slow_runs)],
    )
    if pr.error and "presidio-analyzer" in install:
        pr.error = f"not installable: {install['presidio-analyzer']}"

    # Whole-process tools.
    rg = Row("rg", "ripgrep, shape regex, `--count-matches`", "shape only, no checksum",
             "whole process (start-up, read from page cache)")
    if shutil.which("rg"):
        cmd = ["rg", "--no-config", "-a", "--count-matches", "-e", SHAPE_REGEX, corpus]
        rg.result, rg.error = whole_process(cmd, size, args.runs, workdir, "rg")
        if rg.result:
            rg.result["count"] = count_output(cmd, lambda s: int(s.strip() or 0))
            rg.notes.append(shlex.join(cmd))
    else:
        rg.error = "ripgrep not installed (apt-get install ripgrep failed)"
    rows.append(rg)

    cli = Row("cli", "Caldicott CLI, `caldicott scan FILE`", "same as one-shot, plus line/column",
              "whole process (start-up, 64 KiB reads, output)")
    cli_bin = args.bin / "caldicott"
    if cli_bin.exists():
        cmd = [str(cli_bin), "scan", corpus]
        cli.result, cli.error = whole_process(cmd, size, args.runs, workdir, "cli")
        if cli.result:
            cli.result["count"] = count_output(cmd, lambda s: len(s.splitlines()))
    else:
        cli.error = "caldicott CLI not built"
    rows.append(cli)

    base = next(r for r in rows if r.key == "regex").mbps
    planted = meta["planted"]
    wrong = [
        r for r in rows
        if r.key in ("rust-oneshot", "rust-stream", "py-caldicott", "cli")
        and r.result and r.result["count"] != planted
    ]

    load_end = os.getloadavg()[0]
    m = machine()
    lines = []
    w = lines.append
    w("# Comparison results")
    w("")
    w("Generated by `benches/compare/run.sh` (do not edit by hand; re-run it).")
    w("Measured numbers only. MB/s are decimal megabytes per second at the")
    w("median run; the ratio is against the `regex`-crate baseline measured in")
    w("the same run.")
    w("")
    w(f"* **Command:** `{args.command}`")
    w(f"* **Date:** {time.strftime('%Y-%m-%d %H:%M %Z')}")
    w(f"* **Machine:** {m['nproc']} CPUs (`nproc`), {m['cpu']} ({m['simd']}), "
      f"{m['memory']} RAM; {m['os']}")
    w(f"* **Toolchain:** {m['rustc']}; Python {m['python']}; {m['ripgrep']}; "
      f"{m['hyperfine']}")
    w(f"* **Corpus:** `{meta['shape']}`, {size:,} bytes ({size / 2**20:.0f} MiB), "
      f"seed {meta['seed']}, {planted:,} identifiers planted"
      + (f", {meta['decoys']:,} checksum-failing decoys" if "decoys" in meta else "")
      + ". Caldicott must report exactly the planted identifiers"
      + (" — **it did not; see below**." if wrong else " and did.")
      )
    w(f"* **Runs:** median of {args.runs} after one warm-up "
      f"(Presidio: {args.slow_runs}); one core per tool.")
    # The run itself (and the build just before it) adds about 1.
    busy = max(load_start, load_end) > float(m["nproc"] or 1) + 0.5
    w(f"* **Load:** 1-minute load average {load_start:.2f} at the start and "
      f"{load_end:.2f} at the end on {m['nproc']} CPUs (this run and the "
      "build before it account for about 1)"
      + (" — **other work was running on the machine; expect noise of "
         "several percent between runs**." if busy else "."))
    w("")
    w("| Tool | Checks | Timing | MB/s (median) | × regex baseline | Findings |")
    w("|---|---|---|--:|--:|--:|")
    for r in rows:
        if r.result:
            ratio = f"{r.mbps / base:.2f}×" if base else "–"
            w(f"| {r.tool} | {r.checks} | {r.timing} | {fmt_mbps(r.mbps)} | "
              f"{ratio} | {r.result['count']:,} |")
        else:
            w(f"| {r.tool} | {r.checks} | – | – | – | {r.error} |")
    w("")
    w("Finding counts differ by design: the baseline, Hyperscan and Presidio")
    w("check only the shape and Modulus 11 (Presidio does not exclude")
    w("repeated-digit placeholders), so they also report valid-looking numbers")
    w("inside phone numbers, hex tokens and IDs that Caldicott's boundary,")
    w("range and date rules drop, and miss dot, tab and no-break-space")
    w("separators and Modulus 10 CHI numbers; ripgrep counts every shape match")
    w("with no checksum at all.")
    w("")
    w("Presidio is timed through its `NhsRecognizer` alone (its regex and")
    w("`validate_result`), on the corpus decoded as Latin-1: the full")
    w("`AnalyzerEngine` needs a spaCy model downloaded from a model hub, which")
    w("this machine cannot reach, and the recognizer does not use NLP results.")
    w("Hyperscan is the `hyperscan` PyPI wheel (Vectorscan, statically linked),")
    w("block mode with start-of-match; its Modulus 11 runs in the Python match")
    w("callback.")
    targets = []
    one = next(r for r in rows if r.key == "rust-oneshot")
    stream = next(r for r in rows if r.key == "rust-stream")
    if one.mbps and base and meta["shape"] == "web":
        gbps = one.mbps / 1000
        targets.append((
            "NHS-family on web traffic: ≥ 2 GB/s and ≥ 5× the regex baseline",
            f"{gbps:.2f} GB/s, {one.mbps / base:.2f}×",
            gbps >= 2 and one.mbps / base >= 5,
        ))
    if one.mbps and stream.mbps:
        slower = 1 - stream.mbps / one.mbps
        targets.append((
            "Stream at 64 KiB chunks within 10% of one-shot",
            f"{slower * 100:+.1f}% slower" if slower >= 0
            else f"{-slower * 100:.1f}% faster",
            slower <= 0.10,
        ))
    if one.mbps and hs.mbps:
        targets.append((
            "Ahead of Hyperscan (here: NHS family only, not yet all detectors)",
            f"{one.mbps / hs.mbps:.2f}× Hyperscan",
            one.mbps > hs.mbps,
        ))
    if targets:
        w("")
        w("Issue 6 targets that this run measures:")
        w("")
        w("| Target | Measured | Met |")
        w("|---|---|---|")
        for what, got, ok in targets:
            w(f"| {what} | {got} | {'yes' if ok else '**no**'} |")
    if wrong:
        w("")
        w("**Wrong counts:** " + ", ".join(
            f"{r.tool}: {r.result['count']} (expected {planted})" for r in wrong))
    w("")
    w("<details><summary>Raw results</summary>")
    w("")
    w("```json")
    for r in rows:
        w(json.dumps({"key": r.key, **(r.result or {"error": r.error})}))
    w("```")
    w("")
    w("</details>")
    args.out.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(workdir, ignore_errors=True)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
