import { Form } from "@remix-run/react";
import type { Translate } from "~/i18n";

export interface TwoFactorPolicyData {
  policy: "off" | "coordinators" | "everyone";
  enabled: number;
  people: number;
  missing: number;
  /** The coordinator looking has two-factor login on (needed to require it). */
  ownEnabled: boolean;
}

const POLICIES = ["off", "coordinators", "everyone"] as const;

/** Beheer: whom the alliance asks for two-factor login, with how many have it on. */
export function TwoFactorPolicySection({ data, error, t, busy }: { data: TwoFactorPolicyData; error?: string; t: Translate; busy: boolean }) {
  return (
    <section aria-labelledby="twofactor-policy-h" className="card-panel admin-section" data-testid="two-factor-policy">
      <h2 id="twofactor-policy-h">{t("twofactor.policy.title")}</h2>
      <p className="muted" id="twofactor-policy-help">
        {t("twofactor.policy.help")}
      </p>
      <p>
        {t("twofactor.policy.figures", { enabled: data.enabled, people: data.people })}{" "}
        {data.missing ? t("twofactor.policy.missing", { n: data.missing }) : null}
      </p>
      {!data.ownEnabled ? <p className="alert info">{t("twofactor.policy.ownFirst")}</p> : null}
      <Form method="post" className="admin-form" noValidate>
        <input type="hidden" name="intent" value="two-factor-policy" />
        <fieldset className="account-lang" aria-describedby={error ? "twofactor-policy-help twofactor-policy-e" : "twofactor-policy-help"}>
          <legend>{t("twofactor.policy.title")}</legend>
          {POLICIES.map((p) => (
            <label key={p}>
              <input type="radio" name="policy" value={p} defaultChecked={data.policy === p} />
              {t(`twofactor.policy.${p}`)}
            </label>
          ))}
        </fieldset>
        {error ? (
          <span id="twofactor-policy-e" className="field-error">
            {error}
          </span>
        ) : null}
        <div>
          <button className="button secondary" type="submit" disabled={busy}>
            {t("twofactor.policy.save")}
          </button>
        </div>
      </Form>
    </section>
  );
}
