import { defineConfig } from "@playwright/test";
import baseConfig from "../../playwright.config";

/**
 * The hostile suite's Chromium part (tests/hostile/*.spec.ts): the same
 * browser and launch options as the end-to-end tests (playwright.config.ts),
 * one worker, no retries (an attack that works once is a finding).
 */
export default defineConfig({
  ...baseConfig,
  testDir: ".",
  testMatch: "*.spec.ts",
  retries: 0,
  outputDir: "../.tmp/hostile-playwright",
});
