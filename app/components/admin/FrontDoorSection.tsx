import { Form } from "@remix-run/react";
import type { Translate } from "~/i18n";

export interface FrontDoorSectionData {
  enabled: boolean;
  boardId: string | null;
  sites: string[];
  /** The public page's full address, for the coordinator to pass on. */
  url: string;
}

/**
 * Beheer: the alliance's public front door (/hulp/<slug>): on or off, the
 * board it feeds and the websites that may embed its form. Without the
 * page's script it is a plain form; what was typed comes back on an error.
 */
export function FrontDoorSection({
  data,
  boards,
  errors,
  typed,
  t,
  busy,
}: {
  data: FrontDoorSectionData;
  boards: Array<{ id: string; name: string }>;
  errors?: Record<string, string>;
  typed?: { enabled: boolean; boardId: string; sites: string };
  t: Translate;
  busy: boolean;
}) {
  const boardErr = errors?.boardId ? t("frontDoor.admin.error.board") : undefined;
  const sitesErr = errors?.sites ? t("frontDoor.admin.error.sites") : undefined;
  // After a refusal the form shows what was typed; otherwise what is stored.
  const shown = typed ?? { enabled: data.enabled, boardId: data.boardId ?? "", sites: data.sites.join("\n") };
  const key = typed ? `typed-${JSON.stringify(typed)}` : `saved-${data.enabled}-${data.boardId}-${data.sites.join(",")}`;
  return (
    <section aria-labelledby="front-door-h" className="card-panel admin-section" data-testid="front-door-settings">
      <h2 id="front-door-h">{t("frontDoor.admin.heading")}</h2>
      <p className="muted">{t("frontDoor.admin.intro")}</p>
      <p>
        {t("frontDoor.admin.link")}{" "}
        <a href={data.url}>{data.url}</a>
      </p>
      <Form method="post" className="admin-form" noValidate key={key}>
        <input type="hidden" name="intent" value="front-door" />
        <label className="checkbox">
          <input type="checkbox" name="enabled" value="on" defaultChecked={shown.enabled} />
          {t("frontDoor.admin.enabled")}
        </label>
        <label htmlFor="front-door-board">{t("frontDoor.admin.board")}</label>
        <select
          id="front-door-board"
          name="boardId"
          defaultValue={shown.boardId}
          aria-invalid={boardErr ? true : undefined}
          aria-describedby={boardErr ? "front-door-board-e" : undefined}
        >
          <option value="">—</option>
          {boards.map((b) => (
            <option key={b.id} value={b.id}>
              {b.name}
            </option>
          ))}
        </select>
        {boardErr ? (
          <span id="front-door-board-e" className="field-error">
            {boardErr}
          </span>
        ) : null}
        <label htmlFor="front-door-sites">{t("frontDoor.admin.sites")}</label>
        <textarea
          id="front-door-sites"
          name="sites"
          rows={3}
          defaultValue={shown.sites}
          spellCheck={false}
          aria-invalid={sitesErr ? true : undefined}
          aria-describedby={sitesErr ? "front-door-sites-e" : undefined}
        />
        {sitesErr ? (
          <span id="front-door-sites-e" className="field-error">
            {sitesErr}
          </span>
        ) : null}
        <div>
          <button className="button secondary" type="submit" disabled={busy}>
            {t("frontDoor.admin.save")}
          </button>
        </div>
      </Form>
    </section>
  );
}
