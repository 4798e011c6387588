import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv } from "~/services/env.server";
import { dataKeyFilePath, ensureDataKeyFile, newDataKey, open, parseDataKey, resolveDataKey, seal, SealError } from "~/services/seal.server";

const key = parseDataKey(newDataKey())!;
const otherKey = parseDataKey(newDataKey())!;

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof SealError) return e.code;
    throw e;
  }
  return "opened";
}

describe("seal and open", () => {
  it("round-trips text, with a fresh IV each time", () => {
    const text = JSON.stringify({ name: "Amira Haddad", phone: "06 1234 5678", note: "ëèé ✓" });
    const a = seal(key, text, "request-contact:r1");
    const b = seal(key, text, "request-contact:r1");
    expect(open(key, a, "request-contact:r1")).toBe(text);
    expect(open(key, b, "request-contact:r1")).toBe(text);
    expect(a.equals(b)).toBe(false);
    expect(a.includes(Buffer.from("Amira"))).toBe(false);
    expect(a[0]).toBe(1);
  });

  it("refuses a changed byte anywhere (header, IV, tag or ciphertext)", () => {
    const sealed = seal(key, "Amira Haddad", "request-contact:r1");
    const results = new Set<string>();
    for (let i = 0; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] ^= 0x01;
      results.add(codeOf(() => open(key, bad, "request-contact:r1")));
    }
    expect(results.has("opened")).toBe(false);
    expect(codeOf(() => open(key, sealed.subarray(0, sealed.length - 1), "request-contact:r1"))).toBe("tampered");
    expect(codeOf(() => open(key, sealed.subarray(0, 20), "request-contact:r1"))).toBe("format");
  });

  it("refuses the value under another row's associated data (a blob copied to another row)", () => {
    const sealed = seal(key, "Amira Haddad", "request-contact:r1");
    expect(codeOf(() => open(key, sealed, "request-contact:r2"))).toBe("tampered");
    expect(codeOf(() => open(key, sealed, "totp:r1"))).toBe("tampered");
  });

  it("refuses another key, and says so", () => {
    const sealed = seal(key, "Amira Haddad", "request-contact:r1");
    expect(codeOf(() => open(otherKey, sealed, "request-contact:r1"))).toBe("wrong_key");
  });
});

describe("DATA_KEY", () => {
  it("takes 32 bytes as base64 or 64 hex characters, nothing else", () => {
    expect(parseDataKey("00".repeat(32))?.length).toBe(32);
    expect(parseDataKey(Buffer.alloc(32, 7).toString("base64"))?.length).toBe(32);
    expect(parseDataKey(Buffer.alloc(32, 7).toString("base64url"))?.length).toBe(32);
    expect(parseDataKey(Buffer.alloc(31, 7).toString("base64"))).toBeNull();
    expect(parseDataKey("00".repeat(31))).toBeNull();
    expect(parseDataKey("geheim")).toBeNull();
  });

  it("is validated by the env schema with a message naming it", () => {
    expect(parseEnv({ DATA_KEY: "00".repeat(32) }).DATA_KEY).toBe("00".repeat(32));
    expect(parseEnv({}).DATA_KEY).toBe("");
    expect(() => parseEnv({ DATA_KEY: "te-kort" })).toThrow(/DATA_KEY: must be 32 bytes/);
  });

  it("falls back to the key file next to the database, written once with mode 0600", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "seal-"));
    try {
      const db = path.join(dir, "x.sqlite");
      expect(resolveDataKey("", db).from).toBe("none");
      const file = ensureDataKeyFile("", db);
      expect(file).toBe(dataKeyFilePath(db));
      expect(fs.statSync(file!).mode & 0o777).toBe(0o600);
      expect(ensureDataKeyFile("", db)).toBeNull();
      const fromFile = resolveDataKey("", db);
      expect(fromFile.from).toBe("file");
      expect(fromFile.key?.length).toBe(32);
      // DATA_KEY wins over the file, and a setting never writes a file.
      expect(resolveDataKey("11".repeat(32), db)).toMatchObject({ from: "env" });
      expect(ensureDataKeyFile("11".repeat(32), path.join(dir, "sub", "y.sqlite"))).toBeNull();
      fs.writeFileSync(file!, "kapot");
      expect(() => resolveDataKey("", db)).toThrow(/data-key does not hold a data key/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
