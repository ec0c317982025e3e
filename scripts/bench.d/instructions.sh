#!/usr/bin/env bash
# Instructions per request, independent of machine load: runs an api binary under callgrind,
# sends a warm-up, zeroes the counters, sends exactly N requests (Python, keep-alive) and
# divides the instructions executed by N. Figures only.
#   scripts/bench.d/instructions.sh BIN PATH N CONNECTIONS [EVENTS_PER_REQUEST]
#   e.g. scripts/bench.d/instructions.sh target/release/api /v1/_bench/parse-only 3000 4
# Needs valgrind (apt-get install valgrind). Set KEEP=file to keep the callgrind profile;
# LIMIT_PER_MINUTE (and LIMIT_BURST) turn the per-write-key rate limit on.
set -euo pipefail
bin=$1 path=$2 n=$3 conns=$4 batch=${5:-1}
here=$(cd "$(dirname "$0")" && pwd)
port=${PORT:-$((19000 + RANDOM % 500))}
data=$(mktemp -d)
trap 'kill "$vg" 2>/dev/null || true; wait "$vg" 2>/dev/null || true; rm -rf "$data"' EXIT
export APP__STORAGE__DATA_DIR=$data APP__RATE_LIMIT__INGEST_PER_MINUTE=${LIMIT_PER_MINUTE:-0} APP__RATE_LIMIT__INGEST_BURST=${LIMIT_BURST:-2000}
key=$("$bin" write-key create --source bench 2>/dev/null | grep -o 'stwk_[A-Za-z0-9_-]*' | head -1)
AUTH_HEADER="Basic $(printf '%s:' "$key" | base64 -w0)"
export AUTH_HEADER
APP__SERVER__PORT=$port APP__SERVER__BENCH_PARSE_ONLY_ROUTE=true APP__TELEMETRY__LOG_LEVEL=warn \
  valgrind --tool=callgrind --compress-strings=no --callgrind-out-file="$data/cg.%p" "$bin" serve 2>"$data/valgrind.log" &
vg=$!
for _ in $(seq 600); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
python3 "$here/fixed_load.py" "$port" "$path" 400 "$conns" "$batch" >/dev/null
callgrind_control -z "$vg" >/dev/null 2>&1
echo "responses: $(python3 "$here/fixed_load.py" "$port" "$path" "$n" "$conns" "$batch")"
callgrind_control -d "$vg" >/dev/null 2>&1
sleep 1
profile=$(ls -t "$data"/cg.$vg.* | head -1)
total=$(awk '/^summary:/ {print $2}' "$profile")
echo "$path, $conns connections, $batch event(s)/request: $((total / n)) instructions per request"
[[ -z ${KEEP:-} ]] || cp "$profile" "$KEEP"
