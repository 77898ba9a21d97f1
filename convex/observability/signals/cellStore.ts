/**
 * Where rollup cells live and how mutations and queries touch them: the
 * metric cells (`obs_metric_cells`) and the score and feedback cells
 * (`obs_signal_cells`, with a signal and a write shard in their key).
 *
 * `CellCache` gathers, within one mutation, every change to the cells it
 * touches (each read once) and writes each changed cell once at the end;
 * `readCells` serves the aggregation queries one bounded step at a time.
 */
import { v } from "convex/values";
import { readShardedCounter } from "../../kit/counters.js";
import { internalQuery, type MutationCtx } from "../../kit/functions.js";
import { assertFitsDocument } from "../../kit/limits.js";
import type { ListResult } from "../../kit/rows.js";
import { type IndexSpec, type SortRange, walk, type WalkState, walkStateValidator } from "../../kit/walk.js";
import { type CellStats, mergeStats, removeStats, type Sketch } from "./cells.js";
import { signalCounters } from "../counterNames.js";
import type { SignalKind } from "./signalCells.js";

/** A stored cell as `readCells` returns it (sketch decoded by the client). */
export type CellRow = Omit<CellStats, "sketch"> & { bucket: number; id: string; sketch: string };

/** Which cells: metric cells, or one signal's cells. */
export type CellTarget = { signal: SignalKind | null };

/**
 * One cell's identity. `id` is the JSON array of its dimension values; a
 * signal cell's id ends with one more element, `[shard, null]`.
 */
export type CellKey = { name: string; family: string; interval: string; bucket: number; id: string };

type CellEntry = { key: CellKey; docId: unknown; stats: CellStats | null; changed: boolean };

function toStats(doc: Record<string, unknown>): CellStats {
  return {
    count: doc.count as number,
    sum: doc.sum as number,
    min: doc.min as number,
    max: doc.max as number,
    firstSeq: doc.firstSeq as number,
    lastSeq: doc.lastSeq as number,
    lastValue: doc.lastValue as number,
    ...(typeof doc.lastTime === "number" ? { lastTime: doc.lastTime } : {}),
    cost: doc.cost as number,
    costCount: doc.costCount as number,
    units: doc.units as CellStats["units"],
    sketch: JSON.parse(doc.sketch as string) as Sketch,
    stale: doc.stale as boolean,
  };
}

/** In-transaction cache of the cells a mutation touches, written once at the end. */
export class CellCache {
  readonly #ctx: MutationCtx;
  readonly #signal: SignalKind | null;
  readonly #entries = new Map<string, CellEntry>();

  /** A cache over the metric cells (`signal: null`) or one signal's cells. */
  constructor(ctx: MutationCtx, target: CellTarget) {
    this.#ctx = ctx;
    this.#signal = target.signal;
  }

  async #entry(key: CellKey): Promise<CellEntry> {
    const k = JSON.stringify([key.name, key.family, key.interval, key.bucket, key.id]);
    let entry = this.#entries.get(k);
    if (!entry) {
      const db = this.#ctx.db;
      const doc = this.#signal === null
        ? await db.query("obs_metric_cells").withIndex(
          "by_cell",
          (q) =>
            q.eq("name", key.name).eq("family", key.family).eq("interval", key.interval).eq("bucket", key.bucket)
              .eq("id", key.id),
        ).first()
        : await db.query("obs_signal_cells").withIndex(
          "by_cell",
          (q) =>
            q.eq("signal", this.#signal!).eq("name", key.name).eq("family", key.family).eq("interval", key.interval)
              .eq("bucket", key.bucket).eq("id", key.id),
        ).first();
      entry = { key, docId: doc?._id ?? null, stats: doc ? toStats(doc) : null, changed: false };
      this.#entries.set(k, entry);
    }
    return entry;
  }

  /** Reads a cell ahead of the writes of a mutation (`apply` then reads nothing more for it). */
  async load(key: CellKey): Promise<void> {
    await this.#entry(key);
  }

  /** Adds (`sign` 1) or removes (-1) one event's stats to or from a cell. */
  async apply(key: CellKey, event: CellStats, sign: 1 | -1): Promise<void> {
    const entry = await this.#entry(key);
    entry.stats = sign === 1
      ? (entry.stats ? mergeStats(entry.stats, event) : event)
      : (entry.stats ? removeStats(entry.stats, event) : null);
    entry.changed = true;
  }

  /** Writes the changed cells (deleting the emptied ones). */
  async flush(): Promise<void> {
    for (const entry of this.#entries.values()) {
      if (!entry.changed) continue;
      const { stats, key, docId } = entry;
      if (stats === null) {
        // deno-lint-ignore no-explicit-any
        if (docId) await this.#ctx.db.delete(docId as any);
        continue;
      }
      const base = { ...key, ...stats, sketch: JSON.stringify(stats.sketch) };
      const table = this.#signal === null ? "obs_metric_cells" : "obs_signal_cells";
      const row = this.#signal === null ? base : { ...base, signal: this.#signal };
      assertFitsDocument(`rollup ${key.name}`, row);
      // deno-lint-ignore no-explicit-any
      if (docId) await this.#ctx.db.replace(docId as any, row as any);
      // deno-lint-ignore no-explicit-any
      else await this.#ctx.db.insert(table, row as any);
    }
  }
}

/** Cells read per `readCells` call at most, and their byte budget. */
const CELL_BUDGET = { docs: 2000, bytes: 6 * 1024 * 1024 };

/** Validator of a condition on a cell's dimension (position in the family, column or label part, value). */
const dimConditionValidator = v.object({
  index: v.number(),
  part: v.union(v.literal(0), v.literal(1)),
  value: v.string(),
});

/** Signal tables of the signals with cells, by signal. */
export const SIGNAL_TABLES = { score: "obs_scores", feedback: "obs_feedback" } as const;

/** True when every row of `name` in a signal table is counted in the cells (rows written before cells were not). */
async function cellsComplete(ctx: Parameters<typeof readShardedCounter>[0], signal: SignalKind, name: string) {
  const table = SIGNAL_TABLES[signal];
  return await readShardedCounter(ctx, signalCounters.rowsOfKey(table, name)) ===
    await readShardedCounter(ctx, signalCounters.celledOfKey(table, name));
}

/**
 * One bounded step of reading the cells of one metric name (or, with
 * `signal`, one scorer or feedback type), family and bucket size whose
 * bucket starts in `[from, to)` (either end may be open) and whose
 * dimensions meet every condition. For a signal, the first step also says
 * whether the cells count every row (`complete`; when not, it reads nothing).
 */
export const readCells = internalQuery({
  args: {
    signal: v.optional(v.union(v.literal("score"), v.literal("feedback"))),
    name: v.string(),
    family: v.string(),
    interval: v.string(),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    where: v.array(dimConditionValidator),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<CellRow> & { complete?: boolean }> => {
    if (args.signal !== undefined && args.state === undefined && !await cellsComplete(ctx, args.signal, args.name)) {
      return { rows: [], next: null, total: null, reversed: false, complete: false };
    }
    const spec: IndexSpec = args.signal === undefined
      ? {
        table: "obs_metric_cells",
        index: "by_cell",
        eq: [["name", args.name], ["family", args.family], ["interval", args.interval]],
        sortField: "bucket",
      }
      : {
        table: "obs_signal_cells",
        index: "by_cell",
        eq: [["signal", args.signal], ["name", args.name], ["family", args.family], ["interval", args.interval]],
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
    const step = await walk<Record<string, unknown> & { id: string }>(ctx.db, spec, state, {
      range,
      predicate,
      budget: CELL_BUDGET,
    });
    return {
      rows: step.rows.map(({ _id, _creationTime, name: _n, family: _f, interval: _i, signal: _s, ...row }) =>
        row as unknown as CellRow
      ),
      next: step.next,
      total: null,
      reversed: false,
      ...(args.signal !== undefined && args.state === undefined ? { complete: true } : {}),
    };
  },
});
