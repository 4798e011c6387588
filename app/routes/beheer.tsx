import { json, type ActionFunctionArgs, type LoaderFunctionArgs, type MetaFunction } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation, useSubmit } from "@remix-run/react";
import { useAnsweredActionData } from "~/lib/unanswered";
import { isWorkingOrganisation } from "~/board/front-door";
import { useEffect, useState, type FormEvent } from "react";
import { ExportSection } from "~/components/export/ExportSection";
import { ConfirmDialog } from "~/components/toast/ConfirmDialog";
import { useHydrated } from "~/hooks/useHydrated";
import { useToast } from "~/components/toast/ToastProvider";
import { fieldError, useT, type MessageKey, type Translate } from "~/i18n";
import {
  addOrganisation,
  addPerson,
  adminOverview,
  limitsOverview,
  changeRole,
  eraseAccount,
  removeAccess,
  resetPassword,
  restoreAccess,
  setClaimExpiry,
} from "~/services/admin.server";
import { RETENTION_MAX_MONTHS, RETENTION_MIN_MONTHS } from "~/board/retention";
import { requireUser } from "~/services/auth.server";
import { boardsFor, boardSettingsFor, setBoardRetention } from "~/services/boards.server";
import { services } from "~/services/context.server";
import { setRequestQuota } from "~/services/requests.server";
import { MailOffNotice } from "~/components/notifications/MailOffNotice";
import { InvitationsSection, invitationToast } from "~/components/admin/InvitationsSection";
import { invitationAction, pendingInvitations } from "~/services/invitations.server";
import { TwoFactorPolicySection } from "~/components/admin/TwoFactorPolicySection";
import { setPolicy, twoFactorPolicySummary } from "~/services/two-factor.server";
import { TeamsSection } from "~/components/admin/TeamsSection";
import { FrontDoorSection } from "~/components/admin/FrontDoorSection";
import { frontDoorSettings, saveFrontDoorSettings } from "~/services/front-door.server";
import { publicUrl } from "~/services/env.server";
import { changeTeam, chooseTeamMode, createTeam, homeOrganisationsFor, removeTeam, setPersonHome, teamsOverview } from "~/services/teams.server";
import { DAILY_CAP_MAX, frontDoorCapSummary, setFrontDoorCap } from "~/services/front-door-guard.server";

export const meta: MetaFunction = () => [{ title: "Beheer · Alliantiebord" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const overview = await adminOverview(svc, user);
  const boards = await Promise.all((await boardsFor(svc, user)).map(async (b) => (await boardSettingsFor(svc, b.id))!));
  const invitations = { invitations: await pendingInvitations(svc, user), mailEnabled: svc.mail.enabled };
  const twoFactor = { ...(await twoFactorPolicySummary(svc, user.allianceId)), ownEnabled: user.twoFactorEnabled };
  const teams = await teamsOverview(svc, user);
  const homes = await homeOrganisationsFor(svc, user);
  const frontDoorCap = user.role === "coordinator" ? await frontDoorCapSummary(svc, user.allianceId) : null;
  const door = user.role === "coordinator" ? await frontDoorSettings(svc, user) : null;
  const frontDoor = door ? { enabled: door.enabled, boardId: door.boardId, sites: door.sites, url: `${publicUrl(svc.env)}/hulp/${door.slug}` } : null;
  return json({ alliance: user.allianceName, me: user.id, boards, limits: await limitsOverview(svc, user), frontDoorCap, frontDoor, twoFactor, teams, homes, ...invitations, ...overview });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const svc = services(context);
  const user = await requireUser(svc, request);
  const formData = await request.formData();
  const form = Object.fromEntries(formData);
  const intent = form.intent;
  /** The person's name, for the toast that says what happened. */
  const personName = async () => (await adminOverview(svc, user)).people.find((p) => p.id === form.personId)?.name ?? "";
  if (typeof intent === "string" && intent.startsWith("invite")) {
    const r = await invitationAction(svc, user, intent, form);
    return json({ intent, ...r.body }, { status: r.status });
  }
  switch (intent) {
    case "add-org": {
      const r = await addOrganisation(svc, user, form);
      return json({ intent, ...(r.ok ? { ok: true, name: String(form.name ?? "").trim() } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "add-person": {
      const r = await addPerson(svc, user, form);
      return r.ok
        ? json({ intent, ok: true, name: String(form.name ?? "").trim(), oneTime: { email: r.email, password: r.password } })
        : json({ intent, errors: r.errors }, { status: r.status });
    }
    case "role": {
      const r = await changeRole(svc, user, form.personId, form.role);
      return json({ intent, ...(r.ok ? { ok: true, name: await personName(), role: String(form.role) } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "remove": {
      const r = await removeAccess(svc, user, form.personId);
      return json({ intent, ...(r.ok ? { ok: true, name: await personName() } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "erase": {
      // (The service names the person: after the erasure the overview no longer can.)
      const r = await eraseAccount(svc, user, form.personId);
      return json({ intent, ...(r.ok ? { ok: true, name: r.name } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "restore": {
      const r = await restoreAccess(svc, user, form.personId);
      return json({ intent, ...(r.ok ? { ok: true, name: await personName() } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "reset": {
      const r = await resetPassword(svc, user, form.personId);
      const email = (await adminOverview(svc, user)).people.find((p) => p.id === form.personId)?.email ?? "";
      return r.ok
        ? json({ intent, ok: true, name: await personName(), oneTime: { email, password: r.password } })
        : json({ intent, errors: r.errors }, { status: r.status });
    }
    case "expiry": {
      const boardId = String(form.boardId ?? "");
      if (!(await boardsFor(svc, user)).some((b) => b.id === boardId)) throw new Response("Not found", { status: 404 });
      const r = await setClaimExpiry(svc, user, boardId, form.claimExpiryDays);
      return json({ intent, ...(r.ok ? { ok: true } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "retention": {
      const boardId = String(form.boardId ?? "");
      const r = await setBoardRetention(svc, user, boardId, form.retentionMonths);
      if (!r.ok && r.status !== 422) throw new Response(r.status === 404 ? "Not found" : "Forbidden", { status: r.status });
      // A refused number comes back as typed, so the field shows it beside the explanation.
      return json({ intent, boardId, ...(r.ok ? { ok: true } : { errors: r.errors, typed: String(form.retentionMonths ?? "") }) }, { status: r.ok ? 200 : r.status });
    }
    case "two-factor-policy": {
      const r = await setPolicy(svc, user, form.policy);
      return json({ intent, ...(r.ok ? { ok: true } : { errors: { policy: r.error } }) }, { status: r.ok ? 200 : r.status });
    }
    case "quota": {
      const r = await setRequestQuota(svc, user, form.requestQuotaPerHour);
      if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
      return json({ intent, ...(r.ok ? { ok: true } : { errors: { requestQuotaPerHour: "quotaRange" } }) }, { status: r.ok ? 200 : r.status });
    }
    case "team-mode": {
      const r = await chooseTeamMode(svc, user, form.mode);
      if (!r.ok && r.status !== 422) throw new Response("Forbidden", { status: r.status });
      return json({ intent, ...(r.ok ? { ok: true, mode: r.mode } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "team-create":
    case "team-change": {
      const input = { name: form.name, area: form.area, organisationIds: formData.getAll("organisationIds") };
      const teamId = String(form.teamId ?? "");
      const r = intent === "team-create" ? await createTeam(svc, user, input) : await changeTeam(svc, user, teamId, input);
      if (!r.ok && r.status !== 422) throw new Response(r.status === 404 ? "Not found" : "Forbidden", { status: r.status });
      return json({ intent, teamId: r.ok ? r.team.id : teamId, ...(r.ok ? { ok: true, name: r.team.name } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "team-remove": {
      const r = await removeTeam(svc, user, String(form.teamId ?? ""));
      if (!r.ok) throw new Response(r.status === 404 ? "Not found" : "Forbidden", { status: r.status });
      return json({ intent, ok: true });
    }
    case "home-org": {
      const r = await setPersonHome(svc, user, form.personId, form.homeOrganisationId);
      if (!r.ok && r.status !== 422) throw new Response(r.status === 404 ? "Not found" : "Forbidden", { status: r.status });
      return json({ intent, ...(r.ok ? { ok: true } : { errors: r.errors }) }, { status: r.ok ? 200 : r.status });
    }
    case "front-door": {
      const typed = { enabled: form.enabled === "on", boardId: String(form.boardId ?? ""), sites: String(form.sites ?? "") };
      const r = await saveFrontDoorSettings(svc, user, { enabled: form.enabled, boardId: form.boardId, sites: form.sites ?? "" });
      if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
      return json({ intent, ...(r.ok ? { ok: true } : { errors: r.errors, frontDoorTyped: typed }) }, { status: r.ok ? 200 : r.status });
    }
    case "front-door-cap": {
      const r = await setFrontDoorCap(svc, user, form.frontDoorDailyCap);
      if (!r.ok && r.status === 403) throw new Response("Forbidden", { status: 403 });
      return json({ intent, ...(r.ok ? { ok: true } : { errors: { frontDoorDailyCap: r.error }, typed: String(form.frontDoorDailyCap ?? "") }) }, { status: r.ok ? 200 : r.status });
    }
    default:
      return json({ intent, errors: { form: "unknown" } }, { status: 400 });
  }
}

function errorText(t: Translate, code: string | undefined): string | undefined {
  if (!code) return undefined;
  const own = {
    exists: "admin.exists",
    self: "admin.self",
    range: "admin.range",
    quotaRange: "limits.quotaRange",
    capRange: "limits.frontDoorCap.range",
    own_two_factor_first: "twofactor.policy.ownFirst",
    unknown_policy: "twofactor.policy.unknown",
  }[code] as MessageKey | undefined;
  return own ? t(own) : fieldError(t, code);
}

/**
 * A form whose action cannot be undone. With the page's script: the button
 * asks in a dialog first (`onAsk`). Before the script runs (or without it):
 * the button only unfolds the same question, with the real submit button
 * inside, so one click never acts.
 */
function ConfirmedForm({
  kind,
  person,
  hydrated,
  onAsk,
  t,
  className,
}: {
  kind: "remove" | "reset" | "erase";
  person: { id: string; name: string; email: string };
  hydrated: boolean;
  onAsk: (e: FormEvent<HTMLFormElement>) => void;
  t: Translate;
  className: string;
}) {
  const label = t(kind === "remove" ? "admin.remove" : kind === "erase" ? "admin.erase" : "admin.reset");
  const fields = (
    <>
      <input type="hidden" name="intent" value={kind} />
      <input type="hidden" name="personId" value={person.id} />
    </>
  );
  if (hydrated) {
    return (
      <Form method="post" onSubmit={onAsk}>
        {fields}
        <button className={`button small ${className}`} type="submit">
          {label}
        </button>
      </Form>
    );
  }
  return (
    <details className="confirm-inline">
      <summary className={`button small ${className}`}>{label}</summary>
      <Form method="post" className="confirm-inline-body">
        {fields}
        <p>{t(`admin.confirm.${kind}.body`, { name: person.name, email: person.email })}</p>
        <button className="button small danger" type="submit">
          {t(`admin.confirm.${kind}.submit`)}
        </button>
      </Form>
    </details>
  );
}

function FieldError({ id, text }: { id: string; text?: string }) {
  return text ? (
    <span id={id} className="field-error">
      {text}
    </span>
  ) : null;
}

type ActionResult =
  | {
      intent?: string;
      boardId?: string;
      typed?: string;
      ok?: boolean;
      name?: string;
      role?: string;
      mode?: string;
      teamId?: string;
      frontDoorTyped?: { enabled: boolean; boardId: string; sites: string };
      errors?: Record<string, string>;
      oneTime?: { email: string; password: string };
    }
  | undefined;

/**
 * A form the server never answered (it went away mid-request: a restart, a drain behind the
 * proxy): the page stays with what was typed, and the toast says it may not have been saved.
 */
export { answeredOrUnanswered as clientAction, revalidateUnlessUnanswered as shouldRevalidate } from "~/lib/unanswered";

/** The toast after an action on this page: what happened, by name, or why not. */
function resultToast(t: Translate, r: NonNullable<ActionResult>): { ok: boolean; message: string } {
  const invitation = invitationToast(t, r);
  if (invitation) return invitation;
  const name = r.name ?? "";
  if (r.ok) {
    switch (r.intent) {
      case "remove":
        return { ok: true, message: t("admin.toast.removed", { name }) };
      case "restore":
        return { ok: true, message: t("admin.toast.restored", { name }) };
      case "erase":
        return { ok: true, message: t("admin.toast.erased", { name }) };
      case "role": {
        const role = r.role === "coordinator" || r.role === "member" || r.role === "viewer" ? t(`admin.role.${r.role}`) : "";
        return { ok: true, message: t("admin.toast.role", { name, role: role.toLocaleLowerCase() }) };
      }
      case "reset":
        return { ok: true, message: t("admin.toast.reset", { name }) };
      case "add-person":
        return { ok: true, message: t("admin.toast.personAdded", { name }) };
      case "add-org":
        return { ok: true, message: t("admin.toast.orgAdded", { name }) };
      case "team-create":
        return { ok: true, message: t("teams.toast.created", { team: name }) };
      case "team-change":
        return { ok: true, message: t("teams.toast.changed", { team: name }) };
      case "team-remove":
        return { ok: true, message: t("teams.toast.removed") };
      case "team-mode":
        return { ok: true, message: t("teams.toast.mode", { mode: r.mode === "one_organisation" || r.mode === "across_organisations" ? t(`teams.mode.${r.mode}`).toLocaleLowerCase() : "" }) };
      case "home-org":
        return { ok: true, message: t("teams.toast.home") };
      case "front-door":
        return { ok: true, message: t("frontDoor.admin.saved") };
      default:
        return { ok: true, message: t("admin.toast.saved") };
    }
  }
  // A refusal that no form shows (say "not for yourself") is said in the toast itself.
  const person = r.errors?.person;
  const text = person ? errorText(t, person) : undefined;
  return { ok: false, message: text && text !== person ? text : t("admin.toast.failed") };
}

interface Pending {
  kind: "remove" | "reset" | "erase";
  name: string;
  email: string;
  form: HTMLFormElement;
}

export default function Admin() {
  const t = useT();
  const data = useLoaderData<typeof loader>();
  const result = useAnsweredActionData<typeof action>().result as ActionResult;
  const nav = useNavigation();
  const toast = useToast();
  const submit = useSubmit();
  const [pending, setPending] = useState<Pending | null>(null);
  const hydrated = useHydrated();
  useEffect(() => {
    if (!result) return;
    const r = resultToast(t, result);
    if (r.ok) toast.success(r.message);
    else toast.error(r.message);
    // Once per answer of the server (t and toast are stable for the page).
  }, [result]);
  /** A destructive action waits for "Weet u het zeker?" (without scripts the form posts as it is). */
  const ask = (kind: Pending["kind"], person: { name: string; email: string }) => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setPending({ kind, name: person.name, email: person.email, form: e.currentTarget });
  };
  const err = (intent: string, field: string) =>
    result?.intent === intent ? errorText(t, result.errors?.[field]) : undefined;
  const roles = ["coordinator", "member", "viewer"] as const;
  /** Organisations that are a team's own (team mode one_organisation): their people carry a home organisation. */
  const teamOrgs = new Set(data.teams.teams.map((x) => x.organisationId).filter((id): id is string => !!id));
  // The front door's organisation is listed, but people, invitations and teams never go into it.
  const workingOrganisations = data.organisations.filter(isWorkingOrganisation);
  return (
    <main id="main" className="page admin">
      <h1>{t("admin.title", { alliance: data.alliance })}</h1>
      <MailOffNotice />
      {result?.oneTime ? (
        <div className="alert info" role="status" data-testid="one-time-password">
          {t("admin.oneTime", { email: result.oneTime.email, password: result.oneTime.password })}
        </div>
      ) : null}
      <ConfirmDialog
        open={!!pending}
        title={pending ? t(`admin.confirm.${pending.kind}.title`, { name: pending.name }) : ""}
        body={pending ? t(`admin.confirm.${pending.kind}.body`, { name: pending.name, email: pending.email }) : ""}
        confirmLabel={pending ? t(`admin.confirm.${pending.kind}.submit`) : ""}
        cancelLabel={t("admin.confirm.cancel")}
        onConfirm={() => {
          if (pending) submit(pending.form);
          setPending(null);
        }}
        onCancel={() => setPending(null)}
      />

      <section aria-labelledby="people-h" className="card-panel admin-section">
        <h2 id="people-h">{t("admin.people")}</h2>
        <p className="muted">{t("admin.roleHelp")}</p>
        <table className="admin-table">
          <thead>
            <tr>
              <th scope="col">{t("admin.personName")}</th>
              <th scope="col">{t("admin.personOrg")}</th>
              <th scope="col">{t("admin.personRole")}</th>
              <th scope="col">{t("admin.status")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("admin.remove")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {data.people.map((p) => (
              <tr key={p.id} data-testid={`person-${p.email}`}>
                <td>
                  {p.name}
                  <br />
                  <span className="muted">{p.email}</span>
                </td>
                <td data-label={t("admin.personOrg")}>
                  {p.organisationName}
                  {data.homes[p.id] ? <span className="muted person-home"> ({t("teams.home.from", { org: data.homes[p.id].shortName })})</span> : null}
                  {teamOrgs.has(p.organisationId) ? (
                    <Form method="post" className="inline-row">
                      <input type="hidden" name="intent" value="home-org" />
                      <input type="hidden" name="personId" value={p.id} />
                      <label className="visually-hidden" htmlFor={`home-${p.id}`}>
                        {t("teams.home.label")} {p.name}
                      </label>
                      <select id={`home-${p.id}`} name="homeOrganisationId" defaultValue={data.homes[p.id]?.id ?? ""}>
                        <option value="">{t("teams.home.none")}</option>
                        {workingOrganisations
                          .filter((o) => !teamOrgs.has(o.id))
                          .map((o) => (
                            <option key={o.id} value={o.id}>
                              {o.name}
                            </option>
                          ))}
                      </select>
                      <button className="button secondary small" type="submit">
                        {t("teams.home.save")}
                      </button>
                    </Form>
                  ) : null}
                </td>
                <td data-label={t("admin.personRole")}>
                  <Form method="post" className="inline-row">
                    <input type="hidden" name="intent" value="role" />
                    <input type="hidden" name="personId" value={p.id} />
                    <label className="visually-hidden" htmlFor={`role-${p.id}`}>
                      {t("admin.personRole")} {p.name}
                    </label>
                    <select id={`role-${p.id}`} name="role" defaultValue={p.role} disabled={p.id === data.me}>
                      {roles.map((r) => (
                        <option key={r} value={r}>
                          {t(`admin.role.${r}`)}
                        </option>
                      ))}
                    </select>
                    {p.id !== data.me ? (
                      <button className="button secondary small" type="submit">
                        {t("admin.changeRole")}
                      </button>
                    ) : null}
                  </Form>
                </td>
                <td data-label={t("admin.status")}>{p.disabledAt ? t("admin.removed") : p.mustChangePassword ? t("admin.mustChange") : t("admin.active")}</td>
                <td className="admin-actions">
                  {p.id !== data.me ? (
                    <>
                      {p.disabledAt ? (
                        <>
                          <Form method="post">
                            <input type="hidden" name="intent" value="restore" />
                            <input type="hidden" name="personId" value={p.id} />
                            <button className="button small secondary" type="submit">
                              {t("admin.restore")}
                            </button>
                          </Form>
                          <ConfirmedForm kind="erase" person={p} hydrated={hydrated} onAsk={ask("erase", p)} t={t} className="danger" />
                        </>
                      ) : (
                        <ConfirmedForm kind="remove" person={p} hydrated={hydrated} onAsk={ask("remove", p)} t={t} className="danger" />
                      )}
                      <ConfirmedForm kind="reset" person={p} hydrated={hydrated} onAsk={ask("reset", p)} t={t} className="secondary" />
                    </>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>

        <h3>{t("admin.addPerson")}</h3>
        <p className="muted">{t("invite.oneTimeHint")}</p>
        <Form method="post" className="admin-form" noValidate>
          <input type="hidden" name="intent" value="add-person" />
          <div className="field">
            <label htmlFor="p-name">{t("admin.personName")}</label>
            <input id="p-name" name="name" type="text" aria-invalid={err("add-person", "name") ? true : undefined} aria-describedby={err("add-person", "name") ? "p-name-e" : undefined} />
            <FieldError id="p-name-e" text={err("add-person", "name")} />
          </div>
          <div className="field">
            <label htmlFor="p-email">{t("admin.personEmail")}</label>
            <input id="p-email" name="email" type="email" aria-invalid={err("add-person", "email") ? true : undefined} aria-describedby={err("add-person", "email") ? "p-email-e" : undefined} />
            <FieldError id="p-email-e" text={err("add-person", "email")} />
          </div>
          <div className="field">
            <label htmlFor="p-org">{t("admin.personOrg")}</label>
            <select id="p-org" name="organisationId" aria-describedby={err("add-person", "organisationId") ? "p-org-e" : undefined}>
              {workingOrganisations.map((o) => (
                <option key={o.id} value={o.id}>
                  {o.name}
                </option>
              ))}
            </select>
            <FieldError id="p-org-e" text={err("add-person", "organisationId")} />
          </div>
          <div className="field">
            <label htmlFor="p-role">{t("admin.personRole")}</label>
            <select id="p-role" name="role" defaultValue="member">
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`admin.role.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <button className="button" type="submit" disabled={nav.state !== "idle"}>
            {t("admin.add")}
          </button>
        </Form>
      </section>

      <InvitationsSection invitations={data.invitations} organisations={workingOrganisations} mailEnabled={data.mailEnabled} />

      <section aria-labelledby="orgs-h" className="card-panel admin-section">
        <h2 id="orgs-h">{t("admin.orgs")}</h2>
        <ul className="org-list">
          {data.organisations.map((o) => (
            <li key={o.id}>
              <span className="org-dot" style={{ background: o.color }} aria-hidden="true" /> {o.name}{" "}
              <span className="muted">({o.shortName})</span>
              {isWorkingOrganisation(o) ? null : <span className="muted"> · {t("admin.orgFrontDoor")}</span>}
            </li>
          ))}
        </ul>
        <h3>{t("admin.addOrg")}</h3>
        <Form method="post" className="admin-form" noValidate>
          <input type="hidden" name="intent" value="add-org" />
          <div className="field">
            <label htmlFor="o-name">{t("admin.orgName")}</label>
            <input id="o-name" name="name" type="text" aria-invalid={err("add-org", "name") ? true : undefined} aria-describedby={err("add-org", "name") ? "o-name-e" : undefined} />
            <FieldError id="o-name-e" text={err("add-org", "name")} />
          </div>
          <div className="field">
            <label htmlFor="o-short">{t("admin.orgShort")}</label>
            <input
              id="o-short"
              name="shortName"
              type="text"
              aria-invalid={err("add-org", "shortName") ? true : undefined}
              aria-describedby={err("add-org", "shortName") ? "o-short-e" : undefined}
            />
            <FieldError id="o-short-e" text={err("add-org", "shortName")} />
          </div>
          <div className="field">
            <label htmlFor="o-color">{t("admin.orgColor")}</label>
            <input id="o-color" name="color" type="color" defaultValue="#4a5568" />
          </div>
          <button className="button" type="submit">
            {t("admin.add")}
          </button>
        </Form>
      </section>

      <section aria-labelledby="boards-h" className="card-panel admin-section">
        <h2 id="boards-h">{t("admin.boardSettings")}</h2>
        <div data-testid="stages-help">
          <h3 className="small-heading">{t("stages.title")}</h3>
          <p className="muted">{t("stages.text")}</p>
        </div>
        {data.boards.map((b) => (
          <Form method="post" key={b.id} className="admin-form">
            <input type="hidden" name="intent" value="expiry" />
            <input type="hidden" name="boardId" value={b.id} />
            <div className="field">
              <label htmlFor={`exp-${b.id}`}>
                {b.name}: {t("admin.expiryDays")}
              </label>
              <input
                id={`exp-${b.id}`}
                name="claimExpiryDays"
                type="number"
                min={1}
                max={365}
                defaultValue={b.claimExpiryDays}
                aria-invalid={err("expiry", "claimExpiryDays") ? true : undefined}
                aria-describedby={err("expiry", "claimExpiryDays") ? `exp-${b.id}-e` : undefined}
              />
              <FieldError id={`exp-${b.id}-e`} text={err("expiry", "claimExpiryDays")} />
            </div>
            <button className="button secondary" type="submit">
              {t("admin.save")}
            </button>
          </Form>
        ))}
        <h3 className="small-heading" id="retention-h">
          {t("retention.title")}
        </h3>
        <p className="muted" id="retention-help">
          {t("retention.help")}
        </p>
        {data.boards.map((b) => {
          // The months typed stay in the field when they are refused.
          const refused = result?.intent === "retention" && result.boardId === b.id && !!result.errors?.retentionMonths;
          return (
            <Form method="post" key={b.id} className="admin-form" noValidate data-testid={`retention-${b.id}`}>
              <input type="hidden" name="intent" value="retention" />
              <input type="hidden" name="boardId" value={b.id} />
              <div className="field">
                <label htmlFor={`ret-${b.id}`}>{t("retention.label", { board: b.name })}</label>
                <input
                  id={`ret-${b.id}`}
                  name="retentionMonths"
                  type="number"
                  inputMode="numeric"
                  min={RETENTION_MIN_MONTHS}
                  max={RETENTION_MAX_MONTHS}
                  defaultValue={refused ? result.typed : b.retentionMonths}
                  aria-invalid={refused ? true : undefined}
                  aria-describedby={refused ? `retention-help ret-${b.id}-e` : "retention-help"}
                />
                <FieldError id={`ret-${b.id}-e`} text={refused ? t("retention.range", { min: RETENTION_MIN_MONTHS, max: RETENTION_MAX_MONTHS }) : undefined} />
              </div>
              <button className="button secondary" type="submit">
                {t("admin.save")}
              </button>
            </Form>
          );
        })}
      </section>

      <TeamsSection
        data={data.teams}
        organisations={workingOrganisations}
        result={result?.intent?.startsWith("team-") ? result : undefined}
        t={t}
        fieldError={(code) => fieldError(t, code)}
        busy={nav.state !== "idle"}
      />

      {data.frontDoor ? (
        <FrontDoorSection
          data={data.frontDoor}
          boards={data.boards.map((b) => ({ id: b.id, name: b.name }))}
          errors={result?.intent === "front-door" ? result.errors : undefined}
          typed={result?.intent === "front-door" ? result.frontDoorTyped : undefined}
          t={t}
          busy={nav.state !== "idle"}
        />
      ) : null}
      <TwoFactorPolicySection data={data.twoFactor} error={err("two-factor-policy", "policy")} t={t} busy={nav.state !== "idle"} />
      <LimitsSection
        limits={data.limits}
        err={err("quota", "requestQuotaPerHour")}
        frontDoorCap={data.frontDoorCap}
        capErr={err("front-door-cap", "frontDoorDailyCap")}
        capTyped={result?.intent === "front-door-cap" ? result.typed : undefined}
        t={t}
      />
      <ExportSection t={t} />
      <p>
        <Link to="/privacy">{t("privacy.pageLink")}</Link>
      </p>
    </main>
  );
}

type LimitsData = Awaited<ReturnType<typeof limitsOverview>>;

/** The alliance's request quota (a coordinator lifts it) and who made how many reference checks. */
function LimitsSection({
  limits,
  err,
  frontDoorCap,
  capErr,
  capTyped,
  t,
}: {
  limits: LimitsData;
  err?: string;
  frontDoorCap: { cap: number; today: number } | null;
  capErr?: string;
  capTyped?: string;
  t: Translate;
}) {
  const q = limits.requestQuota;
  return (
    <section aria-labelledby="limits-h" className="card-panel admin-section" data-testid="limits">
      <h2 id="limits-h">{t("limits.title")}</h2>
      <Form method="post" className="admin-form" noValidate>
        <input type="hidden" name="intent" value="quota" />
        <div className="field">
          <label htmlFor="quota">{t("limits.quotaLabel")}</label>
          <input
            id="quota"
            name="requestQuotaPerHour"
            type="number"
            min={1}
            max={100000}
            placeholder={String(q.fallback)}
            defaultValue={q.custom ?? ""}
            aria-invalid={err ? true : undefined}
            aria-describedby={err ? "quota-help quota-e" : "quota-help"}
          />
          <span id="quota-help" className="muted small">
            {t("limits.quotaHelp", { default: q.fallback })}
          </span>
          <FieldError id="quota-e" text={err} />
        </div>
        <button className="button secondary" type="submit">
          {t("admin.save")}
        </button>
      </Form>
      <table className="admin-table">
        <caption>{t("limits.quotaUsed")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("limits.organisation")}</th>
            <th scope="col">{t("limits.created")}</th>
          </tr>
        </thead>
        <tbody>
          {limits.createdPastHour.map((o) => (
            <tr key={o.orgId}>
              <td>{o.name}</td>
              <td data-label={t("limits.created")}>
                {o.created} / {q.perHour}
              </td>
            </tr>
          ))}
        </tbody>
      </table>

      {frontDoorCap ? (
        <Form method="post" className="admin-form" noValidate data-testid="front-door-cap">
          <input type="hidden" name="intent" value="front-door-cap" />
          <div className="field">
            <label htmlFor="front-door-cap">{t("limits.frontDoorCap.label")}</label>
            <input
              id="front-door-cap"
              name="frontDoorDailyCap"
              type="number"
              min={0}
              max={DAILY_CAP_MAX}
              key={capErr ? `typed-${capTyped}` : `cap-${frontDoorCap.cap}`}
              defaultValue={capErr ? capTyped : frontDoorCap.cap}
              aria-invalid={capErr ? true : undefined}
              aria-describedby={capErr ? "front-door-cap-help front-door-cap-e" : "front-door-cap-help"}
            />
            <span id="front-door-cap-help" className="muted small">
              {t("limits.frontDoorCap.help", { today: frontDoorCap.today })}
            </span>
            <FieldError id="front-door-cap-e" text={capErr} />
          </div>
          <button className="button secondary" type="submit">
            {t("admin.save")}
          </button>
        </Form>
      ) : null}
      <h3>{t("limits.checksTitle")}</h3>
      <p className="muted">{t("limits.checksHelp")}</p>
      {limits.referenceChecks.length ? (
        <table className="admin-table" data-testid="reference-checks">
          <thead>
            <tr>
              <th scope="col">{t("limits.checksPerson")}</th>
              <th scope="col">{t("limits.organisation")}</th>
              <th scope="col">{t("limits.checksCount")}</th>
              <th scope="col">{t("limits.checksMatches")}</th>
              <th scope="col">{t("limits.checksRefused")}</th>
            </tr>
          </thead>
          <tbody>
            {limits.referenceChecks.map((c) => (
              <tr key={c.userId} data-testid={`checks-${c.email}`}>
                <td>
                  {c.name}
                  <br />
                  <span className="muted">{c.email}</span>
                </td>
                <td data-label={t("limits.organisation")}>{c.organisationName}</td>
                <td data-label={t("limits.checksCount")}>{c.checks}</td>
                <td data-label={t("limits.checksMatches")}>{c.matches}</td>
                <td data-label={t("limits.checksRefused")}>{c.rateLimited}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t("limits.checksNone")}</p>
      )}
    </section>
  );
}
