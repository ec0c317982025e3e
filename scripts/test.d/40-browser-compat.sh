# Browser conformance (sourced by scripts/test): Segment's analytics-next (standard snippet
# with only the host changed, and from npm) and RudderStack's @rudderstack/analytics-js v3
# (npm), the real pinned packages in Debian's Chromium, on a shop page of another origin, against
# the real server behind a TLS edge; includes the 5-second outage and 503 windows. About a
# minute and a half.
browser_compat() {
  local out=$log_dir/browser-compat.log
  local status=0
  compat/browser/run.sh 2>&1 | tee "$out" || status=$?
  add_counts "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)"
  return "$status"
}
check "Browser SDK conformance (analytics-next, RudderStack JS)" browser_compat
