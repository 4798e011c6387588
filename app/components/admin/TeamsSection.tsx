import { Form } from "@remix-run/react";
import type { MessageKey, Translate } from "~/i18n";

export interface TeamsData {
  mode: "across_organisations" | "one_organisation";
  teams: Array<{ id: string; name: string; area: string | null; organisationIds: string[]; organisationId: string | null }>;
}

const MODES = ["across_organisations", "one_organisation"] as const;

/** Field errors of a team form, keyed by field, as the page's action returns them. */
export type TeamFormErrors = Partial<Record<"name" | "area" | "organisationIds" | "mode", string>>;

function teamErrorText(t: Translate, field: string, code: string | undefined, fieldError: (code: string) => string | undefined): string | undefined {
  if (!code) return undefined;
  if (code === "exists") return t("teams.error.exists");
  if (field === "organisationIds") return t("teams.error.organisations");
  return fieldError(code);
}

/**
 * The fields of a team (create and change share them): name, area and a
 * checkbox per organisation. `prefix` keeps the ids unique per form.
 */
function TeamFields({
  prefix,
  team,
  organisations,
  errors,
  t,
  fieldError,
}: {
  prefix: string;
  team?: TeamsData["teams"][number];
  organisations: Array<{ id: string; name: string }>;
  errors?: TeamFormErrors;
  t: Translate;
  fieldError: (code: string) => string | undefined;
}) {
  const nameErr = teamErrorText(t, "name", errors?.name, fieldError);
  const areaErr = teamErrorText(t, "area", errors?.area, fieldError);
  const orgErr = teamErrorText(t, "organisationIds", errors?.organisationIds, fieldError);
  return (
    <>
      <div className="field">
        <label htmlFor={`${prefix}-name`}>{t("teams.name")}</label>
        <input
          id={`${prefix}-name`}
          name="name"
          type="text"
          defaultValue={team?.name}
          aria-invalid={nameErr ? true : undefined}
          aria-describedby={nameErr ? `${prefix}-name-e` : undefined}
        />
        {nameErr ? (
          <span id={`${prefix}-name-e`} className="field-error">
            {nameErr}
          </span>
        ) : null}
      </div>
      <div className="field">
        <label htmlFor={`${prefix}-area`}>{t("teams.area")}</label>
        <input
          id={`${prefix}-area`}
          name="area"
          type="text"
          defaultValue={team?.area ?? ""}
          aria-invalid={areaErr ? true : undefined}
          aria-describedby={areaErr ? `${prefix}-area-e` : undefined}
        />
        {areaErr ? (
          <span id={`${prefix}-area-e`} className="field-error">
            {areaErr}
          </span>
        ) : null}
      </div>
      <fieldset className="team-orgs" aria-describedby={orgErr ? `${prefix}-orgs-help ${prefix}-orgs-e` : `${prefix}-orgs-help`}>
        <legend>{t("teams.organisations")}</legend>
        <span id={`${prefix}-orgs-help`} className="muted small">
          {t("teams.organisations.help")}
        </span>
        {organisations.map((o) => (
          <label key={o.id}>
            <input type="checkbox" name="organisationIds" value={o.id} defaultChecked={team?.organisationIds.includes(o.id)} /> {o.name}
          </label>
        ))}
        {orgErr ? (
          <span id={`${prefix}-orgs-e`} className="field-error">
            {orgErr}
          </span>
        ) : null}
      </fieldset>
    </>
  );
}

/**
 * Beheer: the alliance's local teams (issue 15) and how they work. Plain
 * forms (no script needed): the mode, a team's change unfolds under it, and
 * removing asks again in an unfolded part before it acts.
 */
export function TeamsSection({
  data,
  organisations,
  result,
  t,
  fieldError,
  busy,
}: {
  data: TeamsData;
  organisations: Array<{ id: string; name: string; shortName: string }>;
  result?: { intent?: string; teamId?: string; ok?: boolean; errors?: Record<string, string> };
  t: Translate;
  fieldError: (code: string) => string | undefined;
  busy: boolean;
}) {
  const own = new Set(data.teams.map((x) => x.organisationId));
  const partners = organisations.filter((o) => !own.has(o.id));
  const nameOf = new Map(organisations.map((o) => [o.id, o.name]));
  const errorsFor = (intent: string, teamId?: string) =>
    result?.intent === intent && (teamId === undefined || result.teamId === teamId) ? (result.errors as TeamFormErrors | undefined) : undefined;
  const modeLabel = (m: (typeof MODES)[number]) => t(`teams.mode.${m}` as MessageKey);
  return (
    <section aria-labelledby="teams-h" className="card-panel admin-section" data-testid="teams">
      <h2 id="teams-h">{t("teams.title")}</h2>
      <p className="muted">{t("teams.intro")}</p>
      <Form method="post" className="admin-form" noValidate>
        <input type="hidden" name="intent" value="team-mode" />
        <fieldset className="team-mode">
          <legend>{t("teams.mode.legend")}</legend>
          {MODES.map((m) => (
            <div key={m} className="team-mode-choice">
              <label>
                <input type="radio" name="mode" value={m} defaultChecked={data.mode === m} aria-describedby={`team-mode-${m}-help`} /> {modeLabel(m)}
              </label>
              <p id={`team-mode-${m}-help`} className="muted small">
                {t(`teams.mode.${m}.help` as MessageKey)}
              </p>
            </div>
          ))}
        </fieldset>
        <p data-testid="team-mode-current">{t("teams.mode.current", { mode: modeLabel(data.mode) })}</p>
        <div>
          <button className="button secondary" type="submit" disabled={busy}>
            {t("teams.mode.save")}
          </button>
        </div>
      </Form>

      {data.teams.length ? (
        <table className="admin-table" data-testid="teams-table">
          <thead>
            <tr>
              <th scope="col">{t("teams.col.name")}</th>
              <th scope="col">{t("teams.col.area")}</th>
              <th scope="col">{t("teams.col.organisations")}</th>
              {data.mode === "one_organisation" ? <th scope="col">{t("teams.col.own")}</th> : null}
              <th scope="col">
                <span className="visually-hidden">{t("teams.edit")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.teams.map((team) => (
              <tr key={team.id} data-testid={`team-${team.name}`}>
                <td>{team.name}</td>
                <td data-label={t("teams.col.area")}>{team.area ?? <span className="muted">{t("teams.noArea")}</span>}</td>
                <td data-label={t("teams.col.organisations")}>{team.organisationIds.map((id) => nameOf.get(id) ?? "").join(", ")}</td>
                {data.mode === "one_organisation" ? (
                  <td data-label={t("teams.col.own")}>{team.organisationId ? nameOf.get(team.organisationId) : ""}</td>
                ) : null}
                <td className="admin-actions">
                  <details className="confirm-inline" open={!!errorsFor("team-change", team.id)}>
                    <summary className="button small secondary">
                      {t("teams.edit")}
                      <span className="visually-hidden"> {team.name}</span>
                    </summary>
                    <Form method="post" className="admin-form team-edit-body" noValidate aria-label={t("teams.edit.title", { team: team.name })}>
                      <input type="hidden" name="intent" value="team-change" />
                      <input type="hidden" name="teamId" value={team.id} />
                      <TeamFields prefix={`team-${team.id}`} team={team} organisations={partners} errors={errorsFor("team-change", team.id)} t={t} fieldError={fieldError} />
                      <button className="button small" type="submit" disabled={busy}>
                        {t("teams.save")}
                      </button>
                    </Form>
                  </details>
                  <details className="confirm-inline">
                    <summary className="button small danger">
                      {t("teams.remove")}
                      <span className="visually-hidden"> {team.name}</span>
                    </summary>
                    <Form method="post" className="confirm-inline-body">
                      <input type="hidden" name="intent" value="team-remove" />
                      <input type="hidden" name="teamId" value={team.id} />
                      <p>
                        <strong>{t("teams.remove.title", { team: team.name })}</strong> {t("teams.remove.body")}
                      </p>
                      <button className="button small danger" type="submit" disabled={busy}>
                        {t("teams.remove.submit")}
                      </button>
                    </Form>
                  </details>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t("teams.none")}</p>
      )}

      <h3>{t("teams.add")}</h3>
      {/* A new key after each team made: the form starts empty again (a refused one keeps what was typed). */}
      <Form method="post" className="admin-form" noValidate data-testid="team-create" key={result?.intent === "team-create" && result.ok ? result.teamId : "new"}>
        <input type="hidden" name="intent" value="team-create" />
        <TeamFields prefix="team-new" organisations={partners} errors={errorsFor("team-create")} t={t} fieldError={fieldError} />
        <div>
          <button className="button" type="submit" disabled={busy}>
            {t("teams.create")}
          </button>
        </div>
      </Form>
    </section>
  );
}
