/**
 * Every route with an action answers a POST the server never answered
 * (a restart, a crash, a proxy's 502) as data, not with the error page
 * (app/lib/unanswered.ts): it exports a clientAction, and a page also a
 * shouldRevalidate that keeps the page after such a result (a reload of its
 * data would fail the same way). Read from the route files themselves, so a
 * new route with an action fails here until it does the same.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROUTES = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../app/routes");

/** Routes with an action that keep Remix's own handling, each with its reason. */
const LEFT_AS_THEY_ARE: Record<string, string> = {
  // Logging out: the session ends and the page goes anyway; with the server gone there is nothing typed to keep.
  "logout.tsx": "nothing typed; the lead chose to leave it",
  // The public front door loads no script at all (a plain HTML form, issue 15): no clientAction can run there.
  // The browser itself keeps what was typed (Back restores the form); tests/e2e/unanswered-pages.spec.ts checks it.
  "hulp.$slug.tsx": "a page without scripts",
};

/** Declared here (`export function name`, `export const name`) or re-exported under that name (`export { other as name } from "…"`). */
const exportsName = (source: string, name: string) =>
  new RegExp(`export\\s+(?:async\\s+)?(?:function\\s+${name}\\b|const\\s+${name}\\b)`).test(source) ||
  new RegExp(`export\\s*\\{[^}]*\\b${name}\\s*[,}]`).test(source);

const files = readdirSync(ROUTES)
  .filter((f) => f.endsWith(".tsx"))
  .map((file) => ({ file, source: readFileSync(path.join(ROUTES, file), "utf8") }));
const routes = files.filter((r) => exportsName(r.source, "action"));
/** Pages with data of their own that run scripts (the public front door's handle says `hydrate: false`). */
const pagesWithData = files.filter(
  (r) => exportsName(r.source, "loader") && /export\s+default\s+function/.test(r.source) && !/hydrate:\s*false/.test(r.source),
);

describe("routes with an action", () => {
  it("are found (the scan reads the route files)", () => {
    expect(routes.map((r) => r.file)).toEqual(expect.arrayContaining(["beheer.tsx", "login.tsx", "boards._index.tsx"]));
  });

  it("the allow-list names only routes with an action", () => {
    for (const file of Object.keys(LEFT_AS_THEY_ARE)) expect(routes.map((r) => r.file), file).toContain(file);
  });

  for (const { file, source } of routes) {
    if (file in LEFT_AS_THEY_ARE) continue;
    it(`${file} answers an unanswered POST as data (clientAction)`, () => {
      expect(exportsName(source, "clientAction"), `${file} exports an action but no clientAction (app/lib/unanswered.ts)`).toBe(true);
      expect(source).toMatch(/answeredOrUnanswered/);
    });
    // A page (it renders something): its own loader must not run again after an unanswered result either.
    if (/export\s+default\s+function/.test(source)) {
      it(`${file} keeps its page after an unanswered POST (shouldRevalidate)`, () => {
        expect(exportsName(source, "shouldRevalidate"), `${file} exports no shouldRevalidate`).toBe(true);
        expect(source).toMatch(/revalidateUnlessUnanswered|keepPageWhenUnanswered/);
      });
    }
  }
});

// The top bar's language switch (root.tsx, a fetcher to routes/taal.tsx) posts from every page, so
// every page with data of its own, with or without an action, must keep its page after that post
// went unanswered: otherwise Remix loads the page's data again, that fails the same way, and the
// error page replaces the page.
describe("pages with a loader", () => {
  it("are found, the front door's script-less pages apart", () => {
    const names = pagesWithData.map((r) => r.file);
    expect(names).toEqual(expect.arrayContaining(["boards.$boardId_.rapport.tsx", "privacy.tsx", "login.tsx"]));
    expect(names).not.toContain("hulp.$slug.tsx");
  });

  for (const { file, source } of pagesWithData) {
    it(`${file} keeps its page after an unanswered language switch (shouldRevalidate)`, () => {
      expect(exportsName(source, "shouldRevalidate"), `${file} exports no shouldRevalidate`).toBe(true);
      expect(source).toMatch(/revalidateUnlessUnanswered|keepPageWhenUnanswered/);
    });
  }
});
