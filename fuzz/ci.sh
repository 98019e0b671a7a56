#!/usr/bin/env bash
# The CI step for fuzzing (issue 7): format and lint the fuzz package, then
# run every target for a bounded time. A crash, a lint or a format error
# fails it.
#
#   fuzz/ci.sh [SECONDS_PER_TARGET]   (default 60)
#
# Time: targets run two at a time, so fuzzing takes about
# SECONDS_PER_TARGET × 3 for the five targets, plus the build: a few
# seconds when fuzz/target is warm, about three minutes cold.
set -euo pipefail
cd "$(dirname "$0")"

echo "==> fuzz: format (cargo fmt --check)"
cargo fmt --check

echo "==> fuzz: lint (cargo clippy -D warnings)"
cargo clippy --all-targets --locked -- -D warnings

exec ./run.sh "${1:-60}"
