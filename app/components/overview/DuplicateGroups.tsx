/**
 * Possible duplicates for the coordinator: exact (same person, same
 * category), near (similar text, same category and wijk) and households
 * (same person, several categories: no duplicate, but worth knowing). Shows
 * titles, organisations and categories — never a reference.
 *
 * A coordinator merges a group (choosing the card that stays) or marks it
 * "Geen dubbel"; both are posted to the overview route's action, which asks
 * the server's duplicate service and revalidates the page.
 */
import { useFetcher } from "@remix-run/react";
import { useId } from "react";
import { categoryLabel, columnLabel, safeColor } from "~/components/board/labels";
import type { Translate } from "~/i18n";
import type { OrgLite } from "./OverviewMatrix";
import { UNANSWERED, isUnanswered } from "~/lib/unanswered";

export interface DuplicateCard {
  id: string;
  title: string;
  category: string;
  column: string;
  createdAt: number;
  organisation: string | null;
}

export interface DuplicateGroupView {
  kind: "exact" | "near" | "household";
  requestIds: string[];
  categories: string[];
  organisations: string[];
  score?: number;
}

export interface DecisionResult {
  ok: boolean;
  group?: string;
  error?: string;
}

export const groupKey = (g: Pick<DuplicateGroupView, "kind" | "requestIds">) => `${g.kind}:${g.requestIds.join(",")}`;

export function DuplicateGroups({
  boardId,
  groups,
  cards,
  categories,
  organisations,
  columns,
  canDecide,
  now,
  t,
}: {
  boardId: string;
  groups: DuplicateGroupView[];
  cards: Record<string, DuplicateCard>;
  categories: Array<{ id: string; label: string; color: string }>;
  organisations: OrgLite[];
  columns: Array<{ id: string; name: string }>;
  canDecide: boolean;
  now: number;
  t: Translate;
}) {
  if (groups.length === 0) {
    return (
      <p className="muted" data-testid="duplicate-groups">
        {t("dup.none")}
      </p>
    );
  }
  const order = { exact: 0, near: 1, household: 2 } as const;
  const sorted = [...groups].sort((a, b) => order[a.kind] - order[b.kind] || (b.score ?? 0) - (a.score ?? 0));
  return (
    <ul className="dup-groups" data-testid="duplicate-groups">
      {sorted.map((g) => (
        <Group
          key={groupKey(g)}
          boardId={boardId}
          group={g}
          cards={cards}
          categories={categories}
          organisations={organisations}
          columns={columns}
          canDecide={canDecide}
          now={now}
          t={t}
        />
      ))}
    </ul>
  );
}

function Group({
  boardId,
  group,
  cards,
  categories,
  organisations,
  columns,
  canDecide,
  now,
  t,
}: {
  boardId: string;
  group: DuplicateGroupView;
  cards: Record<string, DuplicateCard>;
  categories: Array<{ id: string; label: string; color: string }>;
  organisations: OrgLite[];
  columns: Array<{ id: string; name: string }>;
  canDecide: boolean;
  now: number;
  t: Translate;
}) {
  const fetcher = useFetcher<DecisionResult>();
  const id = useId();
  const key = groupKey(group);
  const orgById = new Map(organisations.map((o) => [o.id, o]));
  const catName = (cid: string) => {
    const c = categories.find((x) => x.id === cid);
    return categoryLabel(t, c ? { id: c.id, label: c.label } : undefined);
  };
  const members = group.requestIds.map((rid) => cards[rid]).filter((c): c is DuplicateCard => !!c);
  // The oldest card stays by default: it usually carries the longest history.
  const survivor = [...members].sort((a, b) => a.createdAt - b.createdAt)[0]?.id;
  const busy = fetcher.state !== "idle";
  const answer = fetcher.data;
  // An unanswered decision (the server went away) names its group in what was sent.
  const about = answer && (isUnanswered(answer) ? answer.values.group : answer.group);
  const code = answer && !answer.ok && about === key ? answer.error ?? "generic" : null;
  const failed =
    code === null
      ? null
      : code === UNANSWERED
        ? t("form.unanswered")
        : code === "forbidden"
        ? t("dup.error.forbidden")
        : code === "not_mergeable" || code === "not_found"
          ? t("dup.error.gone")
          : code === "choose"
            ? t("dup.error.choose")
            : t("dup.error.generic");
  const headingId = `${id}-h`;
  const decidable = canDecide && group.kind !== "household" && members.length >= 2;

  return (
    <li className={`dup-group dup-${group.kind}`} data-testid="duplicate-group" data-kind={group.kind}>
      <h3 id={headingId} className="dup-head">
        <span className={`dup-kind dup-kind-${group.kind}`}>{t(`dup.kind.${group.kind}`)}</span>{" "}
        <span className="dup-cats">{group.categories.map(catName).join(", ")}</span>
      </h3>
      <p className="muted small dup-explain">{t(`dup.explain.${group.kind}`)}</p>
      <p className="small dup-orgs">
        {t("dup.organisations")}{" "}
        {group.organisations.map((oid, i) => {
          const o = orgById.get(oid);
          return (
            <span key={oid} className="dup-org">
              {i > 0 ? ", " : null}
              <span className="org-swatch" style={{ background: safeColor(o?.color) }} aria-hidden="true" /> {o?.shortName ?? "?"}
            </span>
          );
        })}
      </p>
      <fetcher.Form method="post" className="dup-form">
        <input type="hidden" name="group" value={key} />
        {group.requestIds.map((rid) => (
          <input key={rid} type="hidden" name="ids" value={rid} />
        ))}
        <fieldset className="dup-cards">
          <legend className={decidable ? undefined : "visually-hidden"}>
            {decidable ? t("dup.survivor") : t("dup.cards")}
          </legend>
          <ul>
            {members.map((c) => {
              const org = c.organisation ? orgById.get(c.organisation) : undefined;
              const col = columns.find((x) => x.id === c.column);
              const days = Math.max(0, Math.floor((now - c.createdAt) / 86400_000));
              const meta = [
                org?.shortName,
                group.kind === "household" ? catName(c.category) : null,
                col ? columnLabel(t, col) : null,
                t("ov.days", { count: days }),
              ]
                .filter(Boolean)
                .join(" · ");
              return (
                <li key={c.id} data-request-id={c.id}>
                  {decidable ? (
                    <label className="dup-choice">
                      <input type="radio" name="into" value={c.id} defaultChecked={c.id === survivor} />
                      <span>
                        <span className="dup-title">{c.title}</span> <span className="muted small">({meta})</span>
                      </span>
                    </label>
                  ) : (
                    <span>
                      <span className="dup-title">{c.title}</span> <span className="muted small">({meta})</span>
                    </span>
                  )}{" "}
                  <a className="small" href={`/boards/${encodeURIComponent(boardId)}?kaart=${encodeURIComponent(c.id)}`}>
                    {t("ov.openCard")}
                    <span className="visually-hidden">: {c.title}</span>
                  </a>
                </li>
              );
            })}
          </ul>
        </fieldset>
        {decidable ? (
          <div className="dup-actions">
            <button type="submit" name="intent" value="merge" className="button small" disabled={busy} data-testid="dup-merge">
              {t("dup.merge")}
            </button>
            <button type="submit" name="intent" value="dismiss" className="button secondary small" disabled={busy} data-testid="dup-dismiss">
              {t("dup.dismiss")}
            </button>
            <span className="muted small">{t("dup.mergeHelp")}</span>
          </div>
        ) : null}
        {failed ? (
          <p className="alert error small" role="alert">
            {failed}
          </p>
        ) : null}
      </fetcher.Form>
    </li>
  );
}
