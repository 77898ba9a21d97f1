/**
 * Sessions of Mastra's harness domain. Internal functions only.
 *
 * Every change of a session (`updateSession`, and appending, updating or
 * removing a pending item) is one mutation that reads the record, applies
 * the change (`sessionRecord.ts`) and writes it back: two servers changing
 * one session never lose each other's change (Convex serialises the two
 * transactions), unlike core's default read-modify-write over two calls.
 */
import { paginationOptsValidator, type PaginationResult } from "convex/server";
import { type GenericId, v } from "convex/values";
import { blobOwner, readField, releaseBlobs, writeField, writeOwnedRow } from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { recordAnswer, recordedAnswer } from "../kit/operations.js";
import {
  appendPendingItem,
  type PendingItemValue,
  removePendingItem,
  sessionColumns,
  type SessionRecordValue,
  updatePendingItem,
  updateSession,
} from "./sessionRecord.js";
import { sessionChangeValidator } from "./validators.js";

const TABLE = "harness_sessions";

/** Sessions per list call: inline records are at most 256 KiB, so a call reads at most 8 MiB. */
export const LIST_BATCH = 32;

async function findSession(ctx: QueryCtx, id: string) {
  return await ctx.db.query(TABLE).withIndex("by_mastra_id", (q) => q.eq("id", id)).first();
}

/** The stored record of a session (codec text or a blob reference), or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<string | null> => (await findSession(ctx, id))?.record ?? null,
});

/**
 * Deletes one session row and releases its large record (the deployment's
 * sweep deletes released chunks). Used by retention and erasure.
 */
export async function removeSession(
  ctx: MutationCtx,
  doc: { _id: GenericId<"harness_sessions">; id: string; record: string },
): Promise<void> {
  await releaseBlobs(ctx, blobOwner(TABLE, doc.id), [doc.record]);
  await ctx.db.delete(doc._id);
}

/**
 * Stores a session's record (codec text or a reference to uploaded chunks),
 * replacing the one with its id; `resourceId` and `lastActivityAt` are the
 * record's, copied into columns.
 */
export const save = internalMutation({
  args: {
    id: v.string(),
    record: v.string(),
    resourceId: v.optional(v.string()),
    lastActivityAt: v.optional(v.number()),
  },
  handler: async (ctx, { id, record, resourceId, lastActivityAt }): Promise<{ released: boolean }> => {
    const row = {
      id,
      record,
      ...(resourceId === undefined ? {} : { resourceId }),
      ...(lastActivityAt === undefined ? {} : { lastActivityAt }),
    };
    assertFitsDocument(`harness session ${id}`, row);
    const existing = await findSession(ctx, id);
    const released = await writeOwnedRow(
      ctx,
      TABLE,
      blobOwner(TABLE, id),
      row,
      [record],
      existing && { _id: existing._id, previous: [existing.record] },
    );
    return { released };
  },
});

/** One page of sessions' stored records, in the order they were first saved. */
export const list = internalQuery({
  args: { paginationOpts: paginationOptsValidator },
  handler: async (ctx, { paginationOpts }): Promise<PaginationResult<string>> => {
    const page = await ctx.db.query(TABLE).order("asc").paginate({
      ...paginationOpts,
      numItems: Math.min(paginationOpts.numItems, LIST_BATCH),
    });
    return { ...page, page: page.page.map((row) => row.record) };
  },
});

/**
 * Applies one change to a session in one transaction and returns the new
 * record as codec text (a large one is written as a blob in the same
 * transaction, up to `IN_TRANSACTION_LIMIT`). A repeated call with the
 * same `opId` (a retry after a lost answer) changes nothing and answers
 * with the session as it is. `NOT_FOUND` when the session
 * (or the pending item to update) does not exist, `ALREADY_EXISTS` when an
 * appended item's id is taken; nothing is written then.
 */
export const change = internalMutation({
  args: {
    id: v.string(),
    change: sessionChangeValidator,
    now: v.number(),
    /** Client operation id: a repeated call with the same id changes nothing and answers with the current record (see `kit/operations.ts`). */
    opId: v.string(),
  },
  handler: async (ctx, { id, change, now, opId }): Promise<{ record: string; released: boolean }> => {
    const existing = await findSession(ctx, id);
    if (!existing) throw storageError("NOT_FOUND", `harness session ${id} was not found`);
    if (await recordedAnswer(ctx, opId)) {
      // Applied already (the answer was lost): answer with the session as it is now.
      return { record: await readField(ctx, existing.record), released: false };
    }
    const record = decodeValue(await readField(ctx, existing.record)) as SessionRecordValue;
    let next: SessionRecordValue;
    switch (change.kind) {
      case "update":
        next = updateSession(record, decodeValue(change.updates) as Record<string, unknown>, now);
        break;
      case "append":
        next = appendPendingItem(record, decodeValue(change.item) as PendingItemValue, now);
        break;
      case "updateItem":
        next = updatePendingItem(record, change.itemId, decodeValue(change.updates) as Record<string, unknown>, now);
        break;
      case "removeItem":
        next = removePendingItem(record, change.itemId, now);
        break;
    }
    const encoded = encodeValue(next);
    const owner = blobOwner(TABLE, id);
    const stored = await writeField(ctx, encoded, owner);
    const row = { id, record: stored, ...sessionColumns(next) };
    assertFitsDocument(`harness session ${id}`, row);
    const released = await releaseBlobs(ctx, owner, [existing.record], [stored]);
    await ctx.db.replace(existing._id, row);
    // Only the fact is recorded (not the record, which may be large).
    await recordAnswer(ctx, opId, true);
    return { record: encoded, released };
  },
});
