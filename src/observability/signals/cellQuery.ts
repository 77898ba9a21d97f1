/**
 * Client-side pieces shared by the metric and the score/feedback
 * analytics: reading the rollup cells of one segment (bounded resumable
 * calls to `observability/signals/cellStore:readCells`), and folding cells and
 * events into core's aggregates, buckets and first-seen group order.
 */
import type { ListResult } from "../../../convex/kit/rows.ts";
import type { WalkState } from "../../../convex/kit/walk.ts";
import {
  type CellStats,
  type DimValue,
  isNewer,
  mergeSketches,
  type Sketch,
} from "../../../convex/observability/signals/cells.ts";
import type { CellRow } from "../../../convex/observability/signals/cellStore.ts";
import type { DomainContext } from "../../kit/context.ts";

/** Counts of what a query did, for benchmarks and tests. */
export type QueryStats = { cellsRead: number; eventsRead: number; calls: number; fallback: boolean };

/** Anything with a time (bucket start or event time) and stats. */
export type Contributing = { time: number; stats: CellStats };

/** A cell as read: bucket start, dimension values, stats. */
export type ReadCell = { time: number; values: DimValue[]; stats: CellStats };

/** Arguments of `readCells` besides its walk state. */
export type CellQuery = {
  signal?: "score" | "feedback";
  name: string;
  family: string;
  interval: "1h" | "1d";
  from: number;
  to: number;
  where: { index: number; part: 0 | 1; value: string }[];
};

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

/** Every cell of one segment; `null` when (for a signal) the cells do not count every row. */
export async function readCellRange(
  ctx: DomainContext,
  operation: string,
  query: CellQuery,
  stats: QueryStats,
): Promise<ReadCell[] | null> {
  const { from, to, ...rest } = query;
  const out: ReadCell[] = [];
  let state: WalkState | undefined;
  for (;;) {
    const result: ListResult<CellRow> & { complete?: boolean } = await ctx.transport.query(
      "observability/signals/cellStore:readCells",
      {
        ...rest,
        ...(finite(from) !== undefined ? { from } : {}),
        ...(finite(to) !== undefined ? { to } : {}),
        ...(state !== undefined ? { state } : {}),
      },
      { operation, details: { name: query.name } },
    );
    stats.calls++;
    if (result.complete === false) return null;
    stats.cellsRead += result.rows.length;
    for (const row of result.rows) {
      const { bucket, id, sketch, ...cell } = row;
      out.push({
        time: bucket,
        values: JSON.parse(id) as DimValue[],
        stats: { ...cell, sketch: JSON.parse(sketch) as Sketch },
      });
    }
    if (result.next === null) return out;
    state = result.next;
  }
}

/** Core's `aggregate` for sum, avg, min, max, count and last over contributions (`null` when empty). */
export function aggregateStats(cs: readonly Contributing[], type: string): number | null {
  if (cs.length === 0) return null;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  let last = cs[0].stats;
  for (const { stats } of cs) {
    count += stats.count;
    sum += stats.sum;
    min = Math.min(min, stats.min);
    max = Math.max(max, stats.max);
    if (isNewer(stats, last)) last = stats;
  }
  switch (type) {
    case "avg":
      return sum / count;
    case "min":
      return min;
    case "max":
      return max;
    case "count":
      return count;
    case "last":
      return last.lastValue;
    default:
      return sum;
  }
}

/** The first write number among contributions (core orders groups by first-seen event). */
export function firstSeq(cs: readonly Contributing[]): number {
  let first = Infinity;
  for (const c of cs) first = Math.min(first, c.stats.firstSeq);
  return first;
}

/** Contributions per UTC bucket of `intervalMs`, oldest first. */
export function bucketsOf<C extends Contributing>(cs: readonly C[], intervalMs: number): [number, C[]][] {
  const map = new Map<number, C[]>();
  for (const c of cs) {
    const bucket = Math.floor(c.time / intervalMs) * intervalMs;
    const list = map.get(bucket);
    if (list) list.push(c);
    else map.set(bucket, [c]);
  }
  return [...map].sort(([a], [b]) => a - b);
}

/** Contributions per UTC bucket, each bucket's sketches merged: what a percentile point is read from. */
export function sketchBuckets(
  cs: readonly Contributing[],
  intervalMs: number,
): { ts: number; sketch: Sketch; count: number }[] {
  return bucketsOf(cs, intervalMs).map(([ts, list]) => {
    let sketch: Sketch = { e: [] };
    let count = 0;
    for (const c of list) {
      sketch = mergeSketches(sketch, c.stats.sketch);
      count += c.stats.count;
    }
    return { ts, sketch, count };
  });
}
