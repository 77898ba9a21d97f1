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
 * (in the write shard the call picks, `cells.ts:cellShard`: shared only by
 * events with the same name, bucket, dimensions and shard), the discovery
 * entries they add, one shard of each of the table's counters and one shard
 * of its delta stream (`signalStream.ts`).
 */
import { v } from "convex/values";
import { decodeValue } from "../../kit/codec.js";
import { adjustCounters, counterShard } from "../../kit/counters.js";
import { storageError } from "../../kit/errors.js";
import { internalMutation } from "../../kit/functions.js";
import { assertFitsDocument } from "../../kit/limits.js";
import { cellShard, cellsOf, eventStats } from "./cells.js";
import { CellCache, type CellKey } from "./cellStore.js";
import { signalCounters } from "../counterNames.js";
import { insertEntries, missingEntries } from "../discovery.js";
import { dictionaryEntries, type DictionaryEntry, MAX_METRIC_LABELS, timestampOf } from "./signals.js";
import { keptStreamFields, SignalStreamWriter, writeOrder } from "./signalStream.js";

const TABLE = "obs_metrics";

/** The cells of one metric event (in write shard `shard`; `undefined`: the unsharded cells of older events). */
function metricCells(record: Record<string, unknown>, shard: number | undefined): CellKey[] {
  return cellsOf(record, timestampOf(record), shard).map((cell) => ({ name: record.name as string, ...cell }));
}

/** Adds or removes one metric event's contribution to all its cells (`order`: its write order). */
async function applyMetric(
  cells: CellCache,
  record: Record<string, unknown>,
  order: number,
  shard: number | undefined,
  sign: 1 | -1,
) {
  const event = eventStats(record, order);
  for (const key of metricCells(record, shard)) await cells.apply(key, event, sign);
}

function checkMetric(record: Record<string, unknown>): string {
  const id = record.metricId;
  if (typeof id !== "string" || id === "") throw storageError("INVALID", "a metric record has no metricId");
  if (typeof record.name !== "string") throw storageError("INVALID", `metric ${id} has no name`);
  if (typeof record.value !== "number" || !Number.isFinite(record.value)) {
    throw storageError("INVALID", `metric ${id} has no finite value`);
  }
  if (!Number.isFinite(timestampOf(record))) throw storageError("INVALID", `metric ${id} has no valid timestamp`);
  const labels = record.labels;
  if (labels !== null && typeof labels === "object" && Object.keys(labels).length > MAX_METRIC_LABELS) {
    throw storageError(
      "TOO_LARGE",
      `metric ${id} has ${Object.keys(labels).length} labels; the limit is ${MAX_METRIC_LABELS} labels per metric`,
    );
  }
  return id;
}

/**
 * Upserts metric events (encoded records) by `metricId` and folds them
 * into their rollup cells. Writing an identical event again changes
 * nothing (retries are safe); a different event under a known id replaces
 * it (its old contribution is removed) and keeps its place in the delta
 * stream and its write order, as core's in-memory store keeps its position.
 *
 * All cells and rows are read first, then rows are written (a new row's
 * write order is its creation time, known once inserted), then the cells.
 */
export const createMetrics = internalMutation({
  args: { metrics: v.array(v.string()) },
  handler: async (ctx, { metrics }): Promise<null> => {
    const records = metrics.map((data) => {
      const record = decodeValue(data) as Record<string, unknown>;
      return { data, record, id: checkMetric(record) };
    });
    if (records.length === 0) return null;
    const batchKey = records[0].id;
    const shard = cellShard(batchKey);
    type Current = {
      docId: unknown;
      /** Write order, or `null` for a row this call inserts (known once inserted). */
      order: number | null;
      data: string;
      name: string;
      shard: number | undefined;
      stream: Record<string, number>;
    };
    const current = new Map<string, Current | null>();
    const cells = new CellCache(ctx, { signal: null });
    for (const { id } of records) {
      if (current.has(id)) continue;
      const doc = await ctx.db.query(TABLE).withIndex("by_metric_id", (q) => q.eq("id", id)).first();
      if (!doc) {
        current.set(id, null);
        continue;
      }
      current.set(id, {
        docId: doc._id,
        order: writeOrder(doc),
        data: doc.data,
        name: doc.name,
        shard: doc.shard,
        stream: keptStreamFields(doc),
      });
      for (const key of metricCells(decodeValue(doc.data) as Record<string, unknown>, doc.shard)) await cells.load(key);
    }
    for (const { record } of records) for (const key of metricCells(record, shard)) await cells.load(key);
    const entries: DictionaryEntry[] = [];
    for (const { record } of records) entries.push(...dictionaryEntries(record, true));
    const missing = await missingEntries(ctx, entries);

    // In memory: each record's final row, and the cell changes in order (a pending insert's order is filled in later).
    const deltas: [string, number][] = [];
    const count = (name: string, delta: number) => deltas.push([counterShard(name, batchKey), delta]);
    const stream = new SignalStreamWriter(ctx, TABLE);
    type Change = { record: Record<string, unknown>; id: string; shard: number | undefined; sign: 1 | -1 };
    const changes: Change[] = [];
    const writes = new Map<string, { docId: unknown; row: Record<string, unknown> }>();
    for (const { data, record, id } of records) {
      const row = {
        id,
        timestamp: timestampOf(record),
        name: record.name as string,
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        data,
        shard,
      };
      assertFitsDocument(`metric ${id}`, row);
      const before = current.get(id)!;
      if (before) {
        if (before.data === data) continue;
        changes.push({
          record: decodeValue(before.data) as Record<string, unknown>,
          id,
          shard: before.shard,
          sign: -1,
        });
        changes.push({ record, id, shard, sign: 1 });
        count(signalCounters.rowsOfKey(TABLE, before.name), -1);
        count(signalCounters.rowsOfKey(TABLE, row.name), 1);
        current.set(id, { ...before, data, name: row.name, shard });
        writes.set(id, { docId: before.docId, row: { ...row, ...before.stream } });
        continue;
      }
      changes.push({ record, id, shard, sign: 1 });
      count(signalCounters.rows(TABLE), 1);
      count(signalCounters.rowsOfKey(TABLE, row.name), 1);
      const fields = await stream.next(batchKey);
      current.set(id, { docId: null, order: null, data, name: row.name, shard, stream: fields });
      writes.set(id, { docId: null, row: { ...row, ...fields } });
    }

    const orders = new Map<string, number>();
    for (const [id, { docId, row }] of writes) {
      const known = current.get(id)!.order;
      // deno-lint-ignore no-explicit-any
      if (docId) await ctx.db.replace(docId as any, row as any);
      else {
        // deno-lint-ignore no-explicit-any
        const inserted = await ctx.db.insert(TABLE, row as any);
        orders.set(id, (await ctx.db.get(inserted))!._creationTime);
      }
      if (known !== null) orders.set(id, known);
    }
    for (const { record, id, shard, sign } of changes) await applyMetric(cells, record, orders.get(id)!, shard, sign);
    await cells.flush();
    await stream.flush();
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
        await applyMetric(cells, record, writeOrder(doc), doc.shard, -1);
        await ctx.db.delete(doc._id);
        deleted++;
        // Any shard of a sharded counter will do: readers sum them.
        deltas.push(
          [counterShard(signalCounters.rows(TABLE), traceIds[0]), -1],
          [counterShard(signalCounters.rowsOfKey(TABLE, doc.name), traceIds[0]), -1],
        );
      }
    }
    await cells.flush();
    await adjustCounters(ctx, deltas);
    return { remaining };
  },
});
