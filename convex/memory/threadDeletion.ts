/**
 * Deleting a thread: invisible at once, finished by the deployment.
 *
 * The first mutation of a delete ({@link hideThread}, called by
 * `threads:remove`) takes the thread out of every read in one transaction:
 * the thread row goes (with its rank-tree entries and counters), a
 * tombstone (`thread_deletions`) names the thread, and the thread's message
 * counts leave their resources' totals (moved to the resources'
 * `hiddenMessagesOfResource` counters). From then on every read skips the
 * messages still stored under the thread ({@link isDeleting}) and a
 * resource's list skips them too while its hidden counter is non-zero.
 *
 * The rest ({@link deleteStep}: the thread's state, messages in bounded
 * batches with their large values and rank-tree entries, leftovers of
 * interrupted moves and clones, finally the tombstone) runs in bounded
 * steps. The marking mutation schedules {@link step}, which schedules itself
 * until done, so a caller that vanishes after the first commit still gets a
 * complete deletion; a caller that stays drives the same steps itself.
 * Steps are idempotent and may run concurrently (Convex serializes them).
 */
import { makeFunctionReference } from "convex/server";
import { type ConvexError, v } from "convex/values";
import { blobOwner, isBlobRef, releaseBlobs } from "../kit/blobs.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { noteThreadCount } from "./threadCount.js";
import { storageError, type StorageErrorData } from "../kit/errors.js";
import { type DataModel, internalMutation, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { dropTree, RankBatch } from "../kit/rankTree.js";
import { approximateSize } from "../kit/walk.js";
import { removeOfThread } from "../threadState/state.js";
import { memoryCounters, memoryTrees, threadTreeEntries } from "./counterNames.js";
import { MESSAGE_BATCH_BYTES, messagesOfThreadResource, treeEntries } from "./messageStore.js";

/** A stored tombstone of a thread being deleted. */
export type DeletionDoc = DataModel["thread_deletions"]["document"];
type MessageDoc = DataModel["messages"]["document"];
type ThreadDoc = DataModel["threads"]["document"];

/** Messages deleted per step at most; well inside one transaction's limits. */
const DELETE_BATCH = 4000;
/** Large message contents released per step (one lookup each). */
const LARGE_VALUES_PER_BATCH = 1000;
/** Resources whose totals one step takes the thread's messages out of (each costs a few lookups). */
const RESOURCES_PER_STEP = 100;

/** The scheduled continuation of a deletion (this module's {@link step}). */
const stepRef = makeFunctionReference<"mutation", { threadId: string }>("memory/threadDeletion:step");

/** The tombstone of `threadId` while its deletion is unfinished, or `null`. */
export async function findDeletion(ctx: QueryCtx, threadId: string): Promise<DeletionDoc | null> {
  return await ctx.db.query("thread_deletions").withIndex("by_threadId", (q) => q.eq("threadId", threadId)).unique();
}

/** Whether `threadId` is being deleted: its remaining messages are invisible to every read. */
export async function isDeleting(ctx: QueryCtx, threadId: string): Promise<boolean> {
  return threadId !== "" && (await findDeletion(ctx, threadId)) !== null;
}

/** The refusal of a write onto a thread being deleted (the client finishes the deletion and retries). */
export function deletingError(threadId: string, operation: string): ConvexError<StorageErrorData> {
  return storageError(
    "DELETING",
    `thread ${threadId} is being deleted (the deployment is removing its remaining messages); ` +
      `${operation} refused, nothing was written`,
    { threadId },
  );
}

/** Throws {@link deletingError} when `threadId` is being deleted. */
export async function refuseIfDeleting(ctx: QueryCtx, threadId: string, operation: string): Promise<void> {
  if (await isDeleting(ctx, threadId)) throw deletingError(threadId, operation);
}

/** Whether the tombstone already took messages of `resourceId` out of that resource's totals. */
function resourceHidden(deletion: DeletionDoc, resourceId: string): boolean {
  return deletion.hidden === "all" || (deletion.hiddenThrough !== undefined && resourceId <= deletion.hiddenThrough);
}

/**
 * Per-read memo of which threads are being deleted: a message is hidden
 * when its thread is (for a resource's list: when its resource's totals
 * already exclude it, see {@link resourceHidden}).
 */
export class HiddenMessages {
  readonly #deletions = new Map<string, DeletionDoc | null>();
  constructor(private readonly ctx: QueryCtx) {}

  async #deletion(threadId: string): Promise<DeletionDoc | null> {
    if (threadId === "") return null;
    let found = this.#deletions.get(threadId);
    if (found === undefined) {
      found = await findDeletion(this.ctx, threadId);
      this.#deletions.set(threadId, found);
    }
    return found;
  }

  /** Whether a thread is being deleted. */
  async threadHidden(threadId: string): Promise<boolean> {
    return (await this.#deletion(threadId)) !== null;
  }

  /** Whether a message is invisible to reads by id or by thread. */
  async hidden(doc: { threadId: string }): Promise<boolean> {
    return await this.threadHidden(doc.threadId);
  }

  /** Whether a message is invisible to its resource's list (consistent with that resource's total). */
  async hiddenFromResource(doc: { threadId: string; resourceId?: string }): Promise<boolean> {
    const deletion = await this.#deletion(doc.threadId);
    return deletion !== null && doc.resourceId !== undefined && resourceHidden(deletion, doc.resourceId);
  }
}

/**
 * Takes the thread's messages out of up to {@link RESOURCES_PER_STEP} more
 * resources' totals: the distinct resources of its messages are visited in
 * order (one index lookup each, through `by_thread_resource_createdAt`),
 * each resource's share (the thread-and-resource counter) moving from
 * `messagesOfResource` to `hiddenMessagesOfResource`.
 */
async function hideFromResources(ctx: MutationCtx, deletion: DeletionDoc): Promise<DeletionDoc> {
  if (deletion.hidden === "all") return deletion;
  const deltas: [string, number][] = [];
  let through = deletion.hiddenThrough;
  let all = false;
  for (let visited = 0;; visited++) {
    const next = await ctx.db.query("messages").withIndex(
      "by_thread_resource_createdAt",
      (q) =>
        through === undefined
          ? q.eq("threadId", deletion.threadId).gte("resourceId", "")
          : q.eq("threadId", deletion.threadId).gt("resourceId", through),
    ).first();
    if (next === null || next.resourceId === undefined) {
      all = true;
      break;
    }
    if (visited >= RESOURCES_PER_STEP) break;
    const share = await readCounter(ctx, messagesOfThreadResource(deletion.threadId, next.resourceId));
    deltas.push([memoryCounters.messagesOfResource(next.resourceId), -share]);
    deltas.push([memoryCounters.hiddenMessagesOfResource(next.resourceId), share]);
    through = next.resourceId;
  }
  await adjustCounters(ctx, deltas);
  const patch = all ? { hidden: "all" as const } : { hidden: "some" as const, hiddenThrough: through };
  await ctx.db.patch(deletion._id, patch);
  return { ...deletion, ...patch };
}

/**
 * The first step of a delete: removes the thread row, if any (rank-tree
 * entries, counters, large metadata), and records its tombstone, so that
 * from this commit on no read sees the thread or its messages (messages
 * may name a thread that has no row: they go too, as in core). Returns the
 * tombstone and whether a large value was released.
 */
export async function hideThread(
  ctx: MutationCtx,
  threadId: string,
  thread: ThreadDoc | null,
): Promise<{ deletion: DeletionDoc; released: boolean }> {
  let released = false;
  if (thread) {
    released = await releaseBlobs(ctx, blobOwner("threads", thread.id), [thread.metadata]);
    await ctx.db.delete(thread._id);
    const ranks = new RankBatch();
    ranks.change(threadTreeEntries(thread), []);
    await ranks.apply(ctx);
    await adjustCounters(ctx, [[memoryCounters.threadsOfResource(thread.resourceId), -1]]);
    await noteThreadCount(ctx, thread.id, -1);
  }
  const id = await ctx.db.insert("thread_deletions", {
    threadId,
    ...(thread ? { resourceId: thread.resourceId } : {}),
    hidden: "some",
  });
  const deletion = await hideFromResources(ctx, (await ctx.db.get(id))!);
  return { deletion, released };
}

/**
 * Deletes one message of a thread being deleted, with its bookkeeping: its
 * rank-tree entries, its thread's counters, and its resource's hidden
 * counter (or its resource's total, when the tombstone has not taken the
 * thread's messages out of that resource yet). Releases large content.
 */
export async function dropHiddenMessage(
  ctx: MutationCtx,
  deletion: DeletionDoc,
  message: MessageDoc,
  ranks: RankBatch,
  deltas: [string, number][],
): Promise<boolean> {
  await ctx.db.delete(message._id);
  for (const entry of treeEntries(message)) ranks.remove(entry.tree, entry.key);
  deltas.push([memoryCounters.messagesOfThread(message.threadId), -1]);
  if (message.resourceId !== undefined) {
    deltas.push([messagesOfThreadResource(message.threadId, message.resourceId), -1]);
    deltas.push([
      resourceHidden(deletion, message.resourceId)
        ? memoryCounters.hiddenMessagesOfResource(message.resourceId)
        : memoryCounters.messagesOfResource(message.resourceId),
      -1,
    ]);
  }
  return isBlobRef(message.content) && await releaseBlobs(ctx, blobOwner("messages", message.id), [message.content]);
}

/**
 * Deletes the stored message `message` (found by id) if its thread is being
 * deleted, so that the id can be written afresh; returns whether it did and
 * whether a large value was released.
 */
export async function dropIfHidden(
  ctx: MutationCtx,
  message: MessageDoc,
): Promise<{ dropped: boolean; released: boolean }> {
  const deletion = message.threadId === "" ? null : await findDeletion(ctx, message.threadId);
  if (!deletion) return { dropped: false, released: false };
  const ranks = new RankBatch();
  const deltas: [string, number][] = [];
  const released = await dropHiddenMessage(ctx, deletion, message, ranks, deltas);
  await ranks.apply(ctx);
  await adjustCounters(ctx, deltas);
  return { dropped: true, released };
}

/**
 * One bounded step of finishing a deletion: takes the thread's messages out
 * of the remaining resources' totals, deletes its thread state and a batch
 * of its messages, then (once none is left) its rank tree, an interrupted
 * move or clone of it, and finally the tombstone. `done` once nothing is left;
 * `deleted`: messages this step deleted.
 */
export async function deleteStep(
  ctx: MutationCtx,
  tombstone: DeletionDoc,
): Promise<{ done: boolean; released: boolean; deleted: number }> {
  const deletion = await hideFromResources(ctx, tombstone);
  if (deletion.hidden !== "all") return { done: false, released: false, deleted: 0 };
  const id = deletion.threadId;
  // The thread's state (threadState domain) goes first: its few slots usually leave with the first step.
  const state = await removeOfThread(ctx, id);
  if (!state.done) return { done: false, released: state.released, deleted: 0 };
  let released = state.released;
  // Read a batch bounded by count, bytes and large values first, then delete it.
  const batch: MessageDoc[] = [];
  let bytes = 0;
  let large = 0;
  let more = false;
  for await (
    const message of ctx.db.query("messages").withIndex("by_thread_createdAt", (q) => q.eq("threadId", id))
  ) {
    if (batch.length >= DELETE_BATCH || bytes >= MESSAGE_BATCH_BYTES || large >= LARGE_VALUES_PER_BATCH) {
      more = true;
      break;
    }
    bytes += approximateSize(message);
    if (isBlobRef(message.content)) large++;
    batch.push(message);
  }
  const ranks = new RankBatch();
  const deltas: [string, number][] = [];
  for (const message of batch) {
    released = (await dropHiddenMessage(ctx, deletion, message, ranks, deltas)) || released;
  }
  await ranks.apply(ctx);
  await adjustCounters(ctx, deltas);
  if (more || !(await dropTree(ctx, memoryTrees.messagesOfThread(id)))) {
    return { done: false, released, deleted: batch.length };
  }
  // An interrupted move of the thread to another resource (memory/threadMove.ts) ends with it, and so does
  // the record of an interrupted clone into it.
  const move = await ctx.db.query("thread_moves").withIndex("by_thread", (q) => q.eq("threadId", id)).unique();
  if (move) await ctx.db.delete(move._id);
  const clone = await ctx.db.query("clone_progress").withIndex("by_threadId", (q) => q.eq("threadId", id)).unique();
  if (clone) await ctx.db.delete(clone._id);
  await ctx.db.delete(deletion._id);
  return { done: true, released, deleted: batch.length };
}

/** Schedules the deployment's next step of deleting `threadId` (no client involved). */
export async function scheduleStep(ctx: MutationCtx, threadId: string): Promise<void> {
  await ctx.scheduler.runAfter(0, stepRef, { threadId });
}

/**
 * The deployment's own continuation of a deletion: one bounded step, then
 * the next one scheduled until done. Safe to run twice or alongside a
 * client that drives the same deletion (`threads:remove`).
 */
export const step = internalMutation({
  args: { threadId: v.string() },
  handler: async (ctx, { threadId }): Promise<{ done: boolean }> => {
    const deletion = await findDeletion(ctx, threadId);
    if (!deletion) return { done: true };
    const { done } = await deleteStep(ctx, deletion);
    if (!done) await scheduleStep(ctx, threadId);
    return { done };
  },
});
