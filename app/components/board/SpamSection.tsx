/**
 * "Markeer als spam" in the card dialog (issue 15), only for a request that
 * came in through the public page and only for whoever may mark it (a
 * coordinator, or the organisation that holds it or it was entered under):
 * GET …/spam says so. The button asks first (ConfirmDialog); then POST
 * …/spam erases the request as spam (the board is rebuilt, so every open
 * board page, this one too, loads it again without the card).
 */
import { useEffect, useState } from "react";
import { ConfirmDialog } from "~/components/toast/ConfirmDialog";
import { useToast } from "~/components/toast/ToastProvider";
import { useT } from "~/i18n";

function spamUrl(boardId: string, requestId: string) {
  return `/api/boards/${encodeURIComponent(boardId)}/requests/${encodeURIComponent(requestId)}/spam`;
}

export function SpamSection({ boardId, requestId, onDone }: { boardId: string; requestId: string; onDone: () => void }) {
  const t = useT();
  const toast = useToast();
  const [may, setMay] = useState(false);
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    const abort = new AbortController();
    setMay(false);
    fetch(spamUrl(boardId, requestId), { headers: { Accept: "application/json" }, credentials: "same-origin", signal: abort.signal })
      .then(async (res) => (res.ok ? ((await res.json()) as { frontDoor?: boolean; may?: boolean }) : null))
      .then((r) => setMay(!!r?.may))
      .catch(() => undefined);
    return () => abort.abort();
  }, [boardId, requestId]);

  if (!may) return null;
  const mark = async () => {
    setAsking(false);
    setBusy(true);
    try {
      const res = await fetch(spamUrl(boardId, requestId), {
        method: "POST",
        headers: { Accept: "application/json", "Content-Type": "application/json" },
        credentials: "same-origin",
        body: "{}",
      });
      if (!res.ok) throw new Error(String(res.status));
      toast.success(t("spam.done"));
      onDone();
    } catch {
      toast.error(t("spam.failed"));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="spam-card" data-testid="spam-card">
      <button type="button" className="button danger" onClick={() => setAsking(true)} disabled={busy}>
        {t("spam.mark")}
      </button>
      <ConfirmDialog
        open={asking}
        title={t("spam.confirmTitle")}
        body={t("spam.confirmBody")}
        confirmLabel={t("spam.confirm")}
        cancelLabel={t("board.cancel")}
        onConfirm={() => void mark()}
        onCancel={() => setAsking(false)}
        testId="spam-confirm"
      />
    </div>
  );
}
