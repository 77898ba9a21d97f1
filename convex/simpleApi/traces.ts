/**
 * The simple API's trace records (`saveTrace` / `getTrace` / `getTraces` of
 * the README), one row each with counters per thread and run. Internal
 * functions only.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { adjustCounters, readCounter, readShardedCounter } from "../kit/counters.js";
import { planListAcross } from "../kit/rankFamily.js";
import { RankBatch } from "../kit/rankTree.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type IndexSpec, walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import { simpleApiCounters, traceRecordCounter, traceRecordTreeEntries, traceRecordTrees } from "./counterNames.js";
import { type TraceRecordRow, traceRecordValidator } from "./validators.js";

async function findTraceRecord(ctx: QueryCtx, id: string) {
  return await ctx.db.query("traces").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** Counter documents a trace record is counted in: all (sharded), its thread, its run, its thread and run. */
function traceRecordCounters(row: TraceRecordRow): string[] {
  const names = [traceRecordCounter(row.id)];
  if (row.threadId !== undefined) names.push(traceRecordCounter(row.id, row.threadId));
  if (row.runId !== undefined) names.push(traceRecordCounter(row.id, undefined, row.runId));
  if (row.threadId !== undefined && row.runId !== undefined) {
    names.push(traceRecordCounter(row.id, row.threadId, row.runId));
  }
  return names;
}

/** Inserts or replaces a README trace record (idempotent by id). */
export const saveTraceRecord = internalMutation({
  args: { record: traceRecordValidator },
  handler: async (ctx, { record }): Promise<{ released: boolean }> => {
    assertFitsDocument(`trace ${record.id}`, record);
    const owner = blobOwner("traces", record.id);
    await adoptBlobs(ctx, owner, [record.body]);
    const existing = await findTraceRecord(ctx, record.id);
    if (existing) {
      await ctx.db.replace(existing._id, record);
      await adjustCounters(ctx, [
        ...traceRecordCounters(existing).map((name): [string, number] => [name, -1]),
        ...traceRecordCounters(record).map((name): [string, number] => [name, 1]),
      ]);
      const ranks = new RankBatch();
      ranks.change(traceRecordTreeEntries(existing), traceRecordTreeEntries(record));
      await ranks.apply(ctx);
      return { released: await releaseBlobs(ctx, owner, [existing.body], [record.body]) };
    }
    await ctx.db.insert("traces", record);
    await adjustCounters(ctx, traceRecordCounters(record).map((name): [string, number] => [name, 1]));
    const ranks = new RankBatch();
    ranks.change([], traceRecordTreeEntries(record));
    await ranks.apply(ctx);
    return { released: false };
  },
});

/** Returns one README trace record by id, or `null`. */
export const getTraceRecord = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<TraceRecordRow | null> => {
    const doc = await findTraceRecord(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/**
 * One bounded step of listing README trace records, newest first,
 * optionally of one thread and/or one run. Totals come from counters; a
 * deep page seeks through the list's rank tree (or family).
 */
export const listTraceRecords = internalQuery({
  args: {
    threadId: v.optional(v.string()),
    runId: v.optional(v.string()),
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { threadId, runId, offset, limit, state }): Promise<ListResult<TraceRecordRow>> => {
    const spec: IndexSpec = threadId !== undefined && runId !== undefined
      ? {
        table: "traces",
        index: "by_thread_run_timestamp",
        eq: [["threadId", threadId], ["runId", runId]],
        sortField: "timestamp",
      }
      : threadId !== undefined
      ? { table: "traces", index: "by_thread_timestamp", eq: [["threadId", threadId]], sortField: "timestamp" }
      : runId !== undefined
      ? { table: "traces", index: "by_run_timestamp", eq: [["runId", runId]], sortField: "timestamp" }
      : { table: "traces", index: "by_timestamp", eq: [], sortField: "timestamp" };
    const name = simpleApiCounters.traceRecords(threadId, runId);
    const total = threadId === undefined && runId === undefined
      ? await readShardedCounter(ctx, name)
      : await readCounter(ctx, name);
    let walkState: WalkState | undefined = state;
    if (walkState === undefined) {
      const planned = await planListAcross(ctx, traceRecordTrees(threadId, runId), total, {}, offset, limit, "desc");
      if (planned.state === null) return { rows: [], next: null, total, reversed: false };
      walkState = planned.state;
    }
    const step = await walk<TraceRecordRow & { _id: unknown }>(ctx.db, spec, walkState);
    return {
      rows: step.rows.map(withoutSystemFields) as TraceRecordRow[],
      next: step.next,
      total,
      reversed: walkState.reversed,
    };
  },
});
