/**
 * The front door guard's shared state across servers (GuardStore in
 * app/services/front-door-guard.server.ts), REDIS_URL set:
 *
 * - the day's secret for address keys: `SET ab:frontdoor:secret:<day>
 *   <random> NX PX <until shortly after the day ends>`, then GET, so every
 *   server counts an address under the same key. Read again at most once a
 *   minute; after a Redis restart the first server to look puts back the one
 *   it had (SET NX), so the keys stay the same. It is gone from Redis soon
 *   after its day, so yesterday's keys cannot be tied to an address.
 * - used form tokens and challenges: `SET ab:frontdoor:token:<hash> 1 NX PX
 *   <until the token expires anyway>`, the hash keyed (server/cluster/keys.ts):
 *   one used on one server is refused on every other.
 *
 * Nothing personal goes to Redis: a random secret and keyed hashes of random
 * nonces. While Redis is away each server goes on from its own memory (its
 * last secret, the nonces it saw), as one server would.
 */
import { randomBytes } from "node:crypto";
import { MemoryGuardStore, type GuardStore } from "../../app/services/front-door-guard.server";
import type { KeyHasher } from "./keys";
import { redisKey, type RedisLink } from "./redis";

/** How long a server trusts the secret it read before it reads it again. */
const SECRET_FRESH_MS = 60_000;
/** The secret stays this long after its day ends (servers whose clocks are a little behind). */
const SECRET_AFTER_DAY_MS = 10 * 60_000;

export function redisGuardStore(link: RedisLink, hasher: KeyHasher): GuardStore {
  const local = new MemoryGuardStore();
  let known: { day: string; key: Buffer; readAt: number } | null = null;

  return {
    async daySecret(day, endsAt, now) {
      if (known?.day === day && now - known.readAt < SECRET_FRESH_MS) return known.key;
      const key = redisKey("frontdoor", "secret", day);
      // Ours when we are the first today; after a Redis restart, the one this server had.
      const mine = known?.day === day ? known.key : randomBytes(32);
      try {
        await link.command.set(key, mine.toString("base64"), "PX", Math.max(60_000, endsAt - now + SECRET_AFTER_DAY_MS), "NX");
        const stored = await link.command.get(key);
        const secret = stored ? Buffer.from(stored, "base64") : mine;
        known = { day, key: secret, readAt: now };
        return secret;
      } catch {
        // Redis away: the last secret of the day, else one of this server's own.
        return known?.day === day ? known.key : local.secretNow(day);
      }
    },
    async spend(nonceKey, windowMs, now) {
      // Seen here already (taken, or refused by Redis before): no round trip.
      if (!local.spendNow(nonceKey, windowMs, now)) return false;
      const hash = hasher.hash(`frontdoor:${nonceKey}`);
      if (!hash) return true;
      try {
        return (await link.command.set(redisKey("frontdoor", "token", hash), "1", "PX", windowMs, "NX")) === "OK";
      } catch {
        // Redis away: this server's memory decides, as one server's would.
        return true;
      }
    },
  };
}
