/**
 * Metric events and their rollups. `createMetrics` upserts events by
 * `metricId` and, in the same mutation, folds each into its rollup cells
 * (`cells.ts`: one per family × hour/day bucket). `cellStore.ts:readCells` serves the
 * aggregate, breakdown, time-series and percentile queries from the cells
 * in bounded, resumable steps, so a query over a time range reads
 * O(buckets × groups) documents, never the events. Event pages and the
 * event walks of queries outside the rollups are in `signalLists.ts`.
 *
 * Write path: each batch touches its own events, the cells they fall in
 * (shared only by events with the same name, bucket and dimensions), the
 * discovery entries they add, and the table's counters once per batch.
 */
import { v } from "convex/values";
import { decodeValue } from "../kit/codec.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { internalMutation } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { cellsOf, eventStats } from "./cells.js";
import { CellCache } from "./cellStore.js";
import { signalCounters } from "./counterNames.js";
import { insertEntries, missingEntries } from "./discovery.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";

const TABLE = "obs_metrics";

/** Adds or removes one metric event's contribution to all its cells. */
async function applyMetric(cells: CellCache, record: Record<string, unknown>, seq: number, sign: 1 | -1) {
  const timestamp = timestampOf(record);
  const event = eventStats(record, seq);
  for (const cell of cellsOf(record, timestamp)) {
    await cells.apply({ name: record.name as string, ...cell }, event, sign);
  }
}

function checkMetric(record: Record<string, unknown>): string {
  const id = record.metricId;
  if (typeof id !== "string" || id === "") throw storageError("INVALID", "a metric record has no metricId");
  if (typeof record.name !== "string") throw storageError("INVALID", `metric ${id} has no name`);
  if (typeof record.value !== "number" || !Number.isFinite(record.value)) {
    throw storageError("INVALID", `metric ${id} has no finite value`);
  }
  if (!Number.isFinite(timestampOf(record))) throw storageError("INVALID", `metric ${id} has no valid timestamp`);
  return id;
}

/**
 * Upserts metric events (encoded records) by `metricId` and folds them
 * into their rollup cells. Writing an identical event again changes
 * nothing (retries are safe); a different event under a known id replaces
 * it (its old contribution is removed) and keeps its sequence number, as
 * core's in-memory store keeps its position.
 */
export const createMetrics = internalMutation({
  args: { metrics: v.array(v.string()) },
  handler: async (ctx, { metrics }): Promise<null> => {
    // All reads first, then all writes: cheaper in every backend, and the
    // in-process test backend's reads slow down with each pending write.
    const records = metrics.map((data) => {
      const record = decodeValue(data) as Record<string, unknown>;
      return { data, record, id: checkMetric(record) };
    });
    type Current = { docId: unknown; seq: number; data: string; name: string } | null;
    const current = new Map<string, Current>();
    for (const { id } of records) {
      if (current.has(id)) continue;
      const doc = await ctx.db.query(TABLE).withIndex("by_metric_id", (q) => q.eq("id", id)).first();
      current.set(id, doc ? { docId: doc._id, seq: doc.seq, data: doc.data, name: doc.name } : null);
    }
    const cells = new CellCache(ctx, { signal: null });
    const deltas: [string, number][] = [];
    const entries: DictionaryEntry[] = [];
    let seq = await readCounter(ctx, signalCounters.seq(TABLE));
    const start = seq;
    const writes = new Map<string, { docId: unknown; row: Record<string, unknown> }>();
    for (const { data, record, id } of records) {
      const row = {
        id,
        timestamp: timestampOf(record),
        name: record.name as string,
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        data,
      };
      assertFitsDocument(`metric ${id}`, row);
      entries.push(...dictionaryEntries(record, true));
      const before = current.get(id)!;
      if (before) {
        if (before.data === data) continue;
        await applyMetric(cells, decodeValue(before.data) as Record<string, unknown>, before.seq, -1);
        await applyMetric(cells, record, before.seq, 1);
        deltas.push([signalCounters.rowsOfKey(TABLE, before.name), -1], [signalCounters.rowsOfKey(TABLE, row.name), 1]);
        current.set(id, { ...before, data, name: row.name });
        writes.set(id, { docId: before.docId, row: { ...row, seq: before.seq } });
        continue;
      }
      seq++;
      await applyMetric(cells, record, seq, 1);
      deltas.push([signalCounters.rows(TABLE), 1], [signalCounters.rowsOfKey(TABLE, row.name), 1]);
      current.set(id, { docId: null, seq, data, name: row.name });
      writes.set(id, { docId: null, row: { ...row, seq } });
    }
    const missing = await missingEntries(ctx, entries);
    const seqName = signalCounters.seq(TABLE);
    deltas.push([seqName, seq - start]);
    for (const { docId, row } of writes.values()) {
      // deno-lint-ignore no-explicit-any
      if (docId) await ctx.db.replace(docId as any, row as any);
      // deno-lint-ignore no-explicit-any
      else await ctx.db.insert(TABLE, row as any);
    }
    await cells.flush();
    await adjustCounters(ctx, deltas);
    await insertEntries(ctx, missing);
    return null;
  },
});

/** Events deleted per call of {@link deleteMetricsOfTraces} (each touches up to 14 cells). */
const DELETE_BATCH = 200;

/**
 * Deletes the metric events linked to the given traces (optionally only
 * those of one organization and/or resource) and removes them from their
 * cells, in bounded steps: returns the trace ids still to process.
 */
export const deleteMetricsOfTraces = internalMutation({
  args: { traceIds: v.array(v.string()), organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) },
  handler: async (ctx, { traceIds, organizationId, resourceId }): Promise<{ remaining: string[] }> => {
    const cells = new CellCache(ctx, { signal: null });
    const deltas: [string, number][] = [];
    let deleted = 0;
    let remaining: string[] = [];
    outer: for (let i = 0; i < traceIds.length; i++) {
      for await (
        const doc of ctx.db.query(TABLE).withIndex("by_trace_timestamp", (q) => q.eq("traceId", traceIds[i]))
      ) {
        if (deleted >= DELETE_BATCH) {
          remaining = traceIds.slice(i);
          break outer;
        }
        const record = decodeValue(doc.data) as Record<string, unknown>;
        if (organizationId !== undefined && record.organizationId !== organizationId) continue;
        if (resourceId !== undefined && record.resourceId !== resourceId) continue;
        await applyMetric(cells, record, doc.seq, -1);
        await ctx.db.delete(doc._id);
        deleted++;
        deltas.push([signalCounters.rows(TABLE), -1], [signalCounters.rowsOfKey(TABLE, doc.name), -1]);
      }
    }
    await cells.flush();
    await adjustCounters(ctx, deltas);
    return { remaining };
  },
});
