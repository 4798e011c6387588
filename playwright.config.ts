import fs from "node:fs";
import { defineConfig } from "@playwright/test";

/**
 * Debian's headless shell of the same Chromium (package chromium-headless-shell, the
 * build Playwright itself runs headless tests in): the same Blink and V8 without the
 * full browser around them, about a sixth less time per test here. `npm test` installs
 * it with chromium; without it the full browser runs headless.
 */
const HEADLESS_SHELL = "/usr/bin/chromium-headless-shell";
export const CHROMIUM = fs.existsSync(HEADLESS_SHELL) ? HEADLESS_SHELL : "/usr/bin/chromium";

/**
 * End-to-end tests drive Debian's Chromium (no browser download is possible
 * here). Each test file starts the real server itself on a free port with its
 * own SQLite file (tests/e2e/server.ts), so a test can restart it. Two
 * workers run two files at a time (the tests of a file stay in order, one
 * after the other): a file keeps to its own server, port, database copy,
 * SMTP inbox, redis-server and screenshot names, and each worker makes its
 * own seeded template. Under other load 2 workers took 19–20 min where 1
 * took an estimated 36; in a fresh-clone CI on a quiet 2-core machine they
 * took 17.7 min (106 tests) in the full browser and 12.8 min (109 tests) in
 * the headless shell, and 9.4 min (117 tests) once no trace was recorded
 * (below; 14.0–14.7 min for 116 tests with it): the browsers and servers of
 * two files keep both cores busy (3 % idle), so more workers gain little.
 */
export default defineConfig({
  testDir: "tests/e2e",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 2,
  retries: process.env.CI ? 1 : 0,
  reporter: "list",
  use: {
    browserName: "chromium",
    launchOptions: {
      executablePath: CHROMIUM,
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
    // A failing test leaves its error-context.md (the page's accessibility tree at the failure) and a
    // screenshot in test-results/. A trace is recorded only when asked for (E2E_TRACE=retain-on-failure,
    // or "on"): recorded for every test and thrown away when it passes, it cost about a tenth of the
    // layer's CPU (board.spec + live.spec, one worker: 81-86 s of CPU with it, 61-74 s without) and
    // a third of its time in a fresh clone (14.0-14.7 min with it, 9.4 without).
    trace: (process.env.E2E_TRACE as "on" | "off" | "retain-on-failure" | undefined) ?? "off",
    screenshot: "only-on-failure",
  },
});
