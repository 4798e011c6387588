import { useCallback, useEffect, useRef, useState } from "react";
import { useT } from "~/i18n";
import { useOwnershipActions, type OwnershipAction } from "~/hooks/useOwnership";
import { refusalMessage } from "./messages";

/**
 * Send one ownership action at a time for a request: `busy` while the
 * server decides, `error` (translated) when it refuses, `onDone` with the
 * acknowledgement when it agrees.
 */
export function useOwnershipRunner(requestId: string) {
  const t = useT();
  const act = useOwnershipActions();
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
      if (!alive.current) return ack;
      setBusy(false);
      if (ack.ok) onDone?.();
      else setError(refusalMessage(t, ack));
      return ack;
    },
    [act, requestId, t],
  );

  return { busy, error, setError, run };
}
