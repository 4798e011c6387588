#!/usr/bin/env bash
# `npm test`: install what the tests need, then run every layer against real
# parts (SQLite file, the server on a free port, real clients, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/lib.sh
export CI="${CI:-}"
results=tests/.tmp/results
rm -rf "$results" && mkdir -p "$results"

step() { printf '\n\033[1m== %s\033[0m  (%s, %d min %02d s in)\n' "$*" "$(date +%T)" $((SECONDS / 60)) $((SECONDS % 60)); }

# 1. Node packages: install when missing or when the lockfile changed.
stamp=node_modules/.alliantiebord-lock
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$want" > "$stamp"
fi

# 2. Debian's packages the tests run (no browser or binary download is possible here):
#    Chromium's headless shell runs the end-to-end tests (playwright.config.ts), the full
#    browser the repaint bench; postgresql and redis-server the PostgreSQL and Redis layers.
#    Installed here, before layers run side by side: tests/infra/ installs each on first use
#    too, and two runs doing so at once would meet apt's lock. apt never waits for a terminal
#    (stdin closed, sudo -n), waits at most 5 minutes for another apt's lock, and gives up after 15.
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromium-headless-shell ] || need+=(chromium-headless-shell)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
if [ ${#need[@]} -gt 0 ]; then
  step "apt-get install ${need[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "no apt-get here: install ${need[*]} by hand (Chromium at /usr/bin/chromium)" >&2
  else
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
    timeout 900 $SUDO apt-get update -qq -o DPkg::Lock::Timeout=300 </dev/null
    DEBIAN_FRONTEND=noninteractive timeout 900 $SUDO apt-get install -y -qq -o DPkg::Lock::Timeout=300 "${need[@]}" </dev/null >/dev/null
  fi
fi

# The type check (one core, about 35 s) beside the build and the unit tests: a type error still
# ends the run before any other layer.
step "typecheck (beside it: the build, then the unit tests)"
beside_start "$results/typecheck.log" "" npx tsc --noEmit

step "build"
npx remix build
npx tsx scripts/build-server.ts

status=0
step "unit tests"
vitest_project unit "$results" || status=1

step "typecheck (ran beside the build and the unit tests; its output)"
if ! beside_finish; then
  echo "type errors: the other layers do not run" >&2
  exit 1
fi

# Two lanes side by side:
#   1. the integration files on SQLite: project "integration" (one fork, files
#      one after the other, the issue-16 files included);
#   2. the same on PostgreSQL and Redis with two app servers behind a
#      round-robin balancer: project "postgres" (tests/integration/harness.ts:
#      the same files but those about SQLite's file itself and the issue-16
#      files, which run on both already); then the hostile files (the real
#      server attacked from outside, tests/hostile/README.md) on PostgreSQL
#      ("hostile-postgres") and on SQLite ("hostile").
# Each keeps to its own ports, temporary folders and databases; alone, each
# run leaves about half of two cores idle (waiting on servers, sockets,
# fsync), so the lanes fill each other's waits. One after the other, each
# pair's end left a core half idle (vmstat over a fresh-clone run: 26 % and
# 20 % idle in those steps, against 3 % in end to end). Measured lengths
# (fresh clone, 2026-12-06): integration 8.6 min, postgres 4.6, hostile on
# PostgreSQL 3.0, hostile on SQLite 1.6, so the second lane, the longer
# list, ended about when the first did (the balancer without Nagle since:
# hostile on PostgreSQL about 1 min alone, tests/README.md). The first then runs the hostile
# suite's Chromium specs (about 50 s; fresh clone 2026-12-06: the first lane
# 9.0 min, the second 9.7), the table of every hostile part follows once both
# lanes ended. The second lane's output follows the first's.
rm -rf tests/.tmp/hostile && mkdir -p tests/.tmp/hostile
step "integration tests on SQLite (beside them: on PostgreSQL and Redis with two app servers, then the hostile suite's files)"
beside_start "$results/lane2.log" "" bash -c '
  source tests/lib.sh
  s=0
  vitest_project postgres "$1" || s=1
  echo "--- hostile-postgres ---"
  vitest_project hostile-postgres "$1" || s=1
  echo "--- hostile ---"
  vitest_project hostile "$1" || s=1
  exit $s' lane2 "$results"
vitest_project integration "$results" || status=1
step "hostile suite: the Chromium specs (the second lane still beside them)"
bash tests/hostile/run.sh "$results" --specs-only || status=1
step "integration tests on PostgreSQL and Redis, two app servers, then the hostile files on both engines (ran beside the above; their output)"
beside_finish || status=1

step "hostile suite: the table"
# Its vitest parts ran in the second lane (tests/.tmp/hostile), its Chromium specs in the first.
bash tests/hostile/run.sh "$results" --table-only || status=1

step "end-to-end tests (Chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/e2e.json" npx playwright test --reporter=list,json || status=1

step "summary"
node tests/summary.mjs "$results"
exit $status
