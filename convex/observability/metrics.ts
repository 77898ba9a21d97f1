/**
 * Metric events and their rollups. `createMetrics` upserts events by
 * `metricId` and, in the same mutation, folds each into its rollup cells
 * (`cells.ts`: one per family × hour/day bucket). `readCells` serves the
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
import { internalMutation, internalQuery, type MutationCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import type { ListResult } from "../kit/rows.js";
import { type SortRange, walkRange } from "../kit/spanWalk.js";
import { type IndexSpec, type WalkState, walkStateValidator } from "../kit/walk.js";
import { cellsOf, type CellStats, eventStats, mergeStats, removeStats, type Sketch } from "./cells.js";
import { signalCounters } from "./counterNames.js";
import { insertEntries, missingEntries } from "./discovery.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";

const TABLE = "obs_metrics";

/** A stored cell as `readCells` returns it (sketch decoded by the client). */
export type CellRow = Omit<CellStats, "sketch"> & { bucket: number; id: string; sketch: string };

type CellKey = { name: string; family: string; interval: string; bucket: number; id: string };
type CellEntry = { key: CellKey; docId: unknown; stats: CellStats | null; changed: boolean };

/** In-transaction cache of the cells a mutation touches, written once at the end. */
class CellCache {
  readonly #ctx: MutationCtx;
  readonly #entries = new Map<string, CellEntry>();

  constructor(ctx: MutationCtx) {
    this.#ctx = ctx;
  }

  async #entry(key: CellKey): Promise<CellEntry> {
    const k = JSON.stringify([key.name, key.family, key.interval, key.bucket, key.id]);
    let entry = this.#entries.get(k);
    if (!entry) {
      const doc = await this.#ctx.db.query("obs_metric_cells").withIndex(
        "by_cell",
        (q) =>
          q.eq("name", key.name).eq("family", key.family).eq("interval", key.interval).eq("bucket", key.bucket).eq(
            "id",
            key.id,
          ),
      ).first();
      entry = { key, docId: doc?._id ?? null, stats: doc ? toStats(doc) : null, changed: false };
      this.#entries.set(k, entry);
    }
    return entry;
  }

  /** Adds or removes one event's contribution to all its cells. */
  async apply(record: Record<string, unknown>, seq: number, sign: 1 | -1): Promise<void> {
    const timestamp = timestampOf(record);
    const event = eventStats(record, seq);
    for (const cell of cellsOf(record, timestamp)) {
      const entry = await this.#entry({ name: record.name as string, ...cell });
      entry.stats = sign === 1
        ? (entry.stats ? mergeStats(entry.stats, event) : event)
        : (entry.stats ? removeStats(entry.stats, event) : null);
      entry.changed = true;
    }
  }

  /** Writes the changed cells. */
  async flush(): Promise<void> {
    for (const entry of this.#entries.values()) {
      if (!entry.changed) continue;
      const { stats, key, docId } = entry;
      if (stats === null) {
        // deno-lint-ignore no-explicit-any
        if (docId) await this.#ctx.db.delete(docId as any);
        continue;
      }
      const row = { ...key, ...stats, sketch: JSON.stringify(stats.sketch) };
      assertFitsDocument(`metric rollup ${key.name}`, row);
      // deno-lint-ignore no-explicit-any
      if (docId) await this.#ctx.db.replace(docId as any, row);
      else await this.#ctx.db.insert("obs_metric_cells", row);
    }
  }
}

function toStats(doc: Record<string, unknown>): CellStats {
  return {
    count: doc.count as number,
    sum: doc.sum as number,
    min: doc.min as number,
    max: doc.max as number,
    firstSeq: doc.firstSeq as number,
    lastSeq: doc.lastSeq as number,
    lastValue: doc.lastValue as number,
    cost: doc.cost as number,
    costCount: doc.costCount as number,
    units: doc.units as CellStats["units"],
    sketch: JSON.parse(doc.sketch as string) as Sketch,
    stale: doc.stale as boolean,
  };
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
    const cells = new CellCache(ctx);
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
        await cells.apply(decodeValue(before.data) as Record<string, unknown>, before.seq, -1);
        await cells.apply(record, before.seq, 1);
        deltas.push([signalCounters.rowsOfKey(TABLE, before.name), -1], [signalCounters.rowsOfKey(TABLE, row.name), 1]);
        current.set(id, { ...before, data, name: row.name });
        writes.set(id, { docId: before.docId, row: { ...row, seq: before.seq } });
        continue;
      }
      seq++;
      await cells.apply(record, seq, 1);
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
    const cells = new CellCache(ctx);
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
        await cells.apply(record, doc.seq, -1);
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

/** Cells read per `readCells` call at most, and their byte budget. */
const CELL_BUDGET = { docs: 2000, bytes: 6 * 1024 * 1024 };

/** Validator of a condition on a cell's dimension (position in the family, column or label part, value). */
const dimConditionValidator = v.object({
  index: v.number(),
  part: v.union(v.literal(0), v.literal(1)),
  value: v.string(),
});

/**
 * One bounded step of reading the cells of one metric name, family and
 * bucket size whose bucket starts in `[from, to)` (either end may be
 * open) and whose dimensions meet every condition.
 */
export const readCells = internalQuery({
  args: {
    name: v.string(),
    family: v.string(),
    interval: v.string(),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    where: v.array(dimConditionValidator),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<CellRow>> => {
    const spec: IndexSpec = {
      table: "obs_metric_cells",
      index: "by_cell",
      eq: [["name", args.name], ["family", args.family], ["interval", args.interval]],
      sortField: "bucket",
    };
    const range: SortRange = {
      ...(args.from !== undefined ? { lower: { value: args.from, inclusive: true } } : {}),
      ...(args.to !== undefined ? { upper: { value: args.to, inclusive: false } } : {}),
    };
    const where = args.where;
    const predicate = where.length === 0 ? undefined : (doc: { id: string }) => {
      const dims = JSON.parse(doc.id) as (string | null)[][];
      return where.every(({ index, part, value }) => dims[index]?.[part] === value);
    };
    const state: WalkState = args.state ??
      { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
    const step = await walkRange<
      CellRow & { _id: unknown; _creationTime: unknown; name: string; family: string; interval: string }
    >(
      ctx.db,
      spec,
      range,
      state,
      { predicate, budget: CELL_BUDGET },
    );
    return {
      rows: step.rows.map(({ _id, _creationTime, name: _n, family: _f, interval: _i, ...row }) => row as CellRow),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});
