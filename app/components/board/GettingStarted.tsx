import { Link } from "@remix-run/react";
import { useT, type MessageKey } from "~/i18n";

export interface StartStepView {
  id: "organisations" | "people" | "requests" | "offers" | "mail";
  done: boolean;
}

/** Where each step is done. Mail is set up on the server (README, "In gebruik nemen"), so it has no link. */
function target(id: StartStepView["id"], boardId: string): string | null {
  switch (id) {
    case "organisations":
      return "/beheer#orgs-h";
    case "people":
      return "/beheer#invite-h";
    case "requests":
      return `/boards/${boardId}/importeren`;
    case "offers":
      return "/aanbod";
    case "mail":
      return null;
  }
}

/** The coordinator's "Aan de slag" list on a board nobody uses yet: what the alliance still needs, each with where to do it. */
export function GettingStarted({ steps, boardId }: { steps: StartStepView[]; boardId: string }) {
  const t = useT();
  const left = steps.filter((s) => !s.done).length;
  return (
    <section className="getting-started card-panel" aria-labelledby="start-h" data-testid="getting-started">
      <h2 id="start-h">{t("start.title")}</h2>
      <p className="muted">{t("start.intro", { left })}</p>
      <ol>
        {steps.map((s) => {
          const to = target(s.id, boardId);
          return (
            <li key={s.id} className={s.done ? "done" : undefined} data-step={s.id} data-done={s.done ? "true" : "false"}>
              <span className="start-mark" aria-hidden="true">
                {s.done ? "✓" : ""}
              </span>
              <span>
                <strong>{to && !s.done ? <Link to={to}>{t(`start.${s.id}` as MessageKey)}</Link> : t(`start.${s.id}` as MessageKey)}</strong>
                {s.done ? <span className="visually-hidden"> ({t("start.done")})</span> : null}
                <br />
                <span className="muted small">{t(`start.${s.id}.${s.done ? "done" : "todo"}` as MessageKey)}</span>
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
