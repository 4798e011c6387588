/**
 * A coordinator dropped a request nobody holds into a held column: which
 * organisation takes it on? The choice goes to the server as a reassignment
 * (decided in SQL, the card moved into a held column there); the card then
 * goes to the column it was dropped in.
 */
import { useId, useState } from "react";
import type { Translate } from "~/i18n";
import { Modal } from "../Modal";
import type { OrgInfo } from "../Card";

export interface HolderChoice {
  cardId: string;
  title: string;
  column: string;
  columnLabel: string;
}

export function HolderChoiceDialog({
  choice,
  organisations,
  onChoose,
  onClose,
  t,
}: {
  choice: HolderChoice | null;
  organisations: OrgInfo[];
  onChoose: (choice: HolderChoice, orgId: string) => Promise<boolean>;
  onClose: () => void;
  t: Translate;
}) {
  const titleId = useId();
  const [busy, setBusy] = useState<string | null>(null);
  return (
    <Modal open={!!choice} onClose={onClose} labelledBy={titleId} testId="dialog-holder-choice">
      {choice ? (
        <>
          <h2 id={titleId}>{t("holderChoice.title", { title: choice.title })}</h2>
          <p className="muted small">{t("holderChoice.help", { column: choice.columnLabel })}</p>
          <ul className="holder-choice-list">
            {organisations.map((o) => (
              <li key={o.id}>
                <button
                  type="button"
                  className="button"
                  disabled={busy !== null}
                  aria-busy={busy === o.id}
                  onClick={async () => {
                    setBusy(o.id);
                    const ok = await onChoose(choice, o.id);
                    setBusy(null);
                    if (ok) onClose();
                  }}
                >
                  {o.name}
                </button>
              </li>
            ))}
          </ul>
          <div className="modal-actions">
            <button type="button" className="button secondary" onClick={onClose}>
              {t("board.cancel")}
            </button>
          </div>
        </>
      ) : null}
    </Modal>
  );
}
