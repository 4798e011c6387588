# Shell functions shared by tests/run-all.sh and tests/hostile/run.sh (sourced
# from the project's root folder, after `cd`).

# beside_start LOG AFTER CMD...: runs CMD in the background, its output (stdout
# and stderr) to LOG, while the script runs something else. Until
# beside_finish, the EXIT trap kills it if the script ends first and then runs
# AFTER (shell code, evaluated then; "" for nothing more).
beside_start() {
  beside_log=$1 beside_after=$2
  shift 2
  "$@" >"$beside_log" 2>&1 &
  beside_pid=$!
  trap "kill $beside_pid 2>/dev/null || true${beside_after:+; $beside_after}" EXIT
}

# beside_finish: waits for it, sets the EXIT trap to AFTER alone (none for
# ""), prints its LOG and returns its exit code.
beside_finish() {
  local code=0
  wait "$beside_pid" || code=$?
  if [ -n "$beside_after" ]; then trap "$beside_after" EXIT; else trap - EXIT; fi
  cat "$beside_log"
  return $code
}

# vitest_project PROJECT [RESULTS]: runs the vitest project; with a results
# folder its JSON report goes there too, as PROJECT.json (tests/summary.mjs
# and tests/hostile/report.ts read them).
vitest_project() {
  local project=$1 results=${2:-}
  if [ -n "$results" ]; then
    npx vitest run --project "$project" --reporter=default --reporter=json --outputFile.json="$results/$project.json"
  else
    npx vitest run --project "$project"
  fi
}
