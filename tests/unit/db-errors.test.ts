import { describe, expect, it } from "vitest";
import { causes, CAUSE_DEPTH, errorCode } from "../../db/errors";

describe("db/errors: the walk of an error's causes", () => {
  it("finds the driver's code under drizzle's wrapper and a wrapper of our own", () => {
    const driver = Object.assign(new Error("could not serialize access"), { code: "40001" });
    const drizzle = Object.assign(new Error("Failed query: update …\nparams: secret"), { query: "update …", params: ["secret"], cause: driver });
    const ours = new Error("transaction failed", { cause: drizzle });
    expect(errorCode(ours)).toBe("40001");
    expect([...causes(ours)]).toEqual([ours, drizzle, driver]);
  });

  it("ends on a chain that loops (an error given itself as its cause) instead of hanging the request", () => {
    const a = new Error("a") as Error & { cause?: unknown };
    const b = new Error("b", { cause: a });
    a.cause = b;
    expect(errorCode(a)).toBeUndefined();
    expect([...causes(a)]).toHaveLength(CAUSE_DEPTH);
  });

  it("stops at a cause that is not an object, and takes only string codes", () => {
    expect([...causes(new Error("x", { cause: "text" }))].map(String)).toEqual(["Error: x", "text"]);
    expect(errorCode(Object.assign(new Error("x"), { code: 7 }))).toBeUndefined();
    expect(errorCode(null)).toBeUndefined();
    expect(errorCode("ECONNRESET")).toBeUndefined();
  });
});
