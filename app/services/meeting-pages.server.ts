/**
 * What the meeting pages read beside the meeting itself.
 */
import { checkMeetingInput, type MeetingRecord } from "~/board/meeting";
import { amsterdamToMs } from "~/board/meeting-time";
import type { SinceSummary } from "~/board/summary";
import type { SessionUser } from "./auth.server";
import type { AppServices } from "./context.server";
import { summaryFor } from "./summary.server";

/**
 * "Since the last meeting" for a meeting whose agenda has that item: from the
 * moment the meeting was planned to count from. A first meeting has none:
 * while planned it counts from the board's default moment; once started the
 * default would be the meeting's own start (or end) moment, so nothing is shown.
 */
export async function sinceSummary(svc: AppServices, user: SessionUser, boardId: string, meeting: MeetingRecord): Promise<SinceSummary | null> {
  if (!meeting.agenda.some((i) => i.kind === "since")) return null;
  if (meeting.sinceMomentId) return summaryFor(svc, user, boardId, meeting.sinceMomentId);
  return meeting.status === "planned" ? summaryFor(svc, user, boardId, null) : null;
}

/** A meeting's title, date and time as typed in a form (the plan form, a planned meeting's details). */
export interface MeetingWhenForm {
  values: { title: string; date: string; time: string };
  /** Field errors (title, date, time) found before the service is asked; empty when there are none. */
  errors: Record<string, string>;
  /** The moment the date and time stand for on Amsterdam's wall clock; null with errors. */
  at: number | null;
}

/**
 * Read title, date and time from a posted form. The date and time are the
 * page's to explain (required, a date and time that exist); with either
 * wrong, the title is judged too by the meeting rules, so every field says
 * what is wrong at once.
 */
export function readMeetingWhen(form: FormData): MeetingWhenForm {
  const values = { title: String(form.get("title") ?? ""), date: String(form.get("date") ?? ""), time: String(form.get("time") ?? "") };
  const errors: Record<string, string> = {};
  if (!values.date) errors.date = "required";
  if (!values.time) errors.time = "required";
  const at = errors.date || errors.time ? null : amsterdamToMs(values.date, values.time);
  if (!errors.date && !errors.time && at === null) errors.date = "invalidDate";
  if (Object.keys(errors).length) {
    const title = checkMeetingInput({ title: values.title }, true).errors.title;
    if (title) errors.title = title;
  }
  return { values, errors, at: Object.keys(errors).length ? null : at };
}

/** The service's field errors on the form's fields (its `at` is the date field). */
export function whenFieldErrors(errors: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  if (errors.title) out.title = errors.title;
  if (errors.at) out.date = errors.at;
  return out;
}
