/**
 * The vitest project "postgres" (the integration suite a second time, on
 * PostgreSQL and Redis with two app servers): ONE real PostgreSQL for the
 * whole run (./postgres.ts), its admin URL handed to the test files
 * (`inject("postgresUrl")`; tests/integration/harness.ts makes a database
 * of its own per test server), stopped and removed at the end.
 */
import type { TestProject } from "vitest/node";
import { start } from "./postgres";

declare module "vitest" {
  export interface ProvidedContext {
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const pg = await start();
  project.provide("postgresUrl", pg.url);
  return () => pg.stop();
}
