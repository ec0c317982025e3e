#!/usr/bin/env bash
# Times the report calls the console's overview and commerce page make (7 and 30 days, with
# and without a filter; the same calls as frontend/e2e/bench-overview.mjs) and three funnels against a data
# directory seeded beforehand (`api demo seed`), with curl, without a browser. Prints the
# reports index's load time and the server's RSS when the index is on. Figures only.
#   API_BIN=target/release/api DATA_DIR=/tmp/seeded RUNS=5 scripts/bench.d/reports.sh
#   APP__REPORTS__INDEX_DAYS=0 ... scripts/bench.d/reports.sh   # the store path only
set -euo pipefail
api_bin=${API_BIN:-target/release/api}
data=${DATA_DIR:?set DATA_DIR to a seeded data directory}
runs=${RUNS:-5}
port=${BENCH_PORT:-18090}
base="http://127.0.0.1:$port"
export APP__STORAGE__DATA_DIR=$data APP__SERVER__PORT=$port APP__RATE_LIMIT__READS_PER_MINUTE=0 \
  APP__SERVER__REQUEST_TIMEOUT_MS=120000 APP__AUTH__COOKIE_SECURE=false APP__TELEMETRY__LOG_FORMAT=json

email="bench-$(date +%s%N)@bench.test"
password='bench password 123'
printf '%s\n' "$password" | "$api_bin" admin create --email "$email" --role analyst >/dev/null
log=$(mktemp)
jar=$(mktemp)
APP__TELEMETRY__LOG_LEVEL=info "$api_bin" serve >"$log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -f "$log" "$jar"' EXIT
for _ in $(seq 300); do curl -fs "$base/healthz" >/dev/null && break; sleep 0.1; done
if [[ ${APP__REPORTS__INDEX_DAYS:-60} != 0 ]]; then
  for _ in $(seq 1200); do grep -q 'Reports index loaded' "$log" && break; sleep 0.5; done
  grep 'Reports index loaded' "$log" | tail -1
fi
rss() { awk '/VmRSS|VmHWM/ {printf "%s %d MB  ", $1, $2/1024}' "/proc/$server/status"; echo; }
echo "server memory after start: $(rss)"
curl -fs -c "$jar" -H 'content-type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/v1/auth/login" >/dev/null

day() { date -u -d "-$1 days" +%F; }
kpis='visitors,sessions,bounceRate,avgSessionSeconds,orders,revenue,aov,conversionRate'
panel='visitors,sessions,bounceRate,conversionRate,revenue'
commerce='revenue,orders,aov,conversionRate,buyers,newBuyers,returningBuyers'
median() { sort -n | awk '{a[NR]=$1} END {print a[int(NR/2)+1]}'; }
echo "sessions in the last 30 days: $(curl -fs -b "$jar" "$base/v1/reports/breakdown?dimension=channel&metrics=sessions&from=$(day 29)&to=$(day 0)" | grep -o '"total":{[^}]*}')"
for variant in "7 " "30 " "7 device:mobile" "30 device:mobile"; do
  read -r days filter <<<"$variant"
  q="from=$(day $((days - 1)))&to=$(day 0)${filter:+&filter=$filter}"
  while IFS='|' read -r name path; do
    times=$(for _ in $(seq "$runs"); do
      curl -fs -o /dev/null -w '%{time_total}\n' -b "$jar" "$base$path&$q"
    done | awk '{printf "%.1f\n", $1 * 1000}')
    printf '%-16s %2s days %-18s median %8s ms  max %8s ms\n' "$name" "$days" "${filter:-}" \
      "$(median <<<"$times")" "$(sort -n <<<"$times" | tail -1)"
  done <<EOT
cards (totals)|/v1/reports/breakdown?dimension=channel&metrics=$kpis&limit=1
trend|/v1/reports/timeseries?metrics=visitors&interval=day&compare=previous
channels|/v1/reports/breakdown?dimension=channel&metrics=$panel&limit=10
landing pages|/v1/reports/breakdown?dimension=landingPage&metrics=$panel&limit=10
countries|/v1/reports/breakdown?dimension=country&metrics=$panel&limit=10
devices|/v1/reports/breakdown?dimension=device&metrics=$panel&limit=10
commerce cards|/v1/reports/breakdown?dimension=channel&metrics=$commerce&limit=1
commerce trend|/v1/reports/timeseries?metrics=revenue&interval=day&compare=previous
products|/v1/reports/breakdown?dimension=product&metrics=visitors,sessions&limit=10
EOT
done
# Attribution (30 days of orders; touches from the 30 days before them too).
while IFS='|' read -r name path; do
  times=$(for _ in $(seq "$runs"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -b "$jar" "$base$path&from=$(day 29)&to=$(day 0)"
  done | awk '{printf "%.1f\n", $1 * 1000}')
  printf '%-40s median %8s ms  max %8s ms\n' "$name" "$(median <<<"$times")" "$(sort -n <<<"$times" | tail -1)"
done <<EOT
attribution, every model, channel|/v1/reports/attribution?dimension=channel
attribution, lastNonDirect, campaign|/v1/reports/attribution?model=lastNonDirect&dimension=utmCampaign
EOT
# A segment resolved (members over the last 30 days), alone and narrowing a report. A resolved
# segment is reused for 5 s (segments::MembersCache): "first" is the call that resolved it.
seg=$(curl -fs -b "$jar" -H 'content-type: application/json' -d \
  '{"name":"bench repeat buyers","conditions":[{"kind":"behaviour","event":"purchase","min":2,"lastDays":30}]}' \
  "$base/v1/segments" | grep -o '"id":"[^"]*"' | head -1 | cut -d'"' -f4)
while IFS='|' read -r name path; do
  times=$(for _ in $(seq "$runs"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -b "$jar" "$base$path"
  done | awk '{printf "%.1f\n", $1 * 1000}')
  printf '%-28s first %8s ms  median %8s ms  max %8s ms\n' "$name" "$(head -1 <<<"$times")" \
    "$(median <<<"$times")" "$(sort -n <<<"$times" | tail -1)"
  sleep 6 # past the reuse, so the next call resolves again
done <<EOT
segment members|/v1/segments/$seg/members?limit=25
segment channels 30 days|/v1/reports/breakdown?dimension=channel&metrics=$panel&segment=$seg&from=$(day 29)&to=$(day 0)
segment users list|/v1/users?segment=$seg&limit=25
EOT
echo "segment members: $(curl -fs -b "$jar" "$base/v1/segments/$seg/members?limit=1" | grep -o '"total":[0-9]*')"
curl -fs -o /dev/null -b "$jar" -X DELETE "$base/v1/segments/$seg"
funnel() {
  local name=$1 body=$2
  times=$(for _ in $(seq "$runs"); do
    curl -fs -o /dev/null -w '%{time_total}\n' -b "$jar" -H 'content-type: application/json' \
      -d "$body" "$base/v1/funnels"
  done | awk '{printf "%.1f\n", $1 * 1000}')
  printf '%-44s median %8s ms  max %8s ms\n' "$name" "$(median <<<"$times")" "$(sort -n <<<"$times" | tail -1)"
}
range="\"from\":\"$(day 29)\",\"to\":\"$(day 0)\""
steps='"steps":["product_view","add_to_cart","purchase"]'
funnel "funnel, 3 steps, 30 days" "{$steps,$range}"
funnel "funnel, 3 steps, 30 days, by channel, trend" "{$steps,$range,\"breakdown\":\"channel\",\"trend\":true,\"dropOff\":1}"
funnel "funnel, 3 steps, 30 days, total conversions" "{$steps,$range,\"count\":\"total\"}"
echo "server memory at the end: $(rss)"
