/**
 * The browser's offline copies: the service worker (public/sw.js) that keeps
 * the app shell and the last board pages, and the y-indexeddb documents of
 * the boards (app/lib/sync-client.ts). Both belong to one person: the worker
 * is registered per person (/sw.js?u=<user id>) and keeps only that person's
 * caches; another person's documents are erased as soon as someone else is
 * logged in; logout erases everything.
 */
import { LOCAL_DB_PREFIX, eraseLocalBoards } from "./sync-client";

/** Every cache of the worker starts with this (public/sw.js PREFIX). */
export const OFFLINE_CACHE_PREFIX = "alliantiebord-";
export const SW_PATH = "/sw.js";

function supported(): boolean {
  return typeof navigator !== "undefined" && "serviceWorker" in navigator && typeof caches !== "undefined";
}

let registered: { userId: string; worker: Promise<ServiceWorker | null> } | null = null;

/** Register the worker for this person, once per page (later calls reuse it). */
function workerFor(userId: string): Promise<ServiceWorker | null> {
  if (registered?.userId === userId) return registered.worker;
  const scriptUrl = `${SW_PATH}?u=${encodeURIComponent(userId)}`;
  const worker = navigator.serviceWorker
    .register(scriptUrl, { scope: "/", updateViaCache: "none" })
    // The newest worker: a person's new worker installs while the previous person's still runs.
    .then((registration) => untilActive(registration.installing ?? registration.waiting ?? registration.active))
    .then((w) => (w && new URL(w.scriptURL).searchParams.get("u") === userId ? w : null))
    .catch(() => null); // no worker (private mode, an old browser): the board still works online
  registered = { userId, worker };
  return worker;
}

/**
 * Called on every page a person opens: registers their worker and hands it
 * the page and the build files the page uses. The worker keeps what a board
 * page needs (it fetches the document itself when it has no recent copy: a
 * board opened by a link inside the app never passed through it as a
 * document) and ignores the rest.
 */
export async function keepOffline(userId: string): Promise<void> {
  // What this page is, read now: the worker may take a while to become active
  // (its first start), and by then the person may be on another page, whose
  // own call keeps that one. Read after the wait, the list of boards visited
  // just before a board was never kept, and the way back to it failed offline.
  // The list goes along from every page too: the way back from any kept page.
  const urls = pageResources();
  const list = new URL("/boards", window.location.origin).href;
  if (!urls.includes(list)) urls.push(list);
  const version = (window as { __remixManifest?: { version?: string } }).__remixManifest?.version;
  // Route discovery for this page and the list of boards, so a link to either works offline.
  const manifest = version ? { version, paths: [...new Set([window.location.pathname, "/boards"])] } : undefined;
  await eraseOtherPeoplesBoards(userId);
  if (!supported()) return;
  const worker = await workerFor(userId);
  // The previous person's worker may still have written to its caches after
  // this person's worker deleted them when it started.
  if (worker) {
    const mine = `${OFFLINE_CACHE_PREFIX}${userId}-`;
    const names = await caches.keys();
    await Promise.all(names.filter((n) => n.startsWith(OFFLINE_CACHE_PREFIX) && !n.startsWith(mine)).map((n) => caches.delete(n)));
  }
  worker?.postMessage({ type: "keep", urls, manifest });
}

/** The worker once it is active; null if it never becomes so. */
function untilActive(worker: ServiceWorker | null): Promise<ServiceWorker | null> {
  return new Promise((resolve) => {
    if (!worker || worker.state === "activated") return resolve(worker);
    // Chromium can leave a waiting worker waiting after the previous person's worker went idle,
    // although it called skipWaiting when it installed: asking it again activates it.
    const nudge = setInterval(() => {
      if (worker.state === "installed") worker.postMessage({ type: "activate" });
    }, 1000);
    const done = () => {
      if (worker.state === "activated") resolve(worker);
      else if (worker.state === "redundant") resolve(null);
      else return;
      clearInterval(nudge);
      worker.removeEventListener("statechange", done);
    };
    worker.addEventListener("statechange", done);
  });
}

/** This page's URL and the build files it loaded (scripts, styles, route modules). */
function pageResources(): string[] {
  const urls = new Set<string>([window.location.href]);
  for (const el of document.querySelectorAll<HTMLScriptElement | HTMLLinkElement>("script[src], link[href]")) {
    const href = "src" in el && el.src ? el.src : (el as HTMLLinkElement).href;
    if (href) urls.add(href);
  }
  for (const entry of performance.getEntriesByType("resource")) urls.add(entry.name);
  return [...urls].filter((u) => {
    try {
      const url = new URL(u);
      return url.origin === window.location.origin && (url.pathname.startsWith("/build/") || u === window.location.href);
    } catch {
      return false;
    }
  });
}

/** Offline documents of anyone but this person (a shared computer where someone did not log out). */
async function eraseOtherPeoplesBoards(userId: string): Promise<void> {
  if (typeof indexedDB === "undefined" || typeof indexedDB.databases !== "function") return;
  const mine = `${LOCAL_DB_PREFIX}${userId}:`;
  const dbs = await indexedDB.databases();
  await Promise.all(
    dbs
      .filter((d) => d.name?.startsWith(LOCAL_DB_PREFIX) && !d.name.startsWith(mine))
      .map(
        (d) =>
          new Promise<void>((resolve) => {
            const req = indexedDB.deleteDatabase(d.name!);
            req.onsuccess = req.onerror = req.onblocked = () => resolve();
          }),
      ),
  );
}

/**
 * Logout: erase every offline copy in this browser, the worker's caches and
 * the boards' documents, and unregister the worker. (The logout response asks
 * the browser for the same with Clear-Site-Data; this covers browsers that
 * do not know it.)
 */
export async function eraseOffline(): Promise<void> {
  const work: Promise<unknown>[] = [eraseLocalBoards()];
  if (typeof caches !== "undefined") {
    work.push(caches.keys().then((names) => Promise.all(names.filter((n) => n.startsWith(OFFLINE_CACHE_PREFIX)).map((n) => caches.delete(n)))));
  }
  if (supported()) {
    work.push(
      navigator.serviceWorker
        .getRegistrations()
        .then((regs) => Promise.all(regs.map((r) => r.unregister()))),
    );
  }
  await Promise.all(work.map((p) => p.catch(() => undefined)));
}
