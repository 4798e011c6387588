/**
 * In "Nieuwe aanvraag", before saving: once a reference and a category are
 * filled in (and the typing paused ~400 ms), ask the server whether other
 * organisations already work for the person behind that reference
 * (POST /api/boards/<id>/requests/check). The answer names only the
 * organisation and the category, e.g. "Taalhuis werkt al aan een vraag over
 * taal voor deze persoon."
 *
 * Reads the (uncontrolled) form through `formRef`, so the form needs no
 * changes; renders no form fields of its own. After a successful save it
 * hands warnings it had not shown yet to the board (DuplicatesProvider).
 */
import { useEffect, useRef, useState, type RefObject } from "react";
import type { CategoryView } from "~/board/types";
import type { Translate } from "~/i18n";
import { categoryLabel } from "../labels";
import { useDuplicatesContext, type IntakeWarningJson } from "./DuplicatesProvider";

export type { IntakeWarningJson };

const DEBOUNCE_MS = 400;

const keyOf = (w: IntakeWarningJson) => `${w.organisationId}|${w.category}`;

export function IntakeWarning({
  boardId,
  formRef,
  categories,
  created,
  t,
}: {
  boardId: string;
  formRef: RefObject<HTMLFormElement>;
  categories: CategoryView[];
  /** The create action's answer (its `duplicates`, when saved). */
  created?: { ok?: boolean; id?: string; duplicates?: IntakeWarningJson[] } | null;
  t: Translate;
}) {
  const [warnings, setWarnings] = useState<IntakeWarningJson[]>([]);
  const shown = useRef<IntakeWarningJson[]>([]);
  shown.current = warnings;
  const ctx = useDuplicatesContext();

  useEffect(() => {
    const form = formRef.current;
    if (!form) return;
    let timer: number | undefined;
    let abort: AbortController | null = null;
    let lastKey: string | null = null;
    const field = (name: string) => (form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null)?.value ?? "";

    const check = () => {
      const reference = field("reference").trim();
      const category = field("category");
      const key = `${reference}\u0000${category}`;
      if (key === lastKey) return;
      lastKey = key;
      abort?.abort();
      abort = null;
      if (reference.length < 2 || !category) {
        setWarnings([]);
        return;
      }
      const mine = new AbortController();
      abort = mine;
      fetch(`/api/boards/${encodeURIComponent(boardId)}/requests/check`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ reference, category }),
        signal: mine.signal,
      })
        .then(async (res) => {
          if (!res.ok) return;
          const body = (await res.json()) as { duplicates?: IntakeWarningJson[] };
          if (!mine.signal.aborted) setWarnings(body.duplicates ?? []);
        })
        .catch(() => {
          /* offline or aborted: the warning is a help, not a gate */
        });
    };

    const onEdit = (e: Event) => {
      const name = (e.target as HTMLInputElement | null)?.name;
      if (name !== "reference" && name !== "category") return;
      window.clearTimeout(timer);
      timer = window.setTimeout(check, DEBOUNCE_MS);
    };
    form.addEventListener("input", onEdit);
    form.addEventListener("change", onEdit);
    // A form that came back with its values (posted without scripts) is checked at once.
    check();
    return () => {
      form.removeEventListener("input", onEdit);
      form.removeEventListener("change", onEdit);
      window.clearTimeout(timer);
      abort?.abort();
    };
  }, [boardId, formRef]);

  const label = (w: IntakeWarningJson) => {
    const category = categories.find((c) => c.id === w.category);
    return (category ? categoryLabel(t, category) : w.categoryLabel).toLocaleLowerCase();
  };

  // Saved: warnings that were not on screen before (typed too fast, or someone was just quicker) go to the board.
  const handled = useRef<unknown>(null);
  useEffect(() => {
    if (!created || handled.current === created || !created.ok) return;
    handled.current = created;
    const seen = new Set(shown.current.map(keyOf));
    const fresh = (created.duplicates ?? []).filter((w) => !seen.has(keyOf(w)));
    if (fresh.length) ctx?.showCreateWarnings(fresh.map((w) => ({ ...w, categoryLabel: label(w) })));
  }, [created, ctx]);

  return (
    <div role="status" aria-live="polite" data-testid="intake-warning" className="intake-warning-region">
      {warnings.length ? (
        <div className="intake-warning">
          <svg aria-hidden="true" focusable="false" width="18" height="18" viewBox="0 0 24 24">
            <path d="M12 2 1 21h22z" fill="currentColor" />
            <path d="M12 9v5M12 17v.5" stroke="#fff" strokeWidth="2.2" strokeLinecap="round" />
          </svg>
          <div>
            <ul>
              {warnings.map((w) => (
                <li key={keyOf(w)} data-organisation-id={w.organisationId}>
                  {t(w.sameCategory ? "dup.intake.same" : "dup.intake.other", { org: w.organisation, category: label(w) })}
                </li>
              ))}
            </ul>
            <p className="small">{t(warnings.some((w) => w.sameCategory) ? "dup.intake.adviceSame" : "dup.intake.adviceOther")}</p>
          </div>
        </div>
      ) : null}
    </div>
  );
}
