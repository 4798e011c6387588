import { defineConfig } from "@playwright/test";

/**
 * End-to-end tests drive Debian's Chromium (no browser download is possible
 * here). Each test file starts the real server itself on a free port with its
 * own SQLite file (tests/e2e/server.ts), so a test can restart it.
 */
export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  retries: process.env.CI ? 1 : 0,
  reporter: "list",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
    viewport: { width: 1400, height: 900 },
    locale: "nl-NL",
    trace: "retain-on-failure",
  },
});
