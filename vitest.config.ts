import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const appDir = fileURLToPath(new URL("./app", import.meta.url));

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
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          // The hostile suite (npm run test:hostile): the real server attacked
          // from outside. Like integration: one fork, files one after the other.
          name: "hostile",
          include: ["tests/hostile/**/*.test.ts"],
          environment: "node",
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
