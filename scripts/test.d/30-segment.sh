# Segment compatibility and the browser tracker (sourced by scripts/test after the cargo
# tests): Segment's Python and Node libraries and headless Chromium against the real server.
segment_compat() {
  local out=$log_dir/segment-compat.log
  local status=0
  scripts/lib/segment-compat.sh 2>&1 | tee "$out" || status=$?
  add_counts "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)"
  return "$status"
}
check "Segment compatibility (Python, Node, browser tracker)" segment_compat
