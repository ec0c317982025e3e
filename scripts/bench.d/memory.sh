#!/usr/bin/env bash
# The server's memory under a fixed amount of ingestion, independent of machine speed (the
# RSS that scripts/bench prints depends on how many events the machine got through): starts
# an api binary on a fresh data directory, sends the same events as scripts/bench in three
# phases (fixed counts, Python keep-alive clients), and prints the server's resident memory
# and peak after each. Figures only.
#   scripts/bench.d/memory.sh [BIN]          # default target/release/api
# Server settings come from the environment (APP__REPORTS__INDEX_DAYS=0: no visit index).
set -euo pipefail
bin=${1:-target/release/api}
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-$((19500 + RANDOM % 400))}
data=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$data"' EXIT
export APP__STORAGE__DATA_DIR=$data APP__RATE_LIMIT__INGEST_PER_MINUTE=0
key=$("$bin" write-key create --source bench 2>/dev/null | grep -o 'stwk_[A-Za-z0-9_-]*' | head -1)
AUTH_HEADER="Basic $(printf '%s:' "$key" | base64 -w0)"
export AUTH_HEADER
APP__SERVER__PORT=$port APP__TELEMETRY__LOG_LEVEL=warn "$bin" serve 2>/dev/null &
server=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
memory() {
  local stored
  stored=$(curl -fs "http://127.0.0.1:$port/metrics" |
    awk '/^shoptrail_ingest_events_total\{outcome="accepted"\}/ {print $2}')
  awk -v label="$1" -v stored="${stored:-?}" '/VmRSS/ {now=$2} /VmHWM/ {peak=$2} /Threads/ {threads=$2}
    END {printf "%-40s events stored %7s   RSS %4d MB   peak %4d MB   threads %3d\n", label, stored, now/1024, peak/1024, threads}' \
    "/proc/$server/status"
}
memory "started"
python3 "$here/fixed_load.py" "$port" /v1/events 30000 64 1 >/dev/null
memory "30,000 single events, 64 connections"
python3 "$here/fixed_load.py" "$port" /v1/events 30000 256 1 >/dev/null
memory "30,000 more, 256 connections"
python3 "$here/fixed_load.py" "$port" /v1/events 2560 64 100 >/dev/null
memory "256,000 more in batches of 100"
# The visit index looks for changes every reports.index_poll_ms (1 s).
sleep 3
memory "3 s later"
[[ -z ${SMAPS:-} ]] || cp "/proc/$server/smaps" "$SMAPS"
