#!/usr/bin/env bash
# Times the retention report (daily and weekly cohorts, returning on any event or a type,
# with a filter and with a segment) against a data directory seeded beforehand (`api demo
# seed`, as scripts/bench-console does), with curl, and prints the server's own split of
# each call (rows, orders, visits, compute, and whether the visit index gave the activity;
# debug log of `retention report`). Figures only.
#   API_BIN=target/release/api DATA_DIR=target/bench-console-200000x8 RUNS=3 scripts/bench.d/retention.sh
set -euo pipefail
api_bin=${API_BIN:-target/release/api}
data=${DATA_DIR:?set DATA_DIR to a seeded data directory}
runs=${RUNS:-3}
port=${BENCH_PORT:-18091}
base="http://127.0.0.1:$port"
export APP__STORAGE__DATA_DIR=$data APP__SERVER__PORT=$port APP__RATE_LIMIT__READS_PER_MINUTE=0 \
  APP__SERVER__REQUEST_TIMEOUT_MS=120000 APP__AUTH__COOKIE_SECURE=false APP__TELEMETRY__LOG_FORMAT=json

email="bench-$(date +%s%N)@bench.test"
password='bench password 123'
printf '%s\n' "$password" | "$api_bin" admin create --email "$email" --role analyst >/dev/null
log=$(mktemp)
jar=$(mktemp)
APP__TELEMETRY__LOG_LEVEL='info,shared::retention=debug' "$api_bin" serve >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log" "$jar"' EXIT
for _ in $(seq 300); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
if [[ ${APP__REPORTS__INDEX_DAYS:-60} != 0 ]]; then
  for _ in $(seq 1200); do grep -q 'Reports index loaded' "$log" && break; sleep 0.5; done
  grep 'Reports index loaded' "$log" | tail -1
fi
curl -fs -c "$jar" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/v1/auth/login" >/dev/null
# A segment of the people who bought at least once in the last 30 days.
segment=$(curl -fs -b "$jar" -H 'content-type: application/json' -H "origin: $base" \
  -d '{"name":"bench buyers","conditions":[{"kind":"behaviour","event":"purchase","min":1,"lastDays":30}]}' \
  "$base/v1/segments" | sed 's/.*"id":"\([^"]*\)".*/\1/')

day() { date -u -d "-$1 days" +%F; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int(NR/2)+1]}'; }
while IFS='|' read -r name path; do
  times=$(for _ in $(seq "$runs"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -b "$jar" "$base$path&from=$(day 29)&to=$(day 0)"
  done | awk '{printf "%.0f\n", $1 * 1000}')
  split=$(grep '"retention report"' "$log" | tail -1 | grep -o '"\(members\|activity\|from_index\|orders\|rows_ms\|orders_ms\|visits_ms\|compute_ms\)":"\?[0-9a-z]*' | tr '\n' ' ' | tr -d '"')
  printf '%-44s median %6s ms  max %6s ms   last: %s\n' "$name" "$(median <<<"$times")" "$(sort -n <<<"$times" | tail -1)" "$split"
done <<EOT
daily cohorts, 8 periods|/v1/reports/retention?interval=day&periods=8
weekly cohorts, 5 periods|/v1/reports/retention?interval=week&periods=5
weekly, returning on purchase|/v1/reports/retention?interval=week&periods=5&returning=purchase
weekly, filter device:mobile|/v1/reports/retention?interval=week&periods=5&filter=device:mobile
weekly, segment (bought in 30 days)|/v1/reports/retention?interval=week&periods=5&segment=$segment
EOT
