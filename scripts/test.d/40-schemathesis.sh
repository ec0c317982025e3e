# Schemathesis (sourced by scripts/test after the cargo tests): property-based requests from
# the OpenAPI document against the real server, ingestion and console routes, every check;
# 0 server errors and 0 schema violations, exceptions in scripts/schemathesis-allow.toml.
schemathesis_contract() {
  local out=$log_dir/schemathesis.log
  local status=0
  scripts/lib/schemathesis.sh 2>&1 | tee "$out" || status=$?
  add_counts "$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$out" | tail -1)"
  return "$status"
}
check "Schemathesis (ingestion and console routes, --checks all)" schemathesis_contract
