#!/usr/bin/env bash
# `npm run test:hostile`: the hostile suite. Runs the vitest project `hostile`
# (tests/hostile/**/*.test.ts) and beside it `hostile-postgres` (the same but kill.test.ts,
# on PostgreSQL + Redis with two servers behind a balancer), then the Chromium
# specs (tests/hostile/*.spec.ts), then prints one table from
# tests/.tmp/hostile/*.json (tests/hostile/report.ts).
#
#   bash tests/hostile/run.sh [results-dir] [--browser-only | --specs-only | --table-only]
#
# With a results dir (tests/run-all.sh passes its own) the test reports land
# there as hostile.json and hostile-postgres.json (vitest), hostile-e2e.json
# (Playwright) and hostile-report.json (the table's verdict) for tests/summary.mjs.
# --browser-only: the two vitest runs already ran (tests/run-all.sh runs them in
# its second lane, after the PostgreSQL integration run), their parts are in
# tests/.tmp/hostile: only the Chromium specs and the table. --specs-only: only
# the Chromium specs; --table-only: only the table (tests/run-all.sh runs the
# specs in its first lane, beside the second, and the table once both ended).
set -uo pipefail
cd "$(dirname "$0")/../.."
source tests/lib.sh
results="${1:-}"
mode="${2:-}"
case "$mode" in "" | --browser-only | --specs-only | --table-only) ;; *) echo "unknown option: $mode" >&2; exit 2 ;; esac
# Absolute: Playwright resolves a relative report path against its config's folder.
case "$results" in "" | /*) ;; *) results="$(pwd)/$results" ;; esac
status=0

if [ ! -f build/index.js ]; then npx remix build || exit 1; fi

if [ -z "$mode" ]; then
  rm -rf tests/.tmp/hostile && mkdir -p tests/.tmp/hostile

  # On SQLite, and side by side on PostgreSQL and two servers (vitest.config.ts "hostile-postgres"):
  # its parts report as <part>-postgres; its output follows.
  # The log is a temporary file, removed when the script ends.
  pglog=$(mktemp)
  beside_start "$pglog" 'rm -f "$pglog"' vitest_project hostile-postgres "$results"
  vitest_project hostile "$results" || status=1
  echo "--- hostile-postgres (ran beside the above) ---"
  beside_finish || status=1
fi

if [ "$mode" != --table-only ] && compgen -G "tests/hostile/*.spec.ts" >/dev/null; then
  if [ -n "$results" ]; then
    PLAYWRIGHT_JSON_OUTPUT_NAME="$results/hostile-e2e.json" npx playwright test -c tests/hostile/playwright.config.ts --reporter=list,json || status=1
  else
    npx playwright test -c tests/hostile/playwright.config.ts || status=1
  fi
fi

if [ "$mode" = --specs-only ]; then
  exit $status
elif [ -n "$results" ]; then
  node --import tsx tests/hostile/report.ts --postgres --status "$results/hostile-report.json" || status=1
else
  node --import tsx tests/hostile/report.ts --postgres || status=1
fi
exit $status
