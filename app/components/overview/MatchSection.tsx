/**
 * "Wie kan dit oppakken?" in the card dialog of an open request: the
 * organisations the server ranks for it (GET /api/boards/<b>/requests/<r>/matches),
 * each with its reasons in words ("Biedt 5 taalmaatjes vrij aan", "3 plaatsen
 * vrij", "Actief in Angelslo", "Heeft 4 vragen over taal opgepakt"), and a
 * one-click "Doorverwijzen":
 *   - the organisation holding the request refers it (socket `request:refer`);
 *   - a coordinator (whose organisation does not hold it) assigns it (`request:reassign`).
 * The server decides; a refusal is shown in role="alert".
 *
 * Contains no <form> and no named fields: it may sit inside the card's edit form.
 */
import { isActiveStage, stageOfColumn } from "~/board/stages";
import { useEffect, useId, useState } from "react";
import type { CardView, CategoryView, ColumnView } from "~/board/types";
import { useCardOwnership, useOwnershipContext } from "~/hooks/useOwnership";
import { useT, type Translate } from "~/i18n";
import { useOptionalUser } from "~/root";
import { categoryLabel, safeColor } from "~/components/board/labels";
import { useOwnershipRunner } from "~/components/board/ownership/useOwnershipRunner";

export interface MatchReason {
  code: string;
  value?: string | number;
}

export interface MatchJson {
  organisationId: string;
  organisation: string;
  color: string;
  score: number;
  free: number;
  reasons: MatchReason[];
}

const SHOWN = 5;

/** One reason in words; unknown codes are left out. */
export function reasonText(t: Translate, r: MatchReason, category: string): string | null {
  switch (r.code) {
    case "offers":
      return t("match.reason.offers", { offers: String(r.value ?? "") });
    case "free": {
      const n = Number(r.value ?? 0);
      return t("match.reason.free", { count: n });
    }
    case "area":
      return t("match.reason.area", { area: String(r.value ?? "") });
    case "experience": {
      const n = Number(r.value ?? 0);
      return t("match.reason.experience", { count: n, category });
    }
    default:
      return null;
  }
}

export function MatchSection({
  boardId,
  card,
  columns,
  categoryById,
  onNotice,
}: {
  boardId: string;
  card: CardView;
  columns: ColumnView[];
  categoryById: ReadonlyMap<string, CategoryView>;
  onNotice: (message: string) => void;
}) {
  // Suggestions while the request is still to do: any stage but done, wherever its column stands.
  const open = !card.archived && isActiveStage(stageOfColumn(columns, card.column));
  if (!open) return null;
  return <Matches boardId={boardId} card={card} categoryById={categoryById} onNotice={onNotice} />;
}

function Matches({
  boardId,
  card,
  categoryById,
  onNotice,
}: {
  boardId: string;
  card: CardView;
  categoryById: ReadonlyMap<string, CategoryView>;
  onNotice: (message: string) => void;
}) {
  const t = useT();
  const user = useOptionalUser();
  const ctx = useOwnershipContext();
  const { owner, pending } = useCardOwnership(card.id);
  const { busy, error, run } = useOwnershipRunner(card.id);
  const headingId = useId();
  const [state, setState] = useState<{ list: MatchJson[] | null; failed: boolean }>({ list: null, failed: false });
  const [doneFor, setDoneFor] = useState<string | null>(null);

  // Ask again when the holder changes (the holder is not a candidate) or the category does.
  const ownerId = owner?.id ?? null;
  useEffect(() => {
    const abort = new AbortController();
    fetch(`/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(card.id)}/matches`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      signal: abort.signal,
    })
      .then(async (res) => {
        if (!res.ok) throw new Error(String(res.status));
        const list = (await res.json()) as MatchJson[];
        if (!abort.signal.aborted) setState({ list: Array.isArray(list) ? list : [], failed: false });
      })
      .catch(() => {
        if (!abort.signal.aborted) setState((s) => ({ list: s.list, failed: true }));
      });
    return () => abort.abort();
  }, [boardId, card.id, card.category, card.area, ownerId]);

  if (!user) return null;
  const category = categoryLabel(t, categoryById.get(card.category)).toLocaleLowerCase();
  const isViewer = user.role === "viewer";
  const isHolder = !!owner && owner.id === user.organisationId;
  const isCoordinator = user.role === "coordinator";
  // The holder refers; a coordinator (not holding it) assigns.
  const mode: "refer" | "reassign" | null = isViewer ? null : isHolder ? "refer" : isCoordinator ? "reassign" : null;
  const list = (state.list ?? []).slice(0, SHOWN);
  const orgName = (id: string, fallback: string) => ctx?.orgById.get(id)?.name ?? fallback;

  const act = (m: MatchJson) => {
    if (!mode) return;
    const action = mode === "refer" ? ({ type: "refer", to: m.organisationId, note: "" } as const) : ({ type: "reassign", to: m.organisationId } as const);
    void run(action, () => {
      setDoneFor(m.organisationId);
      onNotice(t(mode === "refer" ? "own.done.refer" : "own.done.reassign", { title: card.title, org: m.organisation }));
    });
  };

  return (
    <section className="matches" aria-labelledby={headingId} data-testid="matches">
      <h3 id={headingId} className="small-heading">
        {t("match.title")}
      </h3>
      {state.list === null ? (
        <p className="muted small">{state.failed ? t("match.failed") : t("match.loading")}</p>
      ) : list.length === 0 ? (
        <p className="muted small">{t("match.none")}</p>
      ) : (
        <>
          <ol className="match-list">
            {list.map((m) => {
              const reasons = m.reasons.map((r) => reasonText(t, r, category)).filter((s): s is string => !!s);
              return (
                <li key={m.organisationId} className="match" data-testid="match" data-organisation-id={m.organisationId}>
                  <div className="match-head">
                    <span className="org-swatch" style={{ background: safeColor(m.color) }} aria-hidden="true" />
                    <strong>{orgName(m.organisationId, m.organisation)}</strong>
                    {mode && !pending ? (
                      <button
                        type="button"
                        className="button secondary small push-right"
                        disabled={busy}
                        onClick={() => act(m)}
                        data-testid="match-refer"
                      >
                        {mode === "refer" ? t("match.refer") : t("match.assign")}
                        <span className="visually-hidden"> {t("match.to", { org: m.organisation })}</span>
                      </button>
                    ) : null}
                  </div>
                  {reasons.length ? (
                    <ul className="match-reasons">
                      {reasons.map((r) => (
                        <li key={r}>{r}</li>
                      ))}
                    </ul>
                  ) : null}
                  {doneFor === m.organisationId ? (
                    <p className="small match-done" role="status">
                      {t(mode === "refer" ? "own.done.refer" : "own.done.reassign", { title: card.title, org: m.organisation })}
                    </p>
                  ) : null}
                </li>
              );
            })}
          </ol>
          {error ? (
            <p className="alert error small" role="alert" data-testid="match-error">
              {error}
            </p>
          ) : null}
          {!isViewer && !mode ? <p className="muted small">{t("match.claimFirst")}</p> : null}
          {mode && pending ? <p className="muted small">{t("match.pending")}</p> : null}
        </>
      )}
    </section>
  );
}
