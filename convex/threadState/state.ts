/**
 * Thread state of Mastra's thread-state domain. Internal functions only.
 *
 * `get` and `set` each read one document of `by_thread_type` and run in
 * one call (a value over the inline limit also uploads or reads its
 * chunks). `set` replaces the whole value; a large value's old blob is
 * released in the same mutation. `removeOfThread` is what deleting a thread
 * runs (memory's `threads:remove`), a bounded batch per call.
 */
import { type GenericId, v } from "convex/values";
import { blobOwner, releaseBlobs, writeOwnedRow } from "../kit/blobs.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { approximateSize } from "../kit/walk.js";
import { threadStateKey, type ThreadStateRow } from "./validators.js";

/** Table name, as blobs record their owner. */
const TABLE = "thread_state";

/** Slots deleted per call when a thread is deleted (each may release one blob). */
const DELETE_BATCH = 500;
/** Bytes of slots read per call when a thread is deleted (inline values reach 256 KiB each). */
const DELETE_BYTES = 4 * 1024 * 1024;

/** The slot's document; `first()` reads exactly one (`set` never inserts a second). */
async function findSlot(ctx: QueryCtx, threadId: string, type: string) {
  return await ctx.db.query(TABLE).withIndex("by_thread_type", (q) => q.eq("threadId", threadId).eq("type", type))
    .first();
}

/** The stored value of one slot (codec text or a blob reference), or `null` when unset. */
export const get = internalQuery({
  args: { threadId: v.string(), type: v.string() },
  handler: async (ctx, { threadId, type }): Promise<string | null> => {
    const doc = await findSlot(ctx, threadId, type);
    return doc ? doc.value : null;
  },
});

/**
 * Sets one slot to `value` (codec text, or a reference to chunks uploaded
 * before), replacing what it held. Safe to repeat.
 */
export const set = internalMutation({
  args: { threadId: v.string(), type: v.string(), value: v.string() },
  handler: async (ctx, { threadId, type, value }): Promise<{ released: boolean }> => {
    const key = threadStateKey(threadId, type);
    const row: ThreadStateRow = { threadId, type, key, value, updatedAt: Date.now() };
    assertFitsDocument(`thread state ${key}`, row);
    const existing = await findSlot(ctx, threadId, type);
    const released = await writeOwnedRow(
      ctx,
      TABLE,
      blobOwner(TABLE, key),
      row,
      [value],
      existing && { _id: existing._id, previous: [existing.value] },
    );
    return { released };
  },
});

/** Clears one slot (nothing happens when it is unset). */
export const remove = internalMutation({
  args: { threadId: v.string(), type: v.string() },
  handler: async (ctx, { threadId, type }): Promise<{ released: boolean }> => {
    const existing = await findSlot(ctx, threadId, type);
    if (!existing) return { released: false };
    await ctx.db.delete(existing._id);
    return { released: await releaseBlobs(ctx, blobOwner(TABLE, existing.key), [existing.value]) };
  },
});

/** Deletes one slot and releases its large value (retention; the deployment's sweep deletes released chunks). */
export async function removeSlot(
  ctx: MutationCtx,
  slot: ThreadStateRow & { _id: GenericId<"thread_state"> },
): Promise<void> {
  await ctx.db.delete(slot._id);
  await releaseBlobs(ctx, blobOwner(TABLE, slot.key), [slot.value]);
}

/**
 * Deletes up to one batch of a thread's slots, releasing their large
 * values; `done` once none is left. Called by the mutation that deletes the
 * thread, before the thread row goes.
 */
export async function removeOfThread(
  ctx: MutationCtx,
  threadId: string,
): Promise<{ done: boolean; released: boolean }> {
  // Read a batch bounded by count and bytes first, then delete it.
  const batch = [];
  let bytes = 0;
  let more = false;
  for await (const slot of ctx.db.query(TABLE).withIndex("by_thread_type", (q) => q.eq("threadId", threadId))) {
    if (batch.length >= DELETE_BATCH || bytes >= DELETE_BYTES) {
      more = true;
      break;
    }
    bytes += approximateSize(slot);
    batch.push(slot);
  }
  let released = false;
  for (const slot of batch) {
    await ctx.db.delete(slot._id);
    released = (await releaseBlobs(ctx, blobOwner(TABLE, slot.key), [slot.value])) || released;
  }
  return { done: !more, released };
}
