#!/usr/bin/env bash
# Export: one million events of one day (BENCH_EXPORT_EVENTS) seeded through the store's
# batch insert into a fresh SQLite file, then exported by the release `worker export` (the
# real job path: queue, lease, heartbeat) to file:// and, when MOTO_ENDPOINT is set, to moto.
# Prints events/s and the exporting process's peak RSS. Figures only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${BENCH_EXPORT_EVENTS:-1000000}
day=2026-01-15
bin=${CARGO_TARGET_DIR:-target}/release/worker
cargo build --release -p worker --quiet
edata=$(mktemp -d)
trap 'rm -rf "$edata"' EXIT
echo
echo "export: seeding $n events for $day ..."
APP__STORAGE__DATA_DIR=$edata APP__TELEMETRY__LOG_LEVEL=warn \
  "$bin" bench-seed --date "$day" --events "$n"
printf '%-34s %12s %10s %12s %10s\n' destination events seconds events/s peak_RSS_MB
export_run() {
  local label=$1
  shift
  local out
  out=$(env "$@" APP__STORAGE__DATA_DIR="$edata" APP__TELEMETRY__LOG_LEVEL=warn \
    "$bin" export --date "$day" | tail -n 1)
  python3 -c '
import json, sys
j = json.loads(sys.argv[2])
ev = j["result"]["events"]; s = j["elapsed_s"]
print("%-34s %12d %10.1f %12.0f %10.0f" % (sys.argv[1], ev, s, ev / s, j["peak_rss_kib"] / 1024))
' "$label" "$out"
}
export_run "file://" APP__EXPORT__DESTINATION="file://$edata/exports"
if [[ -n ${MOTO_ENDPOINT:-} ]]; then
  bucket=bench-$RANDOM$RANDOM
  curl -fs -X PUT "$MOTO_ENDPOINT/$bucket" >/dev/null
  export_run "s3:// (moto on 127.0.0.1)" APP__EXPORT__DESTINATION="s3://$bucket/exports" \
    AWS_ENDPOINT_URL="$MOTO_ENDPOINT" AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=/dev/null \
    AWS_SHARED_CREDENTIALS_FILE=/dev/null
fi
echo "export files: $(du -sh "$edata/exports" | cut -f1) on disk; target: >= 200,000 events/s, RSS < 200 MB"
