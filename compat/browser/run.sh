#!/usr/bin/env bash
# The browser conformance suite, from a fresh clone: builds the API (debug), installs the
# pinned packages (npm ci; no browser download: Debian's Chromium), copies analytics-next's
# bundle where the API serves it (npm run bundle), and runs the Playwright tests. Ends with
# "N passed, M failed".
set -euo pipefail
cd "$(dirname "$0")"

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/../../target}
(cd ../.. && cargo build -q -p api)
if [[ ! -x ${CHROMIUM_PATH:-/usr/bin/chromium} ]]; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq openssl >/dev/null; }
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
npm run --silent bundle

mkdir -p .build
status=0
npx playwright test 2>&1 | tee .build/last-run.log || status=$?
passed=$(sed -nE 's/^ *([0-9]+) passed.*/\1/p' .build/last-run.log | tail -1)
failed=$(sed -nE 's/^ *([0-9]+) failed.*/\1/p' .build/last-run.log | tail -1)
if [[ -z $passed && -z $failed ]]; then failed=1; fi
echo "${passed:-0} passed, ${failed:-0} failed"
exit "$status"
