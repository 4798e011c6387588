import { useCallback, useEffect, useRef, useState } from "react";
import { useT } from "~/i18n";
import { useOwnershipActions, type OwnershipAction } from "~/hooks/useOwnership";
import { useToast } from "~/components/toast/ToastProvider";
import { refusalMessage } from "./messages";

/**
 * Send one ownership action at a time for a request: `busy` while the
 * server decides, `error` (translated) when it refuses, `onDone` with the
 * acknowledgement when it agrees. A refusal is also a toast (silent while
 * the in-place role="alert" says it; spoken when the section has gone).
 */
export function useOwnershipRunner(requestId: string) {
  const t = useT();
  const act = useOwnershipActions();
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const alive = useRef(true);
  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const run = useCallback(
    async (action: OwnershipAction, onDone?: () => void) => {
      setBusy(true);
      setError(null);
      const ack = await act(requestId, action);
      const shown = alive.current;
      if (shown) setBusy(false);
      if (ack.ok) onDone?.();
      else {
        const message = refusalMessage(t, ack);
        if (shown) setError(message);
        toast.error(message, { silent: shown });
      }
      return ack;
    },
    [act, requestId, t, toast],
  );

  return { busy, error, setError, run };
}
