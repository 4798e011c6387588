/**
 * /beheer's "Uitnodigen": the form that invites a person, the link of the
 * invitation just made or sent again (shown once; to pass on yourself when
 * mail is off), and the open invitations with "opnieuw sturen" and
 * "intrekken". The route's action hands intents starting with "invite" to
 * invitationAction (app/services/invitations.server.ts).
 */
import { Form, useActionData, useNavigation } from "@remix-run/react";
import { useEffect, useRef, useState } from "react";
import { useHydrated } from "~/hooks/useHydrated";
import { localeTag, fieldError, useLocale, useT, type Translate } from "~/i18n";

export interface InvitationListItem {
  id: string;
  email: string;
  name: string;
  role: string;
  organisationName: string;
  lastSentAt: number;
  expiresAt: number;
  expired: boolean;
}

interface InviteActionData {
  intent?: string;
  ok?: boolean;
  name?: string;
  link?: string;
  email?: string;
  mailed?: boolean;
  mailLimited?: boolean;
  errors?: Record<string, string>;
}

/** The toast after an invitation intent on /beheer, or null for other intents. */
export function invitationToast(t: Translate, r: InviteActionData): { ok: boolean; message: string } | null {
  if (!r.intent?.startsWith("invite")) return null;
  const name = r.name ?? "";
  if (r.ok) {
    if (r.intent === "invite-resend") return { ok: true, message: t("invite.toast.resent", { name }) };
    if (r.intent === "invite-withdraw") return { ok: true, message: t("invite.toast.withdrawn", { name }) };
    return { ok: true, message: t("invite.toast.sent", { name }) };
  }
  if (r.errors?.form === "gone") return { ok: false, message: t("invite.error.gone") };
  return null;
}

function errorText(t: Translate, field: string, code: string | undefined): string | undefined {
  if (!code) return undefined;
  if (code === "exists") return t("invite.error.exists");
  if (code === "pending") return t("invite.error.pending");
  if (field === "email" && code === "pattern") return t("invite.error.email");
  return fieldError(t, code);
}

const ROLES = ["member", "coordinator", "viewer"] as const;

function formatDate(ms: number, locale: string): string {
  return new Intl.DateTimeFormat(localeTag(locale), {
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    timeZone: "Europe/Amsterdam",
  }).format(ms);
}

export function InvitationsSection({
  invitations,
  organisations,
  mailEnabled,
}: {
  invitations: InvitationListItem[];
  organisations: Array<{ id: string; name: string }>;
  mailEnabled: boolean;
}) {
  const t = useT();
  const locale = useLocale();
  const nav = useNavigation();
  const hydrated = useHydrated();
  const result = useActionData() as InviteActionData | undefined;
  const [copied, setCopied] = useState<string | null>(null);
  const mine = result?.intent?.startsWith("invite") ? result : undefined;
  const err = (field: string) => (mine?.intent === "invite" ? errorText(t, field, mine.errors?.[field]) : undefined);
  const fieldProps = (field: string) => ({
    "aria-invalid": err(field) ? true : undefined,
    "aria-describedby": err(field) ? `inv-${field}-e` : undefined,
  });
  const busy = nav.state !== "idle";
  // After an invitation went out, the form is empty again for the next one.
  const formRef = useRef<HTMLFormElement>(null);
  useEffect(() => {
    if (mine?.intent === "invite" && mine.ok) formRef.current?.reset();
  }, [mine]);
  return (
    <section aria-labelledby="invite-h" className="card-panel admin-section" data-testid="invitations">
      <h2 id="invite-h">{t("invite.title")}</h2>
      <p className="muted">
        {t("invite.intro")} {mailEnabled ? t("invite.introMail") : t("invite.introNoMail")}
      </p>
      {mine?.ok && mine.link ? (
        <div className="alert info invite-link" role="status" data-testid="invitation-link">
          <strong>{t("invite.linkFor", { email: mine.email ?? "" })}</strong>
          <p>{mine.mailed ? t("invite.linkMailed") : mine.mailLimited ? t("invite.linkMailLimited") : t("invite.linkNoMail")}</p>
          <div className="invite-link-row">
            <input className="invite-link-value" readOnly value={mine.link} aria-label={t("invite.linkFor", { email: mine.email ?? "" })} onFocus={(e) => e.currentTarget.select()} />
            {hydrated ? (
              <button
                type="button"
                className="button small secondary"
                onClick={() => {
                  void navigator.clipboard?.writeText(mine.link!).then(() => setCopied(mine.link!));
                }}
              >
                {copied === mine.link ? t("invite.copied") : t("invite.copy")}
              </button>
            ) : null}
          </div>
        </div>
      ) : null}
      <Form method="post" className="admin-form invite-form" noValidate ref={formRef}>
        <input type="hidden" name="intent" value="invite" />
        <div className="field">
          <label htmlFor="inv-name">{t("invite.name")}</label>
          <input id="inv-name" name="name" type="text" autoComplete="off" {...fieldProps("name")} />
          {err("name") ? <span id="inv-name-e" className="field-error">{err("name")}</span> : null}
        </div>
        <div className="field">
          <label htmlFor="inv-email">{t("invite.email")}</label>
          <input id="inv-email" name="email" type="email" autoComplete="off" {...fieldProps("email")} />
          {err("email") ? <span id="inv-email-e" className="field-error">{err("email")}</span> : null}
        </div>
        <div className="field">
          <label htmlFor="inv-org">{t("invite.organisation")}</label>
          <select id="inv-org" name="organisationId" {...fieldProps("organisationId")}>
            {organisations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
          {err("organisationId") ? <span id="inv-organisationId-e" className="field-error">{err("organisationId")}</span> : null}
        </div>
        <div className="field">
          <label htmlFor="inv-role">{t("invite.role")}</label>
          <select id="inv-role" name="role" defaultValue="member" {...fieldProps("role")}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {t(`admin.role.${r}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="inv-locale">{t("invite.locale")}</label>
          <select id="inv-locale" name="locale" defaultValue={locale}>
            <option value="nl">Nederlands</option>
            <option value="en">English</option>
          </select>
        </div>
        <button className="button" type="submit" disabled={busy}>
          {t("invite.submit")}
        </button>
      </Form>

      <h3>{t("invite.pending")}</h3>
      {invitations.length ? (
        <table className="admin-table" data-testid="pending-invitations">
          <thead>
            <tr>
              <th scope="col">{t("invite.name")}</th>
              <th scope="col">{t("invite.organisation")}</th>
              <th scope="col">{t("invite.role")}</th>
              <th scope="col">{t("invite.expires")}</th>
              <th scope="col">
                <span className="visually-hidden">{t("invite.resend")}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {invitations.map((i) => (
              <tr key={i.id} data-testid={`invitation-${i.email}`}>
                <td>
                  {i.name}
                  <br />
                  <span className="muted">{i.email}</span>
                </td>
                <td data-label={t("invite.organisation")}>{i.organisationName}</td>
                <td data-label={t("invite.role")}>{t(`admin.role.${i.role as (typeof ROLES)[number]}`)}</td>
                <td data-label={t("invite.expires")}>{i.expired ? <strong>{t("invite.expired")}</strong> : formatDate(i.expiresAt, locale)}</td>
                <td>
                  <div className="admin-actions">
                    <Form method="post">
                      <input type="hidden" name="intent" value="invite-resend" />
                      <input type="hidden" name="invitationId" value={i.id} />
                      <button className="button small secondary" type="submit" disabled={busy} aria-label={`${t("invite.resend")}: ${i.name}`}>
                        {t("invite.resend")}
                      </button>
                    </Form>
                    <Form method="post">
                      <input type="hidden" name="intent" value="invite-withdraw" />
                      <input type="hidden" name="invitationId" value={i.id} />
                      <button className="button small danger" type="submit" disabled={busy} aria-label={`${t("invite.withdraw")}: ${i.name}`}>
                        {t("invite.withdraw")}
                      </button>
                    </Form>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted">{t("invite.none")}</p>
      )}
    </section>
  );
}
