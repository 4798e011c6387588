/**
 * The guard's hidden fields in the public form (issue 15): the honeypot, the
 * signed form token and, while a flood is on, the proof-of-work (a hidden
 * field the script public/front-door/pow.js fills, a status line it speaks
 * through, the script itself with the page's nonce, and for browsers
 * without JavaScript a plain word that it is busy). Put it inside the form.
 */
import { GUARD_FIELDS } from "~/board/front-door-guard";
import type { Translate } from "~/i18n";
import { useNonce } from "~/lib/nonce";

export interface GuardFieldsData {
  token: string;
  pow: null | { challenge: string; difficulty: number };
}

export const POW_SCRIPT = "/front-door/pow.js";

export function GuardFields({ guard, t }: { guard: GuardFieldsData; t: Translate }) {
  const nonce = useNonce();
  return (
    <>
      {/* People never see, reach or hear this field; a script that fills every field fills it. */}
      <div className="fd-hp" aria-hidden="true">
        <label htmlFor="fd-hp-field">{t("public.guard.honeypotLabel")}</label>
        <input id="fd-hp-field" name={GUARD_FIELDS.honeypot} type="text" tabIndex={-1} autoComplete="off" defaultValue="" />
      </div>
      <input type="hidden" name={GUARD_FIELDS.token} value={guard.token} />
      {guard.pow ? (
        <div
          data-pow-challenge={guard.pow.challenge}
          data-pow-difficulty={guard.pow.difficulty}
          data-pow-working={t("public.guard.working")}
          data-pow-done={t("public.guard.done")}
          data-pow-failed={t("public.guard.failed")}
        >
          <input type="hidden" name={GUARD_FIELDS.pow} defaultValue="" />
          <p className="muted small" role="status" data-pow-status="" />
          <noscript>
            <p className="alert error">{t("public.guard.busyNoScript")}</p>
          </noscript>
          <script src={POW_SCRIPT} nonce={nonce} defer />
        </div>
      ) : null}
    </>
  );
}
