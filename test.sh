#!/usr/bin/env bash
# Runs every check and test of the project. CI (.ci/run) calls exactly this.
# Needs only the Rust toolchain (cargo, rustfmt, clippy) and Python 3 with
# pip: the Python package's build backend (maturin), pytest and mypy are
# installed from PyPI into target/py-venv by this script, cargo-fuzz from
# crates.io by fuzz/run.sh, Debian's squid with apt-get (as root) by
# tests/e2e/squid/run.sh, which fails when it cannot install it unless
# CALDICOTT_SKIP_SQUID=1. FUZZ_SECONDS (default 45) bounds each target.
set -euo pipefail
cd "$(dirname "$0")"

step() { printf '\n==> %s\n' "$*"; }

step "format (cargo fmt --check)"
cargo fmt --all --check

step "lint (cargo clippy -D warnings)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "docs (rustdoc -D warnings)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

step "tests (cargo test)"
# The default members: everything but the Python extension, which
# maturin builds below.
cargo test --locked

step "benchmarks (criterion, quick; each asserts its finding count)"
cargo bench --locked -p caldicott-benches --bench ci -- --quick

step "end to end through Squid: tests/e2e/squid/run.sh (installs Debian's squid if missing)"
# Squid with caldicott-icap as its ICAP service, on loopback: the block
# and pass scenarios, 200 uploads over 20 connections, a 200 MB upload,
# and the measurements (target/e2e-squid/results.md).
tests/e2e/squid/run.sh

step "fuzzing: every cargo-fuzz target for ${FUZZ_SECONDS:-45} s (installs cargo-fuzz if missing)"
fuzz/ci.sh "${FUZZ_SECONDS:-45}"

step "python: pip install ./python into target/py-venv, then pytest and stubtest"
venv=target/py-venv
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  pytest mypy
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
  --force-reinstall --no-deps ./python
(cd python && "../$venv/bin/python" -m pytest -q)
(cd python && "../$venv/bin/python" -m mypy.stubtest caldicott._caldicott)
(cd python && "../$venv/bin/python" -m mypy --strict tests)

step "python fuzz: atheris on scan() and Stream.feed() for ${PY_FUZZ_SECONDS:-15} s"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check atheris
pyfuzz_dir=$(mktemp -d)
mkdir "$pyfuzz_dir/corpus"
if ! "$venv/bin/python" python/fuzz/fuzz_scan.py "$pyfuzz_dir/corpus" \
  fuzz/corpus/scan_slice -dict=fuzz/dict/caldicott.dict \
  -artifact_prefix="$pyfuzz_dir/" -max_total_time="${PY_FUZZ_SECONDS:-15}" \
  -print_final_stats=1 >"$pyfuzz_dir/log" 2>&1; then
  tail -n 60 "$pyfuzz_dir/log"
  echo "python fuzz: a property failed; the input is in the log above"
  exit 1
fi
grep -E '^(Done|INFO: seed corpus)' "$pyfuzz_dir/log"
rm -rf "$pyfuzz_dir"
