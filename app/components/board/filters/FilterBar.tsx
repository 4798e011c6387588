/**
 * The filter bar: labelled controls whose names are the URL's own params
 * (so, without scripts, submitting the form gives the same URL), a count
 * "12 van 42 aanvragen" and "Wis filters". With scripts every change is
 * written to the URL at once (replace navigation, no reload of the board).
 *
 * On a phone the controls fold away behind one "Filters" button that says
 * how many filters are on, so the cards come first.
 *
 * A list of chosen cards (`?kaarten=`, from a count of "since the last
 * meeting" or an agenda item) has no control of its own: a line above the
 * controls says "N gekozen kaarten" with a button that shows all cards again,
 * on every screen (also when the controls are folded away).
 */
import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type { CategoryView } from "~/board/types";
import { CARD_LIST_MAX } from "~/board/filters";
import type { BoardFilters, LaneMode } from "~/hooks/useBoardView";
import type { Translate } from "~/i18n";
import type { OrgInfo } from "../Card";
import { categoryLabel } from "../labels";

const AGE_OPTIONS = [7, 14, 30, 60, 90];
const TEXT_DELAY_MS = 250;

export interface FilterBarProps {
  filters: BoardFilters;
  setFilters: (patch: Partial<BoardFilters>) => void;
  clearFilters: () => void;
  active: boolean;
  shown: number;
  total: number;
  categories: readonly CategoryView[];
  organisations: readonly OrgInfo[];
  /** Whether the page knows who holds which request (needed for "not picked up"). */
  ownersKnown: boolean;
  /** The person belongs to an organisation ("ours"). */
  hasOrg: boolean;
  t: Translate;
}

export function FilterBar({
  filters,
  setFilters,
  clearFilters,
  active,
  shown,
  total,
  categories,
  organisations,
  ownersKnown,
  hasOrg,
  t,
}: FilterBarProps) {
  const id = useId();
  const openHintId = `${id}-open-hint`;

  // The text field is typed into locally and written to the URL after a pause.
  const [text, setText] = useState(filters.q);
  const typing = useRef(false);
  const timer = useRef<number>();
  useEffect(() => {
    if (!typing.current) setText(filters.q);
  }, [filters.q]);
  useEffect(() => () => window.clearTimeout(timer.current), []);
  const flushText = (value: string) => {
    window.clearTimeout(timer.current);
    typing.current = false;
    setFilters({ q: value });
  };
  const onText = (value: string) => {
    setText(value);
    typing.current = true;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => flushText(value), TEXT_DELAY_MS);
  };

  // Folded away on a phone (the style sheet shows the button and the controls only when open).
  const [open, setOpen] = useState(false);
  const formId = `${id}-form`;
  const activeCount =
    (filters.q.trim() ? 1 : 0) +
    (filters.category ? 1 : 0) +
    (filters.organisation ? 1 : 0) +
    (filters.olderThanDays ? 1 : 0) +
    (filters.lanes ? 1 : 0) +
    (filters.ours ? 1 : 0) +
    (filters.unclaimed ? 1 : 0) +
    (filters.cards ? 1 : 0);

  const onSubmit = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    flushText(text);
  };

  const sortedOrgs = [...organisations].sort((a, b) => a.name.localeCompare(b.name, "nl"));
  const ageOptions =
    filters.olderThanDays && !AGE_OPTIONS.includes(filters.olderThanDays)
      ? [...AGE_OPTIONS, filters.olderThanDays].sort((a, b) => a - b)
      : AGE_OPTIONS;

  return (
    <div className={`filter-area${open ? " is-open" : ""}`}>
      <div className="filter-toggle-row">
        <button
          type="button"
          className="button secondary filter-toggle"
          aria-expanded={open}
          aria-controls={formId}
          onClick={() => setOpen((v) => !v)}
          data-testid="filters-toggle"
        >
          <svg aria-hidden="true" focusable="false" width="16" height="16" viewBox="0 0 24 24">
            <path d="M3 5h18l-7 8v6l-4 2v-8z" fill="none" stroke="currentColor" strokeWidth="2" strokeLinejoin="round" />
          </svg>
          {t("filter.toggle")}
          {activeCount > 0 ? (
            <span className="badge" data-testid="filters-active">
              <span aria-hidden="true">{activeCount}</span>
              <span className="visually-hidden">{t("filter.toggleActive", { count: activeCount })}</span>
            </span>
          ) : null}
        </button>
        {activeCount > 0 ? (
          <span className="filter-toggle-count muted small" aria-hidden="true">
            {t("filter.count", { shown, total })}
          </span>
        ) : null}
      </div>
      {filters.cards ? (
        <p className="filter-cards small" data-testid="filter-cards">
          <span>
            {t("filter.cards", { count: filters.cards.length })}
            {filters.cards.length >= CARD_LIST_MAX ? ` ${t("filter.cards.capped", { max: CARD_LIST_MAX })}` : null}
          </span>
          <button type="button" className="button secondary small" onClick={() => setFilters({ cards: null })} data-testid="filter-cards-clear">
            {t("filter.cards.clear")}
          </button>
        </p>
      ) : null}
      <form
        id={formId}
        method="get"
        role="search"
        aria-label={t("filter.label")}
        className="filter-bar"
        data-testid="filters"
        onSubmit={onSubmit}
      >
        {filters.cards ? <input type="hidden" name="kaarten" value={filters.cards.join(",")} /> : null}
        <div className="filter-field filter-text">
          <label htmlFor={`${id}-q`}>{t("filter.q")}</label>
          <input
            id={`${id}-q`}
            type="search"
            name="q"
            value={text}
            onChange={(e) => onText(e.target.value)}
            onBlur={() => typing.current && flushText(text)}
            placeholder={t("filter.qPlaceholder")}
            autoComplete="off"
            maxLength={200}
          />
        </div>
        <div className="filter-field">
          <label htmlFor={`${id}-cat`}>{t("filter.category")}</label>
          <select
            id={`${id}-cat`}
            name="categorie"
            value={filters.category ?? ""}
            onChange={(e) => setFilters({ category: e.target.value || null })}
          >
            <option value="">{t("filter.category.all")}</option>
            {categories.map((c) => (
              <option key={c.id} value={c.id}>
                {categoryLabel(t, c)}
              </option>
            ))}
            {filters.category && !categories.some((c) => c.id === filters.category) ? (
              <option value={filters.category}>{t("category.unknown")}</option>
            ) : null}
          </select>
        </div>
        <div className="filter-field">
          <label htmlFor={`${id}-org`}>{t("filter.organisation")}</label>
          <select
            id={`${id}-org`}
            name="organisatie"
            value={filters.organisation ?? ""}
            onChange={(e) => setFilters({ organisation: e.target.value || null })}
          >
            <option value="">{t("filter.organisation.all")}</option>
            {sortedOrgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-field">
          <label htmlFor={`${id}-age`}>{t("filter.olderThan")}</label>
          <select
            id={`${id}-age`}
            name="ouderDan"
            value={filters.olderThanDays ? String(filters.olderThanDays) : ""}
            onChange={(e) => setFilters({ olderThanDays: Number(e.target.value) || null })}
          >
            <option value="">{t("filter.olderThan.any")}</option>
            {ageOptions.map((d) => (
              <option key={d} value={String(d)}>
                {t("filter.olderThan.days", { count: d })}
              </option>
            ))}
          </select>
        </div>
        <div className="filter-field">
          <label htmlFor={`${id}-lanes`}>{t("filter.lanes")}</label>
          <select
            id={`${id}-lanes`}
            name="banen"
            value={filters.lanes ?? ""}
            onChange={(e) => setFilters({ lanes: (e.target.value || null) as LaneMode | null })}
            data-testid="lanes-select"
          >
            <option value="">{t("filter.lanes.none")}</option>
            <option value="categorie">{t("filter.lanes.category")}</option>
            <option value="organisatie">{t("filter.lanes.organisation")}</option>
          </select>
        </div>
        <div className="filter-checks">
          {hasOrg ? (
            <label className="filter-check">
              <input type="checkbox" name="ons" value="1" checked={filters.ours} onChange={(e) => setFilters({ ours: e.target.checked })} />
              {t("filter.ours")}
            </label>
          ) : null}
          <label className="filter-check">
            <input
              type="checkbox"
              name="open"
              value="1"
              checked={filters.unclaimed}
              onChange={(e) => setFilters({ unclaimed: e.target.checked })}
              aria-describedby={ownersKnown ? undefined : openHintId}
            />
            {t("filter.unclaimed")}
          </label>
          {!ownersKnown ? (
            <span id={openHintId} className="muted small">
              {t("filter.unclaimed.unknown")}
            </span>
          ) : null}
        </div>
        <div className="filter-summary">
          <p className="filter-count small" role="status" data-testid="filter-count">
            {t("filter.count", { shown, total })}
          </p>
          <button type="button" className="button secondary small" onClick={() => { setText(""); clearFilters(); }} disabled={!active} data-testid="filters-clear">
            {t("filter.clear")}
          </button>
        </div>
      </form>
    </div>
  );
}
