/**
 * The board screen. Renders from the loader's snapshot on the server and
 * until the live document is ready, then from the live Y.Doc (updates from
 * other browsers appear at once). All writes go through app/board/domain.ts.
 */
import { isWorkingOrganisation } from "~/board/front-door";
import { memo, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Form, Link, useSearchParams } from "@remix-run/react";
import { getCard, moveCard, moveColumn, setArchived } from "~/board/domain";
import type { BoardSnapshot } from "~/board/types";
import { useLocale, translator } from "~/i18n";
import { useOptionalUser } from "~/root";
import { viewFromSnapshot } from "~/hooks/board-store";
import { useBoardConnection } from "~/hooks/useBoardConnection";
import { useJoinedBoard, useRealtime, useRealtimeDown } from "~/hooks/useRealtime";
import { useNow } from "~/hooks/useNow";
import { useBoardView } from "~/hooks/useBoardView";
import { useRequestRights } from "~/hooks/useRequestRights";
import { useOwnershipActions } from "~/hooks/useOwnership";
import { stageOfColumn } from "~/board/stages";
import { HolderChoiceDialog, type HolderChoice } from "./ownership/HolderChoiceDialog";
import { PresenceContext, usePresence } from "~/hooks/usePresence";
import type { ActivityEntry } from "~/lib/sync-client";
import { useToast } from "~/components/toast/ToastProvider";
import { ArchivedPanel } from "./ArchivedPanel";
import { BoardColumns, type CardMove } from "./BoardColumns";
import { CardDialog } from "./CardDialog";
import { NowContext, type OrgInfo } from "./Card";
import { CategoriesDialog } from "./CategoriesDialog";
import { ColumnNameDialog, type ColumnDialogState } from "./ColumnNameDialog";
import { ConnectionStatus } from "./ConnectionStatus";
import { NewRequestDialog, type CreateActionData } from "./NewRequestDialog";
import { NewJobDialog } from "./jobs/NewJobDialog";
import { ActivityPanel, ActivityToggle } from "./activity/ActivityPanel";
import { FilterBar } from "./filters/FilterBar";
import { Swimlanes } from "./filters/Swimlanes";
import { OthersAnnouncer } from "./feedback/OthersAnnouncer";
import { useNewRequestReveal } from "./feedback/useNewRequestReveal";
import { categoryLabel, columnLabel } from "./labels";
import { PresenceBar } from "./presence/PresenceBar";
import { InboxButton } from "./ownership/InboxButton";
import { GettingStarted, type StartStepView } from "./GettingStarted";
import { MeetingBar } from "~/components/meeting/MeetingBar";
import { MoreMenu } from "./MoreMenu";

export interface BoardPageProps {
  /** `archived`: read-only for everyone (the page says so). */
  /** `generation`: the build of the board's document (boards.doc_generation) the live connection asks for. */
  board: { id: string; name: string; archived?: boolean; generation?: number };
  organisations: OrgInfo[];
  canEdit: boolean;
  /** A coordinator: may add, rename and reorder columns and add categories. */
  canManage?: boolean;
  snapshot: BoardSnapshot;
  serverNow: number;
  actionData?: CreateActionData;
  /** The newest activity entries (the loader's first page). */
  activity?: ActivityEntry[];
  /** A coordinator on a board nobody uses yet: what the alliance still needs (GettingStarted). */
  gettingStarted?: StartStepView[] | null;
  /** The teams a new job may belong to (empty: no team choice is shown). */
  jobTeams?: Array<{ id: string; name: string }>;
}

const NO_ACTIVITY: ActivityEntry[] = [];

// The page renders again whenever the board changes (a card moved by someone
// else, a new request). These parts do not show cards: they skip that render
// unless their own props changed.
const MemoFilterBar = memo(FilterBar);
const MemoPresenceBar = memo(PresenceBar);
const MemoConnectionStatus = memo(ConnectionStatus);
const MemoActivityToggle = memo(ActivityToggle);
const MemoNewRequestDialog = memo(NewRequestDialog);
const MemoCardDialog = memo(CardDialog);
const MemoCategoriesDialog = memo(CategoriesDialog);
const MemoColumnNameDialog = memo(ColumnNameDialog);

const NO_TEAMS: Array<{ id: string; name: string }> = [];

export function BoardPage({ board, organisations, canEdit, canManage = false, snapshot, serverNow, actionData, activity = NO_ACTIVITY, gettingStarted, jobTeams = NO_TEAMS }: BoardPageProps) {
  const locale = useLocale();
  const t = useMemo(() => translator(locale), [locale]);
  const user = useOptionalUser();
  const now = useNow(serverNow);
  const [searchParams] = useSearchParams();

  const { live, info, liveView, reconnect, rebuilt } = useBoardConnection(board.id, user?.id, board.generation);
  const snapshotView = useMemo(() => viewFromSnapshot(snapshot), [snapshot]);
  const view = liveView ?? snapshotView;
  const isLive = !!liveView;
  const doc = isLive ? live!.doc : null;
  const editable = canEdit && isLive;
  /** Columns and categories are managed by coordinators. */
  const manageable = canManage && editable;
  const offline = info.state === "offline";
  // Claims, referrals and comments go over socket.io: the header says when the document is live and they are not.
  const realtime = useRealtime();
  const realtimeJoinedOnce = useJoinedBoard() !== null;
  const actionsDown = useRealtimeDown(info.state === "connected");
  // The document came back (its own back-off): the actions' connection comes back with it, not at its next attempt.
  useEffect(() => {
    if (info.state === "connected" && realtimeJoinedOnce) realtime?.reconnect();
  }, [info.state, realtime, realtimeJoinedOnce]);
  const reconnectActions = useCallback(() => realtime?.reconnect(), [realtime]);

  // Keyed on the contents: a revalidated loader returns equal but new objects,
  // which must not re-render every card.
  const orgKey = JSON.stringify(organisations);
  const orgById = useMemo(
    () => new Map((JSON.parse(orgKey) as OrgInfo[]).map((o) => [o.id, o])),
    [orgKey],
  );
  // Who a dropped request can go to: not the front door's organisation.
  const workingOrganisations = useMemo(() => (JSON.parse(orgKey) as OrgInfo[]).filter(isWorkingOrganisation), [orgKey]);

  // ---------------------------------------------------------------- notices: toasts (spoken by their live regions)
  const toast = useToast();
  const onNotice = useCallback((message: string) => void toast.success(message), [toast]);
  const onError = useCallback(() => void toast.error(t("board.changeFailed")), [toast, t]);
  // Loaded again because the board was rebuilt (a person erased, old requests anonymised).
  useEffect(() => {
    if (rebuilt) void toast.success(t("erase.rebuiltNotice"));
  }, [rebuilt, toast, t]);

  // ---------------------------------------------------------------- new request
  // Without scripts the dialog is opened by ?nieuw=1 (a GET form) or by a post with errors.
  const fallbackErrors = actionData?.intent === "create" && !actionData.ok ? actionData : undefined;
  const [fallback, setFallback] = useState<CreateActionData | undefined>(fallbackErrors);
  useEffect(() => setFallback(fallbackErrors), [fallbackErrors]);
  const [newOpen, setNewOpen] = useState(() => searchParams.has("nieuw") || !!fallbackErrors);
  const closeNew = useCallback(() => {
    setNewOpen(false);
    setFallback(undefined);
  }, []);
  const revealRef = useRef<(id: string) => void>(() => {});
  const onCreated = useCallback((id: string) => {
    setNewOpen(false);
    setFallback(undefined);
    // Scrolled into view and highlighted once it is on the board, with a toast naming it.
    revealRef.current(id);
  }, []);
  // "Nieuwe vacature/activiteit" (issue 15).
  const [jobOpen, setJobOpen] = useState(false);
  const closeJob = useCallback(() => setJobOpen(false), []);
  const onJobCreated = useCallback((id: string) => {
    setJobOpen(false);
    revealRef.current(id);
  }, []);

  // ---------------------------------------------------------------- card dialog
  const [openCardId, setOpenCardId] = useState<string | null>(null);
  // ?kaart=<id> (links from the overview) opens that card once the page runs.
  const linkedCard = searchParams.get("kaart");
  useEffect(() => {
    if (linkedCard) setOpenCardId(linkedCard);
  }, [linkedCard]);
  const onOpenCard = useCallback((id: string) => setOpenCardId(id), []);
  const closeCard = useCallback(() => setOpenCardId(null), []);
  const openCard = openCardId ? view.cardById.get(openCardId) : undefined;

  // ---------------------------------------------------------------- presence, filters, activity
  const presence = usePresence(live?.connection.awareness, user?.id);
  const presenceStore = presence.store;
  const setPresenceHidden = useRef(presence.setHidden);
  setPresenceHidden.current = presence.setHidden;
  const onPresenceHidden = useCallback((hidden: boolean) => setPresenceHidden.current(hidden), []);
  useEffect(() => presenceStore?.setEditing(editable && openCardId ? openCardId : null), [presenceStore, editable, openCardId]);
  const { categoryById } = view;
  const laneCategoryLabel = useCallback((id: string) => categoryLabel(t, categoryById.get(id)), [t, categoryById]);
  const shown = useBoardView(view, {
    orgById,
    myOrgId: user?.organisationId,
    now,
    categoryLabel: laneCategoryLabel,
    otherLabel: t("filter.lane.other"),
  });
  revealRef.current = useNewRequestReveal({ cardById: view.cardById, columns: view.columns, clearFilters: shown.clearFilters, t });
  // Who may change which request: the sync server's rules, so no control here would be refused.
  const rights = useRequestRights(view, user, editable);
  const onRefusedMove = useCallback(
    (cardId: string, toColumn: string) => {
      const v = viewRef.current;
      const column = v.columns.find((c) => c.id === toColumn);
      toast.error(t("rights.moveRefused", { title: v.cardById.get(cardId)?.title ?? "", column: column ? columnLabel(t, column) : toColumn }));
    },
    [toast, t],
  );
  // The server undid a move of ours because another organisation holds the request: say who.
  useEffect(() => {
    const notes = live?.connection.getNotice()?.notes ?? [];
    for (const note of notes) {
      const [kind, org, cardId] = note.split(":");
      if (kind !== "held-by" || !org || !cardId) continue;
      const title = viewRef.current.cardById.get(cardId)?.title ?? "";
      toast.error(t("rights.heldElsewhere", { title, org: orgById.get(org)?.shortName ?? "?" }));
      break;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [info.notices]);
  // A coordinator dropped a request nobody holds into a held column: who takes it on?
  const [holderChoice, setHolderChoice] = useState<(HolderChoice & { index: number }) | null>(null);
  const onChooseHolder = useCallback(
    (cardId: string, toColumn: string, index: number) => {
      const v = viewRef.current;
      const column = v.columns.find((c) => c.id === toColumn);
      setHolderChoice({ cardId, title: v.cardById.get(cardId)?.title ?? "", column: toColumn, columnLabel: column ? columnLabel(t, column) : toColumn, index });
    },
    [t],
  );
  const closeHolderChoice = useCallback(() => setHolderChoice(null), []);
  const ownershipAction = useOwnershipActions();
  const onHolderChosen = useCallback(
    async (choice: HolderChoice, orgId: string) => {
      const ack = await ownershipAction(choice.cardId, { type: "reassign", to: orgId });
      if (!ack.ok) {
        toast.error(t("holderChoice.failed", { title: choice.title }));
        return false;
      }
      // The server put it in the first held column; then it goes where it was dropped.
      if (doc && holderChoice) {
        const target = choice.column;
        const index = holderChoice.index;
        const settle = (tries: number) => {
          const c = getCard(doc, choice.cardId);
          const stage = c ? stageOfColumn(viewRef.current.columns, c.column) : null;
          if (c && stage === "held" && c.column !== target) moveCard(doc, choice.cardId, target, index, Date.now());
          else if (stage !== "held" && tries > 0) window.setTimeout(() => settle(tries - 1), 100);
        };
        settle(30);
      }
      const org = orgById.get(orgId);
      onNotice(t("own.done.reassign", { title: choice.title, org: org?.shortName ?? "" }));
      return true;
    },
    [ownershipAction, toast, t, doc, holderChoice, orgById, onNotice],
  );
  const [activityOpen, setActivityOpen] = useState(false);
  const closeActivity = useCallback(() => setActivityOpen(false), []);
  const toggleActivity = useCallback(() => setActivityOpen((v) => !v), []);

  // ---------------------------------------------------------------- columns
  const [columnDialog, setColumnDialog] = useState<ColumnDialogState>(null);
  const closeColumnDialog = useCallback(() => setColumnDialog(null), []);
  const viewRef = useRef(view);
  viewRef.current = view;
  const onRenameColumn = useCallback((columnId: string) => {
    const column = viewRef.current.columns.find((c) => c.id === columnId);
    if (column) setColumnDialog({ mode: "rename", column });
  }, []);
  const onMoveColumn = useCallback(
    (columnId: string, delta: -1 | 1) => {
      if (!doc) return;
      const columns = viewRef.current.columns;
      const index = columns.findIndex((c) => c.id === columnId);
      const target = index + delta;
      if (index < 0 || target < 0 || target >= columns.length) return;
      try {
        moveColumn(doc, columnId, target);
      } catch {
        onError();
        return;
      }
      onNotice(t("toast.columnMoved", { name: columnLabel(t, columns[index]) }));
      // Keep the keyboard focus on the same button of the moved column.
      const direction = delta < 0 ? "left" : "right";
      requestAnimationFrame(() => {
        const el = document.querySelector<HTMLButtonElement>(
          `[data-column-id="${CSS.escape(columnId)}"] [data-move="${direction}"]`,
        );
        if (el && !el.disabled) el.focus();
        else document.querySelector<HTMLButtonElement>(`[data-column-id="${CSS.escape(columnId)}"] [data-move]:not(:disabled)`)?.focus();
      });
    },
    [doc, onError, onNotice, t],
  );

  // ---------------------------------------------------------------- a move of this person's: a toast with Undo
  const docRef = useRef(doc);
  docRef.current = doc;
  const onMoved = useCallback(
    (m: CardMove) => {
      const v = viewRef.current;
      const title = v.cardById.get(m.cardId)?.title ?? "";
      const name = (id: string) => {
        const c = v.columns.find((col) => col.id === id);
        return c ? columnLabel(t, c) : "";
      };
      const undo = () => {
        const d = docRef.current;
        const now = d ? getCard(d, m.cardId) : null;
        // Only while the card is still where this move put it: otherwise Undo would overwrite someone else's move.
        if (!d || !now || now.archived || now.column !== m.to) {
          toast.error(t("toast.undoFailed"));
          return;
        }
        try {
          moveCard(d, m.cardId, m.from, m.fromIndex, Date.now());
          toast.success(t("toast.undone.move", { title, column: name(m.from) }));
        } catch {
          toast.error(t("toast.undoFailed"));
        }
      };
      const message =
        m.from === m.to ? t("toast.reordered", { title, column: name(m.to) }) : t("toast.moved", { title, column: name(m.to) });
      // A drag and "Verplaats naar…" alike; the toast's polite region says it.
      toast.success(message, m.fromIndex >= 0 ? { action: { label: t("toast.undo"), onAction: undo } } : undefined);
    },
    [toast, t],
  );

  // ---------------------------------------------------------------- categories, archive
  const [categoriesOpen, setCategoriesOpen] = useState(false);
  const closeCategories = useCallback(() => setCategoriesOpen(false), []);
  const [showArchived, setShowArchived] = useState(false);
  const onRestore = useCallback(
    (id: string) => {
      if (!doc) return;
      try {
        setArchived(doc, id, false, Date.now());
        const title = viewRef.current.cardById.get(id)?.title ?? "";
        onNotice(t("card.restored", { title }));
      } catch {
        onError();
      }
    },
    [doc, onNotice, onError, t],
  );

  const cardCount = view.columns.reduce((n, c) => n + (view.cardsByColumn[c.id]?.length ?? 0), 0);

  /** What the plain columns and the swimlanes both get. */
  const columnProps = {
    doc,
    // Column tools (rename, reorder) are the coordinator's; moving cards is every member's.
    editable: manageable,
    draggable: editable,
    locale,
    orgById,
    onOpenCard,
    onRenameColumn,
    onMoveColumn,
    onError,
    onDragActivity: presenceStore?.setDragging,
    onMoved,
    rights,
    onRefusedMove,
    onChooseHolder: manageable ? onChooseHolder : undefined,
  };

  return (
    <main id="main" className="board-page" data-testid="board" data-live={isLive ? "true" : "false"}>
      <div className="board-header">
        <div className="board-heading">
          <h1>{board.name}</h1>
          <p className="muted small board-summary">
            {t("board.summary", { count: cardCount })}
            {board.archived ? ` · ${t("boards.archivedNote")}` : !canEdit ? ` · ${t("board.viewerNote")}` : ""}
          </p>
        </div>
        <MemoPresenceBar
          people={presence.people}
          hidden={presence.hidden}
          onHiddenChange={onPresenceHidden}
          available={!!presenceStore}
          connected={info.state !== "offline" && info.state !== "refused"}
          t={t}
        />
        <MemoConnectionStatus
          state={actionsDown ? "partial" : info.state}
          notices={info.notices}
          onReconnect={actionsDown ? reconnectActions : reconnect}
          canReconnect={!!live}
          t={t}
        />
      </div>
      {board.archived ? (
        <p className="alert info" data-testid="board-archived">
          {t("boards.archivedBanner")}
        </p>
      ) : null}

      {gettingStarted ? <GettingStarted steps={gettingStarted} boardId={board.id} /> : null}

      <div className="board-toolbar">
        {canEdit ? (
          <Form method="get" className="inline-form">
            <button
              type="submit"
              name="nieuw"
              value="1"
              className="button"
              data-testid="new-request"
              onClick={(e) => {
                e.preventDefault();
                setNewOpen(true);
              }}
            >
              <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
                <path d="M12 5v14M5 12h14" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
              </svg>
              {t("board.newRequest")}
            </button>
          </Form>
        ) : null}
        {canEdit ? (
          <button type="button" className="button secondary" onClick={() => setJobOpen(true)} disabled={!doc} data-testid="new-job" title={t("job.create.title")}>
            <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
              <path d="M12 5v14M5 12h14" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
            </svg>
            {t("board.newJob")}
          </button>
        ) : null}
        <button
          type="button"
          className="button secondary"
          onClick={() => setCategoriesOpen(true)}
          data-testid="categories"
        >
          {t("category.button")}
        </button>
        <button
          type="button"
          className="button secondary"
          aria-pressed={showArchived}
          onClick={() => setShowArchived((v) => !v)}
          data-testid="toggle-archived"
        >
          {t("board.showArchived")}
          <span className="badge">{view.archived.length}</span>
        </button>
        <MemoActivityToggle open={activityOpen} onToggle={toggleActivity} t={t} />
        <InboxButton boardId={board.id} cardById={view.cardById} onOpenCard={onOpenCard} onNotice={onNotice} />
        <Link to={`/boards/${board.id}/vergaderingen`} className="button secondary" data-testid="meetings-link">
          {t("mtg.link")}
        </Link>
        {/* The rarer pages behind one button, so the toolbar stays one row at 1440 px. */}
        <MoreMenu t={t}>
          <ul className="more-menu-list">
            {canManage ? (
              <li>
                <button
                  type="button"
                  className="more-menu-item"
                  onClick={() => setColumnDialog({ mode: "add" })}
                  disabled={!manageable}
                  data-testid="add-column"
                >
                  {t("column.add")}
                </button>
              </li>
            ) : null}
            <li>
              <Link to={`/boards/${board.id}/overzicht`} className="more-menu-item" data-testid="overview-link">
                {t("ov.link")}
              </Link>
            </li>
            <li>
              <Link to={`/boards/${board.id}/sinds`} className="more-menu-item" data-testid="since-link">
                {t("agenda.since")}
              </Link>
            </li>
            <li>
              <Link to={`/boards/${board.id}/verleden`} className="more-menu-item" data-testid="history-link">
                {t("hist.link")}
              </Link>
            </li>
            {user?.role === "coordinator" ? (
              <li>
                {/* Also on an archived board: its people can still ask to be forgotten. */}
                <Link to={`/boards/${board.id}/vergeten`} className="more-menu-item" data-testid="forget-link">
                  {t("erase.link")}
                </Link>
              </li>
            ) : null}
            <li>
              {/* One place for a list in or out: the import page has the CSV export too. */}
              {canEdit && !board.archived ? (
                <Link to={`/boards/${board.id}/importeren`} className="more-menu-item" data-testid="import-link">
                  {t("import.link")}
                </Link>
              ) : (
                <a href={`/api/boards/${board.id}/export.csv`} className="more-menu-item" download data-testid="export-csv">
                  {t("export.csv")}
                </a>
              )}
            </li>
          </ul>
        </MoreMenu>
      </div>

      {canEdit && !isLive && live ? <p className="alert info small">{t("board.loadingLive")}</p> : null}

      <MeetingBar boardId={board.id} userId={user?.id} openCardId={openCardId} onOpenCard={onOpenCard} onCloseCard={closeCard} cardById={view.cardById} t={t} />

      <MemoFilterBar
        filters={shown.filters}
        setFilters={shown.setFilters}
        clearFilters={shown.clearFilters}
        active={shown.active}
        shown={shown.shown}
        total={shown.total}
        categories={view.categories}
        organisations={organisations}
        ownersKnown={shown.ownersKnown}
        hasOrg={!!user?.organisationId}
        t={t}
      />

      <OthersAnnouncer boardId={board.id} view={view} orgById={orgById} locale={locale} userId={user?.id} />

      <NowContext.Provider value={now}>
        <PresenceContext.Provider value={presenceStore}>
        {shown.lanes && shown.filters.lanes ? (
          <Swimlanes lanes={shown.lanes} mode={shown.filters.lanes} t={t} {...columnProps} />
        ) : (
        <BoardColumns view={shown.view} {...columnProps} />
        )}
        </PresenceContext.Provider>
      </NowContext.Provider>

      {showArchived ? (
        <ArchivedPanel
          cards={view.archived}
          columns={view.columns}
          categoryById={view.categoryById}
          editable={editable}
          onRestore={onRestore}
          onOpen={onOpenCard}
          t={t}
        />
      ) : null}

      <ActivityPanel
        open={activityOpen}
        onClose={closeActivity}
        boardId={board.id}
        initial={activity}
        view={view}
        orgById={orgById}
        locale={locale}
        now={now}
        onOpenCard={onOpenCard}
      />

      {canEdit ? (
        <MemoNewRequestDialog
          open={newOpen}
          onClose={closeNew}
          onCreated={onCreated}
          boardId={board.id}
          categories={view.categories}
          locale={locale}
          offline={offline}
          fallback={fallback}
        />
      ) : null}
      {canEdit ? (
        <NewJobDialog open={jobOpen} onClose={closeJob} onCreated={onJobCreated} boardId={board.id} categories={view.categories} teams={jobTeams} locale={locale} offline={offline} />
      ) : null}
      <HolderChoiceDialog
        choice={holderChoice}
        organisations={workingOrganisations}
        onChoose={onHolderChosen}
        onClose={closeHolderChoice}
        t={t}
      />
      <MemoCardDialog
        card={openCard}
        onClose={closeCard}
        boardId={board.id}
        doc={doc}
        categories={view.categories}
        categoryById={view.categoryById}
        columns={view.columns}
        orgById={orgById}
        locale={locale}
        now={now}
        editable={editable && !!openCard && rights.mayChange(openCard.id)}
        readOnlyNote={editable && !!openCard && !rights.mayChange(openCard.id) ? t("rights.readOnly") : undefined}
        canComment={canEdit}
        offline={offline}
        onNotice={onNotice}
        forgetHref={user?.role === "coordinator" && openCard ? `/boards/${board.id}/vergeten?kaart=${encodeURIComponent(openCard.id)}` : undefined}
      />
      <MemoCategoriesDialog
        open={categoriesOpen}
        onClose={closeCategories}
        categories={view.categories}
        doc={doc}
        editable={manageable}
        t={t}
        onNotice={onNotice}
      />
      <MemoColumnNameDialog
        state={columnDialog}
        onClose={closeColumnDialog}
        doc={doc}
        columnCount={view.columns.length}
        t={t}
        onNotice={onNotice}
      />
    </main>
  );
}
