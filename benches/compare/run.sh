#!/usr/bin/env bash
# Side-by-side comparison of Caldicott with its peers on one generated
# corpus; writes benches/RESULTS.md. See benches/README.md.
#
#   benches/compare/run.sh [SHAPE] [SIZE] [SEED]
#
# SHAPE: a bench corpus shape (web, no-hit, rare, dense, csv, hl7, fhir,
#        binary) or `mixed` (the test kit's gen-corpus text). Default web.
# SIZE:  bytes with K/M/G suffix. Default 256M.
# SEED:  default 6 (caldicott_benches::SEED).
# Environment: RUNS (default 5), SLOW_RUNS for Presidio (default 3),
#   CALDICOTT_PY=1 to build and include the Python bindings (./python),
#   OUT (default benches/RESULTS.md).
#
# Installs what is missing: hyperfine and ripgrep with apt-get (as root),
# and the `hyperscan` and `presidio-analyzer` PyPI packages into a venv at
# target/compare-venv. A tool that cannot be installed is recorded as such
# in the table, not silently dropped.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
SHAPE=${1:-web}
SIZE=${2:-256M}
SEED=${3:-6}
RUNS=${RUNS:-5}
SLOW_RUNS=${SLOW_RUNS:-3}
OUT=${OUT:-$ROOT/benches/RESULTS.md}
WORK=$ROOT/target/compare
VENV=$ROOT/target/compare-venv
# The command as run, with the settings that change what is measured.
COMMAND="benches/compare/run.sh $*"
COMMAND=${COMMAND% }
for var in SLOW_RUNS RUNS CALDICOTT_PY; do
  [ -n "${!var:-}" ] && COMMAND="$var=${!var} $COMMAND"
done
mkdir -p "$WORK"

step() { printf '\n==> %s\n' "$*" >&2; }

step "system tools (hyperfine, ripgrep)"
missing=()
command -v hyperfine >/dev/null || missing+=(hyperfine)
command -v rg >/dev/null || missing+=(ripgrep)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
      || echo "apt-get install ${missing[*]} failed; continuing" >&2
  else
    echo "missing ${missing[*]} and cannot apt-get; continuing" >&2
  fi
fi

step "Python venv ($VENV)"
PY=${PYTHON:-python3}
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
INSTALL_LOG=$WORK/install.json
echo '{}' >"$INSTALL_LOG"
for pkg in hyperscan presidio-analyzer; do
  if ! "$VENV/bin/python" -m pip install -q "$pkg" >"$WORK/pip-$pkg.log" 2>&1
  then
    echo "pip install $pkg failed (see $WORK/pip-$pkg.log)" >&2
    "$VENV/bin/python" - "$INSTALL_LOG" "$pkg" "$WORK/pip-$pkg.log" <<'PYEOF'
import json, sys
path, pkg, log = sys.argv[1:]
d = json.load(open(path))
lines = [l for l in open(log).read().splitlines() if l.strip()]
d[pkg] = "pip install failed: " + (lines[-1] if lines else "no output")
json.dump(d, open(path, "w"))
PYEOF
  fi
done
if [ "${CALDICOTT_PY:-0}" = 1 ]; then
  step "Caldicott Python bindings (pip install ./python)"
  "$VENV/bin/python" -m pip install -q ./python \
    || echo "pip install ./python failed; recorded as not installed" >&2
fi

step "build (release): scan-file, regex-baseline, gen-bench-corpus, caldicott"
cargo build --release --quiet -p caldicott-benches -p caldicott-cli --bins

step "corpus: $SHAPE $SIZE seed $SEED"
CORPUS=$WORK/corpus-$SHAPE-$SIZE-$SEED.bin
META=$WORK/corpus-$SHAPE-$SIZE-$SEED.json
target/release/gen-bench-corpus "$SHAPE" "$SIZE" "$SEED" "$CORPUS" >"$META"
cat "$META" >&2

step "measure"
status=0
"$VENV/bin/python" benches/compare/compare.py \
  --corpus "$CORPUS" --meta "$META" --bin target/release \
  --python "$VENV/bin/python" --runs "$RUNS" --slow-runs "$SLOW_RUNS" \
  --out "$OUT" --command "$COMMAND" --install-log "$INSTALL_LOG" || status=$?
rm -f "$CORPUS"
step "wrote $OUT"
exit "$status"
