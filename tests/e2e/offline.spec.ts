/**
 * Offline reload: the service worker (public/sw.js) keeps the board page and
 * the app shell, the browser keeps the board's document (y-indexeddb). A
 * board opened once reloads without a network, marked as offline; an edit
 * made then reaches the others on reconnect; logout erases every copy. The
 * others see the person leave their presence when the network goes.
 */
import { expect, test, type Page } from "@playwright/test";
import { column, keyboardMoveRight, login, openDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

/** The service worker controls the page and has kept this board page's document. */
async function boardPageKept(page: Page): Promise<void> {
  const path = new URL(page.url()).pathname;
  await expect
    .poll(
      () =>
        page.evaluate(async (path) => {
          if (!navigator.serviceWorker.controller) return "no controller";
          // caches.match with a name, not caches.open: opening a cache that was just deleted creates it again.
          for (const name of await caches.keys()) {
            if (await caches.match(new URL(path, location.origin).href, { cacheName: name })) return "kept";
          }
          return "not kept";
        }, path),
      { timeout: 15_000 },
    )
    .toBe("kept");
}

/**
 * The worker has also kept what a link to the list of boards needs offline: its
 * loader data and its route discovery. They come from the list page's own
 * request to keep (app/lib/offline.ts), not from the board page's, so the board
 * page being kept says nothing about them. Checked here, before going offline,
 * so that a list that was never kept fails by name instead of as "niet in deze
 * browser bewaard" at the click on "Borden" further down.
 */
async function boardListKept(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          const data = new URL("/boards", location.origin);
          data.searchParams.set("_data", "routes/boards._index");
          const wanted = [data.href];
          const version = (window as { __remixManifest?: { version?: string } }).__remixManifest?.version;
          if (version) {
            const discovery = new URL("/__manifest", location.origin);
            discovery.searchParams.append("p", "/boards");
            discovery.searchParams.set("version", version);
            wanted.push(discovery.href);
          }
          const names = await caches.keys();
          const missing: string[] = [];
          for (const url of wanted) {
            let found = false;
            for (const name of names) if (await caches.match(url, { cacheName: name })) found = true;
            if (!found) missing.push(new URL(url).pathname + new URL(url).search);
          }
          return missing;
        }),
      { timeout: 15_000 },
    )
    .toEqual([]);
}

async function offlineCopies(page: Page): Promise<{ caches: string[]; dbs: string[] }> {
  return page.evaluate(async () => ({
    caches: (await caches.keys()).filter((n) => n.startsWith("alliantiebord-")),
    dbs: (await indexedDB.databases()).map((d) => d.name ?? "").filter((n) => n.startsWith("alliantiebord:")),
  }));
}

async function keptUrls(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const urls: string[] = [];
    for (const name of await caches.keys()) for (const req of await (await caches.open(name)).keys()) urls.push(req.url);
    return urls;
  });
}

test("the list of boards is kept for offline use although the person left it before the service worker was active", async ({ browser }) => {
  // A slow first start of the worker (its registration held 3 s, as on a busy phone): the person is on a board by the time it is active.
  const context = await browser.newContext();
  await context.addInitScript(() => {
    const sw = navigator.serviceWorker;
    const register = sw.register.bind(sw);
    sw.register = (...args: Parameters<ServiceWorkerContainer["register"]>) => new Promise((r) => setTimeout(r, 3_000)).then(() => register(...args));
  });
  const page = await context.newPage();
  await login(page, server.url, "coordinator@ave.example");
  await openDemoBoard(page);
  expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
  await boardPageKept(page);
  // Before the fix the list page's request to keep named the board (read after the wait), and the list was never kept.
  await boardListKept(page);
  await context.close();
});

test("a board reloads offline from the browser's copy, an offline edit reaches another browser, logout erases the copies", async ({
  browser,
}) => {
  const a = await (await browser.newContext()).newPage();
  const cspErrors: string[] = [];
  a.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text());
  });
  await login(a, server.url, "coordinator@ave.example");
  await openDemoBoard(a);
  await boardPageKept(a);
  await boardListKept(a);
  const boardUrl = a.url();

  const card = column(a, "nieuw").locator("[data-card-id]").first();
  const id = (await card.getAttribute("data-card-id"))!;
  const title = (await card.locator(".card-title").textContent())!.trim();
  const cardCount = await a.locator("[data-card-id]").count();
  expect(cardCount).toBeGreaterThan(10);

  // Someone else on the board sees the coordinator present.
  const b = await (await browser.newContext()).newPage();
  await login(b, server.url, "taalhuis@ave.example");
  await openDemoBoard(b);
  const aAtB = b.getByTestId("presence").locator(".presence-person", { hasText: "Coördinator" });
  await expect(aAtB).toHaveCount(1);

  // No network at all: the coordinator leaves the others' presence within seconds
  // (the server's ping, SYNC_PING_MS, finds a connection that went silent).
  await a.context().setOffline(true);
  await expect(aAtB).toHaveCount(0, { timeout: 15_000 });

  // The reload is answered by the service worker.
  await a.reload();
  expect(a.url()).toBe(boardUrl);
  await expect(a.getByTestId("board")).toBeVisible();
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "offline");
  await expect(a.getByTestId("offline-note")).toBeVisible();
  await expect(a.getByTestId("presence")).toContainText("Niet verbonden");
  await expect(a.getByTestId(`card-${id}`)).toContainText(title);
  await expect(a.locator("[data-card-id]")).toHaveCount(cardCount);

  // The page runs (its scripts passed the cached page's CSP): the live copy is editable offline.
  const offlineCard = column(a, "nieuw").getByTestId(`card-${id}`);
  await keyboardMoveRight(a, offlineCard);
  await expect(column(a, "open").getByTestId(`card-${id}`)).toBeVisible();
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "offline");

  // The way there works offline too: the list of boards, and back to the board.
  await a.getByRole("link", { name: "Borden" }).first().click();
  await expect(a.getByRole("link", { name: /Hulpvragen Emmen/ })).toBeVisible();
  await a.getByRole("link", { name: /Hulpvragen Emmen/ }).click();
  await expect(column(a, "open").getByTestId(`card-${id}`)).toBeVisible();
  await expect(a.getByTestId("offline-note")).toBeVisible();

  // The other browser, online, still sees the card where it was.
  await expect(column(b, "nieuw").getByTestId(`card-${id}`)).toBeVisible();

  // Back online: the offline edit merges and reaches the other browser.
  await a.context().setOffline(false);
  await expect(a.getByTestId("connection-status")).toHaveAttribute("data-state", "connected", { timeout: 20_000 });
  await expect(column(b, "open").getByTestId(`card-${id}`)).toBeVisible({ timeout: 15_000 });
  await expect(a.getByTestId("offline-note")).toHaveCount(0);
  await expect(aAtB).toHaveCount(1);
  expect(cspErrors).toEqual([]);

  // What the worker keeps: build files, route discovery and the board pages, never an API answer.
  const kept = await keptUrls(a);
  expect(kept.length).toBeGreaterThan(5);
  for (const url of kept) expect(new URL(url).pathname).toMatch(/^\/(build\/|__manifest$|boards(\/[A-Za-z0-9_-]+)?$)/);

  // Before logout there are copies; after it, none.
  const before = await offlineCopies(a);
  expect(before.caches.length).toBeGreaterThan(0);
  expect(before.dbs.length).toBeGreaterThan(0);
  await a.getByRole("button", { name: "Uitloggen" }).click();
  await expect(a).toHaveURL(/\/login\?uitgelogd=1/);
  await expect.poll(() => offlineCopies(a), { timeout: 10_000 }).toEqual({ caches: [], dbs: [] });
  await expect
    .poll(() => a.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length), { timeout: 10_000 })
    .toBe(0);

  // And offline, the board is gone from this browser.
  await a.context().setOffline(true);
  const offlineAfterLogout = await a.goto(boardUrl).then(
    () => "loaded",
    () => "failed",
  );
  expect(offlineAfterLogout).toBe("failed");

  await a.context().close();
  await b.context().close();
});

// The first person's worker is still there when the second logs in: it must keep nothing of the
// second person's pages (the server names whose each page is) and drop its own, and the second
// person's worker must become active (Chromium left it waiting behind the first one; the page now
// asks it to activate until it is). Both failed in about 1 run of 4 before: no retries here.
test.describe("a shared browser", () => {
  test("someone else logging in on the same browser (no logout: the session just ended) finds nothing of the first person", async ({ browser }) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await login(page, server.url, "gemeente@ave.example");
    await openDemoBoard(page);
    await boardPageKept(page);
    const first = await offlineCopies(page);
    const firstUser = /^alliantiebord-(.+)-v\d+-/.exec(first.caches[0])![1];
    expect(first.dbs.some((d) => d.startsWith(`alliantiebord:${firstUser}:`))).toBe(true);

    // The session ends without a logout (expired, or the cookie removed); the next person logs in.
    await context.clearCookies();
    await login(page, server.url, "taalhuis@ave.example");
    await openDemoBoard(page);
    await boardPageKept(page);
    await expect
      .poll(async () => {
        const now = await offlineCopies(page);
        return [...now.caches, ...now.dbs].filter((n) => n.includes(firstUser));
      }, { timeout: 15_000 })
      .toEqual([]);
    const second = await offlineCopies(page);
    expect(second.caches.length).toBeGreaterThan(0);
    expect(second.dbs.length).toBeGreaterThan(0);
    await context.close();
  });
});
