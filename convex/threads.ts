/**
 * Threads of Mastra's memory domain. Internal functions only.
 */
import { v } from "convex/values";
import { decodeOptional, decodeValue, encodeValue, jsonEquals } from "./lib/codec.ts";
import { adjustCounters, readCounter } from "./lib/counters.ts";
import { counterNames } from "./lib/counterNames.ts";
import { storageError } from "./lib/errors.ts";
import { mutation, type MutationCtx, query, type QueryCtx } from "./lib/functions.ts";
import { assertFitsDocument } from "./lib/limits.ts";
import { type IndexSpec, orderValidator, planPage, walk, walkStateValidator } from "./lib/pagination.ts";
import { type ListResult, type ThreadRow, threadValidator, withoutSystemFields } from "./lib/types.ts";

/** Messages deleted per `remove` call; well inside one transaction's limits. */
const DELETE_BATCH = 1000;

async function findThread(ctx: QueryCtx, id: string) {
  return await ctx.db.query("mastra_threads").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** Returns one thread by id, or `null`. */
export const get = query({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ThreadRow | null> => {
    const doc = await findThread(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

async function writeThread(ctx: MutationCtx, thread: ThreadRow): Promise<void> {
  assertFitsDocument(`thread ${thread.id}`, thread);
  const existing = await findThread(ctx, thread.id);
  if (existing) {
    await ctx.db.replace(existing._id, thread);
    if (existing.resourceId !== thread.resourceId) {
      await adjustCounters(ctx, [
        [counterNames.threadsOfResource(existing.resourceId), -1],
        [counterNames.threadsOfResource(thread.resourceId), 1],
      ]);
    }
  } else {
    await ctx.db.insert("mastra_threads", thread);
    await adjustCounters(ctx, [[counterNames.threads(), 1], [counterNames.threadsOfResource(thread.resourceId), 1]]);
  }
}

/** Inserts or replaces a thread (idempotent). */
export const save = mutation({
  args: { thread: threadValidator },
  handler: async (ctx, { thread }): Promise<null> => {
    await writeThread(ctx, thread);
    return null;
  },
});

/**
 * Sets a thread's title and/or merges keys into its metadata, atomically,
 * and stamps `updatedAt`. Fails with `NOT_FOUND` for an unknown thread.
 */
export const update = mutation({
  args: { id: v.string(), title: v.optional(v.string()), metadata: v.optional(v.string()), now: v.number() },
  handler: async (ctx, { id, title, metadata, now }): Promise<ThreadRow> => {
    const existing = await findThread(ctx, id);
    if (!existing) throw storageError("NOT_FOUND", `Thread with id ${id} not found`);
    const merged = {
      ...(decodeOptional(existing.metadata) as Record<string, unknown> | undefined),
      ...(metadata === undefined ? {} : decodeValue(metadata) as Record<string, unknown>),
    };
    const next: ThreadRow = {
      ...withoutSystemFields(existing),
      ...(title !== undefined ? { title } : {}),
      metadata: encodeValue(merged),
      updatedAt: now,
    };
    assertFitsDocument(`thread ${id}`, next);
    await ctx.db.replace(existing._id, next);
    return next;
  },
});

/**
 * One bounded step of listing threads, optionally of one resource, ordered
 * by `createdAt` or `updatedAt` (ties by id). Without a metadata filter the
 * total comes from a counter and the walk starts from the nearer end; with
 * one, matches are counted as the walk goes.
 */
export const list = query({
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
      ? { table: "mastra_threads", index: `by_${args.field}`, eq: [], sortField: args.field }
      : {
        table: "mastra_threads",
        index: `by_resource_${args.field}`,
        eq: [["resourceId", args.resourceId]],
        sortField: args.field,
      };
    const filter = args.metadata === undefined ? undefined : decodeValue(args.metadata) as Record<string, unknown>;
    const predicate = filter === undefined ? undefined : (doc: ThreadRow) => {
      const metadata = decodeOptional(doc.metadata) as Record<string, unknown> | undefined;
      if (!metadata) return false;
      return Object.entries(filter).every(([key, value]) => jsonEquals(metadata[key], value));
    };
    let total: number | null = null;
    let state = args.state;
    if (predicate === undefined) {
      total = await readCounter(
        ctx,
        args.resourceId === undefined ? counterNames.threads() : counterNames.threadsOfResource(args.resourceId),
      );
      state ??= planPage(total, args.offset, args.limit, args.order);
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
    if (predicate !== undefined && step.next === null) total = step.matched;
    return {
      rows: step.rows.map(withoutSystemFields) as ThreadRow[],
      next: step.next,
      total,
      reversed: state.reversed,
    };
  },
});

/**
 * Deletes a thread and everything under it, one bounded batch per call.
 * Messages go first, the thread last, so an interrupted delete leaves a
 * thread that a retry finishes. Returns `done: true` once nothing is left.
 */
export const remove = mutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<{ done: boolean }> => {
    const messages = await ctx.db
      .query("mastra_messages")
      .withIndex("by_thread_createdAt", (q) => q.eq("threadId", id))
      .take(DELETE_BATCH);
    const deltas: [string, number][] = [];
    for (const message of messages) {
      await ctx.db.delete(message._id);
      deltas.push([counterNames.messagesOfThread(id), -1]);
      if (message.resourceId !== undefined) deltas.push([counterNames.messagesOfResource(message.resourceId), -1]);
    }
    await adjustCounters(ctx, deltas);
    if (messages.length === DELETE_BATCH) return { done: false };
    const thread = await findThread(ctx, id);
    if (thread) {
      await ctx.db.delete(thread._id);
      await adjustCounters(ctx, [[counterNames.threads(), -1], [
        counterNames.threadsOfResource(thread.resourceId),
        -1,
      ]]);
    }
    return { done: true };
  },
});
