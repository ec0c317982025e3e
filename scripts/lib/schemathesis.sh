#!/usr/bin/env bash
# Schemathesis against the real server: starts the api binary (debug unless API_BIN names
# another) on 127.0.0.1 with a temporary data directory, an admin signed in and a server
# write key made with the CLI, then runs `st run --checks all` over the ingestion and
# console routes from the served /openapi.json, with a bounded number of examples.
# By-design exceptions live in scripts/schemathesis-allow.toml, each with its reason.
# Extra arguments go to `st run`. Ends with "N passed, M failed" (operations). Installs schemathesis in .venv/schemathesis.
set -euo pipefail
cd "$(dirname "$0")/../.."

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
if [[ -z ${API_BIN:-} ]]; then
  cargo build -q -p api
  API_BIN="$CARGO_TARGET_DIR/debug/api"
fi
venv=.venv/schemathesis
if [[ ! -x $venv/bin/st ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "schemathesis==4.32.5"
fi

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
export APP__EXPORT__SCHEDULE_ENABLED=false
# Limits a fuzzer never meets (the rate limits have their own tests).
export APP__RATE_LIMIT__AUTH_PER_MINUTE=600000 APP__RATE_LIMIT__AUTH_BURST=100000
export APP__RATE_LIMIT__INGEST_PER_MINUTE=6000000 APP__RATE_LIMIT__INGEST_BURST=100000
export APP__RATE_LIMIT__READS_PER_MINUTE=6000000 APP__RATE_LIMIT__READS_BURST=100000
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export APP__SERVER__PORT=$port
base="http://127.0.0.1:$port"
admin_email=schemathesis@shoptrail.test
admin_password="fuzzing $(head -c 18 /dev/urandom | base64 | tr '+/' '-_') crab"
printf '%s\n' "$admin_password" | "$API_BIN" admin create --email "$admin_email" --role admin >/dev/null
write_key=$("$API_BIN" write-key create --source schemathesis --kind server)
"$API_BIN" serve >"$log" 2>&1 &
server_pid=$!
for _ in $(seq 1 300); do
  curl -fsS "$base/readyz" >/dev/null 2>&1 && break
  sleep 0.2
done
curl -fsS "$base/readyz" >/dev/null || { echo "server did not start"; cat "$log"; exit 1; }

login=$(python3 -c 'import json,sys; print(json.dumps({"email": sys.argv[1], "password": sys.argv[2]}))' \
  "$admin_email" "$admin_password")
cookie=$(curl -fsS -o /dev/null -D - -H 'content-type: application/json' -d "$login" "$base/v1/auth/login" |
  sed -n 's/^[Ss]et-[Cc]ookie: \(shoptrail_session=[^;]*\).*/\1/p' | tail -1)
[[ -n $cookie ]] || { echo "sign-in failed"; tail -20 "$log"; exit 1; }

# Credentials go through the schema's own security schemes (not a global header), so the
# checks that leave them out (ignored_auth, negative cases) really send none.
cat >"$data/schemathesis.toml" <<TOML
# Every check, except where the allow-list turns one off for some operations.
[checks]
enabled = true

[auth.openapi.session]
api_key = "${cookie#shoptrail_session=}"

[auth.openapi.writeKeyHeader]
api_key = "$write_key"

[auth.openapi.writeKeyBasic]
username = "$write_key"
password = "-"

TOML
# The allow-list: by-design exceptions, each with its reason.
cat scripts/schemathesis-allow.toml >>"$data/schemathesis.toml"

report="$data/report"
status=0
"$venv/bin/st" --config-file "$data/schemathesis.toml" run "$base/openapi.json" \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --max-time "${SCHEMATHESIS_MAX_TIME_S:-150}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --header "Origin: $base" \
  --report junit --report-junit-path "$report/junit.xml" \
  "$@" || status=$?

if [[ -f $report/junit.xml ]]; then
  read -r total failures errors < <(python3 - "$report/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = sum(int(s.get("tests", 0)) for s in suites)
f = sum(int(s.get("failures", 0)) for s in suites)
e = sum(int(s.get("errors", 0)) for s in suites)
print(t, f, e)
PY
)
  failed=$((failures + errors))
  echo "$((total - failed)) passed, $failed failed"
else
  echo "0 passed, 1 failed"
  status=1
fi
if ((status != 0)); then
  echo "--- server log (last 30 lines)"
  tail -30 "$log"
fi
exit "$status"
