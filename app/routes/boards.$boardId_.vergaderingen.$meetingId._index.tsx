/**
 * /boards/<boardId>/vergaderingen/<meetingId> — one meeting: its proposed
 * agenda while planned (edit, reorder, add, start), the running meeting
 * (current item and its timer, decisions, actions, who is there, end), and
 * the record once ended (summary, actions with "gedaan", the minutes).
 * Every form is a plain post to this route's action, which calls the
 * meetings service (it checks role, alliance, state and input); field
 * errors come back per field with what was typed.
 *
 * (`_index` so that the minutes (`…/verslag`) and the presenter view
 * (`…/scherm`) are pages of their own, not nested in this one.)
 */
import { json, type ActionFunctionArgs, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { readBoard } from "~/board/domain";
import { MeetingPage, type MeetingActionResult, type MeetingPageData } from "~/components/meeting/MeetingPage";
import { requireBoard, requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { readMeetingWhen, sinceSummary, whenFieldErrors } from "~/services/meeting-pages.server";
import {
  addAction,
  addDecision,
  addItem,
  endMeeting,
  getMeeting,
  moveItem,
  removeDecision,
  removeItem,
  setAttendees,
  setCurrentItem,
  startMeeting,
  takeOver,
  updateAction,
  updateItem,
  updateMeeting,
} from "~/services/meetings.server";
import boardCss from "~/styles/board.css";
import meetingsCss from "~/styles/meetings.css";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: boardCss },
  { rel: "stylesheet", href: overviewCss },
  { rel: "stylesheet", href: meetingsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.meeting.title} · ${data.board.name} · Alliantiebord` : "Vergadering · Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const meeting = await getMeeting(svc, user, params.meetingId!);
  if (!meeting || meeting.boardId !== board.id) throw new Response("Not found", { status: 404 });
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const since = await sinceSummary(svc, user, board.id, meeting);
  const data: MeetingPageData = {
    board: { id: board.id, name: board.name, archived: board.archivedAt !== null },
    meeting,
    // Titles only (every member of the alliance sees them on the board); the select offers the cards in use.
    cards: snapshot.cards
      .map((c) => ({ id: c.id, title: c.title, archived: c.archived }))
      .sort((a, b) => a.title.localeCompare(b.title, "nl")),
    categories: snapshot.categories.map((c) => ({ id: c.id, label: c.label, color: c.color })),
    organisations: (await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, color: o.color })),
    since,
    user: { id: user.id, role: user.role, organisationId: user.organisationId },
    now: svc.now(),
  };
  return json(data, { headers: NO_STORE });
}

const str = (form: FormData, key: string) => String(form.get(key) ?? "");
const opt = (form: FormData, key: string) => str(form, key) || null;

/**
 * The meeting is worked on live: a form the server never answered (it went
 * away) says its change may not be saved and keeps what was typed, and the
 * meeting stays on screen, in place of the error page.
 */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function action({ request, params, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const meeting = await getMeeting(svc, user, params.meetingId!);
  if (!meeting || meeting.boardId !== board.id) throw new Response("Not found", { status: 404 });
  const form = await request.formData();
  const intent = str(form, "intent");
  const values = Object.fromEntries([...form.entries()].map(([k, v]) => [k, typeof v === "string" ? v : ""]));

  type Res = { ok: true } | { ok: false; status: number; error: string; errors?: Record<string, string> };
  // The attendee list is checked as a whole; its one error is about the name typed in.
  const fieldsOf = (errors: Record<string, string> | undefined) =>
    errors?.attendees ? { name: errors.attendees === "nameTooLong" ? "tooLong" : errors.attendees === "nameRequired" ? "required" : errors.attendees } : errors;
  const answer = async (res: Res | Promise<Res>, target?: string) => {
    const r = await res;
    if (r.ok) return json<MeetingActionResult>({ intent, ok: true, target }, { headers: NO_STORE });
    // Another alliance's or an unknown id, or a role that may not: as the API answers.
    if (r.status === 404 || r.status === 403) throw new Response(r.error, { status: r.status });
    return json<MeetingActionResult>({ intent, ok: false, target, error: r.error, errors: fieldsOf(r.errors), values }, { status: r.status, headers: NO_STORE });
  };
  const id = meeting.id;

  switch (intent) {
    case "start":
      return answer(await startMeeting(svc, user, id));
    case "end":
      return answer(await endMeeting(svc, user, id));
    case "take-over":
      return answer(await takeOver(svc, user, id));
    case "summary":
      return answer(await updateMeeting(svc, user, id, { summary: str(form, "summary") }));
    case "meeting": {
      // Title, date and time of a planned meeting, explained per field as the plan form does.
      const when = readMeetingWhen(form);
      if (Object.keys(when.errors).length) return json<MeetingActionResult>({ intent, ok: false, errors: when.errors, values }, { status: 422, headers: NO_STORE });
      const res = await updateMeeting(svc, user, id, { title: when.values.title, at: when.at });
      return answer(res.ok || !res.errors ? res : { ...res, errors: whenFieldErrors(res.errors) });
    }
    case "item-add":
      return answer(await addItem(svc, user, id, { title: str(form, "title"), kind: "free" }));
    case "item-edit":
      // This meeting's items only (an item of another meeting answers 404, as over the API).
      return answer(await updateItem(svc, user, str(form, "itemId"), { title: str(form, "title"), notes: str(form, "notes") }, id), str(form, "itemId"));
    case "item-remove":
      return answer(await removeItem(svc, user, str(form, "itemId"), id));
    case "item-up":
    case "item-down": {
      const itemId = str(form, "itemId");
      const order = meeting.agenda.map((i) => i.id);
      const at = order.indexOf(itemId);
      if (at < 0) throw new Response("Not found", { status: 404 });
      // Up: before the previous item. Down: before the one after next (or last).
      const before = intent === "item-up" ? order[at - 1] : order[at + 2] ?? null;
      if (intent === "item-up" && at === 0) return answer({ ok: true }, itemId);
      if (intent === "item-down" && at === order.length - 1) return answer({ ok: true }, itemId);
      return answer(await moveItem(svc, user, itemId, { before: before ?? null }, id), itemId);
    }
    case "item-current":
      return answer(await setCurrentItem(svc, user, id, str(form, "itemId")), str(form, "itemId"));
    case "decision-add":
      return answer(await addDecision(svc, user, id, { text: str(form, "text"), itemId: opt(form, "itemId"), requestId: opt(form, "requestId") }));
    case "decision-remove":
      return answer(await removeDecision(svc, user, id, str(form, "decisionId")));
    case "action-add":
      return answer(
        await addAction(svc, user, id, {
          text: str(form, "text"),
          orgId: str(form, "orgId"),
          due: str(form, "due"),
          requestId: opt(form, "requestId"),
          itemId: opt(form, "itemId"),
        }),
      );
    case "action-done": {
      const actionId = str(form, "actionId");
      // Only this meeting's actions from this page.
      if (!meeting.actions.some((a) => a.id === actionId)) throw new Response("Not found", { status: 404 });
      return answer(await updateAction(svc, user, actionId, { done: form.get("done") === "on" }), actionId);
    }
    case "attendee-add": {
      const name = str(form, "name").trim();
      if (!name) return json<MeetingActionResult>({ intent, ok: false, errors: { name: "required" }, values }, { status: 422, headers: NO_STORE });
      const kept = meeting.present.map((p) => ({ userId: p.userId, name: p.name, orgId: p.orgId }));
      return answer(await setAttendees(svc, user, id, [...kept, { userId: null, name, orgId: opt(form, "orgId") }]));
    }
    case "attendee-remove": {
      const attendeeId = str(form, "attendeeId");
      const kept = meeting.present.filter((p) => p.id !== attendeeId).map((p) => ({ userId: p.userId, name: p.name, orgId: p.orgId }));
      return answer(await setAttendees(svc, user, id, kept));
    }
    default:
      return json<MeetingActionResult>({ intent, ok: false, error: "unknown_intent" }, { status: 400, headers: NO_STORE });
  }
}


export default function MeetingRoute() {
  return <MeetingPage />;
}
