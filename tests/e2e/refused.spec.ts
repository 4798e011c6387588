/**
 * The browser's "refused" state, end to end.
 *
 * The refusal comes from where it does in real life: this browser's own
 * offline copy (y-indexeddb) holds an edit the server will not take, here a
 * 121-character title (the field rules allow 120). The test writes that edit
 * into the page's IndexedDB from inside the page, as the app itself would
 * have stored it, and reloads: the page sends it, the server closes the
 * connection with 4422, and reconnecting would only send it again. The page
 * says so and offers one way out, which must drop this browser's copy, load
 * the server's, and leave a board that works.
 */
import { expect, test, type Page } from "@playwright/test";
import * as Y from "yjs";
import { getCard, updateCard } from "../../app/board/domain";
import { LIMITS } from "../../app/board/validate";
import { cardIn, column, keyboardMoveRight, twoOnDemoBoard, serverForFile } from "./helpers";

const server = serverForFile();

/** Records the close code of every WebSocket the page opens (Playwright does not report it). */
function recordCloseCodes() {
  const Native = window.WebSocket;
  const codes: number[] = [];
  (window as unknown as { __closeCodes: number[] }).__closeCodes = codes;
  window.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      if (String(url).includes("/yjs/")) this.addEventListener("close", (e) => codes.push(e.code));
    }
  };
}

const closeCodes = (page: Page) => page.evaluate(() => (window as unknown as { __closeCodes: number[] }).__closeCodes);

function boardIdOf(page: Page): string {
  return /\/boards\/([^/?#]+)/.exec(page.url())![1];
}

/**
 * The updates in this page's offline copy of the board, read from IndexedDB
 * inside the page (the y-indexeddb store "updates" of the database named
 * `alliantiebord:<user>:<board>`).
 */
async function offlineCopy(page: Page): Promise<Y.Doc> {
  const boardId = boardIdOf(page);
  const updates = await page.evaluate(async (boardId) => {
    const name = (await indexedDB.databases()).map((d) => d.name!).find((n) => n.startsWith("alliantiebord:") && n.endsWith(`:${boardId}`));
    if (!name) return [];
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = await new Promise<Uint8Array[]>((resolve, reject) => {
      const req = db.transaction("updates", "readonly").objectStore("updates").getAll();
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    db.close();
    return all.map((u) => Array.from(u));
  }, boardId);
  const doc = new Y.Doc();
  for (const u of updates) Y.applyUpdate(doc, new Uint8Array(u));
  return doc;
}

/** Append one update to the page's offline copy, as y-indexeddb stores an edit made in the page. */
async function storeInOfflineCopy(page: Page, update: Uint8Array) {
  await page.evaluate(
    async ({ boardId, update }) => {
      const name = (await indexedDB.databases()).map((d) => d.name!).find((n) => n.startsWith("alliantiebord:") && n.endsWith(`:${boardId}`))!;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open(name);
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction("updates", "readwrite");
        tx.objectStore("updates").add(new Uint8Array(update));
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      db.close();
    },
    { boardId: boardIdOf(page), update: Array.from(update) },
  );
}

async function titleOnServer(page: Page, cardId: string): Promise<string> {
  const res = await page.request.get(`${server.url}/api/boards/${boardIdOf(page)}/requests/${cardId}`);
  expect(res.status()).toBe(200);
  return (await res.json()).card.title;
}

test("an edit the server refuses: the page says so, and its button drops the offline copy, loads the server's board and works again", async ({ browser }) => {
  const [a, b] = await twoOnDemoBoard(browser, server.url, "coordinator@ave.example", "taalhuis@ave.example");
  await a.context().addInitScript(recordCloseCodes);

  // A card in Nieuw, its title as everyone has it.
  const cardId = (await column(a, "nieuw").locator("[data-card-id]").first().getAttribute("data-card-id"))!;
  const title = await titleOnServer(a, cardId);
  await expect(cardIn(a, "nieuw", cardId).locator(".card-title")).toHaveText(title);

  // The edit: made on the page's own offline copy (so it refers to what this
  // browser holds), one character over the title's limit.
  await expect.poll(async () => getCard(await offlineCopy(a), cardId)?.title, { message: "the offline copy holds the board" }).toBe(title);
  const copy = await offlineCopy(a);
  const before = Y.encodeStateVector(copy);
  const tooLong = "Te lange titel ".padEnd(LIMITS.titleMax + 1, "x");
  updateCard(copy, cardId, { title: tooLong }, Date.now());
  await storeInOfflineCopy(a, Y.encodeStateAsUpdate(copy, before));

  // Reloaded, the page loads its copy and sends the edit; the server refuses it.
  await a.reload();
  const status = a.getByTestId("connection-status");
  await expect(status).toHaveAttribute("data-state", "refused");
  await expect(status).toHaveText("Het bord nam een wijziging niet aan");
  expect(await closeCodes(a)).toContain(4422);
  // It stays refused: reconnecting would only send the same edit again.
  await a.waitForTimeout(1500);
  await expect(status).toHaveAttribute("data-state", "refused");
  expect((await closeCodes(a)).length, "no reconnect after the refusal").toBe(1);
  // Nothing of it reached the server or the other browser.
  expect(await titleOnServer(b, cardId)).toBe(title);
  await expect(cardIn(b, "nieuw", cardId).locator(".card-title")).toHaveText(title);

  // The way out.
  const button = a.getByRole("button", { name: "Bord opnieuw laden" });
  await expect(button).toBeEnabled();
  await button.click();

  // The server's board, live again, without the edit, in the page and in its new offline copy.
  await expect(status).toHaveAttribute("data-state", "connected");
  await expect(cardIn(a, "nieuw", cardId).locator(".card-title")).toHaveText(title);
  await expect.poll(async () => getCard(await offlineCopy(a), cardId)?.title, { message: "the new offline copy is the server's" }).toBe(title);
  expect(await closeCodes(a), "no refusal since").toEqual([]);

  // And it works: a move in A reaches B, and stays accepted.
  await keyboardMoveRight(a, cardIn(a, "nieuw", cardId));
  await expect(cardIn(a, "open", cardId)).toBeVisible();
  await expect(cardIn(b, "open", cardId)).toBeVisible();
  await a.waitForTimeout(500);
  await expect(status).toHaveAttribute("data-state", "connected");
  expect(await closeCodes(a)).toEqual([]);

  await a.context().close();
  await b.context().close();
});
