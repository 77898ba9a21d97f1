/**
 * Operations of the harness domain: sessions stored whole (codec text,
 * out of line when large), listed in the order first saved, and changed
 * atomically by one mutation each (`harness/sessions:change`).
 */
import type { PaginationResult } from "convex/server";
import type { HarnessPendingItemRecord, SessionRecord, SessionRecordUpdate } from "../coreTypes.ts";
import { isBlobRef } from "../../convex/kit/blobs.ts";
import {
  normalizeSession,
  type PendingItemValue,
  sessionColumns,
  type SessionRecordValue,
} from "../../convex/harness/sessionRecord.ts";
import type { SessionChange } from "../../convex/harness/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import { type ErrorDetails, InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { loadLarge, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { describeValue, requireId, requireRecord } from "../kit/validate.ts";

/** Sessions asked for per list call (the server caps it by bytes). */
const LIST_PAGE = 32;

function idDetail(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

async function decodeStored(ctx: DomainContext, stored: string, operation: string): Promise<SessionRecord> {
  const text = isBlobRef(stored) ? await loadLarge(ctx, stored, operation) : stored;
  return decodeValue(text) as SessionRecord;
}

/** A session, or `null`. */
export function loadSession(ctx: DomainContext, sessionId: string): Promise<SessionRecord | null> {
  const details = { sessionId: idDetail(sessionId) };
  return withErrorContext({ operation: "loadSession", details }, async () => {
    const id = requireId(sessionId, "sessionId");
    for (let attempt = 1;; attempt++) {
      const stored = await ctx.transport.query<string | null>("harness/sessions:get", { id }, {
        operation: "loadSession",
        details,
      });
      if (stored === null) return null;
      try {
        return await decodeStored(ctx, stored, "loadSession");
      } catch (error) {
        // A concurrent change replaced a large record and its chunks were swept: read again.
        if (attempt >= 3 || !isBlobRef(stored)) throw error;
      }
    }
  });
}

/** Stores a session, replacing the one with its id (which keeps its place in the list). */
export function saveSession(ctx: DomainContext, record: SessionRecord): Promise<void> {
  const details = { sessionId: idDetail((record as { id?: unknown } | null)?.id) };
  return withErrorContext({ operation: "saveSession", details }, async () => {
    const checked = requireRecord(record, "record") as SessionRecordValue;
    const id = requireId(checked.id, "record.id");
    if (checked.pending !== undefined && !Array.isArray(checked.pending)) {
      throw new InvalidInputError(`record.pending must be an array, got ${describeValue(checked.pending)}`);
    }
    const normalized = normalizeSession(checked);
    const stored = await storeLarge(ctx, encodeValue(normalized), "saveSession");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("harness/sessions:save", {
      id,
      record: stored,
      ...sessionColumns(normalized),
    }, { operation: "saveSession", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "saveSession");
  });
}

/** Every session, in the order first saved, read in bounded pages. */
export function listSessions(ctx: DomainContext): Promise<SessionRecord[]> {
  return withErrorContext({ operation: "listSessions" }, async () => {
    const out: SessionRecord[] = [];
    let cursor: string | null = null;
    for (;;) {
      const page: PaginationResult<string> = await ctx.transport.query("harness/sessions:list", {
        paginationOpts: { numItems: LIST_PAGE, cursor },
      }, { operation: "listSessions" });
      for (const stored of page.page) out.push(await decodeStored(ctx, stored, "listSessions"));
      if (page.isDone) return out;
      cursor = page.continueCursor;
    }
  });
}

/** Applies one change to a session in one mutation; returns the new record. */
async function change(
  ctx: DomainContext,
  operation: string,
  details: ErrorDetails,
  sessionId: string,
  build: () => SessionChange,
): Promise<SessionRecord> {
  return await withErrorContext({ operation, details }, async () => {
    const id = requireId(sessionId, "sessionId");
    const answer = await ctx.transport.mutation<{ record: string; released: boolean }>("harness/sessions:change", {
      id,
      change: build(),
      now: ctx.now(),
      // A repeat would answer differently (an append finds its item); the server records the answer under this id.
      opId: crypto.randomUUID(),
    }, { operation, details, idempotent: true });
    if (answer.released) await sweepBlobs(ctx, operation);
    return decodeValue(answer.record) as SessionRecord;
  });
}

/** `updates` over the session (id and `createdAt` kept; `lastActivityAt` now unless given), atomically. */
export function updateSession(
  ctx: DomainContext,
  sessionId: string,
  updates: SessionRecordUpdate,
): Promise<SessionRecord> {
  return change(ctx, "updateSession", { sessionId: idDetail(sessionId) }, sessionId, () => ({
    kind: "update",
    updates: encodeValue(requireRecord(updates, "updates")),
  }));
}

/** Appends a pending item atomically; refused when its id is taken on the session. */
export function appendPendingItem(
  ctx: DomainContext,
  sessionId: string,
  item: HarnessPendingItemRecord,
): Promise<SessionRecord> {
  const details = { sessionId: idDetail(sessionId), pendingItemId: idDetail((item as { id?: unknown } | null)?.id) };
  return change(ctx, "appendPendingItem", details, sessionId, () => {
    const checked = requireRecord(item, "item") as PendingItemValue;
    requireId(checked.id, "item.id");
    return { kind: "append", item: encodeValue(checked) };
  });
}

/** `updates` over one pending item (its `updatedAt` now), atomically; fails when the item is not there. */
export function updatePendingItem(
  ctx: DomainContext,
  sessionId: string,
  pendingItemId: string,
  updates: Partial<Omit<HarnessPendingItemRecord, "id" | "sessionId" | "createdAt">>,
): Promise<SessionRecord> {
  const details = { sessionId: idDetail(sessionId), pendingItemId: idDetail(pendingItemId) };
  return change(ctx, "updatePendingItem", details, sessionId, () => ({
    kind: "updateItem",
    itemId: requireId(pendingItemId, "pendingItemId"),
    updates: encodeValue(requireRecord(updates, "updates")),
  }));
}

/** Removes one pending item (if there) atomically. */
export function removePendingItem(
  ctx: DomainContext,
  sessionId: string,
  pendingItemId: string,
): Promise<SessionRecord> {
  const details = { sessionId: idDetail(sessionId), pendingItemId: idDetail(pendingItemId) };
  return change(ctx, "removePendingItem", details, sessionId, () => ({
    kind: "removeItem",
    itemId: requireId(pendingItemId, "pendingItemId"),
  }));
}
