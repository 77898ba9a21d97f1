/**
 * Moving a thread to another resource (`updateThreadResourceId`), with its
 * messages and its thread-scoped observational memory. Internal functions.
 *
 * A thread of any size cannot move in one transaction, so the move is
 * resumable instead: `begin` records the move in `thread_moves`, bounded
 * steps move the messages (and observational memory records) that are not
 * yet under the new resource, keeping every counter exact in the same
 * mutation, and `finish` moves the thread itself last, only once the
 * counters show that every message of the thread belongs to the new
 * resource, and forgets the move. An interrupted move leaves the thread
 * under its old resource and the move recorded, so calling
 * `updateThreadResourceId` again completes it (or, called with the old
 * resource, moves everything back). Without a recorded move, a call for the
 * thread's own resource is a no-op, as core specifies.
 */
import { v } from "convex/values";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { withoutSystemFields } from "../kit/rows.js";
import { approximateSize, type SortKey, sortKeyValidator, streamAfter } from "../kit/walk.js";
import { RankBatch } from "../kit/rankTree.js";
import { memoryCounters, threadTreeEntries } from "./counterNames.js";
import { isDeleting } from "./threadDeletion.js";
import { CounterBatch, findThreadDoc, MESSAGE_BATCH_BYTES, messagesOfThreadResource } from "./messageStore.js";
import { omKey } from "./observationalMemoryRows.js";
import type { ThreadRow } from "./validators.js";

/** Messages read per step at most (each may be rewritten: well inside 16,000 writes and 4,096 lookups). */
export const MOVE_BATCH = 1000;
/** Observational memory records rewritten per step at most. */
const OM_BATCH = 200;

/** True when every message of the thread belongs to `resourceId` (from counters: two lookups). */
async function allMessagesUnder(ctx: QueryCtx, threadId: string, resourceId: string): Promise<boolean> {
  const all = await readCounter(ctx, memoryCounters.messagesOfThread(threadId));
  const under = await readCounter(ctx, messagesOfThreadResource(threadId, resourceId));
  return all === under;
}

async function findMove(ctx: QueryCtx, threadId: string) {
  return await ctx.db.query("thread_moves").withIndex("by_thread", (q) => q.eq("threadId", threadId)).unique();
}

/**
 * Where a move stands: the thread (or `null`), and whether there is nothing
 * to do (the thread belongs to `resourceId` and no move of it is pending).
 */
export const status = internalQuery({
  args: { threadId: v.string(), resourceId: v.string() },
  handler: async (ctx, { threadId, resourceId }): Promise<{ thread: ThreadRow | null; complete: boolean }> => {
    const thread = await findThreadDoc(ctx, threadId);
    if (!thread) return { thread: null, complete: false };
    const complete = thread.resourceId === resourceId && (await findMove(ctx, threadId)) === null;
    return { thread: withoutSystemFields(thread), complete };
  },
});

/** Records that the thread is moving to `resourceId` (replacing an interrupted move elsewhere). */
export const begin = internalMutation({
  args: { threadId: v.string(), resourceId: v.string() },
  handler: async (ctx, { threadId, resourceId }): Promise<null> => {
    if (!(await findThreadDoc(ctx, threadId))) throw storageError("NOT_FOUND", `Thread "${threadId}" not found`);
    const move = await findMove(ctx, threadId);
    if (move) await ctx.db.patch(move._id, { resourceId });
    else await ctx.db.insert("thread_moves", { threadId, resourceId });
    return null;
  },
});

/**
 * Moves the next batch of the thread's messages (in `(createdAt, id)`
 * order, after `after`) that are not under `resourceId` yet. Returns where
 * to continue, or `next: null` after the last message.
 */
export const moveMessages = internalMutation({
  args: { threadId: v.string(), resourceId: v.string(), after: v.optional(sortKeyValidator) },
  handler: async (ctx, { threadId, resourceId, after }): Promise<{ next: SortKey | null; moved: number }> => {
    // A thread deleted since the move began: its messages belong to the deletion now (memory/threadDeletion.ts).
    if (await isDeleting(ctx, threadId)) throw storageError("NOT_FOUND", `Thread "${threadId}" not found`);
    const batch = [];
    let bytes = 0;
    let more = false;
    const stream = streamAfter(
      ctx.db,
      { table: "messages", index: "by_thread_createdAt", eq: [["threadId", threadId]], sortField: "createdAt" },
      after,
      "asc",
    );
    try {
      for await (const doc of stream) {
        if (batch.length >= MOVE_BATCH || bytes >= MESSAGE_BATCH_BYTES) {
          more = true;
          break;
        }
        batch.push(doc);
        bytes += approximateSize(doc);
      }
    } finally {
      await stream.return(undefined);
    }
    const counters = new CounterBatch();
    let moved = 0;
    for (const doc of batch) {
      if (doc.resourceId === resourceId) continue;
      // deno-lint-ignore no-explicit-any
      const message = doc as any;
      await ctx.db.patch(message._id, { resourceId });
      counters.change(message, { ...message, resourceId });
      moved++;
    }
    await counters.apply(ctx);
    const last = batch[batch.length - 1];
    return { next: more && last ? { value: last.createdAt as number, id: last.id as string } : null, moved };
  },
});

/**
 * Moves the next batch of the thread's observational memory records (in
 * list order, after `after`) to `resourceId`. Returns where to continue, or
 * `next: null` after the last record.
 */
export const moveObservationalMemory = internalMutation({
  args: {
    threadId: v.string(),
    resourceId: v.string(),
    after: v.optional(v.object({ rank: v.number(), id: v.string() })),
  },
  handler: async (ctx, { threadId, resourceId, after }): Promise<{ next: { rank: number; id: string } | null }> => {
    const key = omKey(threadId, resourceId);
    const batch = [];
    let bytes = 0;
    let more = false;
    const streams = after === undefined
      ? [ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key))]
      : [
        ctx.db.query("observational_memory").withIndex(
          "by_key_rank",
          (q) => q.eq("key", key).eq("rank", after.rank).gt("id", after.id),
        ),
        ctx.db.query("observational_memory").withIndex("by_key_rank", (q) => q.eq("key", key).gt("rank", after.rank)),
      ];
    outer: for (const stream of streams) {
      for await (const doc of stream) {
        if (batch.length >= OM_BATCH || bytes >= MESSAGE_BATCH_BYTES) {
          more = true;
          break outer;
        }
        batch.push(doc);
        bytes += approximateSize(doc);
      }
    }
    for (const doc of batch) {
      if (doc.resourceId === resourceId) continue;
      const rest = decodeValue(doc.rest) as Record<string, unknown>;
      rest.resourceId = resourceId;
      await ctx.db.patch(doc._id, { resourceId, rest: encodeValue(rest) });
    }
    const last = batch[batch.length - 1];
    return { next: more && last ? { rank: last.rank, id: last.id } : null };
  },
});

/**
 * Moves the thread itself, once every message is under `resourceId`
 * (`moved: false` otherwise: a message arrived under the old resource
 * meanwhile, so the caller runs the message steps again). Preserves
 * `createdAt`, stamps `updatedAt`.
 */
export const finish = internalMutation({
  args: { threadId: v.string(), resourceId: v.string(), now: v.number() },
  handler: async (ctx, { threadId, resourceId, now }): Promise<{ thread: ThreadRow; moved: boolean }> => {
    const thread = await findThreadDoc(ctx, threadId);
    if (!thread) {
      const move = await findMove(ctx, threadId);
      if (move) await ctx.db.delete(move._id);
      throw storageError("NOT_FOUND", `Thread "${threadId}" not found`);
    }
    if (!(await allMessagesUnder(ctx, threadId, resourceId))) {
      return { thread: withoutSystemFields(thread), moved: false };
    }
    if (thread.resourceId !== resourceId) {
      await ctx.db.patch(thread._id, { resourceId, updatedAt: now });
      // The thread leaves its resource's rank trees and joins the new resource's (kit/rankTree.ts).
      const ranks = new RankBatch();
      ranks.change(threadTreeEntries(thread), threadTreeEntries({ ...thread, resourceId, updatedAt: now }));
      await ranks.apply(ctx);
      await adjustCounters(ctx, [
        [memoryCounters.threadsOfResource(thread.resourceId), -1],
        [memoryCounters.threadsOfResource(resourceId), 1],
      ]);
    }
    const move = await findMove(ctx, threadId);
    if (move) await ctx.db.delete(move._id);
    return { thread: withoutSystemFields((await ctx.db.get(thread._id))!), moved: true };
  },
});
