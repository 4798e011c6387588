/**
 * What the browser needs from the server for the offline copy: the service
 * worker script revalidated on every check and allowed to control the whole
 * site, under the same CSP; and a logout that asks the browser to erase the
 * site's caches and storage (the worker, its caches, the boards' documents).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { postForm, startTestServer, type TestServer } from "./harness";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.close();
});

describe("offline copy: server side", () => {
  it("serves /sw.js as JavaScript with no-cache, Service-Worker-Allowed: / and the CSP that allows it as a worker", async () => {
    const res = await fetch(`${t.url}/sw.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/javascript/);
    expect(res.headers.get("cache-control")).toBe("no-cache");
    expect(res.headers.get("service-worker-allowed")).toBe("/");
    expect(res.headers.get("content-security-policy")).toContain("worker-src 'self'");
    const body = await res.text();
    // It never answers /api/ or anything but GET.
    expect(body).toContain('request.method !== "GET"');
    // Other static files keep their own caching.
    const icon = await fetch(`${t.url}/favicon.svg`);
    expect(icon.headers.get("cache-control")).toMatch(/max-age=3600/);
    expect(icon.headers.get("service-worker-allowed")).toBeNull();
  });

  it("logout answers with Clear-Site-Data for caches and storage", async () => {
    const cookie = await t.cookieFor(t.seed.memberA1.id);
    const res = await postForm(t.url, "/logout", {}, { cookie });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/login?uitgelogd=1");
    expect(res.headers.get("clear-site-data")).toBe('"cache", "storage"');
  });
});
