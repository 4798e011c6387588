/**
 * What the servers write into Redis keys instead of what they count by (an
 * e-mail address, a network address, a session): a keyed hash that every
 * server computes alike. The key is derived from DATA_KEY when it is set (so
 * Redis alone cannot be searched for a known address); otherwise it is a
 * random secret the first server puts in Redis (`ab:secret:keys`, SET NX),
 * which every server reads, and which each puts back after a Redis restart
 * (the same value, so the keys stay the same).
 */
import { createHmac, randomBytes } from "node:crypto";
import { parseDataKey } from "../../app/services/seal.server";
import { redisKey, type RedisLink } from "./redis";

export interface KeyHasher {
  /** The keyed hash of `text` (base64url, 22 characters), or null while the secret is not known yet (Redis away at start). */
  hash(text: string): string | null;
  /** Resolves once `hash` answers (the secret is known). */
  ready(): Promise<void>;
}

const SECRET_KEY = redisKey("secret", "keys");

export function createKeyHasher(link: RedisLink, dataKey: string): KeyHasher {
  const fromData = dataKey.trim() ? parseDataKey(dataKey) : null;
  let key: Buffer | null = fromData ? createHmac("sha256", fromData).update("alliantiebord:redis-keys:v1").digest() : null;
  let fetching: Promise<void> | null = null;
  let verified = !!key;

  const fetchSecret = (): Promise<void> =>
    (fetching ??= (async () => {
      try {
        // Ours when it is the first; after a restart, the one we had (identical on every server).
        const mine = key ? key.toString("base64") : randomBytes(32).toString("base64");
        await link.command.set(SECRET_KEY, mine, "NX");
        const stored = await link.command.get(SECRET_KEY);
        if (stored) {
          key = Buffer.from(stored, "base64");
          verified = true;
        }
      } finally {
        fetching = null;
      }
    })());

  if (!fromData) {
    link.onState((s) => {
      if (s === "up") {
        verified = false;
        fetchSecret().catch(() => {});
      }
    });
    if (link.up) fetchSecret().catch(() => {});
  }

  return {
    hash(text) {
      if (!key) return null;
      return createHmac("sha256", key).update(text).digest("base64url").slice(0, 22);
    },
    async ready() {
      while (!verified || !key) {
        if (link.up) await fetchSecret().catch(() => new Promise((r) => setTimeout(r, 200)));
        else await new Promise((r) => setTimeout(r, 200));
      }
    },
  };
}
