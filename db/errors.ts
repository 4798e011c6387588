/**
 * The one walk of an error's causes: drizzle wraps the driver's error
 * (`cause`), pg-pool and our own code may wrap it again. Bounded, so a cause
 * chain that loops (an error given itself as its cause) cannot hang a
 * request's error handling. Used by client.ts (the retry of a serialization
 * failure) and health.ts (what an error means, and how it is logged); no
 * imports, so both can use it.
 */

/** How many links of a cause chain are looked at. */
export const CAUSE_DEPTH = 5;

/** An error and its causes, at most CAUSE_DEPTH of them; stops after the first that is not an object. */
export function* causes(error: unknown): Generator<unknown> {
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < CAUSE_DEPTH; e = (e as { cause?: unknown }).cause, depth++) {
    yield e;
    if (typeof e !== "object") return;
  }
}

/** The first string `code` in the chain (PostgreSQL's SQLSTATE, a socket's errno name). */
export function errorCode(error: unknown): string | undefined {
  for (const e of causes(error)) {
    const code = typeof e === "object" && e ? (e as { code?: unknown }).code : undefined;
    if (typeof code === "string") return code;
  }
  return undefined;
}
