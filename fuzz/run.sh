#!/usr/bin/env bash
# Runs every fuzz target for a bounded time; fails on any crash.
#
#   fuzz/run.sh SECONDS_PER_TARGET [TARGET...]
#
# Works on the stable toolchain (RUSTC_BOOTSTRAP=1 lets cargo-fuzz pass its
# -Z sanitizer flags). Installs cargo-fuzz if `cargo fuzz` is missing.
# Builds with AddressSanitizer; if that build fails it says so and falls
# back to `--sanitizer none`.
#
# Each target starts from its checked-in seeds (fuzz/corpus/<target>/,
# read only) plus a fresh temporary directory, where libFuzzer writes the
# inputs it finds, so a run leaves the tree unchanged. Crash inputs go to
# fuzz/artifacts/<target>/ (git-ignored); see fuzz/README.md for turning
# one into a regression test.
#
# Environment:
#   FUZZ_JOBS      targets run at once (default 2; one core each)
#   FUZZ_KEEP_DIR  keep the discovered corpora and logs here instead of a
#                  temporary directory that is deleted
#   FUZZ_SANITIZER address (default) or none
#   FUZZ_ARGS      extra libFuzzer options, e.g. "-len_control=0"
set -uo pipefail

usage() {
  echo "usage: $0 SECONDS_PER_TARGET [TARGET...]" >&2
  exit 2
}
[[ $# -ge 1 && $1 =~ ^[0-9]+$ && $1 -gt 0 ]] || usage
secs=$1
shift

fuzz_dir=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$fuzz_dir")
cd "$root" || exit 1
jobs=${FUZZ_JOBS:-2}
sanitizer=${FUZZ_SANITIZER:-address}
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "==> installing cargo-fuzz"
  cargo install cargo-fuzz --locked || exit 1
fi

if [[ $# -gt 0 ]]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo fuzz list)
fi
[[ ${#targets[@]} -gt 0 ]] || { echo "no fuzz targets" >&2; exit 1; }

if [[ -n ${FUZZ_KEEP_DIR:-} ]]; then
  work=$FUZZ_KEEP_DIR
  mkdir -p "$work"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

build() {
  echo "==> building ${targets[*]} (sanitizer: $1)"
  local t
  for t in "${targets[@]}"; do
    cargo fuzz build -s "$1" "$t" || return 1
  done
}
build_start=$SECONDS
if ! build "$sanitizer"; then
  if [[ $sanitizer == none ]]; then
    echo "error: the fuzz targets do not build" >&2
    exit 1
  fi
  echo "warning: the $sanitizer-sanitizer build failed (errors above);" \
    "retrying with --sanitizer none (no memory-error detection)" >&2
  sanitizer=none
  build none || exit 1
fi
build_secs=$((SECONDS - build_start))

# Per-target libFuzzer options. max_len: haystacks long enough to cross
# stream chunk seams with large context windows; short validator strings.
max_len() {
  case $1 in
    scan_slice | stream_vs_slice) echo 16384 ;;
    validators) echo 256 ;;
    *) echo 4096 ;;
  esac
}

run_one() {
  local t=$1
  local out="$work/$t.log"
  local start=$SECONDS
  mkdir -p "$work/corpus/$t" "$fuzz_dir/artifacts/$t"
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of options
  cargo fuzz run -s "$sanitizer" "$t" "$work/corpus/$t" \
    "$fuzz_dir/corpus/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
    -max_len="$(max_len "$t")" -dict="$fuzz_dir/dict/caldicott.dict" \
    -print_final_stats=1 ${FUZZ_ARGS:-} >"$out" 2>&1
  echo $? >"$work/$t.rc"
  echo $((SECONDS - start)) >"$work/$t.secs"
}

echo "==> fuzzing ${#targets[@]} target(s), ${secs}s each, $jobs at a time"
running=0
for t in "${targets[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [[ $running -ge $jobs ]]; then
    wait -n
    running=$((running - 1))
  fi
done
wait

stat() { sed -n "s/^stat::$2: *//p" "$1" | tail -1; }

failed=0
printf '\n%-18s %-7s %8s %12s %10s %8s\n' target result seconds runs exec/s corpus
for t in "${targets[@]}"; do
  log="$work/$t.log"
  rc=$(cat "$work/$t.rc" 2>/dev/null || echo 1)
  runs=$(stat "$log" number_of_executed_units)
  eps=$(stat "$log" average_exec_per_sec)
  corpus=$(ls "$work/corpus/$t" | wc -l)
  result=ok
  if [[ $rc -ne 0 ]]; then
    result=CRASH
    failed=1
  fi
  printf '%-18s %-7s %8s %12s %10s %8s\n' "$t" "$result" \
    "$(cat "$work/$t.secs" 2>/dev/null || echo ?)" \
    "${runs:-?}" "${eps:-?}" "+$corpus"
done
echo "(build ${build_secs}s, sanitizer $sanitizer; corpus: new inputs" \
  "found, not kept unless FUZZ_KEEP_DIR is set)"

if [[ $failed -ne 0 ]]; then
  for t in "${targets[@]}"; do
    [[ $(cat "$work/$t.rc" 2>/dev/null || echo 1) -eq 0 ]] && continue
    echo
    echo "==> $t failed:"
    grep -E -A6 "panicked at|ERROR: (libFuzzer|AddressSanitizer)" \
      "$work/$t.log" | head -30
    sed -n '/^Failing input:/,/^Minimize test case/p' "$work/$t.log"
    echo "artifacts: fuzz/artifacts/$t/ (see fuzz/README.md)"
  done
  exit 1
fi
