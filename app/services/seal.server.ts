/**
 * Sealed values (issue 14): AES-256-GCM with the installation's DATA_KEY, so
 * a copied database file alone does not reveal them. Only Node's crypto.
 *
 * A sealed value is one Buffer:
 *   [1 byte version = 1][4 bytes key id][12 bytes IV][16 bytes tag][ciphertext]
 * The IV is random per value. The key id (the first 4 bytes of a SHA-256 over
 * a label and the key) tells a wrong key from a tampered value without
 * revealing anything usable about the key. The GCM associated data is the
 * version, the key id and the caller's `aad`, which binds the value to its
 * row and purpose (`request-contact:<requestId>`): a sealed blob copied to
 * another row does not open.
 *
 * The key: DATA_KEY (32 bytes as base64, or 64 hex characters), or, when it
 * is unset, the file `data-key` next to the database (which `npm run setup`
 * writes for the demo, mode 0600). Never in the database, never in a backup.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";

const VERSION = 1;
const KEY_ID_BYTES = 4;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + KEY_ID_BYTES + IV_BYTES + TAG_BYTES;

/** The 32-byte key, or null when the text is not one (32 bytes as base64, or 64 hex characters). */
export function parseDataKey(text: string): Buffer | null {
  const s = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(s)) return Buffer.from(s, "hex");
  if (/^[A-Za-z0-9+/]{43}=?$/.test(s) || /^[A-Za-z0-9_-]{43}=?$/.test(s)) {
    const b = Buffer.from(s.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (b.length === 32) return b;
  }
  return null;
}

/** A new random key, as base64 (what DATA_KEY takes). */
export function newDataKey(): string {
  return randomBytes(32).toString("base64");
}

function keyId(key: Buffer): Buffer {
  return createHash("sha256").update("alliantiebord data key id\0").update(key).digest().subarray(0, KEY_ID_BYTES);
}

function checkKey(key: Buffer): void {
  if (key.length !== 32) throw new Error("A data key is 32 bytes");
}

export type SealErrorCode = "format" | "wrong_key" | "tampered";

/** A sealed value that does not open: not one of ours, sealed with another key, or changed (or bound to another row). */
export class SealError extends Error {
  constructor(
    readonly code: SealErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "SealError";
  }
}

/** Seal `plaintext` (text or bytes) with `key`, bound to `aad` (the row and purpose it belongs to). */
export function seal(key: Buffer, plaintext: string | Uint8Array, aad: string): Buffer {
  checkKey(key);
  const iv = randomBytes(IV_BYTES);
  const header = Buffer.concat([Buffer.from([VERSION]), keyId(key)]);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.concat([header, Buffer.from(aad, "utf8")]));
  const data = typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : Buffer.from(plaintext);
  const ciphertext = Buffer.concat([cipher.update(data), cipher.final()]);
  return Buffer.concat([header, iv, cipher.getAuthTag(), ciphertext]);
}

/** The bytes sealed in `sealed`; throws SealError when it does not open with this key and `aad`. */
export function openBytes(key: Buffer, sealed: Uint8Array, aad: string): Buffer {
  checkKey(key);
  const buf = Buffer.from(sealed);
  if (buf.length < HEADER_BYTES || buf[0] !== VERSION) throw new SealError("format", "Not a sealed value of this version");
  const header = buf.subarray(0, 1 + KEY_ID_BYTES);
  if (!header.subarray(1).equals(keyId(key))) throw new SealError("wrong_key", "Sealed with another DATA_KEY");
  const iv = buf.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + IV_BYTES);
  const tag = buf.subarray(1 + KEY_ID_BYTES + IV_BYTES, HEADER_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.concat([header, Buffer.from(aad, "utf8")]));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(buf.subarray(HEADER_BYTES)), decipher.final()]);
  } catch {
    throw new SealError("tampered", "The sealed value was changed or belongs to another row");
  }
}

/** The text sealed in `sealed` (see openBytes). */
export function open(key: Buffer, sealed: Uint8Array, aad: string): string {
  return openBytes(key, sealed, aad).toString("utf8");
}

/** Where the key lives when DATA_KEY is unset: `data-key` next to the database file. */
export function dataKeyFilePath(databaseFile: string): string {
  return path.join(path.dirname(path.resolve(databaseFile)), "data-key");
}

export interface DataKeySource {
  /** The key, or null when neither DATA_KEY nor the key file gives one. */
  key: Buffer | null;
  /** Where it came from. */
  from: "env" | "file" | "none";
  /** The key file looked at (used or not); null where there is none to look at (PostgreSQL). */
  file: string | null;
}

/**
 * The installation's key: DATA_KEY when set (validated by the env schema),
 * else the key file next to the database when it exists (an unreadable or
 * malformed file is an error, naming the file), else none. `databaseFile`
 * null (PostgreSQL: servers on several machines, no file of ours beside the
 * database): DATA_KEY only.
 */
export function resolveDataKey(dataKeySetting: string, databaseFile: string | null): DataKeySource {
  const file = databaseFile === null ? null : dataKeyFilePath(databaseFile);
  if (dataKeySetting.trim()) {
    const key = parseDataKey(dataKeySetting);
    if (!key) throw new Error("DATA_KEY must be 32 bytes as base64 (44 characters) or 64 hex characters");
    return { key, from: "env", file };
  }
  if (file === null || !fs.existsSync(file)) return { key: null, from: "none", file };
  const key = parseDataKey(fs.readFileSync(file, "utf8"));
  if (!key) throw new Error(`${file} does not hold a data key (32 bytes as base64 or 64 hex characters); set DATA_KEY or fix the file`);
  return { key, from: "file", file };
}

/**
 * Write a new key file (mode 0600) when DATA_KEY is unset and there is none:
 * for the demo on a fresh machine. Returns the file written, or null.
 */
export function ensureDataKeyFile(dataKeySetting: string, databaseFile: string): string | null {
  if (dataKeySetting.trim()) return null;
  const file = dataKeyFilePath(databaseFile);
  if (fs.existsSync(file)) return null;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, newDataKey() + "\n", { mode: 0o600, flag: "wx" });
  return file;
}

/**
 * The key the running server seals with: its DATA_KEY setting (server/index.ts
 * puts the key file's key there when DATA_KEY is unset), or null without one.
 */
export function dataKeyOf(env: { DATA_KEY: string }): Buffer | null {
  return env.DATA_KEY.trim() ? parseDataKey(env.DATA_KEY) : null;
}
