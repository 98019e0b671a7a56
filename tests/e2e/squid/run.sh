#!/usr/bin/env bash
# End to end through a real Squid (issue 8): Debian's squid, on loopback
# only, with caldicott-icap as its reqmod_precache ICAP service, a local
# origin that records every body it receives (origin.py), and the
# scenarios, load test, 200 MB upload and measurements of e2e.py.
#
# Installs squid with apt-get when it is missing (root needed; fails
# loudly otherwise). CALDICOTT_SKIP_SQUID=1 skips the whole suite with a
# warning (for developers without root; CI must not set it).
# CALDICOTT_E2E_KEEP=1 keeps the temporary directory (logs, configs).
# Results: $CARGO_TARGET_DIR/e2e-squid/results.{json,md}. See README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
target=${CARGO_TARGET_DIR:-$root/target}
started=$(date +%s)

say() { printf 'e2e-squid: %s\n' "$*"; }
die() { printf 'e2e-squid: FAIL: %s\n' "$*" >&2; exit 1; }

if [ "${CALDICOTT_SKIP_SQUID:-}" = 1 ]; then
  printf '\n*** WARNING: CALDICOTT_SKIP_SQUID=1: the end-to-end tests through '
  printf 'Squid were NOT run. ***\n*** CI runs them; unset it to run them '
  printf 'here (needs root for apt-get, or squid installed). ***\n\n'
  exit 0
fi

# --- squid ------------------------------------------------------------------

find_squid() {
  command -v squid 2>/dev/null || { [ -x /usr/sbin/squid ] && echo /usr/sbin/squid; } || true
}

squid=$(find_squid)
if [ -z "$squid" ]; then
  command -v apt-get >/dev/null 2>&1 \
    || die "squid is not installed and there is no apt-get to install it (install Debian's squid, or set CALDICOTT_SKIP_SQUID=1 to skip, with a warning)"
  [ "$(id -u)" = 0 ] \
    || die "squid is not installed and installing it needs root (run as root, apt-get install squid, or set CALDICOTT_SKIP_SQUID=1 to skip, with a warning)"
  say "installing Debian's squid (apt-get)"
  # The package must not start the system's squid service: only our own
  # instances, on loopback, run. A policy-rc.d exiting 101 tells
  # invoke-rc.d (and deb-systemd-invoke) not to; put one in place for
  # the install when the machine has none.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    added_policy=1
  fi
  apt_install_squid() {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
      --no-install-recommends -o Dpkg::Options::=--force-confdef \
      -o Dpkg::Options::=--force-confold squid
  }
  # Try without a package-list update first (quick when the lists are
  # fresh); update and retry when that fails (a fresh machine).
  log=$(mktemp)
  ok=1
  apt_install_squid >"$log" 2>&1 \
    || { apt-get update -q >>"$log" 2>&1 && apt_install_squid >>"$log" 2>&1; } \
    || ok=0
  if [ "$added_policy" = 1 ]; then rm -f "$policy"; fi
  if [ "$ok" = 0 ]; then
    tail -n 30 "$log" >&2 || true
    die "apt-get install squid failed (log above)"
  fi
  rm -f "$log"
  squid=$(find_squid)
  [ -n "$squid" ] || die "squid installed but not found"
fi
say "$("$squid" -v | head -n 1) at $squid"

# --- build ------------------------------------------------------------------

say "building caldicott-icap and gen-ids (release)"
cargo build --release --locked -q -p caldicott-icap --bin caldicott-icap
cargo build --release --locked -q -p caldicott-testkit --bin gen-ids
icap_bin=$target/release/caldicott-icap
gen_ids=$target/release/gen-ids

# --- temporary directory, and teardown --------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/caldicott-e2e-squid.XXXXXX")
pids=()
cleanup() {
  local rc=$?
  set +e
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  for pid in "${pids[@]}"; do
    # Squid takes shutdown_lifetime (1 s) to stop; do not wait forever.
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
  wait
  if [ "$rc" != 0 ]; then
    for f in icap.stderr squid-icap/cache.log squid-plain/cache.log \
      origin.stderr; do
      [ -s "$tmp/$f" ] || continue
      printf '\n--- %s (last 40 lines) ---\n' "$f" >&2
      tail -n 40 "$tmp/$f" >&2
    done
  fi
  if [ "${CALDICOTT_E2E_KEEP:-}" = 1 ]; then
    say "kept $tmp"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
chmod 755 "$tmp"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits until 127.0.0.1:$1 accepts connections; fails if process $2
# exits first or it takes 30 s.
listening() {
  local port=$1 pid=$2
  for _ in $(seq 300); do
    kill -0 "$pid" 2>/dev/null || return 1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# --- identifiers ------------------------------------------------------------

"$gen_ids" nhs 50 1 >"$tmp/ids50.txt"
"$gen_ids" nhs 1 2 >"$tmp/one.txt"
"$gen_ids" nhs 2000 3 >"$tmp/ids-load.txt"

# --- origin -----------------------------------------------------------------

python3 "$here/origin.py" --port-file "$tmp/origin.port" \
  --log "$tmp/origin.jsonl" --store "$tmp/origin-store" \
  2>"$tmp/origin.stderr" &
origin_pid=$!
pids+=("$origin_pid")
for _ in $(seq 100); do [ -s "$tmp/origin.port" ] && break; sleep 0.1; done
[ -s "$tmp/origin.port" ] || die "the origin did not start"
origin_port=$(cat "$tmp/origin.port")
listening "$origin_port" "$origin_pid" || die "the origin did not listen"

# --- caldicott-icap ---------------------------------------------------------

# The shipped example configuration, with the audit log and spool in the
# temporary directory.
mkdir "$tmp/spool"
sed -e 's|^audit = .*|audit = "audit.jsonl"|' \
  -e 's|^# spool_dir = .*|spool_dir = "spool"|' \
  crates/icap/caldicott-icap.toml >"$tmp/icap.toml"
grep -q '^audit = "audit.jsonl"$' "$tmp/icap.toml" \
  && grep -q '^spool_dir = "spool"$' "$tmp/icap.toml" \
  || die "could not adapt crates/icap/caldicott-icap.toml (audit, spool_dir)"
: >"$tmp/icap.stderr"
"$icap_bin" --listen 127.0.0.1:0 --config "$tmp/icap.toml" \
  2>"$tmp/icap.stderr" &
icap_pid=$!
pids+=("$icap_pid")
icap_port=
for _ in $(seq 100); do
  icap_port=$(sed -n 's|.*listening on icap://127\.0\.0\.1:\([0-9]*\)/caldicott.*|\1|p' "$tmp/icap.stderr")
  [ -n "$icap_port" ] && break
  kill -0 "$icap_pid" 2>/dev/null || die "caldicott-icap exited during start-up"
  sleep 0.1
done
[ -n "$icap_port" ] || die "caldicott-icap did not print its port"
say "$(head -n 1 "$tmp/icap.stderr")"

# --- squid: one with the ICAP service, one without (the baseline) -----------

# $1: name, $2: port, $3: with ICAP (1) or not (0).
squid_conf() {
  local dir=$tmp/$1 port=$2 icap=$3
  mkdir -p "$dir"
  cat <<EOF
# Generated by tests/e2e/squid/run.sh: loopback only, memory only.
http_port 127.0.0.1:$port
visible_hostname caldicott-e2e
pid_filename $dir/squid.pid
cache_log $dir/cache.log
logformat e2e %ts.%03tu %6tr %>a %Ss/%03>Hs %>st %<st %rm %ru id=%{X-E2E-Id}>h err=%err_code/%err_detail icap=%adapt::all_trs %adapt::<last_h
access_log stdio:$dir/access.log e2e
cache_store_log none
coredump_dir $dir
netdb_filename none
cache deny all
cache_mem 8 MB
shutdown_lifetime 1 seconds
http_access allow localhost
http_access deny all
EOF
  if [ "$icap" = 1 ]; then
    cat <<EOF
icap_enable on
icap_service caldicott reqmod_precache icap://127.0.0.1:$icap_port/caldicott bypass=0
adaptation_access caldicott allow all
adaptation_send_client_ip on
EOF
  fi
}

start_squid() {
  local name=$1 icap=$2 port pid try
  for try in 1 2 3; do
    # The port is free now; another process may take it before squid
    # binds it, hence the retries.
    port=$(free_port)
    squid_conf "$name" "$port" "$icap" >"$tmp/$name.conf"
    if [ "$(id -u)" = 0 ]; then
      # Squid started as root runs as cache_effective_user (proxy).
      chown -R proxy:proxy "$tmp/$name" 2>/dev/null \
        || chown -R nobody "$tmp/$name"
    fi
    "$squid" -k parse -f "$tmp/$name.conf" >"$tmp/$name.parse" 2>&1 \
      || { cat "$tmp/$name.parse" >&2; die "squid -k parse: $name.conf"; }
    "$squid" -N -f "$tmp/$name.conf" >"$tmp/$name.out" 2>&1 &
    pid=$!
    pids+=("$pid")
    if listening "$port" "$pid"; then
      eval "${name//-/_}_port=$port; ${name//-/_}_pid=$pid"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
    say "squid ($name) did not start on port $port (try $try)"
  done
  die "squid ($name) did not start; see $name/cache.log"
}

start_squid squid-icap 1
start_squid squid-plain 0
say "origin 127.0.0.1:$origin_port, caldicott-icap 127.0.0.1:$icap_port (pid $icap_pid), squid with ICAP 127.0.0.1:$squid_icap_port, squid without 127.0.0.1:$squid_plain_port"

if [ "${CALDICOTT_E2E_HOLD:-}" = 1 ]; then
  say "CALDICOTT_E2E_HOLD=1: everything is up in $tmp; Ctrl-C to stop"
  while :; do sleep 3600 & wait $!; done
fi

# --- the scenarios ----------------------------------------------------------

mkdir -p "$target/e2e-squid"
SQUID=$squid timeout --foreground 600 python3 "$here/e2e.py" \
  --proxy "127.0.0.1:$squid_icap_port" \
  --plain-proxy "127.0.0.1:$squid_plain_port" \
  --origin "127.0.0.1:$origin_port" \
  --origin-log "$tmp/origin.jsonl" \
  --origin-store "$tmp/origin-store" \
  --icap-pid "$icap_pid" \
  --audit "$tmp/audit.jsonl" \
  --squid-log "$tmp/squid-icap/access.log" \
  --plain-squid-log "$tmp/squid-plain/access.log" \
  --ids "$tmp/ids50.txt" --one "$tmp/one.txt" --load-ids "$tmp/ids-load.txt" \
  --results "$target/e2e-squid" \
  ${E2E_ARGS:-}

say "suite took $(($(date +%s) - started)) s"
