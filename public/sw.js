/*
 * Alliantiebord's service worker: a board page reloads without a network.
 *
 * Plain JavaScript served as it is from the site root (/sw.js, scope "/"),
 * no build step and no library: it is small, and it must run outside the
 * app's bundle. Registered by app/lib/offline.ts as /sw.js?u=<user id> while
 * someone is logged in; a different person means a different worker, and a
 * worker keeps only its own person's caches (the others are deleted when it
 * activates). Logout erases every cache and unregisters it.
 *
 * What it keeps, and how:
 * - /build/ (the Remix build: hashed JS and CSS, immutable): cache first.
 * - /__manifest (Remix's route discovery): network first, cache fallback
 *   (offline: kept answers of the same build merged, when they cover the
 *   paths asked about).
 * - board pages /boards/<id> (the document) and their loader data
 *   (?_data=routes/boards.$boardId and ?_data=root), and the list of boards
 *   (/boards, ?_data=routes/boards._index): network first; the cached copy
 *   is served only when the network fails. The last few boards are kept. A
 *   refusal (401/403/404/410) or a redirect (session gone) deletes the
 *   page's copy.
 * - Nothing else: no /api/, no other page, nothing of another origin, no
 *   request but GET.
 *
 * Whose a page is: the server names the person a board page or its data
 * was made for (X-Alliantiebord-User). A worker keeps a page only when that
 * is its own person; a page made for someone else means another person is
 * logged in in this browser, and the worker retires: it drops its caches and
 * writes nothing more. A new person's worker says so to the others on a
 * BroadcastChannel when it activates, so writes still under way in the
 * previous person's worker end in nothing too.
 *
 * A cached page carries the Content-Security-Policy header it was served
 * with, whose nonce is the one on its inline scripts, so it still runs under
 * the strict CSP. The board's cards come from the browser's own copy of the
 * document (y-indexeddb), which the page opens as always.
 */
/* eslint-env serviceworker */

const VERSION = "v1";
const USER = new URL(self.location.href).searchParams.get("u") || "";
const PREFIX = "alliantiebord-";
const MINE = `${PREFIX}${USER}-${VERSION}-`;
const SHELL = `${MINE}shell`;
const PAGES = `${MINE}pages`;
/** The response header naming the person a page was made for (app/services/auth.server.ts OWNER_HEADER). */
const OWNER_HEADER = "X-Alliantiebord-User";
/** Workers of this site tell each other whose they are here. */
const CHANNEL = "alliantiebord-worker";
/** Set once another person is seen in this browser: this worker keeps nothing more. */
let retired = false;
/** Boards whose page and data are kept (the most recently visited). */
const MAX_BOARDS = 5;
/** Shell entries kept (a new build adds its files; the oldest go). */
const MAX_SHELL = 400;
/** A document or data request that takes longer than this is answered from the cache, when there is a copy. */
const NETWORK_TIMEOUT_MS = 8000;

const BOARD_PAGE = /^\/boards\/([A-Za-z0-9_-]{1,64})\/?$/;
/** The list of boards (/boards), kept beside them so the way to them works offline too. */
const BOARD_LIST = /^\/boards\/?$/;
const PAGE_DATA = new Set(["routes/boards.$boardId", "routes/boards._index", "root"]);

function keptPage(pathname) {
  return BOARD_PAGE.test(pathname) || BOARD_LIST.test(pathname);
}

self.addEventListener("install", () => {
  self.skipWaiting();
});

/** Only this person's caches of this version stay. */
async function dropOthers() {
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(PREFIX) && !n.startsWith(MINE)).map((n) => caches.delete(n)));
}

/** Another person is logged in here now: everything of this person goes, and stays gone. */
async function retire() {
  retired = true;
  const names = await caches.keys();
  await Promise.all(names.filter((n) => n.startsWith(MINE)).map((n) => caches.delete(n)));
}

let channel = null;
try {
  channel = new BroadcastChannel(CHANNEL);
  channel.onmessage = (event) => {
    const other = event.data && typeof event.data.user === "string" ? event.data.user : null;
    if (other !== null && other !== USER) void retire();
  };
} catch {
  /* no BroadcastChannel: the owner header and dropOthers still apply */
}

self.addEventListener("activate", (event) => {
  if (channel && USER) channel.postMessage({ user: USER });
  event.waitUntil(dropOthers().then(() => self.clients.claim()));
});

/** The cache key of a board request: the document by its path alone (filters in the query only rearrange it), data by path and route. */
function boardKey(url) {
  const data = url.searchParams.get("_data");
  const key = new URL(url.pathname.replace(/\/$/, ""), url.origin);
  if (data) key.searchParams.set("_data", data);
  return key.href;
}

/** The board a kept entry belongs to; null for the list of boards, which always stays. */
function boardIdOf(href) {
  const m = BOARD_PAGE.exec(new URL(href).pathname);
  return m ? m[1] : null;
}

/** Keep at most MAX_BOARDS boards: a board's recency is the position of its newest entry (keys come in insertion order). */
async function pruneBoards(cache) {
  const keys = await cache.keys();
  const order = [];
  for (const req of keys) {
    const id = boardIdOf(req.url);
    if (id === null) continue;
    const at = order.indexOf(id);
    if (at >= 0) order.splice(at, 1);
    order.push(id);
  }
  const drop = new Set(order.slice(0, Math.max(0, order.length - MAX_BOARDS)));
  await Promise.all(keys.filter((r) => boardIdOf(r.url) !== null && drop.has(boardIdOf(r.url))).map((r) => cache.delete(r)));
}

/** False once another person's worker is installing or active on this registration: this one writes nothing more. */
function current() {
  const r = self.registration;
  const newest = r.installing || r.waiting || r.active;
  return !newest || newest.scriptURL === self.location.href;
}

/** Whether a page's response was made for this worker's person; one made for someone else retires the worker. */
async function ours(response) {
  const owner = response.headers.get(OWNER_HEADER);
  if (owner === USER) return true;
  if (owner) await retire();
  return false;
}

/** A copy not kept is cancelled, not left unread. */
async function discard(response) {
  try {
    await response.body?.cancel();
  } catch {
    /* already gone */
  }
}

async function remember(cacheName, key, response) {
  if (retired || !current() || (cacheName === PAGES && !(await ours(response)))) return discard(response);
  const cache = await caches.open(cacheName);
  // Deleted first so the entry moves to the end (most recent).
  await cache.delete(key);
  await cache.put(key, response);
  if (cacheName === PAGES) await pruneBoards(cache);
  else {
    const keys = await cache.keys();
    const extra = keys.length - MAX_SHELL;
    for (let i = 0; i < extra; i++) await cache.delete(keys[i]);
  }
  // Someone else's worker arrived while this was written: it is not theirs to find.
  if (retired) await retire();
  else if (!current()) await caches.delete(cacheName);
}

function cacheable(response) {
  return response.status === 200 && response.type === "basic" && !response.redirected;
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error("network timeout")), ms);
    promise.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/** A kept copy, if any. Reads never open a cache: caches.open would create one, also a cache another person's worker just deleted. */
function kept(cacheName, key) {
  return caches.match(key, { cacheName });
}

async function forget(cacheName, key) {
  if (await caches.has(cacheName)) await (await caches.open(cacheName)).delete(key);
}

async function networkFirst(event, cacheName, key, forgetOnRefusal) {
  const copy = await kept(cacheName, key);
  const network = fetch(event.request);
  try {
    const response = await (copy ? withTimeout(network, NETWORK_TIMEOUT_MS) : network);
    if (cacheable(response)) {
      event.waitUntil(remember(cacheName, key, response.clone()));
    } else if (forgetOnRefusal && (response.type === "opaqueredirect" || [401, 403, 404, 410].includes(response.status))) {
      // Access gone, session ended, or board removed: its copy goes too.
      event.waitUntil(forget(cacheName, key));
    }
    return response;
  } catch (error) {
    if (copy) return copy;
    throw error;
  }
}

/**
 * Remix asks /__manifest?p=<paths>&version=<build> which routes the links on
 * a page lead to, and takes every path it asked about as known from then on.
 * Offline, with no copy for exactly these paths, the kept answers of the same
 * build are merged, but only when together they were asked about every one
 * of these paths; otherwise the request fails as it would without a worker
 * (an answer that left a path out would make that link a 404 until reload).
 */
async function routeManifest(event, url) {
  try {
    return await networkFirst(event, SHELL, url.href, false);
  } catch (error) {
    const version = url.searchParams.get("version");
    const wanted = new Set(url.searchParams.getAll("p"));
    if (!(await caches.has(SHELL))) throw error;
    const cache = await caches.open(SHELL);
    const routes = {};
    for (const req of await cache.keys()) {
      const u = new URL(req.url);
      if (u.pathname !== "/__manifest" || u.searchParams.get("version") !== version) continue;
      const paths = u.searchParams.getAll("p");
      if (!paths.some((p) => wanted.has(p))) continue;
      try {
        Object.assign(routes, await (await cache.match(req)).json());
        for (const p of paths) wanted.delete(p);
      } catch {
        /* not JSON: skipped */
      }
    }
    if (wanted.size > 0) throw error;
    return new Response(JSON.stringify(routes), { headers: { "Content-Type": "application/json" } });
  }
}

async function cacheFirst(event, key) {
  const copy = await kept(SHELL, key);
  if (copy) return copy;
  const response = await fetch(event.request);
  if (cacheable(response)) event.waitUntil(remember(SHELL, key, response.clone()));
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!USER || retired || request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (url.pathname.startsWith("/build/")) {
    event.respondWith(cacheFirst(event, url.origin + url.pathname));
    return;
  }
  if (url.pathname === "/__manifest") {
    event.respondWith(routeManifest(event, url));
    return;
  }
  if (!keptPage(url.pathname)) return;
  const data = url.searchParams.get("_data");
  if (data ? PAGE_DATA.has(data) : request.mode === "navigate") {
    event.respondWith(networkFirst(event, PAGES, boardKey(url), true));
  }
});

/**
 * A kept page younger than this is not fetched again for a "keep" message
 * (a reload keeps it anyway, on its way through). Its cards come from the
 * browser's own copy of the board, so an older page costs nothing but the
 * server's time to render a large board again.
 */
const KEEP_FRESH_MS = 60 * 60_000;

async function fresh(key) {
  const copy = await kept(PAGES, key);
  const date = copy && Date.parse(copy.headers.get("Date") || "");
  return !!date && Date.now() - date < KEEP_FRESH_MS;
}

/*
 * Messages from the page (app/lib/offline.ts):
 * - { type: "activate" }: skipWaiting again. Chromium can leave a new
 *   person's worker waiting behind the previous person's idle worker
 *   although it called skipWaiting when it installed; the page asks again
 *   until it is active.
 * - { type: "keep", urls, manifest: { version, paths } }: the page the
 *   person was on when it asked (and the list of boards, the way back from
 *   any page) and the build files it used, and the build's version with
 *   the paths whose route discovery to keep. A board page reached by a link inside the app never came through
 *   here as a document, and the first page was loaded before this worker
 *   existed: the board's document is fetched and kept (unless a recent copy
 *   is there), and build files not kept yet are.
 */
self.addEventListener("message", (event) => {
  const msg = event.data;
  if (msg && msg.type === "activate") {
    event.waitUntil(self.skipWaiting());
    return;
  }
  if (!USER || !msg || msg.type !== "keep" || !Array.isArray(msg.urls)) return;
  event.waitUntil(
    (async () => {
      // The previous person's worker may have written after this one started.
      await dropOthers();
      // Remix's answer about the routes of this page and of the list of boards,
      // asked path by path as Remix asks when a link is followed.
      const version = msg.manifest && typeof msg.manifest.version === "string" ? msg.manifest.version : null;
      const paths = version && Array.isArray(msg.manifest.paths) ? msg.manifest.paths.slice(0, 4).map(String) : [];
      for (const path of paths) {
        if (!keptPage(path)) continue;
        const url = new URL("/__manifest", self.location.origin);
        url.searchParams.append("p", path);
        url.searchParams.set("version", version);
        try {
          if (await kept(SHELL, url.href)) continue;
          const response = await fetch(url.href, { credentials: "same-origin" });
          if (cacheable(response)) await remember(SHELL, url.href, response);
        } catch {
          /* offline again */
        }
      }
      for (const raw of msg.urls.slice(0, 200)) {
        let url;
        try {
          url = new URL(String(raw), self.location.origin);
        } catch {
          continue;
        }
        if (url.origin !== self.location.origin) continue;
        try {
          if (url.pathname.startsWith("/build/")) {
            const key = url.origin + url.pathname;
            if (await kept(SHELL, key)) continue;
            const response = await fetch(key, { credentials: "same-origin" });
            if (cacheable(response)) await remember(SHELL, key, response);
          } else if (keptPage(url.pathname) && !url.searchParams.has("_data")) {
            const key = boardKey(url);
            if (!(await fresh(key))) {
              const response = await fetch(key, { credentials: "same-origin", headers: { Accept: "text/html" } });
              if (cacheable(response)) await remember(PAGES, key, response);
            }
            // The page's loader data, for a link to it from another kept page
            // (a visit inside the app keeps it on its way; this is for a page
            // reached before the worker was there).
            const dataUrl = new URL(key);
            dataUrl.searchParams.set("_data", BOARD_LIST.test(url.pathname) ? "routes/boards._index" : "routes/boards.$boardId");
            if (!(await kept(PAGES, dataUrl.href))) {
              const response = await fetch(dataUrl.href, { credentials: "same-origin" });
              if (cacheable(response)) await remember(PAGES, dataUrl.href, response);
            }
          }
        } catch {
          /* offline again: kept next time */
        }
      }
    })(),
  );
});
