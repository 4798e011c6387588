/**
 * TOTP as two-factor login checks it (app/services/two-factor.server.ts, with
 * otplib): RFC 6238's SHA-1 test vector, one step of drift either side and
 * not two, a used step refused, what counts as a code; recovery codes.
 */
import { generateSync } from "otplib";
import { describe, expect, it } from "vitest";
import {
  checkTotp,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  normaliseRecoveryCode,
  normaliseTotpCode,
  qrSvg,
  timeStepAt,
  totpUri,
} from "../../app/services/two-factor.server";

// RFC 6238 appendix B: the SHA-1 key "12345678901234567890" (base32 below), 8 digits there; its last 6 digits are the 6-digit code.
const RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
const RFC_VECTORS: [number, string][] = [
  [59, "94287082"],
  [1111111109, "07081804"],
  [1111111111, "14050471"],
  [1234567890, "89005924"],
  [2000000000, "69279037"],
];

describe("TOTP codes", () => {
  it("match RFC 6238's SHA-1 test vectors (6 digits)", () => {
    for (const [seconds, code8] of RFC_VECTORS) {
      expect(checkTotp(RFC_SECRET, code8.slice(-6), seconds * 1000)).toEqual({ ok: true, step: Math.floor(seconds / 30) });
    }
  });

  it("are accepted one step either side of now, not two", () => {
    const secret = newTotpSecret();
    const at = 1_700_000_000_000 + 12_000; // inside a step
    const step = timeStepAt(at);
    const code = (s: number) => generateSync({ secret, epoch: s * 30 });
    expect(checkTotp(secret, code(step), at)).toEqual({ ok: true, step });
    expect(checkTotp(secret, code(step - 1), at)).toEqual({ ok: true, step: step - 1 });
    expect(checkTotp(secret, code(step + 1), at)).toEqual({ ok: true, step: step + 1 });
    expect(checkTotp(secret, code(step - 2), at).ok).toBe(false);
    expect(checkTotp(secret, code(step + 2), at).ok).toBe(false);
    // Another secret's code is not this one's.
    expect(checkTotp(newTotpSecret(), code(step), at).ok).toBe(false);
  });

  it("a code of a step already used (or an earlier one) is refused, a later one accepted", () => {
    const secret = newTotpSecret();
    const at = 1_800_000_000_000;
    const step = timeStepAt(at);
    const now = generateSync({ secret, epoch: step * 30 });
    const before = generateSync({ secret, epoch: (step - 1) * 30 });
    const after = generateSync({ secret, epoch: (step + 1) * 30 });
    expect(checkTotp(secret, now, at, step).ok).toBe(false);
    expect(checkTotp(secret, before, at, step).ok).toBe(false);
    expect(checkTotp(secret, after, at, step)).toEqual({ ok: true, step: step + 1 });
  });

  it("reads six digits with spaces or a dash, and nothing else", () => {
    expect(normaliseTotpCode("123 456")).toBe("123456");
    expect(normaliseTotpCode(" 123-456 ")).toBe("123456");
    for (const bad of ["12345", "1234567", "12a456", "", null, 123456, "１２３４５６"]) expect(normaliseTotpCode(bad)).toBeNull();
    expect(checkTotp(RFC_SECRET, "12ab56", 59_000).ok).toBe(false);
  });

  it("the app's address and QR code: SHA-1, 6 digits, 30 s; SVG without style attributes or scripts", async () => {
    const secret = newTotpSecret();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const uri = totpUri(secret, "anna@noord.test");
    expect(uri).toMatch(/^otpauth:\/\/totp\/Alliantiebord:anna%40noord\.test\?/);
    const params = new URL(uri).searchParams;
    expect(params.get("secret")).toBe(secret);
    expect(params.get("issuer")).toBe("Alliantiebord");
    expect([params.get("algorithm") ?? "SHA1", params.get("digits") ?? "6", params.get("period") ?? "30"]).toEqual(["SHA1", "6", "30"]);
    const svg = await qrSvg(uri);
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 \d+ \d+"/);
    expect(svg).not.toMatch(/style=|<script|href=/i);
  });
});

describe("recovery codes", () => {
  it("ten different codes of 16 unmistakable characters, read back however typed, hashed", () => {
    const codes = newRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) {
      expect(c).toMatch(/^[a-hjkmnp-z2-9]{4}(-[a-hjkmnp-z2-9]{4}){3}$/);
      const n = normaliseRecoveryCode(c)!;
      expect(normaliseRecoveryCode(c.toUpperCase().replace(/-/g, " "))).toBe(n);
      expect(hashRecoveryCode(n)).toMatch(/^[0-9a-f]{64}$/);
      expect(hashRecoveryCode(n)).not.toContain(n);
    }
    for (const bad of ["abcd-efgh-jkmn-pqr", "abcd-efgh-jkmn-pqrs-t", "abcd-efgh-jkmn-pqr0", "123456", null]) expect(normaliseRecoveryCode(bad)).toBeNull();
  });
});
