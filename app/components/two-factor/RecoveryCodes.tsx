import { useEffect, useRef } from "react";
import { useT, type MessageKey } from "~/i18n";

/** Recovery codes, shown once (after turning two-factor login on, or renewing them); the heading takes the focus so a screen reader reads them next. */
export function RecoveryCodes({ codes, intro, children }: { codes: readonly string[]; intro: MessageKey; children?: React.ReactNode }) {
  const t = useT();
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    headingRef.current?.focus();
  }, [codes]);
  return (
    <section aria-labelledby="recovery-h" data-testid="recovery-codes">
      <div className="alert info" role="status">
        {t(intro)}
      </div>
      <h2 id="recovery-h" tabIndex={-1} ref={headingRef}>
        {t("twofactor.codes.title")}
      </h2>
      <p>{t("twofactor.codes.help")}</p>
      <ul className="recovery-codes">
        {codes.map((c) => (
          <li key={c}>{c}</li>
        ))}
      </ul>
      {children}
    </section>
  );
}
