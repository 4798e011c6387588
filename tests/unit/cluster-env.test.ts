/** REDIS_URL, SERVER_ID and the PostgreSQL pool's size in the one env schema (app/services/env.server.ts), and what the Redis module logs of a URL. */
import { describe, expect, it } from "vitest";
import { parseEnv } from "../../app/services/env.server";
import { reconnectDelay, redisAddress, redisKey } from "../../server/cluster/redis";

describe("REDIS_URL and SERVER_ID", () => {
  it("REDIS_URL is optional and must be a redis:// or rediss:// address", () => {
    expect(parseEnv({}).REDIS_URL).toBe("");
    expect(parseEnv({ REDIS_URL: "redis://127.0.0.1:6379" }).REDIS_URL).toBe("redis://127.0.0.1:6379");
    expect(parseEnv({ REDIS_URL: " rediss://ab:s3cret@redis.internal:6380/2 " }).REDIS_URL).toBe("rediss://ab:s3cret@redis.internal:6380/2");
    for (const bad of ["127.0.0.1:6379", "http://redis:6379", "redis://", "redis://host:6379/db/extra"]) {
      expect(() => parseEnv({ REDIS_URL: bad }), bad).toThrow(/REDIS_URL: must look like redis:\/\//);
    }
  });

  it("SERVER_ID defaults to hostname-pid-random, new per start, and refuses what does not fit in a key", () => {
    const a = parseEnv({}).SERVER_ID;
    const b = parseEnv({}).SERVER_ID;
    expect(a).toMatch(new RegExp(`-${process.pid}-[0-9a-f]{6}$`));
    expect(a).not.toBe(b);
    expect(parseEnv({ SERVER_ID: "web-2" }).SERVER_ID).toBe("web-2");
    expect(() => parseEnv({ SERVER_ID: "web 2" })).toThrow(/SERVER_ID/);
    expect(() => parseEnv({ SERVER_ID: "a:b" })).toThrow(/SERVER_ID/);
  });

  it("PG_POOL_MAX and STORAGE_WORKER_NICE: defaults, and values outside their range refused by name", () => {
    expect(parseEnv({}).PG_POOL_MAX).toBe(10);
    expect(parseEnv({ PG_POOL_MAX: "40" }).PG_POOL_MAX).toBe(40);
    for (const bad of ["1", "0", "501", "ten", "2.5"]) expect(() => parseEnv({ PG_POOL_MAX: bad }), bad).toThrow(/PG_POOL_MAX/);
    expect(parseEnv({}).STORAGE_WORKER_NICE).toBe(19);
    expect(parseEnv({ STORAGE_WORKER_NICE: "0" }).STORAGE_WORKER_NICE).toBe(0);
    for (const bad of ["-1", "20", "low"]) expect(() => parseEnv({ STORAGE_WORKER_NICE: bad }), bad).toThrow(/STORAGE_WORKER_NICE/);
  });

  it("logs Redis by host and port only, never its password; keys are ab:-namespaced; backoff grows to its cap", () => {
    expect(redisAddress("redis://user:s3cret@redis.internal:6380/2")).toBe("redis.internal:6380/2");
    expect(redisAddress("redis://:s3cret@10.0.0.5")).toBe("10.0.0.5:6379");
    expect(redisKey("lock", "backup")).toBe("ab:lock:backup");
    expect(reconnectDelay(1)).toBeLessThanOrEqual(120);
    expect(reconnectDelay(3)).toBeGreaterThanOrEqual(320);
    expect(reconnectDelay(30)).toBeLessThanOrEqual(2_400);
    expect(reconnectDelay(30)).toBeGreaterThanOrEqual(1_600);
  });
});
