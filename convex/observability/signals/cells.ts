/**
 * Metric rollups ("cells"), the pure part shared by our functions and the
 * client: which cells a metric event belongs to, what a cell keeps, and
 * how cells merge and lose events.
 *
 * A cell is one metric name × rollup family × UTC bucket (an hour or a day)
 * × the values of the family's dimensions. It keeps count, sum, min, max,
 * the value of the newest-written event (`last`), the first event's write
 * order (so groups come out in core's first-seen order; a row's write order
 * is `signalStream.ts:writeOrder`, its creation time), the summed
 * estimated cost with its units, and a percentile sketch:
 *
 * - exact (the sorted values) while a cell holds at most {@link EXACT_LIMIT} events;
 * - beyond, a log-bucketed histogram (DDSketch-style, relative accuracy
 *   {@link RELATIVE_ACCURACY}): a reported percentile is within 1% of the
 *   exact nearest-rank value core computes. Mergeable and, unlike t-digest,
 *   able to forget an event exactly, which trace deletion needs.
 *
 * Families are the dimension sets Mastra Studio groups and filters by. A
 * dimension's value is the pair `[record[d] ?? null, labels[d] ?? null]`, so
 * both core's column filters (`record[d]`), label filters (`labels[d]`) and
 * its group keys (`record[d] ?? labels[d] ?? null`) are answered exactly.
 */
import { fnv1a } from "../../kit/hash.js";

/** Dimensions kept by some rollup family. */
export const ROLLUP_DIMS = [
  "entityType",
  "entityName",
  "status",
  "provider",
  "model",
  "resourceId",
  "threadId",
  "environment",
  "serviceName",
] as const;

/** Rollup families: name -> dimensions (in key order). Each event is counted once per family and bucket size. */
export const FAMILIES: Record<string, readonly string[]> = {
  all: [],
  entity: ["entityType", "entityName"],
  status: ["entityType", "entityName", "status"],
  model: ["entityType", "entityName", "provider", "model"],
  resource: ["entityType", "entityName", "resourceId"],
  thread: ["entityType", "entityName", "threadId"],
  deployment: ["environment", "serviceName", "entityType", "entityName"],
};

/** Rollup bucket sizes. */
export const ROLLUP_INTERVALS = { "1h": 3_600_000, "1d": 86_400_000 } as const;
/** A rollup bucket size. */
export type RollupInterval = keyof typeof ROLLUP_INTERVALS;

/** Events a cell keeps exactly for percentiles before switching to the histogram. */
export const EXACT_LIMIT = 200;
/** Relative accuracy of the histogram sketch. */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/** Percentile sketch: `e` exact sorted values, or histogram bins (`p` positive, `n` negative by index, `z` zeros). */
export type Sketch = { e?: number[]; p?: Record<string, number>; n?: Record<string, number>; z?: number };

/** What a cell keeps. */
export type CellStats = {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Write order of the first-written event (`signalStream.ts:writeOrder`). */
  firstSeq: number;
  /** Write order of the `last` event. */
  lastSeq: number;
  lastValue: number;
  /** Score and feedback cells: timestamp of the `last` event (newest by timestamp, then write order). */
  lastTime?: number;
  cost: number;
  costCount: number;
  units: { unit: string; count: number }[];
  sketch: Sketch;
  /**
   * True when min, max, last or the first write order may be wrong after an event was removed (queries
   * needing them, and groupings ordered by first-seen event, walk events).
   */
  stale: boolean;
};

/** One dimension's value: `[record[d] ?? null, labels[d] ?? null]`. */
export type DimValue = [string | null, string | null];

function asString(value: unknown): string | null {
  return typeof value === "string" ? value : value === undefined || value === null ? null : String(value);
}

/** The values of `dims` for a record. */
export function dimValues(record: Record<string, unknown>, dims: readonly string[]): DimValue[] {
  const labels = (record.labels ?? {}) as Record<string, unknown>;
  return dims.map((d) => [asString(record[d]), asString(labels[d])]);
}

/**
 * Write shards of a rollup cell (metric, score and feedback cells). Every write of one metric (or scorer) in
 * one hour would touch the same cells, so each write call picks one of
 * these shards (from its first record's id) for all its cells and records
 * it on the rows it writes; readers merge the shards of a cell (a cell's
 * id ends with `[shard, null]`, which no family dimension reads).
 */
export const CELL_SHARDS = 4;

/** The cell shard a write call uses for all its cells: stable per first record id. */
export function cellShard(firstId: string): number {
  return fnv1a(firstId) % CELL_SHARDS;
}

/**
 * Families whose cells belong to one owner (a resource, a thread): only
 * that owner's runs write them, so they are not sharded, except the cells of
 * events without an owner, which every such writer shares.
 */
const OWNED_FAMILIES: Record<string, string> = { resource: "resourceId", thread: "threadId" };

/**
 * Every cell of a record: one per family and rollup interval, in write
 * shard `shard` (`undefined`: the unsharded cells of events written before
 * cells were sharded; owned families' cells with an owner are unsharded too).
 */
export function cellsOf(
  record: Record<string, unknown>,
  timestamp: number,
  shard?: number,
): { family: string; interval: RollupInterval; bucket: number; id: string }[] {
  const out = [];
  for (const family of Object.keys(FAMILIES)) {
    for (const interval of Object.keys(ROLLUP_INTERVALS) as RollupInterval[]) {
      const size = ROLLUP_INTERVALS[interval];
      const dims: DimValue[] = dimValues(record, FAMILIES[family]);
      const owner = OWNED_FAMILIES[family];
      const owned = owner !== undefined && dims[FAMILIES[family].indexOf(owner)][0] !== null;
      if (shard !== undefined && !owned) dims.push([String(shard), null]);
      out.push({ family, interval, bucket: Math.floor(timestamp / size) * size, id: JSON.stringify(dims) });
    }
  }
  return out;
}

/** Finite estimated cost of a record, or `null`. */
export function costOf(record: Record<string, unknown>): number | null {
  const cost = record.estimatedCost;
  return typeof cost === "number" && Number.isFinite(cost) ? cost : null;
}

/** The stats of a single metric event (`last` by write order). */
export function eventStats(record: Record<string, unknown>, seq: number): CellStats {
  const cost = costOf(record);
  const unit = record.costUnit;
  const { lastTime: _, ...stats } = valueStats(record.value as number, seq, 0);
  return {
    ...stats,
    cost: cost ?? 0,
    costCount: cost === null ? 0 : 1,
    units: typeof unit === "string" ? [{ unit, count: 1 }] : [],
  };
}

/** The stats of a single score or feedback value (no cost; `last` by timestamp, then write order). */
export function valueStats(value: number, seq: number, time: number): CellStats {
  return {
    count: 1,
    sum: value,
    min: value,
    max: value,
    firstSeq: seq,
    lastSeq: seq,
    lastValue: value,
    lastTime: time,
    cost: 0,
    costCount: 0,
    units: [],
    sketch: { e: [value] },
    stale: false,
  };
}

function binIndex(value: number): number {
  return Math.ceil(Math.log(value) / LOG_GAMMA);
}

function binValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

function addToBins(sketch: Sketch, value: number, times: number): void {
  if (value === 0) {
    sketch.z = (sketch.z ?? 0) + times;
    return;
  }
  const bins = value > 0 ? (sketch.p ??= {}) : (sketch.n ??= {});
  const key = String(binIndex(Math.abs(value)));
  const next = (bins[key] ?? 0) + times;
  if (next === 0) delete bins[key];
  else bins[key] = next;
}

function toBins(sketch: Sketch): Sketch {
  if (!sketch.e) {
    return {
      ...(sketch.p ? { p: { ...sketch.p } } : {}),
      ...(sketch.n ? { n: { ...sketch.n } } : {}),
      ...(sketch.z ? { z: sketch.z } : {}),
    };
  }
  const out: Sketch = {};
  for (const value of sketch.e) addToBins(out, value, 1);
  return out;
}

function mergeSorted(a: number[], b: number[]): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i] <= b[j])) out.push(a[i++]);
    else out.push(b[j++]);
  }
  return out;
}

/** Merges two sketches (exact while the union is small). */
export function mergeSketches(a: Sketch, b: Sketch): Sketch {
  if (a.e && b.e && a.e.length + b.e.length <= EXACT_LIMIT) return { e: mergeSorted(a.e, b.e) };
  const out = toBins(a);
  const other = b.e ? toBins(b) : b;
  for (const [key, count] of Object.entries(other.p ?? {})) (out.p ??= {})[key] = (out.p[key] ?? 0) + count;
  for (const [key, count] of Object.entries(other.n ?? {})) (out.n ??= {})[key] = (out.n[key] ?? 0) + count;
  if (other.z) out.z = (out.z ?? 0) + other.z;
  return out;
}

/**
 * The value at ascending `rank` (0-based) of the `count` values a sketch
 * holds: exact from an exact sketch, within {@link RELATIVE_ACCURACY} from bins.
 */
export function sketchAt(sketch: Sketch, rank: number): number {
  if (sketch.e) return sketch.e[rank] ?? 0;
  let seen = 0;
  const negative = Object.entries(sketch.n ?? {}).map(([k, c]) => [Number(k), c]).sort((x, y) => y[0] - x[0]);
  for (const [index, c] of negative) {
    seen += c;
    if (rank < seen) return -binValue(index);
  }
  seen += sketch.z ?? 0;
  if (rank < seen) return 0;
  const positive = Object.entries(sketch.p ?? {}).map(([k, c]) => [Number(k), c]).sort((x, y) => x[0] - y[0]);
  for (const [index, c] of positive) {
    seen += c;
    if (rank < seen) return binValue(index);
  }
  return 0;
}

/**
 * Nearest-rank percentile as core computes it for metrics (`sorted[min(floor(p * n), n - 1)]`):
 * exact from an exact sketch, within {@link RELATIVE_ACCURACY} from bins.
 */
export function sketchPercentile(sketch: Sketch, count: number, p: number): number {
  if (count === 0) return 0;
  return sketchAt(sketch, Math.min(Math.floor(p * count), count - 1));
}

/**
 * Interpolated percentile as core computes it for scores and feedback
 * (between the values at ranks `floor(p * (n - 1))` and `ceil(...)`): exact
 * from an exact sketch; from bins, within {@link RELATIVE_ACCURACY} of the
 * larger magnitude of the two values it interpolates.
 */
export function sketchInterpolated(sketch: Sketch, count: number, p: number): number {
  if (count === 0) return 0;
  const position = p * (count - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  const low = sketchAt(sketch, lower);
  if (lower === upper) return low;
  const high = sketchAt(sketch, upper);
  return low + (high - low) * (position - lower);
}

function mergeUnits(a: CellStats["units"], b: CellStats["units"], sign: 1 | -1): CellStats["units"] {
  const map = new Map(a.map(({ unit, count }) => [unit, count]));
  for (const { unit, count } of b) map.set(unit, (map.get(unit) ?? 0) + sign * count);
  return [...map].filter(([, count]) => count > 0).map(([unit, count]) => ({ unit, count }));
}

/** True when `b`'s last event is newer than `a`'s: by `lastTime` when both have one, then by write order. */
export function isNewer(b: CellStats, a: CellStats): boolean {
  if (b.lastTime !== undefined && a.lastTime !== undefined && b.lastTime !== a.lastTime) {
    return b.lastTime > a.lastTime;
  }
  return b.lastSeq > a.lastSeq;
}

/** Merges two cells' stats. */
export function mergeStats(a: CellStats, b: CellStats): CellStats {
  const newer = isNewer(b, a) ? b : a;
  return {
    count: a.count + b.count,
    sum: a.sum + b.sum,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    firstSeq: Math.min(a.firstSeq, b.firstSeq),
    lastSeq: newer.lastSeq,
    lastValue: newer.lastValue,
    ...(newer.lastTime !== undefined ? { lastTime: newer.lastTime } : {}),
    cost: a.cost + b.cost,
    costCount: a.costCount + b.costCount,
    units: mergeUnits(a.units, b.units, 1),
    sketch: mergeSketches(a.sketch, b.sketch),
    stale: a.stale || b.stale,
  };
}

/**
 * Removes one event (its own stats) from a cell; `null` when the cell is
 * left empty. Count, sum, cost, units and the sketch stay exact; min, max
 * and last are recomputed from an exact sketch, otherwise marked stale
 * when the removed event held them; removing the cell's first event marks
 * it stale too (its first write order, which orders groups, is lost).
 */
export function removeStats(cell: CellStats, event: CellStats): CellStats | null {
  if (cell.count <= event.count) return null;
  const value = event.sum;
  let sketch: Sketch;
  if (cell.sketch.e) {
    const e = [...cell.sketch.e];
    const at = e.indexOf(value);
    if (at >= 0) e.splice(at, 1);
    sketch = { e };
  } else {
    sketch = toBins(cell.sketch);
    addToBins(sketch, value, -1);
  }
  let { min, max, stale, lastSeq, lastValue } = cell;
  if (sketch.e && sketch.e.length > 0) {
    min = sketch.e[0];
    max = sketch.e[sketch.e.length - 1];
  } else if (value <= min || value >= max) stale = true;
  if (event.firstSeq === cell.firstSeq) stale = true;
  if (event.lastSeq === cell.lastSeq) {
    stale = true;
    lastSeq = -1;
    lastValue = 0;
  }
  return {
    count: cell.count - 1,
    sum: cell.sum - value,
    min,
    max,
    firstSeq: cell.firstSeq,
    lastSeq,
    lastValue,
    ...(cell.lastTime !== undefined && lastSeq !== -1 ? { lastTime: cell.lastTime } : {}),
    cost: cell.cost - event.cost,
    costCount: cell.costCount - event.costCount,
    units: mergeUnits(cell.units, event.units, -1),
    sketch,
    stale,
  };
}
