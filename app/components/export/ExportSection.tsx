import type { Translate } from "~/i18n";

/** On /beheer: the coordinator downloads the alliance as one JSON file (GET /api/alliance/export). */
export function ExportSection({ t }: { t: Translate }) {
  return (
    <section aria-labelledby="export-h" className="card-panel admin-section" data-testid="export">
      <h2 id="export-h">{t("export.title")}</h2>
      <p className="muted">{t("export.help")}</p>
      <p>
        <a className="button secondary" href="/api/alliance/export" download data-testid="export-json">
          {t("export.json")}
        </a>
      </p>
    </section>
  );
}
