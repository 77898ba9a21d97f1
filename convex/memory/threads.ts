/**
 * Threads of Mastra's memory domain. Internal functions only.
 */
import { v } from "convex/values";
import {
  adoptBlobs,
  blobOwner,
  IN_TRANSACTION_LIMIT,
  readField,
  releaseBlobs,
  storedLength,
  utf8Length,
  writeField,
} from "../kit/blobs.js";
import { decodeValue, encodeValue, jsonEquals, mergeEncodedRecords } from "../kit/codec.js";
import { adjustCounter, adjustCounters, readCounter } from "../kit/counters.js";
import { memoryCounters, memoryTrees, threadTreeEntries } from "./counterNames.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { RankBatch } from "../kit/rankTree.js";
import { familyTrees, planListAcross, totalAcross } from "../kit/rankFamily.js";
import { noteThreadCount, threadListTotal } from "./threadCount.js";
import { type IndexSpec, orderValidator, walk, walkStateValidator } from "../kit/walk.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type ThreadRow, threadValidator } from "./validators.js";
import { deleteStep, findDeletion, hideThread, refuseIfDeleting, scheduleStep } from "./threadDeletion.js";

/** Merged metadata up to this size is returned by `update` as well (Convex returns up to 16 MiB). */
const RETURN_INLINE_BYTES = 8 * 1024 * 1024;

async function findThread(ctx: QueryCtx, id: string) {
  return await ctx.db.query("threads").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** Returns one thread by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ThreadRow | null> => {
    const doc = await findThread(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

async function writeThread(ctx: MutationCtx, thread: ThreadRow): Promise<boolean> {
  assertFitsDocument(`thread ${thread.id}`, thread);
  await refuseIfDeleting(ctx, thread.id, "saveThread");
  const existing = await findThread(ctx, thread.id);
  const owner = blobOwner("threads", thread.id);
  await adoptBlobs(ctx, owner, [thread.metadata]);
  const ranks = new RankBatch();
  ranks.change(threadTreeEntries(existing), threadTreeEntries(thread));
  await ranks.apply(ctx);
  if (existing) {
    await ctx.db.replace(existing._id, thread);
    if (existing.resourceId !== thread.resourceId) {
      await adjustCounters(ctx, [
        [memoryCounters.threadsOfResource(existing.resourceId), -1],
        [memoryCounters.threadsOfResource(thread.resourceId), 1],
      ]);
    }
    return await releaseBlobs(ctx, owner, [existing.metadata], [thread.metadata]);
  }
  await noteThreadCount(ctx, thread.id, 1);
  await ctx.db.insert("threads", thread);
  await adjustCounter(ctx, memoryCounters.threadsOfResource(thread.resourceId), 1);
  return false;
}

/**
 * Inserts or replaces a thread (idempotent). Large metadata arrives as a
 * blob reference uploaded beforehand. `released` tells the client that an
 * old large value became garbage to sweep.
 */
export const save = internalMutation({
  args: { thread: threadValidator },
  handler: async (ctx, { thread }): Promise<{ released: boolean }> => {
    return { released: await writeThread(ctx, thread) };
  },
});

/**
 * Sets a thread's title and/or merges keys into its metadata, atomically,
 * and stamps `updatedAt`. Fails with `NOT_FOUND` for an unknown thread.
 * When the metadata involved is too large for one transaction (counted in
 * UTF-8 bytes) nothing is written and the answer is `tooLarge`: the client
 * merges and commits with {@link commitMetadata}.
 */
export const update = internalMutation({
  args: { id: v.string(), title: v.optional(v.string()), metadata: v.optional(v.string()), now: v.number() },
  handler: async (
    ctx,
    { id, title, metadata, now },
  ): Promise<{ thread: ThreadRow; released: boolean; metadata?: string } | { tooLarge: true }> => {
    const existing = await findThread(ctx, id);
    if (!existing) throw storageError("NOT_FOUND", `Thread with id ${id} not found`);
    if (metadata === undefined) {
      // Nothing to merge: the stored metadata (of any size) stays as it is
      // (`{}` when there was none, as core's `{ ...undefined }` gives).
      const renamed: ThreadRow = { ...withoutSystemFields(existing), ...(title !== undefined ? { title } : {}) };
      renamed.metadata ??= encodeValue({});
      renamed.updatedAt = now;
      assertFitsDocument(`thread ${id}`, renamed);
      await ctx.db.replace(existing._id, renamed);
      const moved = new RankBatch();
      moved.change(threadTreeEntries(existing), threadTreeEntries(renamed));
      await moved.apply(ctx);
      return { thread: renamed, released: false };
    }
    const currentBytes = existing.metadata === undefined ? 0 : await storedLength(ctx, existing.metadata) ?? 0;
    if (currentBytes + utf8Length(metadata) > IN_TRANSACTION_LIMIT) {
      return { tooLarge: true };
    }
    const current = existing.metadata === undefined ? undefined : await readField(ctx, existing.metadata);
    const merged = mergeEncodedRecords(current, metadata);
    if (utf8Length(merged) > IN_TRANSACTION_LIMIT) return { tooLarge: true };
    const next: ThreadRow = {
      ...withoutSystemFields(existing),
      ...(title !== undefined ? { title } : {}),
      metadata: await writeField(ctx, merged, blobOwner("threads", id)),
      updatedAt: now,
    };
    assertFitsDocument(`thread ${id}`, next);
    await ctx.db.replace(existing._id, next);
    const ranks = new RankBatch();
    ranks.change(threadTreeEntries(existing), threadTreeEntries(next));
    await ranks.apply(ctx);
    const released = await releaseBlobs(ctx, blobOwner("threads", id), [existing.metadata], [next.metadata]);
    // The merged metadata itself, so the caller need not read back a large
    // value that a concurrent update may already have replaced and swept.
    return utf8Length(merged) <= RETURN_INLINE_BYTES
      ? { thread: next, released, metadata: merged }
      : { thread: next, released };
  },
});

/**
 * Compare-and-set of a thread's metadata merged by the client (too large
 * for one transaction): writes `metadata` (encoded, or a reference to its
 * upload) and `title` only if the stored metadata field is still
 * `expected`; otherwise nothing changes, the upload is released and the
 * answer is `conflict` (the client reads again and retries). A repeated
 * call that already succeeded answers `ok`.
 */
export const commitMetadata = internalMutation({
  args: {
    id: v.string(),
    title: v.optional(v.string()),
    expected: v.optional(v.string()),
    metadata: v.string(),
    now: v.number(),
  },
  handler: async (
    ctx,
    { id, title, expected, metadata, now },
  ): Promise<{ status: "ok"; thread: ThreadRow; released: boolean } | { status: "conflict"; released: boolean }> => {
    const existing = await findThread(ctx, id);
    const owner = blobOwner("threads", id);
    if (existing && existing.metadata === metadata) {
      return { status: "ok", thread: withoutSystemFields(existing), released: false };
    }
    // (An upload for a thread that is gone is reclaimed by the deployment later.)
    if (!existing) throw storageError("NOT_FOUND", `Thread with id ${id} not found`);
    if (existing.metadata !== expected) {
      return { status: "conflict", released: await releaseBlobs(ctx, owner, [metadata]) };
    }
    const next: ThreadRow = {
      ...withoutSystemFields(existing),
      ...(title !== undefined ? { title } : {}),
      metadata,
      updatedAt: now,
    };
    assertFitsDocument(`thread ${id}`, next);
    await adoptBlobs(ctx, owner, [metadata]);
    await ctx.db.replace(existing._id, next);
    const ranks = new RankBatch();
    ranks.change(threadTreeEntries(existing), threadTreeEntries(next));
    await ranks.apply(ctx);
    return { status: "ok", thread: next, released: await releaseBlobs(ctx, owner, [existing.metadata], [metadata]) };
  },
});

/**
 * One bounded step of listing threads, optionally of one resource, ordered
 * by `createdAt` or `updatedAt` (ties by id). Without a metadata filter the
 * total comes from a counter (the resource's, or the sharded all-threads
 * one) and a page at any depth costs its rows plus O(log N) tree nodes: a
 * page near either end walks from that end, a deeper one seeks through the
 * resource's rank tree or the all-threads family (`kit/rankFamily.ts`).
 * With a metadata filter no counter or tree applies: matches are counted as
 * the walk goes, reading every thread of the list (O(threads), bounded per
 * call by the walk's budget, the client resuming until done).
 */
export const list = internalQuery({
  args: {
    resourceId: v.optional(v.string()),
    field: v.union(v.literal("createdAt"), v.literal("updatedAt")),
    order: orderValidator,
    offset: v.number(),
    limit: v.number(),
    metadata: v.optional(v.string()),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<ThreadRow>> => {
    const spec: IndexSpec = args.resourceId === undefined
      ? { table: "threads", index: `by_${args.field}`, eq: [], sortField: args.field }
      : {
        table: "threads",
        index: `by_resource_${args.field}`,
        eq: [["resourceId", args.resourceId]],
        sortField: args.field,
      };
    const filter = args.metadata === undefined ? undefined : decodeValue(args.metadata) as Record<string, unknown>;
    const predicate = filter === undefined ? undefined : async (doc: ThreadRow) => {
      if (doc.metadata === undefined) return false;
      const metadata = decodeValue(await readField(ctx, doc.metadata)) as Record<string, unknown>;
      return Object.entries(filter).every(([key, value]) => jsonEquals(metadata[key], value));
    };
    let total: number | null = null;
    let state = args.state;
    if (predicate === undefined) {
      const trees = args.resourceId === undefined
        ? familyTrees(memoryTrees.allThreads(args.field))
        : [memoryTrees.threadsOfResource(args.resourceId, args.field)];
      // All threads: from the trees when they hold every thread, else the legacy count or a counting walk.
      const counted = args.resourceId === undefined
        ? await threadListTotal(ctx)
        : await readCounter(ctx, memoryCounters.threadsOfResource(args.resourceId));
      if (state === undefined) {
        const plan = await planListAcross(ctx, trees, counted, {}, args.offset, args.limit, args.order);
        total = plan.total;
        if (plan.state === null) return { rows: [], next: null, total, reversed: false };
        state = plan.state;
      } else {
        total = counted === "trees" ? await totalAcross(ctx, trees) : counted;
      }
    } else {
      state ??= {
        skip: args.offset,
        take: args.limit,
        matched: 0,
        order: args.order,
        countAll: true,
        reversed: false,
      };
    }
    const step = await walk<ThreadRow & { _id: unknown }>(ctx.db, spec, state, { predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return {
      rows: step.rows.map(withoutSystemFields) as ThreadRow[],
      next: step.next,
      total,
      reversed: state.reversed,
    };
  },
});

/**
 * Deletes a thread and everything under it. The first call hides the
 * thread at once (`memory/threadDeletion.ts`: from its commit on, no read
 * sees the thread or its messages) and deletes a first bounded batch; when
 * more is left it schedules the deployment's own steps, which finish the
 * deletion even if the caller goes away. Each call (the caller may drive the
 * deletion too) runs one bounded step; `done: true` once nothing is left.
 * Safe to repeat, and alongside the scheduled steps.
 */
export const remove = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<{ done: boolean; released: boolean }> => {
    const { done, released } = await removeThreadStep(ctx, id);
    return { done, released };
  },
});

/**
 * One bounded step of deleting a thread with its messages, state and
 * bookkeeping (what `remove` runs; retention and erasure reuse it). The
 * first step hides the thread at once (`memory/threadDeletion.ts`) and, when
 * more is left, schedules the deployment's own steps, which finish it with
 * no caller. `messages`: how many messages the deletion removes, counted
 * once, by the step that hides the thread (0 for later steps); `deleted`:
 * how many this step deleted (its share of a transaction's work).
 */
export async function removeThreadStep(
  ctx: MutationCtx,
  id: string,
): Promise<{ done: boolean; released: boolean; messages: number; deleted: number }> {
  const thread = await findThread(ctx, id);
  let deletion = await findDeletion(ctx, id);
  let released = false;
  const first = deletion === null;
  const messages = first ? await readCounter(ctx, memoryCounters.messagesOfThread(id)) : 0;
  // The first call: hide the thread (and any messages or state under its id, even without a thread row).
  if (first) ({ deletion, released } = await hideThread(ctx, id, thread));
  const step = await deleteStep(ctx, deletion!);
  if (!step.done && first) await scheduleStep(ctx, id);
  return { done: step.done, released: step.released || released, messages, deleted: step.deleted };
}
