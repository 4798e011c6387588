import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const appDir = fileURLToPath(new URL("./app", import.meta.url));

/**
 * The integration files of issue 16 (several servers, Redis, PostgreSQL):
 * part of project "integration" like every other file, and project "cluster"
 * on their own (`npx vitest run --project cluster tests/integration/<file>`).
 * Always name a project: a bare `vitest run` would run these files twice.
 */
const CLUSTER_FILES = [
  "tests/integration/cluster.test.ts",
  "tests/integration/cluster-limits.test.ts",
  "tests/integration/cluster-limit-trips.test.ts",
  "tests/integration/cluster-limit-restore.test.ts",
  "tests/integration/cluster-relay-close.test.ts",
  "tests/integration/cluster-scrub.test.ts",
  "tests/integration/cluster-sync.test.ts",
  "tests/integration/cluster-sockets.test.ts",
  "tests/integration/async-db.test.ts",
  "tests/integration/pg-schema.test.ts",
  "tests/integration/pg-requests.test.ts",
  "tests/integration/health.test.ts",
  "tests/integration/drain.test.ts",
  "tests/integration/redis-outage.test.ts",
  "tests/integration/cluster-once.test.ts",
  "tests/integration/migrate-to-postgres.test.ts",
  "tests/integration/pg-privacy.test.ts",
  "tests/integration/pg-meetings.test.ts",
  "tests/integration/pg-teams.test.ts",
  "tests/integration/pg-rooms.test.ts",
  "tests/integration/pg-accounts.test.ts",
  "tests/integration/pg-server.test.ts",
  "tests/integration/pg-import.test.ts",
  "tests/integration/pg-rebuild.test.ts",
  "tests/integration/pg-holders.test.ts",
  "tests/integration/pg-accounts2.test.ts",
  "tests/integration/cluster-presence.test.ts",
  "tests/integration/cluster-bells.test.ts",
  "tests/integration/pg-storage-worker.test.ts",
];

/**
 * Integration files that are about SQLite's file itself, and so stay out of
 * the "postgres" project (each says why).
 */
const SQLITE_ONLY_FILES: string[] = [
  // npm run alliance on SQLite files of its own (on PostgreSQL: pg-server.test.ts).
  "tests/integration/alliance-cli.test.ts",
  // SQLite files of the first release upgraded in place.
  "tests/integration/upgrade.test.ts",
  // npm run backup / restore copy SQLite's file; on PostgreSQL they refuse (pg-server.test.ts) and pg_dump is the way.
  "tests/integration/backup.test.ts",
  // SQLite's storage worker (compactions and checkpoints on a connection of its own); PostgreSQL compacts in its own transactions.
  "tests/integration/storage-worker.test.ts",
];

/** Files one after the other in one forked process (real servers, ports, one database at a time). */
const ONE_FORK = { environment: "node", pool: "forks", poolOptions: { forks: { singleFork: true } } } as const;
/** Every test server two app servers on PostgreSQL and Redis behind a balancer (tests/integration/harness.ts, TEST_ENGINE), one PostgreSQL for the run. */
const ON_POSTGRES = { env: { TEST_ENGINE: "postgres" }, globalSetup: ["tests/infra/pg-global-setup.ts"] };

export default defineConfig({
  resolve: {
    alias: { "~": appDir },
  },
  test: {
    projects: [
      {
        // `extends: true` makes the project inherit the root config (the `~` alias).
        extends: true,
        test: {
          name: "unit",
          include: ["tests/unit/**/*.test.ts"],
          environment: "node",
          // The convergence runs are CPU-bound: generous on a loaded 2-core machine.
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          environment: "node",
          pool: "forks",
          // Integration test files must run one after the other (they share a
          // server port and a database directory). `fileParallelism` is a
          // root-only option in vitest 3.2 (it is ignored and rejected by the
          // types inside a project), so the per-project equivalent is used:
          // one fork that runs the files sequentially.
          // Its heap after gc stays near 200 MB over the run (tests/README.md).
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The issue-16 files alone (they are in "integration" too): several
          // app servers in one process, a real redis-server and PostgreSQL on
          // loopback, the drain of a spawned server.
          name: "cluster",
          include: CLUSTER_FILES,
          ...ONE_FORK,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The integration suite a second time, on PostgreSQL and Redis: every
          // test server is two app servers on a PostgreSQL database of its own
          // with a redis-server of their own, behind a round-robin balancer
          // (tests/integration/harness.ts, TEST_ENGINE). One PostgreSQL for
          // the run (tests/infra/pg-global-setup.ts).
          name: "postgres",
          include: ["tests/integration/**/*.test.ts"],
          // The issue-16 files run on both engines already, but the drain (spawned servers on the test database).
          exclude: [...CLUSTER_FILES.filter((f) => f !== "tests/integration/drain.test.ts"), ...SQLITE_ONLY_FILES],
          ...ON_POSTGRES,
          ...ONE_FORK,
          testTimeout: 90_000,
          hookTimeout: 90_000,
        },
      },
      {
        extends: true,
        test: {
          // The hostile suite (npm run test:hostile): the real server attacked
          // from outside. Like integration: one fork, files one after the other.
          name: "hostile",
          include: ["tests/hostile/**/*.test.ts"],
          ...ONE_FORK,
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The hostile suite a second time, on PostgreSQL and Redis (run.sh runs it after "hostile"):
          // as in "postgres", every test server is two app servers behind a round-robin balancer, so
          // each attack lands on one or the other. Its parts report as <part>-postgres (results.ts).
          name: "hostile-postgres",
          include: ["tests/hostile/**/*.test.ts"],
          // kill -9 of a server on a SQLite file of its own (SQLITE_ONLY_PARTS in tests/hostile/results.ts;
          // on PostgreSQL: pg-server.test.ts kills one of two servers).
          exclude: ["tests/hostile/kill.test.ts"],
          ...ON_POSTGRES,
          ...ONE_FORK,
          testTimeout: 180_000,
          hookTimeout: 90_000,
        },
      },
    ],
  },
});
