"""Measures what issue 3's note reports: ``caldicott.scan`` throughput on a
256 MiB buffer, and the wall time of scanning several buffers from 1 and
from 2 threads. Medians of repeated runs; run on a quiet machine.

    python python/bench_threads.py [MIB] [RUNS]

It ends by running the Rust one-shot scan over the same bytes
(``crates/core/examples/throughput.rs``), so the two can be compared as a
ratio from one run. The corpus is the test kit's ``gen-corpus`` output
(seed 1), written to ``target/``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import caldicott

ROOT = Path(__file__).resolve().parents[1]


def corpus(mib: int) -> Path:
    path = ROOT / "target" / f"bench-corpus-{mib}MiB.txt"
    with path.open("wb") as f:
        subprocess.run(
            ["cargo", "run", "-q", "--release", "-p", "caldicott-testkit",
             "--bin", "gen-corpus", "--", str(mib << 20), "1"],
            cwd=ROOT, check=True, stdout=f, stderr=subprocess.DEVNULL,
        )
    return path


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    mib = int(sys.argv[1]) if len(sys.argv) > 1 else 256
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    path = corpus(mib)
    data = path.read_bytes()
    count = len(caldicott.scan(data))
    t = median_time(lambda: caldicott.scan(data), runs)
    print(f"caldicott.scan: {mib} MiB, {count} findings, median {t:.3f} s "
          f"= {len(data) / t / 1e6:.0f} MB/s over {runs} runs")
    q = len(data) // 4
    parts = [data[i * q : (i + 1) * q] for i in range(4)]
    engine = caldicott.Engine()
    one = median_time(lambda: [engine.scan(p) for p in parts], runs)
    with ThreadPoolExecutor(2) as pool:
        two = median_time(lambda: list(pool.map(engine.scan, parts)), runs)
    print(f"4 x {mib // 4} MiB: 1 thread {one:.3f} s, 2 threads {two:.3f} s, "
          f"speed-up {one / two:.2f}x (medians of {runs})")
    # The Rust one-shot scan of the same bytes, right after, for the ratio.
    subprocess.run(
        ["cargo", "run", "-q", "--release", "-p", "caldicott-core",
         "--example", "throughput", "--", str(path), str(runs)],
        cwd=ROOT, check=True,
    )


if __name__ == "__main__":
    main()
