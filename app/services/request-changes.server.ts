/**
 * Changing a request through the JSON API (`PATCH
 * /api/boards/<boardId>/requests/<requestId>`): its fields, its column, its
 * archive state. The same rules as the board and the sync server, from the
 * same functions: `validateCardFields` for the values, `mayChangeRequest`
 * and `mayMove` for who may (app/board/stages.ts), and a move between stages
 * claims or releases the request in SQL (exactly one winner), as a drag does.
 * SQLite decides it inside the document's synchronous step (`…Now`); with
 * the rooms' holders in memory (`rooms.holdersAsync`, PostgreSQL) the claim
 * is awaited before the document is touched, and the card is checked again
 * inside `withDoc` with its answer.
 */
import type * as Y from "yjs";
import { getCard, listCategories, listColumns, moveCard, setArchived, updateCard } from "../board/domain";
import { holderChangeForMove, mayChangeRequest, mayMove, stageOfColumn, type Actor } from "../board/stages";
import { validateMatchFields } from "../board/jobs";
import type { CardExtras, CardFields, CardView } from "../board/types";
import { validateCardFields } from "../board/validate";
import { claimRequest, claimRequestNow, holderNow, ownershipOf, unclaimRequest, unclaimRequestNow } from "../../db/ownership";
import { addAudit, getRequest, type AuditInput } from "../../db/requests";
import { publishLatest } from "./activity.server";
import type { BoardRow, SessionUser } from "./auth.server";
import { sqliteOf, type AppServices } from "./context.server";
import { holdersForSync } from "./ownership.server";
import { ACKNOWLEDGE_FIELD, PERSONAL_DATA_MESSAGE, personalDataGate, recordAcknowledged } from "./personal-data.server";
import type { FieldFinding } from "../board/personal-data";

const TEXT_FIELDS = ["title", "description", "area", "urgency", "category"] as const;
/** A request's matching fields (issue 15): checked by `validateMatchFields`. */
const MATCH_FIELDS = ["languageLevel", "availability"] as const;
const ALLOWED = new Set<string>([...TEXT_FIELDS, ...MATCH_FIELDS, "column", "archived", ACKNOWLEDGE_FIELD]);

export type ChangeRequestResult =
  | { ok: true; card: CardView }
  | {
      ok: false;
      status: number;
      error: string;
      message: string;
      errors?: Record<string, string>;
      owner?: string | null;
      /** With error "personal_data": which changed field holds which kind. */
      found?: FieldFinding[];
    };

const fail = (
  status: number,
  error: string,
  message: string,
  extra: { errors?: Record<string, string>; owner?: string | null; found?: FieldFinding[] } = {},
): ChangeRequestResult => ({
  ok: false,
  status,
  error,
  message,
  ...extra,
});

export async function changeRequest(
  svc: AppServices,
  user: SessionUser,
  board: BoardRow,
  requestId: string,
  body: Record<string, unknown>,
): Promise<ChangeRequestResult> {
  if (user.role === "viewer") return fail(403, "forbidden", "Viewers read the board; they do not change it.");
  if (!(await getRequest(svc.async, board.id, requestId))) return fail(404, "not_found", "No such request.");
  const unknown = Object.keys(body).filter((k) => !ALLOWED.has(k));
  if (unknown.length) {
    return fail(422, "invalid", "Unknown fields.", { errors: Object.fromEntries(unknown.map((k) => [k, "unknown"])) });
  }
  if (body.archived !== undefined && typeof body.archived !== "boolean") {
    return fail(422, "invalid", "archived must be true or false.", { errors: { archived: "type" } });
  }
  const actor: Actor = { role: user.role, orgId: user.organisationId };
  const now = svc.now();
  const announce = holdersForSync(() => svc);
  let holderChanged = false;
  let acknowledgedFound: FieldFinding[] = [];
  // What the change did, recorded once the document's synchronous step is over (in order).
  let audits: AuditInput[] = [];
  const audit = { boardId: board.id, requestId, userId: user.id, orgId: user.organisationId };
  const asCoordinator = user.role === "coordinator";

  /** The claim's or release's answer as the change takes it: go on (whether the holder changed), or the failure. */
  const claimed = (won: boolean, owner: string | null): Settled =>
    won || owner === user.organisationId
      ? { ok: true, changed: won }
      : (fail(409, "already_claimed", "Another organisation holds this request.", { owner }) as Settled);
  const released = (ok: boolean, owner: string | null): Settled =>
    ok ? { ok: true, changed: true } : (fail(409, "not_owner", "Only the organisation that holds this request lets it go.", { owner }) as Settled);

  let result: ChangeRequestResult;
  if (!svc.rooms.holdersAsync) {
    const db = sqliteOf(svc, "the card move's synchronous claim");
    result = await svc.rooms.withDoc(board.id, (doc) => {
      const holder = holderNow(db, requestId);
      return change(doc, holder, (kind) =>
        kind === "claim"
          ? ((res) => claimed(res.won, res.ownerOrgId))(claimRequestNow(db, requestId, user.organisationId, now, audit))
          : ((res) => released(res.ok, res.previousOwner))(unclaimRequestNow(db, requestId, asCoordinator ? null : user.organisationId, now, audit)),
      );
    });
  } else {
    // The holder as SQL has it now; a claim or release the move makes is decided (awaited) first,
    // then the card is judged again inside withDoc with that holder and that answer.
    let before = (await ownershipOf(svc.async, requestId))?.ownerOrgId ?? null;
    let decided: { kind: "claim" | "release"; settled: Settled; used: boolean; holder: string | null; undo?: () => Promise<unknown> } | null = null;
    for (;;) {
      let needs: "claim" | "release" | null = null;
      // Judged with the holder it had (a claim or release that won: asked again, answered as decided) or, lost, with its holder now.
      const holder = decided ? decided.holder : before;
      const attempt = await svc.rooms.withDoc(board.id, (doc) =>
        change(doc, holder, (kind) => {
          if (decided?.kind === kind) {
            decided.used = true;
            return decided.settled;
          }
          needs = kind;
          return NOT_YET;
        }),
      );
      const asked = needs as "claim" | "release" | null;
      if (!decided && asked === null && !attempt.ok) {
        // Refused with the holder read before the document: judged again if another claim changed it meanwhile.
        const now = (await ownershipOf(svc.async, requestId))?.ownerOrgId ?? null;
        if (now !== before) {
          before = now;
          continue;
        }
      }
      if (asked === null || decided) {
        // A claim won but not used (refused now, or the card changed meanwhile) is given back.
        const used = decided?.used && attempt.ok && asked === null;
        if (decided?.undo && !used) {
          await decided.undo();
          await svc.rooms.holdersChanged?.(board.id, [requestId]);
        }
        result = asked === null ? attempt : fail(409, "conflict", "The request changed meanwhile; try again.");
        break;
      }
      if (asked === "claim") {
        const res = await claimRequest(svc.async, requestId, user.organisationId, now, audit);
        decided = {
          kind: asked,
          settled: claimed(res.won, res.ownerOrgId),
          used: false,
          holder: res.won || res.ownerOrgId === user.organisationId ? before : res.ownerOrgId,
          undo: res.won ? () => unclaimRequest(svc.async, requestId, user.organisationId, svc.now(), audit) : undefined,
        };
      } else {
        const res = await unclaimRequest(svc.async, requestId, asCoordinator ? null : user.organisationId, now, audit);
        decided = { kind: asked, settled: released(res.ok, res.previousOwner), used: false, holder: res.ok ? before : res.previousOwner };
      }
      // The rooms judge the next edits with the new holder (here and on the other servers).
      if (decided.settled.ok && decided.settled.changed) await svc.rooms.holdersChanged?.(board.id, [requestId]);
    }
  }
  if (result.ok) {
    for (const a of audits) await addAudit(svc.async, a);
    await recordAcknowledged(svc, user, { boardId: board.id, requestId }, acknowledgedFound);
    if (holderChanged) await announce.announce(board.id, requestId, user);
    else await publishLatest(svc, board.id, requestId);
  }
  return result;

  /**
   * The change on the document, judged with `holder`; `settle` decides a
   * claim or release its move makes (NOT_YET: not decided yet, nothing is
   * written and the caller decides it first).
   */
  function change(doc: Y.Doc, holder: string | null, settle: (kind: "claim" | "release") => Settled | typeof NOT_YET): ChangeRequestResult {
    audits = [];
    holderChanged = false;
    const card = getCard(doc, requestId);
    if (!card) return fail(404, "not_found", "No such request.");
    // The values: the card's own, with what the body changes, checked as the form checks them.
    const merged: Record<string, unknown> = { ...card };
    for (const k of TEXT_FIELDS) if (body[k] !== undefined) merged[k] = body[k];
    const valid = validateCardFields(merged, listCategories(doc).map((c) => c.id));
    if (!valid.ok) return fail(422, "invalid", "Some fields are not valid.", { errors: valid.errors as Record<string, string> });
    const columns = listColumns(doc);
    const toColumn = body.column === undefined ? null : columns.find((c) => c.id === body.column);
    if (body.column !== undefined && !toColumn) return fail(422, "invalid", "No such column on this board.", { errors: { column: "unknown" } });

    const match = validateMatchFields(body);
    if (!match.ok) return fail(422, "invalid", "Some fields are not valid.", { errors: match.errors as Record<string, string> });
    const patch: Partial<CardFields & CardExtras> = {};
    for (const k of TEXT_FIELDS) if (body[k] !== undefined && valid.value[k] !== card[k]) (patch as Record<string, unknown>)[k] = valid.value[k];
    for (const k of MATCH_FIELDS) if (match.value[k] !== undefined && match.value[k] !== card[k]) (patch as Record<string, unknown>)[k] = match.value[k];
    // Only what changes is checked: a request saved earlier after the warning does not block moving it.
    const pd = personalDataGate(svc, { title: patch.title, description: patch.description, area: patch.area }, body[ACKNOWLEDGE_FIELD]);
    if (!pd.ok) return fail(422, "personal_data", PERSONAL_DATA_MESSAGE, { found: pd.found });
    acknowledgedFound = pd.found;
    const archive = body.archived !== undefined && body.archived !== card.archived ? (body.archived as boolean) : null;
    const moving = toColumn && toColumn.id !== card.column ? toColumn : null;

    if ((Object.keys(patch).length || archive !== null) && !mayChangeRequest(actor, card, holder)) {
      return fail(403, "forbidden", "Only the organisation that entered or holds this request, or a coordinator, may change it.");
    }
    if (moving) {
      const from = stageOfColumn(columns, card.column);
      if (!mayMove(actor, card, holder, from, moving.stage)) {
        return holder && holder !== actor.orgId
          ? fail(409, "already_claimed", "Another organisation holds this request.", { owner: holder })
          : fail(403, "forbidden", "Only the organisation that entered or holds this request moves it; others may take it on by moving it into a held column.");
      }
      const move = holderChangeForMove(from, moving.stage, holder, actor);
      if (move.kind === "claim" || move.kind === "release") {
        const settled = settle(move.kind);
        if (settled === NOT_YET) return NOT_YET_RESULT;
        if (!settled.ok) return settled;
        holderChanged = settled.changed;
      }
    }

    // Everything allowed: write it, and record it as the room records a participant's change.
    const record = (type: string, data: Record<string, unknown>) =>
      audits.push({ boardId: board.id, requestId, userId: user.id, orgId: user.organisationId, type, data, createdAt: now });
    for (const c of updateCard(doc, requestId, patch, now)) record("edited", { field: c.field, from: c.from, to: c.to });
    if (moving) {
      const end = Number.MAX_SAFE_INTEGER;
      const { from, to } = moveCard(doc, requestId, moving.id, end, now);
      record("moved", { from, to, fromStage: stageOfColumn(columns, from), toStage: moving.stage });
    }
    if (archive !== null && setArchived(doc, requestId, archive, now)) record(archive ? "archived" : "restored", {});
    return { ok: true, card: getCard(doc, requestId)! };
  }
}

type Settled = { ok: true; changed: boolean } | Extract<ChangeRequestResult, { ok: false }>;
/** A claim or release not decided yet (the asynchronous path decides it, then judges again). */
const NOT_YET = Symbol("not yet");
const NOT_YET_RESULT = { ok: false, status: 0, error: "not_yet", message: "" } as const satisfies ChangeRequestResult;
