/**
 * Who may change which request, in the browser: the same rules the sync
 * server applies (app/board/stages.ts), fed with the live holders from the
 * ownership store, so the board offers no control that would be refused.
 */
import { useCallback, useMemo, useSyncExternalStore } from "react";
import { mayChangeRequest, mayMove, stageOfColumn, type Actor, type Role } from "~/board/stages";
import type { BoardView } from "~/board/view";
import { useOwnershipContext } from "./useOwnership";

export interface RequestRights {
  /** May edit the request's fields and archive it. */
  mayChange(cardId: string): boolean;
  /** May move it at all (drag, "Verplaats naar…"). */
  mayMoveAny(cardId: string): boolean;
  /** May move it into this column. */
  mayMoveTo(cardId: string, columnId: string): boolean;
  /** A coordinator moving a request nobody holds into a held column: they choose who takes it on. */
  needsHolderChoice(cardId: string, columnId: string): boolean;
}

const noop = () => () => {};
const zero = () => 0;

export function useRequestRights(view: BoardView, user: { role: string; organisationId: string } | null, writable: boolean): RequestRights {
  const ctx = useOwnershipContext();
  const store = ctx?.store;
  // A new version whenever a holder changes: the functions below change identity with it.
  const version = useSyncExternalStore(
    store ? store.subscribe : noop,
    store ? store.version : zero,
    store ? store.version : zero,
  );
  const actor: Actor | null = user && writable ? { role: user.role as Role, orgId: user.organisationId } : null;
  const role = actor?.role;
  const orgId = actor?.orgId;
  const holderOf = useCallback((id: string) => (store ? store.get(id).owner?.id ?? null : null), [store, version]); // eslint-disable-line react-hooks/exhaustive-deps

  return useMemo<RequestRights>(() => {
    const who: Actor | null = role && orgId ? { role, orgId } : null;
    const cardOf = (id: string) => view.cardById.get(id) ?? view.archived.find((c) => c.id === id);
    const mayMoveTo = (id: string, columnId: string) => {
      const card = cardOf(id);
      if (!who || !card) return false;
      const from = stageOfColumn(view.columns, card.column);
      const to = stageOfColumn(view.columns, columnId);
      return mayMove(who, card, holderOf(id), from, to);
    };
    return {
      mayChange: (id) => {
        const card = cardOf(id);
        return !!who && !!card && mayChangeRequest(who, card, holderOf(id));
      },
      mayMoveAny: (id) => view.columns.some((c) => mayMoveTo(id, c.id)),
      mayMoveTo,
      needsHolderChoice: (id, columnId) => {
        const card = cardOf(id);
        if (!who || who.role !== "coordinator" || !card || holderOf(id) !== null) return false;
        return stageOfColumn(view.columns, columnId) === "held" && stageOfColumn(view.columns, card.column) !== "held";
      },
    };
  }, [role, orgId, view, holderOf]);
}
