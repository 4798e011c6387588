/**
 * Benchmark: how long a board page with 2,000 cards takes to show a card that
 * someone else moved.
 *
 *   npx remix build            # the server serves the real Remix build
 *   npx tsx tests/bench/repaint.ts          # 30 timed moves
 *   npx tsx tests/bench/repaint.ts --quick  # 10 timed moves
 *
 * Starts the real server as a child process the way the end-to-end tests do
 * (tests/e2e/server.ts: its own migrated and seeded SQLite file, a free
 * port), adds a board of 2,000 requests to the demo alliance with the test
 * factories (the domain's addCard, rows in SQL), and opens that board in two
 * Chromium pages (A and B, two people). The mover is a third participant: a
 * y-websocket client in this process with its own session, which moves one
 * card at a time with the domain's moveCard, exactly as a browser does.
 *
 * Time of one move = from just before moveCard in this process to the first
 * animation frame in page B after the card's element appeared in its new
 * column (a MutationObserver on that column, then requestAnimationFrame).
 * The two clocks are aligned by round trips to page B (the sample with the
 * shortest round trip; its half round trip bounds the error, printed).
 *
 * After the timed moves a few more moves are made with a render counter in
 * page B (a React DevTools global hook installed before React loads): how
 * many components, and how many cards, rendered per move. Counting walks
 * the fiber tree at every commit, so it is kept out of the timed moves.
 */
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import WebSocket from "ws";
import { WebsocketProvider } from "y-websocket";
import * as Y from "yjs";
import { cardsInColumn, cardsMap, DEFAULT_CATEGORIES, DEFAULT_COLUMNS, getCard, moveCard } from "../../app/board/domain";
import { URGENCIES } from "../../app/board/types";
import { findUserForLogin, getUserById, listOrganisations } from "../../db/accounts";
import { asyncOf, openDatabase } from "../../db/client";
import { makeBoard, makeSessionCookie, type SeedCard } from "../factories";
import { startServer, type TestServer } from "../e2e/server";
import { seededRandom as random } from "../factories/random";
import { REMIX_BUILD } from "../../scripts/build-state.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const CARDS = 2_000;
const DAY = 86_400_000;
const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const MOVE_TIMEOUT_MS = 15_000;

export interface RepaintResult {
  cards: number;
  moves: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
  /** React components rendered in page B per remote move (counted moves, not timed). */
  renders_per_move?: number;
  /** Cards with at least one of their components rendered, per move (summed over commits). */
  card_renders_per_move?: number;
  /** React commits in page B per remote move. */
  commits_per_move?: number;
  /** Median time from the move to the update reaching page B's WebSocket (server and network). */
  arrival_p50_ms?: number;
  /** Median time in page B from the update's arrival to the next frame after the DOM change (page clock only). */
  page_p50_ms?: number;
  /** Page B's part at the 95th percentile. */
  page_p95_ms?: number;
  /** Half the shortest round trip used to align the clocks: the bound on the clock error. */
  clock_error_ms?: number;
}


const WORDS = "woning huurtoeslag taalmaatje taalcafé inburgering sollicitatiebrief stage maatje sportclub fiets vervoer kleding zorgverzekering huisarts school digid formulier cursus koffie wandelen".split(" ");
const AREAS = ["Angelslo", "Bargeres", "Emmerhout", "Rietlanden", "Centrum", "Klazienaveen", ""];

interface Fixture {
  boardId: string;
  cookies: { a: string; b: string; mover: string };
}

/** A board of CARDS requests in the demo alliance, written while the server is stopped. */
async function buildBoard(databaseUrl: string): Promise<Fixture> {
  const database = openDatabase(databaseUrl);
  try {
    const db = database.db;
    const userId = async (email: string) => {
      const row = await findUserForLogin(asyncOf(db), email);
      if (!row) throw new Error(`demo user ${email} is missing`);
      return row.id;
    };
    const coordinator = (await getUserById(asyncOf(db), await userId("coordinator@ave.example")))!;
    const orgs = await listOrganisations(asyncOf(db), coordinator.allianceId);
    const rnd = random(20260505);
    const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)];
    const now = Date.now();
    const held = (at: number) => ({ ownerOrg: pick(orgs).id, claimedAt: at, lastActivityAt: at });
    const cards: SeedCard[] = Array.from({ length: CARDS }, (_, i) => {
      // Evenly over the columns: 400 cards each.
      const column = DEFAULT_COLUMNS[i % DEFAULT_COLUMNS.length];
      return {
        title: `${pick(WORDS)} ${pick(WORDS)} ${i + 1}`,
        category: pick(DEFAULT_CATEGORIES).id,
        description: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`,
        area: pick(AREAS),
        urgency: pick(URGENCIES),
        column: column.id,
        createdByOrg: pick(orgs).id,
        createdAt: now - Math.floor(rnd() * 90 * DAY),
        // A request in a held column is held, as on a real board: the mover's move out of it releases it in SQL
        // (a release of a request nobody holds is undone, and the card never reaches the column page B watches);
        // claimed in the last week, so that no claim expires (after 14 days without activity) during the bench.
        ...(column.stage === "held" ? held(now - Math.floor(rnd() * 7 * DAY)) : {}),
      };
    });
    const board = await makeBoard(db, { allianceId: coordinator.allianceId, name: "Repaint bench", cards });
    return {
      boardId: board.id,
      cookies: {
        a: await makeSessionCookie(db, await userId("gemeente@ave.example")),
        b: await makeSessionCookie(db, await userId("vluchtelingenwerk@ave.example")),
        mover: await makeSessionCookie(db, coordinator.id),
      },
    };
  } finally {
    database.close();
  }
}

/** A `ws` class that sends the session cookie and the Origin, as a browser would. */
function webSocketWith(headers: Record<string, string>) {
  return class extends WebSocket {
    constructor(address: string | URL, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  };
}

interface Mover {
  doc: Y.Doc;
  provider: WebsocketProvider;
}

async function connectMover(server: TestServer, boardId: string, cookie: string): Promise<Mover> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(server.url.replace(/^http/, "ws") + "/yjs", boardId, doc, {
    WebSocketPolyfill: webSocketWith({ cookie, origin: server.url }) as never,
    disableBc: true,
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the mover did not sync")), 20_000);
    const onSync = (synced: boolean) => {
      if (!synced) return;
      clearTimeout(timer);
      provider.off("sync", onSync);
      resolve();
    };
    provider.on("sync", onSync);
  });
  if (cardsMap(doc).size !== CARDS) throw new Error(`the mover sees ${cardsMap(doc).size} cards, not ${CARDS}`);
  return { doc, provider };
}

/**
 * Installed in page B before any script: a WebSocket wrapper that notes when
 * each board update arrives, and a React DevTools global hook that
 * counts, while `__renderCounter.on`, the commits and the components that
 * rendered in them. A component rendered when its fiber is new or carries
 * React's PerformedWork flag; a subtree whose child list was not cloned in
 * this commit was not visited by React and is skipped.
 *
 * Plain JavaScript in a string: a function would be serialised after tsx
 * compiled it, with helper calls that do not exist in the page.
 */
const RENDER_COUNTER_SCRIPT = `(() => {
  const counter = { on: false, commits: 0, components: 0, cards: 0 };
  const COMPONENT_TAGS = new Set([0, 1, 11, 15]); // function, class, forwardRef, simple memo
  const PERFORMED_WORK = 1;
  function count(root) {
    const cards = new Set();
    const stack = [root.current];
    while (stack.length) {
      const f = stack.pop();
      if (COMPONENT_TAGS.has(f.tag) && (f.alternate === null || (f.flags & PERFORMED_WORK) !== 0)) {
        counter.components++;
        const p = f.memoizedProps;
        // A card is "rendered" when any component with that card as its prop rendered.
        if (p && typeof p === "object" && p.card && typeof p.card.id === "string") cards.add(p.card.id);
      }
      if (f.alternate !== null && f.alternate.child === f.child) continue;
      for (let c = f.child; c; c = c.sibling) stack.push(c);
    }
    counter.cards += cards.size;
  }
  // When a sync update of the board document arrives: y-websocket's message
  // type 0 (sync) with sub-type 2 (update).
  const updates = [];
  window.__yjsUpdates = updates;
  const NativeWebSocket = window.WebSocket;
  window.WebSocket = class extends NativeWebSocket {
    constructor(url, protocols) {
      super(url, protocols);
      if (!String(url).includes("/yjs")) return;
      this.addEventListener("message", (e) => {
        if (!(e.data instanceof ArrayBuffer) || e.data.byteLength < 2) return;
        const head = new Uint8Array(e.data, 0, 2);
        if (head[0] === 0 && head[1] === 2) {
          updates.push(performance.timeOrigin + performance.now());
          if (updates.length > 100) updates.shift();
        }
      });
    }
  };
  const renderers = new Map();
  window.__renderCounter = counter;
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    renderers,
    inject(renderer) { renderers.set(1, renderer); return 1; },
    onCommitFiberRoot(_id, root) {
      if (!counter.on) return;
      counter.commits++;
      count(root);
    },
    onPostCommitFiberRoot() {},
    onCommitFiberUnmount() {},
    checkDCE() {},
  };
})();`;

async function openBoard(browser: Browser, server: TestServer, boardId: string, cookie: string, counter: boolean) {
  const context: BrowserContext = await browser.newContext({ viewport: { width: 1400, height: 900 }, locale: "nl-NL" });
  const [name, value] = cookie.split("=");
  await context.addCookies([{ name, value, url: server.url }]);
  if (counter) await context.addInitScript({ content: RENDER_COUNTER_SCRIPT });
  const page = await context.newPage();
  const started = performance.now();
  await page.goto(`${server.url}/boards/${boardId}`);
  await page.waitForSelector('[data-testid="board"][data-live="true"]', { timeout: 60_000 });
  await page.waitForSelector('[data-testid="connection-status"][data-state="connected"]', { timeout: 60_000 });
  const count = await page.locator("[data-card-id]").count();
  if (count !== CARDS) throw new Error(`the page shows ${count} cards, not ${CARDS}`);
  return { context, page, seconds: (performance.now() - started) / 1000 };
}

const nodeNow = () => performance.timeOrigin + performance.now();

/**
 * The page's clock minus this process's clock, from the round trip with the
 * shortest duration (its half is the bound on the error).
 */
async function clockOffset(page: Page): Promise<{ offset: number; error: number }> {
  let best = { offset: 0, error: Infinity };
  for (let i = 0; i < 25; i++) {
    const t0 = nodeNow();
    const inPage = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = nodeNow();
    if ((t1 - t0) / 2 < best.error) best = { offset: inPage - (t0 + t1) / 2, error: (t1 - t0) / 2 };
  }
  return best;
}

/**
 * Arm page B for one move: resolves (in the page's clock) with the time the
 * update arrived, the time the card's element appeared in the column, and
 * the time of the next animation frame after that.
 */
async function armWatcher(page: Page, cardId: string, columnId: string) {
  await page.evaluate(
    ({ cardId, columnId, timeout }) => {
      const w = window as unknown as Record<string, unknown>;
      // The column's section itself: other elements name a column too (the phone's column tabs, a card's "move to" menu).
      const column = document.querySelector(`[data-testid="column-${CSS.escape(columnId)}"]`);
      if (!column) throw new Error(`no column ${columnId}`);
      const selector = `[data-card-id="${CSS.escape(cardId)}"]`;
      if (column.querySelector(selector)) throw new Error(`card ${cardId} is already in ${columnId}`);
      const armedAt = performance.timeOrigin + performance.now();
      const updates = (w.__yjsUpdates as number[] | undefined) ?? [];
      w.__repaint = new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          observer.disconnect();
          reject(new Error(`card ${cardId} did not appear in ${columnId}`));
        }, timeout);
        const observer = new MutationObserver(() => {
          if (!column.querySelector(selector)) return;
          const dom = performance.timeOrigin + performance.now();
          observer.disconnect();
          clearTimeout(timer);
          const arrived = updates.find((t) => t >= armedAt) ?? NaN;
          requestAnimationFrame(() => resolve({ arrived, dom, frame: performance.timeOrigin + performance.now() }));
        });
        observer.observe(column, { childList: true, subtree: true });
      });
    },
    { cardId, columnId, timeout: MOVE_TIMEOUT_MS },
  );
}

interface PageTimes {
  /** The board update reached the page's WebSocket. */
  arrived: number;
  /** The card's element is in its new column. */
  dom: number;
  /** The next animation frame after that. */
  frame: number;
}

function waitRepaint(page: Page): Promise<PageTimes> {
  return page.evaluate(() => (window as unknown as { __repaint: Promise<PageTimes> }).__repaint);
}

/** Move one random card to a random place in another column; resolves with page B's times (page clock). */
async function oneMove(mover: Mover, page: Page, rnd: () => number, ids: string[]) {
  const columns = DEFAULT_COLUMNS.map((c) => c.id);
  const id = ids[Math.floor(rnd() * ids.length)];
  const from = getCard(mover.doc, id)!.column;
  const others = columns.filter((c) => c !== from);
  const to = others[Math.floor(rnd() * others.length)];
  const index = Math.floor(rnd() * (cardsInColumn(mover.doc, to).length + 1));
  await armWatcher(page, id, to);
  const t0 = nodeNow();
  moveCard(mover.doc, id, to, index, Date.now());
  const times = await waitRepaint(page);
  return { t0, ...times };
}

function percentile(sorted: number[], p: number): number {
  // Nearest rank.
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

const round = (x: number) => Math.round(x * 10) / 10;
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runRepaintBench(opts: { quick: boolean }): Promise<RepaintResult> {
  const moves = opts.quick ? 10 : 30;
  const counted = opts.quick ? 3 : 5;
  const warmup = 3;
  if (!fs.existsSync(path.join(ROOT, REMIX_BUILD))) throw new Error(`${REMIX_BUILD} is missing: run \`npx remix build\` first`);

  console.log(`repaint bench: ${CARDS.toLocaleString("en")} cards, ${moves} timed moves (+${warmup} warm-up, +${counted} counted)`);
  let server: TestServer | null = null;
  let browser: Browser | null = null;
  let mover: Mover | null = null;
  try {
    // The e2e way: a migrated, seeded temporary database on a free port. Stopped
    // once so the bench board is written while nobody else has the file open.
    server = await startServer();
    await server.stop();
    const fx = await buildBoard(server.databaseUrl);
    await server.start();

    browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS });
    const a = await openBoard(browser, server, fx.boardId, fx.cookies.a, false);
    const b = await openBoard(browser, server, fx.boardId, fx.cookies.b, true);
    console.log(`  page A live in ${a.seconds.toFixed(1)} s, page B live in ${b.seconds.toFixed(1)} s`);
    mover = await connectMover(server, fx.boardId, fx.cookies.mover);
    const ids = [...cardsMap(mover.doc).keys()].sort();
    const rnd = random(7);

    const clock = await clockOffset(b.page);
    const latencies: number[] = [];
    const arrivals: number[] = [];
    const inPage: number[] = [];
    for (let i = 0; i < warmup + moves; i++) {
      const m = await oneMove(mover, b.page, rnd, ids);
      if (i >= warmup) {
        latencies.push(m.frame - clock.offset - m.t0);
        if (Number.isFinite(m.arrived)) {
          arrivals.push(m.arrived - clock.offset - m.t0);
          inPage.push(m.frame - m.arrived);
        }
      }
      // Let both pages settle (the server's activity row, page A's render) before the next move.
      await pause(250);
    }

    // Render counts, on separate moves (counting costs time itself).
    await b.page.evaluate(() => {
      const c = (window as unknown as { __renderCounter: { on: boolean; commits: number; components: number; cards: number } }).__renderCounter;
      Object.assign(c, { on: true, commits: 0, components: 0, cards: 0 });
    });
    for (let i = 0; i < counted; i++) {
      await oneMove(mover, b.page, rnd, ids);
      await pause(400);
    }
    const renders = await b.page.evaluate(() => {
      const c = (window as unknown as { __renderCounter: { on: boolean; commits: number; components: number; cards: number } }).__renderCounter;
      c.on = false;
      return { commits: c.commits, components: c.components, cards: c.cards };
    });

    const sorted = [...latencies].sort((x, y) => x - y);
    const byValue = (xs: number[]) => [...xs].sort((x, y) => x - y);
    const result: RepaintResult = {
      cards: CARDS,
      moves,
      p50_ms: round(percentile(sorted, 50)),
      p95_ms: round(percentile(sorted, 95)),
      max_ms: round(sorted[sorted.length - 1]),
      renders_per_move: round(renders.components / counted),
      card_renders_per_move: round(renders.cards / counted),
      commits_per_move: round(renders.commits / counted),
      arrival_p50_ms: arrivals.length ? round(percentile(byValue(arrivals), 50)) : undefined,
      page_p50_ms: inPage.length ? round(percentile(byValue(inPage), 50)) : undefined,
      page_p95_ms: inPage.length ? round(percentile(byValue(inPage), 95)) : undefined,
      clock_error_ms: round(clock.error),
    };
    console.log("");
    console.log("| remote move → next frame in page B | ms |");
    console.log("|---|--:|");
    console.log(`| p50 | ${result.p50_ms} |`);
    console.log(`| p95 | ${result.p95_ms} |`);
    console.log(`| max | ${result.max_ms} |`);
    console.log(`| of which: move → update reaches page B, p50 | ${result.arrival_p50_ms} |`);
    console.log(`| of which: update → next frame after the DOM change (page B only), p50 | ${result.page_p50_ms} |`);
    console.log(`| of which: update → next frame after the DOM change (page B only), p95 | ${result.page_p95_ms} |`);
    console.log("");
    console.log(
      `per move in page B (${counted} counted moves): ${result.renders_per_move} components rendered, ` +
        `${result.card_renders_per_move} cards re-rendered, in ${result.commits_per_move} commits`,
    );
    console.log(`clock alignment error ≤ ${result.clock_error_ms} ms; node ${process.version}, ${os.cpus()[0]?.model ?? "cpu?"} ×${os.cpus().length}`);
    return result;
  } finally {
    if (mover) {
      mover.provider.destroy();
      mover.doc.destroy();
    }
    if (browser) await browser.close();
    if (server) await server.cleanup();
  }
}

// Run directly: `npx tsx tests/bench/repaint.ts [--quick]`.
if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  runRepaintBench({ quick: process.argv.includes("--quick") }).then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
