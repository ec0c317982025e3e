# Web console suite (sourced by scripts/test): API types drift, lint (with the import-boundary
# rule's own test), typecheck, Vitest, build, and the end-to-end tests on Playwright's runner
# in headless Chromium against the real api binary.

console_setup() {
  command -v node >/dev/null || { echo "node (20.19+) is required for the console"; return 1; }
  # CHROMIUM may name another Chromium-based browser (GitHub's runners ship google-chrome).
  if [[ -z ${CHROMIUM:-} && ! -x /usr/bin/chromium ]]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
  # The e2e suite drives the system's Chromium; Playwright must never download a browser.
  (cd frontend && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
}

console_types_drift() {
  (cd frontend && npm run --silent api-types) || return 1
  if ! git diff --exit-code -- frontend/src/shared/api/schema.gen.ts; then
    echo "frontend/src/shared/api/schema.gen.ts is out of date: run 'npm run api-types' in frontend/ and commit it"
    return 1
  fi
}

console_lint() { (cd frontend && npm run --silent lint); }
console_typecheck() { (cd frontend && npm run --silent typecheck); }

console_unit() {
  (cd frontend && npx --no-install vitest run) 2>&1 | tee "$log_dir/vitest.log"
  local status=${PIPESTATUS[0]}
  local p f
  p=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log_dir/vitest.log" | grep -E '^ +Tests ' | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+' || true)
  f=$(sed -E 's/\x1b\[[0-9;]*m//g' "$log_dir/vitest.log" | grep -E '^ +Tests ' | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+' || true)
  add_counts "${p:-0} passed, ${f:-0} failed"
  return "$status"
}

console_build() { (cd frontend && npm run --silent build); }

console_e2e() {
  cargo build --quiet -p api || return 1
  local target=${CARGO_TARGET_DIR:-target}
  [[ $target = /* ]] || target="$PWD/$target"
  # playwright.config.ts: Debian's Chromium (or $CHROMIUM), one worker, retries off, traces
  # of failed tests in frontend/test-output/e2e/; the last line is "E2E: N passed, M failed".
  (cd frontend && API_BIN="$target/debug/api" npx --no-install playwright test) 2>&1 | tee "$log_dir/e2e.log"
  local status=${PIPESTATUS[0]}
  add_counts "$(grep -E '^E2E: ' "$log_dir/e2e.log" | tail -1)"
  return "$status"
}

if check "console: install (npm ci, chromium)" console_setup; then
  check "console: API types drift" console_types_drift
  check "console: eslint" console_lint
  check "console: tsc" console_typecheck
  check "console: vitest" console_unit
  check "console: build" console_build
  check "console: e2e (Playwright, headless Chromium)" console_e2e
fi
