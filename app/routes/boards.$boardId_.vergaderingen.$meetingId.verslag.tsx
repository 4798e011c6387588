/**
 * /boards/<boardId>/vergaderingen/<meetingId>/verslag — the minutes as a
 * page to print (A4, black on white, no navigation or buttons on paper):
 * who was there, the summary, "since the last meeting" when the agenda had
 * it, every item with its notes, decisions and actions, and the board's
 * actions still open. The same content as `/api/meetings/<id>/minutes.md`.
 */
import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { readBoard } from "~/board/domain";
import { MinutesPage, type MinutesData } from "~/components/meeting/MinutesPage";
import { requireBoard, requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { sinceSummary } from "~/services/meeting-pages.server";
import { getMeeting, openActions } from "~/services/meetings.server";
import meetingsCss from "~/styles/meetings.css";
import overviewCss from "~/styles/overview.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: overviewCss },
  { rel: "stylesheet", href: meetingsCss },
];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `Notulen ${data.meeting.title} · ${data.board.name}` : "Notulen · Alliantiebord" },
];

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const meeting = await getMeeting(svc, user, params.meetingId!);
  if (!meeting || meeting.boardId !== board.id) throw new Response("Not found", { status: 404 });
  const snapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const since = await sinceSummary(svc, user, board.id, meeting);
  const own = new Set(meeting.actions.map((a) => a.id));
  const data: MinutesData = {
    board: { id: board.id, name: board.name },
    meeting,
    cards: Object.fromEntries(snapshot.cards.map((c) => [c.id, c.title])),
    categories: snapshot.categories.map((c) => ({ id: c.id, label: c.label, color: c.color })),
    organisations: (await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, color: o.color })),
    since,
    // Open actions of earlier meetings (this meeting's own are under its items).
    openElsewhere: (await openActions(svc, user, board.id) ?? []).filter((a) => !own.has(a.id)),
    now: svc.now(),
  };
  return json(data, { headers: { "Cache-Control": "private, no-store" } });
}

export default function MinutesRoute() {
  return <MinutesPage />;
}
