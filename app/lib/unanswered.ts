/**
 * A submission the server never answered: it went away (a restart, a
 * crash, a drain) or the network dropped while the POST was on its way.
 *
 * Remix takes the failed fetch for an error thrown by the route and renders
 * its error page in place of the page. On the board that throws away the
 * live board and its offline copy for one unsaved form; on the meeting page
 * the meeting's screen; on any other page the form just typed. Every route
 * with an action but the commented few in tests/unit/unanswered-routes.test.ts
 * (logout; the front door, which runs no script) answers such a failure as
 * data instead, through its clientAction (and the root skips its reload
 * after it):
 *
 *   export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";
 *   // (or a shouldRevalidate of its own that asks keepPageWhenUnanswered)
 *   const { result } = useAnsweredActionData<typeof action>(); // in the page: the last answer, and the toast
 *
 * The form then says that its change may not have been saved (or, where
 * nothing is saved, as on the login page, that it may not have arrived) and
 * keeps what was typed, and the page stays as it is (no reload of its data, which
 * would fail the same way). Whether the server wrote it before it went away
 * cannot be known here: the texts say so, and the board shows a card that
 * was saved as soon as it is connected again.
 *
 * What counts as no answer: fetch's own failure (a TypeError: connection
 * refused or reset, the network gone), and an error status that did not come
 * from the app (a reverse proxy's 502 or 504 while the server restarts:
 * Remix throws it as an Error, as it does an error the app reported while
 * running the action, whose outcome is just as unknown to the form). What
 * the app answered passes unchanged: its data of any status, a redirect, a
 * thrown response (a 403 or 404: the route's error page, as before). A
 * request that the page itself aborted (navigating away, a newer
 * submission) is not a failure either.
 */
import { useActionData, type ClientActionFunctionArgs, type ShouldRevalidateFunctionArgs } from "@remix-run/react";
import type { SerializeFrom } from "@remix-run/node";
import { useEffect, useRef } from "react";
import { useToast } from "~/components/toast/ToastProvider";
import { translator, useT, type Locale } from "~/i18n";

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

/**
 * No usable answer came: fetch failed (TypeError), or Remix turned an error
 * response into an Error (one without its headers: a proxy's 502; or one the
 * app reported). A Response thrown (the app's refusal or redirect) is an answer.
 */
function isNoAnswer(e: unknown): boolean {
  return e instanceof Error && !(e instanceof Response);
}

/** The route's server action, or an UnansweredResult when no answer came. */
export async function answeredOrUnanswered({ request, serverAction }: Pick<ClientActionFunctionArgs, "request" | "serverAction">): Promise<unknown> {
  // The server action reads the body; the copy is for saying what was sent.
  const copy = request.clone();
  try {
    return await serverAction();
  } catch (e) {
    if (!isNoAnswer(e) || request.signal.aborted) throw e;
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

/**
 * The last answered result of a route's forms: an unanswered submission leaves it as it was, so
 * the forms keyed on it are not remounted (what was typed stays) and their errors and typed values
 * stay those of the last answer. Say the unanswered one apart (isUnanswered on the raw result).
 */
export function useLastAnswered<T>(result: T | UnansweredResult | undefined): T | undefined {
  const last = useRef<T | undefined>(undefined);
  if (isUnanswered(result)) return last.current;
  last.current = result;
  return result;
}

/**
 * A number that goes up once per answer (a new result object), for a form's key: keyed on it, the
 * form starts again from what the answer says was stored, once. Not on the page's data: Remix shows
 * an answer before the loaders' revalidation after it is back, and a key that changed with that data
 * remounted the form a second time and dropped what was typed in between.
 */
export function useAnswerNumber(result: unknown): number {
  const seen = useRef<{ result: unknown; n: number }>({ result: undefined, n: 0 });
  if (result !== seen.current.result) seen.current = { result, n: seen.current.n + 1 };
  return seen.current.n;
}

/**
 * What the toast of an unanswered submission says: a change that may not have been saved, or
 * (login, a link's page, the language switch) something that may not have arrived.
 */
export type UnansweredText = "form.unanswered" | "form.unansweredSent" | "form.unansweredLanguage";

/**
 * A toast, once per unanswered result, that it may not have been saved; what was typed stays in the form.
 * `locale`: a page shown in another language than the browser's (the unsubscribe page, in its person's).
 */
export function useSayUnanswered(result: unknown, text: UnansweredText = "form.unanswered", locale?: Locale): void {
  const toast = useToast();
  const pageT = useT();
  const t = locale ? translator(locale) : pageT;
  useEffect(() => {
    if (isUnanswered(result)) toast.error(t(text));
    // Once per result.
  }, [result]);
}

/**
 * A page's action data as its forms show it (routes with the clientAction above): the last
 * answered result (useLastAnswered), and a toast for an unanswered one. `unanswered` is that
 * result while it is the latest. Never shows `values` again: the inputs keep their own values as
 * long as the form is not remounted, passwords and codes too.
 */
export function useAnsweredActionData<A>(
  text?: UnansweredText,
  locale?: Locale,
): { result: SerializeFrom<A> | undefined; unanswered: UnansweredResult | undefined } {
  const raw = useActionData<A>() as SerializeFrom<A> | UnansweredResult | undefined;
  const result = useLastAnswered<SerializeFrom<A>>(raw);
  useSayUnanswered(raw, text, locale);
  return { result, unanswered: isUnanswered(raw) ? raw : undefined };
}
