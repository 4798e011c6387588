/**
 * A submission the server never answered: it went away (a restart, a
 * crash, a drain) or the network dropped while the POST was on its way.
 *
 * Remix takes the failed fetch for an error thrown by the route and renders
 * its error page in place of the page. On the board that throws away the
 * live board and its offline copy for one unsaved form; on the meeting page
 * the meeting's screen. Routes whose forms post in the background answer such
 * a failure as data instead, through their clientAction:
 *
 *   export const clientAction = (args: ClientActionFunctionArgs) => answeredOrUnanswered(args);
 *   export const shouldRevalidate = … keepPageWhenUnanswered …
 *
 * The form then says that its change may not have been saved and keeps what
 * was typed, and the page stays as it is (no reload of its data, which
 * would fail the same way). Whether the server wrote it before it went away
 * cannot be known here: the texts say so, and the board shows a card that
 * was saved as soon as it is connected again.
 *
 * Everything the server did answer (data of any status, a redirect, a thrown
 * response, an error it reported) passes unchanged. A request that the page
 * itself aborted (navigating away, a newer submission) is not a failure.
 */
import type { ClientActionFunctionArgs, ShouldRevalidateFunctionArgs } from "@remix-run/react";

/** The `error` of an unanswered submission's result. */
export const UNANSWERED = "unanswered";

export interface UnansweredResult {
  intent: string;
  ok: false;
  error: typeof UNANSWERED;
  /** What was sent (text fields), for the form to show again. */
  values: Record<string, string>;
}

/** True for the result of a submission the server never answered. */
export function isUnanswered(result: unknown): result is UnansweredResult {
  return !!result && typeof result === "object" && (result as { error?: unknown }).error === UNANSWERED && (result as { ok?: unknown }).ok === false;
}

/** fetch rejects with a TypeError, and only then, when no response came (or its body broke off). */
function isNetworkFailure(e: unknown): boolean {
  return e instanceof TypeError;
}

/** The route's server action, or an UnansweredResult when no answer came. */
export async function answeredOrUnanswered({ request, serverAction }: Pick<ClientActionFunctionArgs, "request" | "serverAction">): Promise<unknown> {
  // The server action reads the body; the copy is for saying what was sent.
  const copy = request.clone();
  try {
    return await serverAction();
  } catch (e) {
    if (!isNetworkFailure(e) || request.signal.aborted) throw e;
    const values: Record<string, string> = {};
    const form = await copy.formData().catch(() => null);
    for (const [k, v] of form ?? []) if (typeof v === "string") values[k] = v;
    const result: UnansweredResult = { intent: values.intent ?? "", ok: false, error: UNANSWERED, values };
    return result;
  }
}

/** A route's shouldRevalidate part: after an unanswered submission the page keeps its data (a reload would fail the same way). */
export function keepPageWhenUnanswered(args: Pick<ShouldRevalidateFunctionArgs, "actionResult">): boolean {
  return isUnanswered(args.actionResult);
}

/** shouldRevalidate for a route that has no other rule: as Remix would, except after an unanswered submission. */
export function revalidateUnlessUnanswered(args: ShouldRevalidateFunctionArgs): boolean {
  return keepPageWhenUnanswered(args) ? false : args.defaultShouldRevalidate;
}
