/**
 * Connect to a board's live document in the browser (never on the server):
 * the Yjs connection, a render-friendly store of its contents, and the
 * connection state as React state.
 */
import { useCallback, useEffect, useState, useSyncExternalStore } from "react";
import type * as Y from "yjs";
import { connectBoard, takeRebuiltMark, type BoardConnection, type ConnectionState } from "~/lib/sync-client";
import { BoardStore, type BoardView } from "./board-store";

export interface LiveBoard {
  connection: BoardConnection;
  store: BoardStore;
  doc: Y.Doc;
}

export interface ConnectionInfo {
  state: ConnectionState;
  /** Counts the server's notes about edits it repaired (0: none yet). */
  notices: number;
  synced: boolean;
  localLoaded: boolean;
}

const SERVER_STATUS = "connecting|0|0|0";

function statusKey(c: BoardConnection | undefined): string {
  if (!c) return SERVER_STATUS;
  return `${c.getState()}|${c.isSynced() ? 1 : 0}|${c.isLocalLoaded() ? 1 : 0}|${c.getNotice()?.seq ?? 0}`;
}

const noopSubscribe = () => () => {};

/** `generation`: the build of the board's document the page was loaded with (the loader's `board.generation`). */
export function useBoardConnection(boardId: string, userId: string | null | undefined, generation = 0) {
  const [live, setLive] = useState<LiveBoard | null>(null);
  /** The page was loaded again because the board was rebuilt (app/lib/sync-client.ts): say so once. */
  const [rebuilt, setRebuilt] = useState(false);

  useEffect(() => {
    if (takeRebuiltMark(boardId)) setRebuilt(true);
  }, [boardId]);

  useEffect(() => {
    if (!userId) return;
    const connection = connectBoard(boardId, userId, generation);
    const store = new BoardStore(connection.doc);
    setLive({ connection, store, doc: connection.doc });
    return () => {
      setLive(null);
      store.destroy();
      connection.destroy();
    };
  }, [boardId, userId, generation]);

  const connection = live?.connection;
  const subscribe = useCallback(
    (cb: () => void) => (connection ? connection.subscribe(cb) : noopSubscribe()),
    [connection],
  );
  const key = useSyncExternalStore(
    subscribe,
    () => statusKey(connection),
    () => SERVER_STATUS,
  );
  const [state, synced, localLoaded, notices] = key.split("|");
  const info: ConnectionInfo = {
    state: state as ConnectionState,
    notices: Number(notices),
    synced: synced === "1",
    localLoaded: localLoaded === "1",
  };

  const store = live?.store;
  const storeSubscribe = useCallback(
    (cb: () => void) => (store ? store.subscribe(cb) : noopSubscribe()),
    [store],
  );
  const liveView = useSyncExternalStore<BoardView | null>(
    storeSubscribe,
    () => (store ? store.getView() : null),
    () => null,
  );

  // Show the live document once it holds the board: after the first sync with
  // the server, or as soon as the offline copy is loaded if that copy is not empty.
  const ready = !!live && !!liveView && (info.synced || (info.localLoaded && liveView.columns.length > 0));

  const reconnect = useCallback(() => {
    if (connection?.getState() === "refused") void connection.resetLocal();
    else connection?.reconnect();
  }, [connection]);

  return { live, info, liveView: ready ? liveView : null, reconnect, rebuilt };
}
