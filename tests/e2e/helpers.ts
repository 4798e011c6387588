import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import { expect, test, type Browser, type Locator, type Page, type WebSocketRoute } from "@playwright/test";
import { findUserForLogin, updateUserProfile } from "../../db/accounts";
import { openAppDatabase } from "../../db/client";
import { unsubscribeToken } from "../../db/notifications";
import { startServer, type StartOptions, type TestServer } from "./server";

export const PASSWORD = "alliantie-demo";

/** Where the specs write their screenshots: tests/e2e/screenshots/ (ignored by git). */
export const SCREENSHOTS = path.join(path.dirname(new URL(import.meta.url).pathname), "screenshots");

/**
 * The server of one spec file: registers the file's beforeAll that starts it
 * (startServer with `opts`) and the afterAll that kills it and removes its
 * folder, where it is called (at the top of the file, before hooks of the
 * file's own that use it). What it returns stands for that server in the
 * tests: its url and port, and stop()/start() for a test that restarts it.
 * Read before the beforeAll has run, it throws.
 */
export function serverForFile(opts: StartOptions = {}): TestServer {
  let server: TestServer | undefined;
  test.beforeAll(async () => {
    server = await startServer(opts);
  });
  test.afterAll(async () => {
    await server?.cleanup();
  });
  const started = (): TestServer => {
    if (!server) throw new Error("this file's server has not started (serverForFile's beforeAll has not run)");
    return server;
  };
  return {
    get url() {
      return started().url;
    },
    get port() {
      return started().port;
    },
    get databaseUrl() {
      return started().databaseUrl;
    },
    stop: (signal) => started().stop(signal),
    start: () => started().start(),
    cleanup: () => started().cleanup(),
  };
}

export async function login(page: Page, baseUrl: string, email: string) {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel("E-mailadres").fill(email);
  await page.getByLabel("Wachtwoord").fill(PASSWORD);
  await page.getByRole("button", { name: "Inloggen" }).click();
  await expect(page).toHaveURL(/\/boards$/);
}

/**
 * The page's socket.io (claims, referrals, comments) through Playwright: its
 * connection to the server opens only once `connectAfter` resolves (a slow
 * network: the board document syncs first), and what the server says is
 * left out where `drop` says so (news still on its way). `cut()` closes the
 * page's socket.io connections and refuses new ones until the function it
 * returns is called (the board document stays connected); `endByServer()`
 * sends the page socket.io's disconnect, as the server does after a role
 * change. Route before the first page: the pages of a board share one
 * socket.io connection.
 */
export async function routeSocketIo(page: Page, opts: { connectAfter?: Promise<void>; drop?: (fromServer: string | Buffer) => boolean } = {}) {
  const open = new Set<WebSocketRoute>();
  let refusing = false;
  await page.routeWebSocket(/\/socket\.io\//, async (ws) => {
    await opts.connectAfter;
    if (refusing) return void ws.close({ code: 1011 });
    const srv = ws.connectToServer();
    open.add(ws);
    ws.onMessage((m) => srv.send(m));
    srv.onMessage((m) => {
      if (!opts.drop?.(m)) ws.send(m);
    });
  });
  return {
    /** The server ends the page's socket.io sessions (as after a role change): a client never retries that by itself. */
    endByServer(): void {
      for (const ws of open) ws.send("41");
    },
    async cut(): Promise<() => void> {
      refusing = true;
      for (const ws of open) await ws.close({ code: 1011 });
      open.clear();
      return () => void (refusing = false);
    },
  };
}

/** A socket.io message of the server that says who holds a request now. */
export const ownerNews = (m: string | Buffer) => typeof m === "string" && m.includes('"request:owner"');

/** Open the demo board and wait until it is live (synced with the server). */
export async function openDemoBoard(page: Page) {
  await page.getByRole("link", { name: /Hulpvragen Emmen/ }).click();
  await expect(page.getByTestId("board")).toBeVisible();
  await expect(page.getByTestId("connection-status")).toHaveAttribute("data-state", "connected");
}

/** Two people, each in a browser of their own (a fresh context), logged in and live on the demo board. */
export async function twoOnDemoBoard(browser: Browser, baseUrl: string, emailA: string, emailB: string): Promise<[Page, Page]> {
  const [a, b] = await Promise.all([browser.newContext().then((c) => c.newPage()), browser.newContext().then((c) => c.newPage())]);
  await login(a, baseUrl, emailA);
  await login(b, baseUrl, emailB);
  await openDemoBoard(a);
  await openDemoBoard(b);
  return [a, b];
}

export async function seriousViolations(page: Page) {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
}

export function column(page: Page, id: string): Locator {
  return page.getByTestId(`column-${id}`);
}

export function cardIn(page: Page, columnId: string, cardId: string): Locator {
  return column(page, columnId).getByTestId(`card-${cardId}`);
}

/** The first card in a column that an organisation entered (by its short name): members move only their own requests. */
export function firstCardOf(page: Page, columnId: string, org: string): Locator {
  return column(page, columnId).locator("[data-card-id]").filter({ has: page.locator(".card-org", { hasText: new RegExp(`\\b${org}$`) }) }).first();
}

/**
 * Pick a card up with Space, move it one step with an arrow key, drop it.
 * Each key waits for the one before it to have been taken: dnd-kit's live
 * region says something new after each (picked up; over a column at a
 * position), as a screen reader user hears it. Fixed pauses between the keys
 * were once too short on a busy machine, the arrow arriving before the pick-up
 * had measured the columns.
 *
 * A pick-up says two things, one after the other: "opgepakt in kolom X", and
 * once the columns are measured "is boven kolom X, positie 1". And dnd-kit
 * listens for the arrow keys only from a timer after the pick-up. So the
 * arrow waits until the pick-up has said all it says (the same words twice,
 * 100 ms apart): an arrow pressed after the first sentence could be lost, and
 * the second sentence, coming anyway, looked like the arrow's answer; the
 * card was then dropped where it was (a fresh clone of 7a871ca, feedback.spec).
 */
export async function keyboardMove(page: Page, card: Locator, arrow: "ArrowRight" | "ArrowLeft" | "ArrowDown" | "ArrowUp") {
  // One live region per drag context (a board with swimlanes has one per lane), all at the end of the body.
  const said = async () => (await page.locator('[id^="DndLiveRegion"]').allTextContents()).join("\n");
  const press = async (key: string) => {
    const before = await said();
    await page.keyboard.press(key);
    await expect.poll(said).not.toBe(before);
  };
  /** Until the live regions have stopped changing. */
  const settled = async () => {
    let last = await said();
    for (let i = 0; i < 50; i++) {
      await page.waitForTimeout(100);
      const now = await said();
      if (now === last) return;
      last = now;
    }
    throw new Error(`dnd-kit's live regions kept changing: ${last}`);
  };
  await card.focus();
  await press("Space");
  await expect(card).toHaveAttribute("aria-pressed", "true");
  await settled();
  await press(arrow);
  await page.keyboard.press("Space");
}

/** The same, one column to the right. */
export function keyboardMoveRight(page: Page, card: Locator) {
  return keyboardMove(page, card, "ArrowRight");
}

/** The two screens every page must work on: a desktop and a phone (touch). */
export const SIZES = [
  { name: "desktop", viewport: { width: 1440, height: 900 }, isMobile: false, hasTouch: false },
  { name: "phone", viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true },
] as const;

/**
 * The page is no wider than the screen. Compared with the viewport's own
 * width: a phone browser zooms out to show a page that is too wide, and then
 * window.innerWidth grows with the page.
 */
export async function noSidewaysScroll(page: Page) {
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect.soft(scrollWidth, `${page.url()} scrolls sideways`).toBeLessThanOrEqual(page.viewportSize()!.width);
}

/** The board toolbar's rarer links (overview, since, look back, import/export, add column) sit behind "Meer": open it, then the link. */
export async function openFromMoreMenu(page: Page, testId: string) {
  const more = page.getByTestId("more-menu");
  if ((await more.getAttribute("aria-expanded")) !== "true") await more.click();
  await expect(more).toHaveAttribute("aria-expanded", "true");
  await page.getByTestId(testId).click();
}

/**
 * Wait until the page's scripts have taken over (app/root.tsx sets `data-hydrated` on <html>
 * once React hydrated the page). Before that a press is the browser's own form post, not
 * Remix's fetch: a test about what the page's scripts do with a POST waits for this first.
 */
export async function hydrated(page: Page) {
  await expect(page.locator("html[data-hydrated]")).toHaveCount(1);
}

/** Remix's fetch of a route's action (`?_data=<route id>`). */
export const remixPost = (routeId: string) => (url: URL) => url.searchParams.get("_data") === routeId;

/**
 * SIGKILL the server as the first POST that `matches` leaves the page (a
 * page's navigation or Remix's fetch), as in a restart, a crash or a drain
 * behind the proxy. Waits first until the page's scripts have taken over
 * (`hydrated`), but on a page that runs none (`{ scripts: false }`, the
 * front door): a press before that would be the browser's own post, which
 * `remixPost` does not match. `killed()` says whether that happened;
 * `told(text)` is what every press while the server is gone ends with: the
 * page is still there with the toast of an unanswered submission
 * (app/lib/unanswered.ts), no error page, and it was that POST the server
 * died on.
 */
export async function killServerOnPost(
  page: Page,
  server: TestServer,
  matches: (url: URL) => boolean,
  opts: { scripts?: boolean } = {},
): Promise<{ killed: () => boolean; told: (text?: RegExp | string) => Promise<void> }> {
  if (opts.scripts !== false) await hydrated(page);
  let done = false;
  await page.route(matches, async (route) => {
    if (!done && route.request().method() === "POST") {
      done = true;
      await server.stop("SIGKILL");
    }
    await route.fallback();
  });
  const killed = () => done;
  return {
    killed,
    async told(text = "De server gaf geen antwoord") {
      await expect(page.getByTestId("toast").filter({ hasText: text })).toBeVisible();
      await expect(page.getByText("Er ging iets mis")).toHaveCount(0);
      expect(killed(), "the server was killed as the form posted").toBe(true);
    },
  };
}

/** The unsubscribe link (`/afmelden/<token>`, comments) of a mail to the demo person `email`, whose account is first set to `locale`. */
export async function unsubscribeLinkFor(server: TestServer, email: string, locale: "nl" | "en"): Promise<string> {
  const database = await openAppDatabase(server.databaseUrl);
  try {
    const person = (await findUserForLogin(database.async, email))!;
    await updateUserProfile(database.async, person.id, { locale });
    return `${server.url}/afmelden/${await unsubscribeToken(database.async, person.id, "comment", Date.now())}`;
  } finally {
    await database.close();
  }
}
