#!/usr/bin/env bash
# What the durable writer writes per event: starts an api binary on a fresh embedded store,
# sends scripts/bench's single events (64 connections) and then its 100-event batches
# (64 connections), and prints events/s, p99 and the bytes the process wrote per event
# stored (`wchar` of /proc/<pid>/io: WAL frames and checkpoints) for each phase.
# Figures only; used in docs/performance.md ("Deferred folds…").
#   scripts/bench.d/write_bytes.sh [BIN]        (default target/release/api)
# Experiments, on the fresh database before the load:
#   DROPSQL='DROP INDEX events_profile_time;'  runs SQL first (what an index costs)
#   PAGESIZE=1024                               creates the database with that page size
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/release/api}
port=${PORT:-18180}
duration=${DURATION:-10s}
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)"; exit 1; }

data=$(mktemp -d)
server=
trap '[[ -n $server ]] && { kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; }; rm -rf "$data"' EXIT
export APP__STORAGE__DATA_DIR=$data APP__RATE_LIMIT__INGEST_PER_MINUTE=0
sql() { python3 -c 'import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.close()' "$data/shoptrail.db" "$1"; }
if [[ -n ${PAGESIZE:-} ]]; then
  sql "PRAGMA page_size = $PAGESIZE; PRAGMA journal_mode = WAL; CREATE TABLE x (a); DROP TABLE x;"
fi
key=$("$bin" write-key create --source bench)
AUTH_HEADER="Basic $(printf '%s:' "$key" | base64 -w0)"
export AUTH_HEADER
APP__SERVER__PORT=$port APP__TELEMETRY__LOG_LEVEL=error "$bin" serve &
server=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
[[ -n ${DROPSQL:-} ]] && sql "$DROPSQL"

stored() {
  curl -fs "http://127.0.0.1:$port/metrics" |
    awk '/^shoptrail_ingest_events_total\{outcome="accepted"\}/ {n=$2} END {printf "%d", n}'
}
written() { awk '/^wchar/ {print $2}' "/proc/$server/io"; }
phase() {
  local label=$1 batch=$2 n0 w0 out n w
  n0=$(stored); w0=$(written)
  out=$(BATCH=$batch wrk -t2 -c64 -d"$duration" --latency -s scripts/bench.d/events.lua \
    "http://127.0.0.1:$port/v1/events")
  n=$(( $(stored) - n0 )); w=$(( $(written) - w0 ))
  printf '%-16s %8s requests/s  p99 %9s  %8d events  %7d bytes written per event\n' "$label" \
    "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" "$(awk '$1=="99%" {print $2}' <<<"$out")" \
    "$n" $(( w / (n > 0 ? n : 1) ))
}
phase "single events" 1
phase "batches of 100" 100
