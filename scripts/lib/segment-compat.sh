#!/usr/bin/env bash
# Segment compatibility: starts the real server (debug build, temporary data directory,
# write keys and an admin made with the CLI) and drives it with Segment's own libraries,
# unmodified from their registries (segment-analytics-python from PyPI in .venv/segment,
# @segment/analytics-node from npm), and the browser tracker in headless Chromium on the
# demo shop. Installs what it needs. Ends with "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
cargo build -q -p api
api="$CARGO_TARGET_DIR/debug/api"

if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null
fi
if [[ ! -x .venv/segment/bin/python ]]; then
  python3 -m venv .venv/segment
fi
.venv/segment/bin/pip install -q -r api/tests/compat/requirements.txt
(cd frontend/tracker && npm ci --no-audit --no-fund --loglevel=error)

data=$(mktemp -d)
log="$data/server.log"
server_pid=
cleanup() {
  if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$data"
}
trap cleanup EXIT

export APP__STORAGE__DATA_DIR=$data
export APP__AUTH__COOKIE_SECURE=false
export APP__TELEMETRY__LOG_FORMAT=json
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export APP__SERVER__PORT=$port
admin_email=compat@shoptrail.test
admin_password=$(head -c 18 /dev/urandom | base64 | tr '+/' '-_')
printf '%s\n' "$admin_password" | "$api" admin create --email "$admin_email" --role admin >/dev/null
write_key=$("$api" write-key create --source segment-compat --kind server)
APP__DEMO__WRITE_KEY=$("$api" write-key create --source demo)
export APP__DEMO__WRITE_KEY
"$api" serve >"$log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { echo "server did not start"; cat "$log"; exit 1; }

export SHOPTRAIL_URL=$base SHOPTRAIL_WRITE_KEY=$write_key
export SHOPTRAIL_ADMIN_EMAIL=$admin_email SHOPTRAIL_ADMIN_PASSWORD=$admin_password

passed=0
failed=0
echo "--- segment-analytics-python"
if py_out=$(.venv/segment/bin/python api/tests/compat/segment_python.py 2>&1); then :; fi
echo "$py_out"
if [[ $py_out =~ ([0-9]+)\ passed,\ ([0-9]+)\ failed ]]; then
  passed=$((passed + BASH_REMATCH[1])); failed=$((failed + BASH_REMATCH[2]))
else
  failed=$((failed + 1))
fi
echo "--- @segment/analytics-node and the browser tracker (node --test)"
if node_out=$(cd frontend/tracker && npm test --silent 2>&1); then :; fi
echo "$node_out"
node_pass=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' <<<"$node_out" | tail -1)
node_fail=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' <<<"$node_out" | tail -1)
if [[ -n $node_pass && -n $node_fail ]]; then
  passed=$((passed + node_pass)); failed=$((failed + node_fail))
else
  failed=$((failed + 1))
fi
if ((failed > 0)); then
  echo "--- server log (last 40 lines)"
  tail -40 "$log"
fi
echo "$passed passed, $failed failed"
((failed == 0))
