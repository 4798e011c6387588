/**
 * A card's history and comments, inside the card dialog.
 *
 * History: GET /api/boards/:id/activity?request=<id>, merged with live
 * 'activity:new' entries of this request. Comments: GET …/comments, new ones
 * from others arrive live ('comment:new'); one's own go through
 * realtime.comment(...) and are shown once the server acknowledged them.
 * Viewers read but cannot comment.
 */
import { useToast } from "~/components/toast/ToastProvider";
import { useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import type { CardView, CategoryView, ColumnView } from "~/board/types";
import { useRealtime } from "~/hooks/useRealtime";
import { translator, type Locale, type MessageKey, type Translate } from "~/i18n";
import type { ActivityEntry, CommentEntry } from "~/lib/sync-client";
import type { OrgInfo } from "../Card";
import { cardAge } from "../labels";
import { ActivityItem, fetchActivity } from "./ActivityPanel";
import { PersonalDataWarning, removeFromFields } from "../PersonalDataWarning";
import { mergeEntries, type ActivityNames } from "./describe";

export const COMMENT_MAX = 2000;

function commentsUrl(boardId: string, requestId: string) {
  return `/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(requestId)}/comments`;
}

function mergeComments(current: readonly CommentEntry[], incoming: readonly CommentEntry[]): CommentEntry[] {
  const byId = new Map(current.map((c) => [c.id, c]));
  let added = false;
  for (const c of incoming) {
    if (!byId.has(c.id)) added = true;
    byId.set(c.id, c);
  }
  if (!added) return current as CommentEntry[];
  return [...byId.values()].sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
}

const COMMENT_ERRORS: Record<string, MessageKey> = {
  offline: "act.comment.error.offline",
  timeout: "act.comment.error.offline",
  forbidden: "act.comment.error.forbidden",
  required: "act.comment.error.required",
  tooLong: "act.comment.error.tooLong",
  not_found: "act.comment.error.notFound",
};

function useCardHistory(boardId: string, requestId: string) {
  const realtime = useRealtime();
  const [entries, setEntries] = useState<ActivityEntry[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    fetchActivity(boardId, { request: requestId }, abort.signal)
      .then((rows) => setEntries((cur) => mergeEntries(cur ?? [], rows)))
      .catch(() => {
        if (!abort.signal.aborted) setFailed(true);
      });
    return () => abort.abort();
  }, [boardId, requestId]);
  useEffect(
    () =>
      realtime?.on("activity:new", (rows) => {
        const mine = rows.filter((r) => r.requestId === requestId);
        if (mine.length) setEntries((cur) => mergeEntries(cur ?? [], mine));
      }),
    [realtime, requestId],
  );
  return { entries, failed };
}

function useComments(boardId: string, requestId: string) {
  const realtime = useRealtime();
  const [comments, setComments] = useState<CommentEntry[] | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    const abort = new AbortController();
    fetch(commentsUrl(boardId, requestId), {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort.signal,
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        const list = (await res.json()) as CommentEntry[];
        setComments((cur) => mergeComments(cur ?? [], list));
      })
      .catch(() => {
        if (!abort.signal.aborted) setFailed(true);
      });
    return () => abort.abort();
  }, [boardId, requestId]);
  useEffect(
    () =>
      realtime?.on("comment:new", (c) => {
        if (c.requestId === requestId) setComments((cur) => mergeComments(cur ?? [], [c]));
      }),
    [realtime, requestId],
  );
  const add = (c: CommentEntry) => setComments((cur) => mergeComments(cur ?? [], [c]));
  return { comments, failed, add };
}

export interface CardActivityProps {
  boardId: string;
  card: CardView;
  /** Members and coordinators may comment; viewers only read. */
  canComment: boolean;
  columns: readonly ColumnView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  orgById: ReadonlyMap<string, OrgInfo>;
  locale: Locale;
  now: number;
}

export function CardActivity({ boardId, card, canComment, columns, categoryById, orgById, locale, now }: CardActivityProps) {
  const t = translator(locale);
  const headingId = useId();
  const historyId = useId();
  const commentsId = useId();
  const history = useCardHistory(boardId, card.id);
  const comments = useComments(boardId, card.id);
  const title = card.title;
  const names: ActivityNames = useMemo(
    () => ({
      cardTitle: (id: string) => (id === card.id ? title : undefined),
      columns,
      categoryById,
      orgName: (id: string) => orgById.get(id)?.shortName,
    }),
    [card.id, title, columns, categoryById, orgById],
  );

  return (
    <section className="card-activity" aria-labelledby={headingId} data-testid="card-activity">
      <h2 id={headingId} className="visually-hidden">
        {t("act.card.heading")}
      </h2>
      <div className="card-activity-grid">
        <ActivityColumn
          headingId={commentsId}
          className="card-comments"
          testId="card-comments"
          title={t("act.comments.title")}
          items={comments.comments}
          failed={comments.failed}
          failedText={t("act.comments.loadFailed")}
          loadingText={t("act.loading")}
          emptyText={t("act.comments.empty")}
          list={(items) => (
            <ol className="comment-list">
              {items.map((c) => (
                <li key={c.id} className="comment" data-comment-id={c.id}>
                  <p className="comment-meta small">
                    <strong>{c.userName ?? t("act.someone")}</strong>
                    {c.orgName ? <span className="muted"> ({c.orgName})</span> : null}
                    <span className="muted">
                      {" · "}
                      <time dateTime={new Date(c.createdAt).toISOString()} suppressHydrationWarning>
                        {cardAge(t, c.createdAt, Math.max(now, c.createdAt), locale)}
                      </time>
                    </span>
                  </p>
                  <p className="comment-body">{c.body}</p>
                </li>
              ))}
            </ol>
          )}
        >
          {canComment ? (
            <CommentForm requestId={card.id} title={card.title} t={t} onAdded={comments.add} />
          ) : (
            <p className="muted small">{t("act.comments.viewerNote")}</p>
          )}
        </ActivityColumn>
        <ActivityColumn
          headingId={historyId}
          className="card-history"
          testId="card-history"
          title={t("act.history.title")}
          items={history.entries}
          failed={history.failed}
          failedText={t("act.loadFailed")}
          loadingText={t("act.loading")}
          emptyText={t("act.history.empty")}
          list={(items) => (
            <ol className="activity-list compact">
              {items.map((entry) => (
                <ActivityItem key={entry.id} entry={entry} names={names} t={t} locale={locale} now={now} />
              ))}
            </ol>
          )}
        />
      </div>
    </section>
  );
}

/**
 * One half of the card's activity: a headed section that shows a loading,
 * failed or empty state until its items are there, then the list.
 */
function ActivityColumn<T>({
  headingId,
  className,
  testId,
  title,
  items,
  failed,
  failedText,
  loadingText,
  emptyText,
  list,
  children,
}: {
  headingId: string;
  className: string;
  testId: string;
  title: string;
  items: readonly T[] | null;
  failed: boolean;
  failedText: string;
  loadingText: string;
  emptyText: string;
  list: (items: readonly T[]) => ReactNode;
  children?: ReactNode;
}) {
  return (
    <section aria-labelledby={headingId} className={className} data-testid={testId}>
      <h3 id={headingId} className="small-heading">
        {title}
      </h3>
      {items === null ? (
        failed ? (
          <p className="alert error small" role="alert">
            {failedText}
          </p>
        ) : (
          <p className="muted small">{loadingText}</p>
        )
      ) : items.length === 0 ? (
        <p className="muted small">{emptyText}</p>
      ) : (
        list(items)
      )}
      {children}
    </section>
  );
}

function CommentForm({
  requestId,
  title,
  t,
  onAdded,
}: {
  requestId: string;
  title: string;
  t: Translate;
  onAdded: (c: CommentEntry) => void;
}) {
  const realtime = useRealtime();
  const toast = useToast();
  const fieldId = useId();
  const errorId = useId();
  const [body, setBody] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  /** The text the server refused for personal data, while the warning asks what to do. */
  const [pdText, setPdText] = useState<string | null>(null);
  const textRef = useRef<HTMLTextAreaElement>(null);
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  const send = async (acknowledge = false) => {
    const text = body.trim();
    if (!text) {
      setError(t("act.comment.error.required"));
      textRef.current?.focus();
      return;
    }
    if (text.length > COMMENT_MAX) {
      setError(t("act.comment.error.tooLong"));
      return;
    }
    if (!realtime) {
      setError(t("act.comment.error.offline"));
      return;
    }
    setSending(true);
    setError(null);
    const ack = await realtime.comment(requestId, text, acknowledge);
    if (!alive.current) return;
    setSending(false);
    if (!ack.ok && ack.error === "personal_data") {
      // The same check as the server's shows where; nothing was posted.
      setPdText(text);
      return;
    }
    setPdText(null);
    if (ack.ok) {
      onAdded(ack.comment);
      setBody("");
      textRef.current?.focus();
      toast.success(t("toast.commented", { title }));
    } else {
      const message = t(COMMENT_ERRORS[ack.error] ?? "act.comment.error.other");
      setError(message);
      // Spoken by the form's role="alert".
      toast.error(message, { silent: true });
    }
  };

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    void send();
  };
  // Ctrl/Cmd+Enter sends, as in most chat boxes; Enter alone is a new line.
  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      void send();
    }
  };

  return (
    <form className="comment-form" onSubmit={onSubmit} noValidate data-testid="comment-form">
      <div className="field">
        <label htmlFor={fieldId}>{t("act.comment.label")}</label>
        <textarea
          id={fieldId}
          ref={textRef}
          name="body"
          value={body}
          maxLength={COMMENT_MAX}
          rows={3}
          onChange={(e) => setBody(e.target.value)}
          onKeyDown={onKeyDown}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? errorId : undefined}
        />
      </div>
      {error ? (
        <p className="alert error small" role="alert" id={errorId}>
          {error}
        </p>
      ) : null}
      {pdText !== null ? (
        <PersonalDataWarning
          t={t}
          fields={{ body: pdText }}
          onRemove={() => {
            const cleaned = removeFromFields({ body }).body;
            if (cleaned !== undefined) setBody(cleaned);
            setPdText(null);
            toast.success(t("pd.removed"));
            textRef.current?.focus();
          }}
          saveAnyway={
            <button type="button" className="button secondary" disabled={sending} onClick={() => void send(true)} data-testid="pd-save-anyway">
              {t("pd.sendAnyway")}
            </button>
          }
        />
      ) : null}
      <button type="submit" className="button" disabled={sending}>
        {sending ? t("act.comment.sending") : t("act.comment.submit")}
      </button>
    </form>
  );
}
