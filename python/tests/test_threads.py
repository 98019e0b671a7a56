"""Threads: the GIL is released during scans, and concurrent scans agree
with sequential ones. (Wall-time scaling is measured by
``python/bench_threads.py`` and reported, not asserted here: the machine is
shared and timing tests flake.)"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import caldicott


def _corpus(n: int, seed: int) -> bytes:
    lines = []
    for i in range(n):
        lines.append(f"row {i} seed {seed} NHS 999 000 0018 ref {i * 7919 % 100000}")
    return ("\n".join(lines)).encode()


def test_four_threads_agree_with_one() -> None:
    engine = caldicott.Engine()
    inputs = [_corpus(20_000, seed) for seed in range(4)]
    sequential = [engine.scan(data) for data in inputs]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(engine.scan, inputs))
    assert parallel == sequential
    assert all(len(found) == 20_000 for found in parallel)

    def stream_all(data: bytes) -> list[caldicott.Finding]:
        stream = engine.stream()
        found = []
        for i in range(0, len(data), 4096):
            found += stream.feed(data[i : i + 4096])
        return found + stream.finish()

    with ThreadPoolExecutor(4) as pool:
        streamed = list(pool.map(stream_all, inputs))
    assert streamed == sequential


def _steps_while(work: "object") -> int:
    """Counts Python loop steps made while ``work()`` runs in a thread."""
    started = threading.Event()

    def run() -> None:
        started.set()
        work()  # type: ignore[operator]

    worker = threading.Thread(target=run)
    worker.start()
    started.wait()
    steps = 0
    while worker.is_alive():
        steps += 1
    worker.join()
    return steps


def test_scan_releases_the_gil() -> None:
    """While one thread scans a large buffer, another runs Python code, far
    more than alongside a C call that holds the GIL on the same data."""
    data = b"~" * (256 << 20)
    result: list[list[caldicott.Finding]] = []
    scanning = _steps_while(lambda: result.append(caldicott.scan(data)))
    holding = _steps_while(lambda: data.count(b"\x01"))
    assert result == [[]]
    # With the GIL held for the whole scan the loop would barely run, as it
    # barely runs beside bytes.count.
    assert scanning > 10 * max(holding, 1_000), (scanning, holding)
