/**
 * /boards/<boardId>/vergaderingen/<meetingId>/scherm — the presenter view for
 * the beamer in the room: the meeting's title, the current agenda item (big),
 * its timer (mm:ss, live), and its cards: the board's live cards filtered by
 * the facilitator's view (the item's saved view until the facilitator sends
 * one) with the same filter code as the board, the card under discussion
 * first and emphasised. The "since the last meeting" item shows its totals
 * as large figures instead (or says that there was no earlier meeting).
 * Large type, high contrast, no controls (the top bar is hidden by this
 * page's style sheet). Always follows the facilitator.
 *
 * (`$boardId_` and `$meetingId_`: the page renders on its own, without the
 * board's or the meeting page's layout.)
 */
import { json, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { useEffect, useMemo, useRef, useState } from "react";
import { readBoard } from "~/board/domain";
import { cardMatcher, parseFilters, stageLookupFor } from "~/board/filters";
import {
  INITIAL_FOLLOWER,
  cleanFollowState,
  formatClock,
  itemElapsed,
  itemView,
  receiveFollow,
  type FollowerState,
} from "~/board/follow";
import type { FollowState, MeetingRecord } from "~/board/meeting";
import { SUMMARY_KEYS, type SinceSummary } from "~/board/summary";
import type { BoardSnapshot, CardView } from "~/board/types";
import { categoryLabel, columnLabel, safeColor } from "~/components/board/labels";
import { summaryKeyLabel } from "~/components/meeting/SinceSummary";
import { viewFromSnapshot } from "~/hooks/board-store";
import { useBoardConnection } from "~/hooks/useBoardConnection";
import { OwnershipProvider, useOwnershipContext } from "~/hooks/useOwnership";
import { RealtimeProvider, useRealtime, useRealtimeConnected } from "~/hooks/useRealtime";
import { translator, useLocale } from "~/i18n";
import { requireBoard, requireUser } from "~/services/auth.server";
import { organisationsFor } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { sinceSummary } from "~/services/meeting-pages.server";
import { getMeeting } from "~/services/meetings.server";
import { boardOwnershipState } from "~/services/ownership.server";
import presenterCss from "~/styles/presenter.css";

export const links: LinksFunction = () => [{ rel: "stylesheet", href: presenterCss }];

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.meeting.title} · ${data.board.name} · Alliantiebord` : "Alliantiebord" },
];

const NO_STORE = { "Cache-Control": "private, no-store" };
/** Cards on the screen at most; the rest are counted. */
const MAX_CARDS = 9;

/** The top bar's language switch posts from every page: a switch the server never answered leaves this page as it is, where loading its data again would fail the same way and show the error page (app/lib/unanswered.ts). */
export { revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

export async function loader({ request, params, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const board = await requireBoard(svc, request, user, params.boardId!);
  const meeting = await getMeeting(svc, user, params.meetingId!);
  // Another board's (or alliance's) meeting is as unknown as a made-up id.
  if (!meeting || meeting.boardId !== board.id) throw new Response("Not found", { status: 404 });
  const snapshot: BoardSnapshot = await svc.rooms.withDoc(board.id, (doc) => readBoard(doc));
  const organisations = (await organisationsFor(svc, user)).map((o) => ({ id: o.id, name: o.name, shortName: o.shortName, color: o.color }));
  // The figures of the "since the last meeting" item, as the meeting page shows them (as of this page's load).
  const since = await sinceSummary(svc, user, board.id, meeting);
  return json(
    {
      board: { id: board.id, name: board.name },
      meeting,
      since,
      snapshot,
      organisations,
      ownership: await boardOwnershipState(svc, user, board.id),
      user: { id: user.id, organisationId: user.organisationId },
      now: svc.now(),
    },
    { headers: NO_STORE },
  );
}

export default function PresenterRoute() {
  const data = useLoaderData<typeof loader>();
  return (
    <RealtimeProvider boardId={data.board.id}>
      <OwnershipProvider boardId={data.board.id} initial={data.ownership} organisations={data.organisations} readOnly>
        <Presenter />
      </OwnershipProvider>
    </RealtimeProvider>
  );
}

/** The running meeting and the facilitator's newest state, always followed. */
function usePresenterFollow(boardId: string, initial: MeetingRecord) {
  const realtime = useRealtime();
  const connected = useRealtimeConnected();
  const [meeting, setMeeting] = useState<MeetingRecord | null>(initial.status === "running" ? initial : null);
  const meetingRef = useRef(meeting);
  meetingRef.current = meeting;
  const follower = useRef<FollowerState>({ ...INITIAL_FOLLOWER, following: true });
  const [state, setState] = useState<FollowState | null>(null);
  const [itemSince, setItemSince] = useState<{ itemId: string | null; at: number } | null>(null);

  useEffect(() => {
    if (!realtime) return;
    const receive = (raw: unknown) => {
      const s = cleanFollowState(raw);
      if (!s || s.boardId !== boardId || s.meetingId !== initial.id) return;
      const r = receiveFollow(follower.current, s, "");
      follower.current = r.state;
      if (!r.change) return;
      setState(s);
      setItemSince((before) => (before && before.itemId === s.itemId ? before : { itemId: s.itemId, at: Date.now() }));
    };
    const load = async () => {
      const ack = await realtime.meetingCurrent();
      if (!ack.ok) return;
      const m = ack.meeting && ack.meeting.id === initial.id && ack.meeting.status === "running" ? ack.meeting : null;
      setMeeting(m);
      if (m && ack.follow) receive(ack.follow);
    };
    if (connected) void load();
    const offs = [
      realtime.on("meeting:changed", (p) => {
        if (p.boardId === boardId) void load();
      }),
      realtime.on("meeting:follow", receive),
    ];
    return () => offs.forEach((off) => off());
  }, [realtime, connected, boardId, initial.id]);

  return { meeting, state, itemSince };
}

function Presenter() {
  const data = useLoaderData<typeof loader>();
  const locale = useLocale();
  const t = useMemo(() => translator(locale), [locale]);
  const { live, liveView } = useBoardConnection(data.board.id, data.user.id);
  const snapshotView = useMemo(() => viewFromSnapshot(data.snapshot as BoardSnapshot), [data.snapshot]);
  const view = liveView ?? snapshotView;
  const { meeting, state, itemSince } = usePresenterFollow(data.board.id, data.meeting as MeetingRecord);
  const ownership = useOwnershipContext();
  const orgById = useMemo(() => new Map(data.organisations.map((o) => [o.id, o])), [data.organisations]);

  const [now, setNow] = useState(data.now);
  useEffect(() => {
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, []);

  const itemId = state ? state.itemId : meeting?.currentItemId ?? null;
  const item = meeting?.agenda.find((i) => i.id === itemId) ?? null;
  const savedView = state ? state.view : itemView(item?.view);
  const focusId = savedView.cardId;

  // The same filter code as the board (app/board/filters.ts), on the live cards.
  const cards = useMemo(() => {
    const filters = parseFilters(new URLSearchParams(savedView.query));
    const store = ownership?.store;
    const keep = cardMatcher(filters, {
      myOrgId: data.user.organisationId,
      now: Date.now(),
      ownerOf: store ? (id) => store.get(id).owner?.id ?? null : undefined,
      stageOf: stageLookupFor(view.columns),
    });
    const out: CardView[] = [];
    for (const column of view.columns) for (const card of view.cardsByColumn[column.id] ?? []) if (!keep || keep(card)) out.push(card);
    // With no filter at all the item is about one card (or none): not the whole board.
    if (!keep) return focusId ? out.filter((c) => c.id === focusId) : [];
    return out;
  }, [savedView.query, focusId, view, ownership, data.user.organisationId]);
  const focused = focusId ? view.cardById.get(focusId) : undefined;
  const ordered = focused && !focused.archived ? [focused, ...cards.filter((c) => c.id !== focused.id)] : cards;
  const shown = ordered.slice(0, MAX_CARDS);

  const elapsed = item
    ? meeting?.currentItemId === item.id && item.currentSince !== null
      ? itemElapsed(item, now)
      : itemElapsed({ spentMs: item.spentMs, currentSince: itemSince?.itemId === item.id ? itemSince.at : null }, now)
    : 0;
  const columnName = (id: string) => {
    const c = view.columns.find((col) => col.id === id);
    return c ? columnLabel(t, c) : "";
  };

  return (
    <main id="main" className="presenter" data-testid="presenter" data-live={live ? "true" : "false"}>
      <header className="presenter-head">
        <h1 className="presenter-meeting">{data.meeting.title}</h1>
        <p className="presenter-board">{data.board.name}</p>
      </header>
      {!meeting ? (
        <p className="presenter-none" data-testid="presenter-none">
          {t("follow.screen.noMeeting")}
        </p>
      ) : (
        <>
          <section className="presenter-item" aria-labelledby="presenter-item-title">
            <h2 id="presenter-item-title" className="presenter-item-title" data-testid="presenter-item">
              {item ? item.title : t("follow.bar.noItem")}
            </h2>
            {item ? (
              <p className="presenter-timer" data-testid="presenter-timer">
                <span className="visually-hidden">{t("follow.screen.timer")}: </span>
                <time suppressHydrationWarning>{formatClock(elapsed)}</time>
              </p>
            ) : null}
          </section>
          {item?.kind === "since" ? (
            <SinceFigures since={data.since as SinceSummary | null} t={t} />
          ) : (
            <section className="presenter-cards" aria-label={t("follow.screen.cards")}>
              {shown.length === 0 ? (
                <p className="presenter-empty">{t("follow.screen.noCards")}</p>
              ) : (
                <ul className="presenter-list" data-testid="presenter-cards">
                  {shown.map((card) => {
                    const category = view.categoryById.get(card.category);
                    const discussed = card.id === focusId;
                    return (
                      <li
                        key={card.id}
                        className={`presenter-card${discussed ? " is-discussed" : ""}`}
                        style={{ borderLeftColor: safeColor(category?.color) }}
                        data-testid={`presenter-card-${card.id}`}
                        data-discussed={discussed ? "true" : undefined}
                      >
                        {discussed ? <span className="presenter-discussed">{t("follow.card.discussed")}</span> : null}
                        <span className="presenter-card-title">{card.title}</span>
                        <span className="presenter-card-meta">
                          {categoryLabel(t, category)} · {columnName(card.column)}
                          {orgById.get(card.createdByOrg) ? ` · ${orgById.get(card.createdByOrg)!.shortName}` : ""}
                        </span>
                      </li>
                    );
                  })}
                </ul>
              )}
              {ordered.length > shown.length ? (
                <p className="presenter-more">{t("follow.screen.more", { count: ordered.length - shown.length })}</p>
              ) : null}
            </section>
          )}
        </>
      )}
    </main>
  );
}

/** The totals of "since the last meeting" in large figures; the breakdowns stay on the meeting page. */
function SinceFigures({ since, t }: { since: SinceSummary | null; t: ReturnType<typeof translator> }) {
  if (!since) {
    return (
      <p className="presenter-empty" data-testid="presenter-since-none">
        {t("follow.screen.sinceNone")}
      </p>
    );
  }
  return (
    <section aria-label={t("follow.screen.sinceFigures")}>
      <ul className="presenter-figures" data-testid="presenter-since">
        {SUMMARY_KEYS.map((key) => (
          <li key={key} className={`presenter-figure${since.totals[key].count === 0 ? " is-zero" : ""}`} data-key={key}>
            <span className="presenter-figure-count">{since.totals[key].count}</span>
            <span className="presenter-figure-label">{summaryKeyLabel(t, key, since.staleDays)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
