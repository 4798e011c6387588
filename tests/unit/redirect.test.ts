/**
 * safeRedirect: where the browser goes after login (and after a language
 * switch). Only paths of this site; every trick that makes a browser leave
 * for another host falls back to /boards, and nothing throws (a redirect
 * target with a newline used to end in a 500).
 */
import { describe, expect, it } from "vitest";
import { safeRedirect } from "~/services/auth.server";

const SITE = "https://bord.example";

/** Where a browser would go with this Location, resolved against our page. */
function destination(location: string): URL {
  return new URL(location, `${SITE}/login`);
}

const HOSTILE = [
  // the reported ones
  "/\t/evil.example/phish",
  "/\n/evil.example/phish",
  "/\r\n/evil.example",
  "/%09/evil.example/phish",
  "%2F%09%2Fevil.example%2Fphish",
  // protocol-relative and its spellings
  "//evil.example",
  "///evil.example",
  "////evil.example/x",
  "/\\evil.example",
  "\\\\evil.example",
  "/\\/evil.example",
  "\\/evil.example",
  "/ /evil.example",
  "/\u000b/evil.example",
  "/\u000c/evil.example",
  "/\u0000/evil.example",
  "/\u00a0/evil.example",
  "/\u2028/evil.example",
  "/\u0085/evil.example",
  // encoded variants
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "/%5C/evil.example",
  "/%5c%5cevil.example",
  "/%252F%252Fevil.example",
  "/%0a/evil.example",
  "/%0d%0aSet-Cookie:%20x=1",
  "/%E0%A4%A", // malformed escape
  // dot segments that leave an empty first segment: "//evil.example" after normalising
  "/.//evil.example",
  "/..//evil.example",
  "/a/..//evil.example",
  "/././/evil.example",
  "/%2e//evil.example",
  "/%2E%2E//evil.example",
  "/.%2F/evil.example",
  // absolute URLs and schemes
  "https://evil.example/phish",
  "http:evil.example",
  "https:/evil.example",
  "HTTPS://evil.example",
  "javascript:alert(1)",
  " javascript:alert(1)",
  "/javascript:alert(1)",
  "/%6Aavascript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "vbscript:msgbox(1)",
  "mailto:a@evil.example",
  // not a path at all
  "",
  " ",
  "boards",
  "evil.example",
  "?redirect=//evil.example",
  "#//evil.example",
  ".//evil.example",
  "../evil.example",
  // size
  "/" + "a".repeat(5000),
];

describe("safeRedirect: hostile targets go to /boards", () => {
  for (const input of HOSTILE) {
    it(`refuses ${JSON.stringify(input).slice(0, 60)}`, () => {
      expect(safeRedirect(input)).toBe("/boards");
    });
  }

  it("non-strings (a file field, null, undefined) fall back", () => {
    expect(safeRedirect(null)).toBe("/boards");
    expect(safeRedirect(undefined)).toBe("/boards");
    expect(safeRedirect(new File(["x"], "x.txt") as unknown as string)).toBe("/boards");
  });

  it("uses the fallback it is given", () => {
    expect(safeRedirect("//evil.example", "/")).toBe("/");
  });
});

describe("safeRedirect: paths of this site pass", () => {
  const SAFE: Array<[string, string]> = [
    ["/boards", "/boards"],
    ["/boards/abc_DEF-123", "/boards/abc_DEF-123"],
    ["/boards/abc/overzicht?ouderDan=14", "/boards/abc/overzicht?ouderDan=14"],
    ["/boards/abc/rapport?from=2026-01-01&to=2026-02-01#tabel", "/boards/abc/rapport?from=2026-01-01&to=2026-02-01#tabel"],
    ["/beheer", "/beheer"],
    ["/", "/"],
    ["/zoek?q=caf%C3%A9", "/zoek?q=caf%C3%A9"],
    ["/boards/./abc/../def", "/boards/def"],
    ["/boards/é", "/boards/%C3%A9"],
  ];
  for (const [input, expected] of SAFE) {
    it(`keeps ${input}`, () => {
      expect(safeRedirect(input)).toBe(expected);
    });
  }
});

describe("safeRedirect: whatever it returns stays on this site and is a valid header value", () => {
  // Every single character after "/" and after "/x/", raw and percent-encoded.
  const inputs: string[] = [...HOSTILE];
  for (let c = 0; c < 0x300; c++) {
    const ch = String.fromCharCode(c);
    const hex = `%${c.toString(16).padStart(2, "0")}`;
    inputs.push(`/${ch}/evil.example`, `/${ch}${ch}evil.example`, `/x/${ch}`, `/${hex}/evil.example`, `/.${ch}/evil.example`, `/..${ch}/evil.example`, `/./${ch}/evil.example`, `/.${hex}/evil.example`);
  }
  it(`${inputs.length} variants`, () => {
    for (const input of inputs) {
      const out = safeRedirect(input);
      expect(out.startsWith("/"), input).toBe(true);
      expect(out.startsWith("//"), JSON.stringify(input)).toBe(false);
      expect(destination(out).origin, JSON.stringify(input)).toBe(SITE);
      // A Location header accepts only printable ASCII here.
      expect(/^[\x21-\x7e]+$/.test(out), JSON.stringify(input)).toBe(true);
      expect(() => new Headers({ Location: out })).not.toThrow();
    }
  });
});
