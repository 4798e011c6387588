/**
 * What the Chromium parts of the hostile suite (csrf.spec.ts, xss.spec.ts)
 * share: reading the app through its own origin with a browser context's
 * session, and the check at a part's end that the server still answers.
 * Not a part itself (no `.spec.ts`): it reports nothing.
 */
import type { Page } from "@playwright/test";
import type { TestServer } from "../e2e/server";

export interface OwnOriginResult {
  status: number;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON (a page). */
  json: any;
}

/**
 * A request to the app from its own origin (the Origin header a page of the
 * app sends) with the cookies of the page's context: JSON, form fields, or
 * nothing (GET). Redirects are returned, not followed.
 */
export async function callFromOwnOrigin(
  page: Page,
  app: Pick<TestServer, "url">,
  path: string,
  o: { method?: string; json?: unknown; form?: Record<string, string> } = {},
): Promise<OwnOriginResult> {
  const res = await page.request.fetch(`${app.url}${path}`, {
    method: o.method ?? (o.json !== undefined || o.form ? "POST" : "GET"),
    headers: { origin: app.url, ...(o.json !== undefined ? { "content-type": "application/json" } : {}) },
    data: o.json !== undefined ? JSON.stringify(o.json) : undefined,
    form: o.form,
    maxRedirects: 0,
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status(), text, json };
}

/** At a part's end: the server must still answer; otherwise a crash is counted, with a note. */
export async function countCrashUnlessAlive(app: Pick<TestServer, "url">, figures: { crashes: number; notes: string[] }): Promise<void> {
  let alive = 0;
  try {
    alive = (await fetch(`${app.url}/login`)).status;
  } catch {
    /* counted below */
  }
  if (alive !== 200) {
    figures.crashes++;
    figures.notes.push(`the server stopped answering (GET /login → ${alive})`);
  }
}
