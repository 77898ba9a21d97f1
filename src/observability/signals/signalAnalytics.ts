/**
 * The analytics shared by observability scores and feedback (aggregate,
 * breakdown, time series, percentiles), with core's in-memory semantics,
 * served from their rollups (`convex/observability/signals/signalCells.ts`).
 *
 * How a query is served:
 * - When its filters and groupBy lie within one rollup family (dimensions
 *   `source` (score or feedback source), `entityType`, `entityName`,
 *   `experimentId`, `environment`, `serviceName`) and its interval is `1h`
 *   or `1d` (or it has none), the time range is split into whole days, whole
 *   hours and the partial hours at both ends; the days and hours are read
 *   from cells, the partial hours from events. Documents read: cells in range
 *   × groups × write shards (at most 4), plus the events of two partial hours.
 *   Sums, counts, averages, series and breakdowns are exact (for integer
 *   values; float sums may differ in the last bits as they add in another
 *   order); percentiles are exact while a cell holds at most 200 values,
 *   else within 1% (of the larger of the two values interpolated).
 * - Otherwise (filters on trace, span, run, session, thread, resource,
 *   user, organization or request ids, execution source, tags, metadata,
 *   review status or feedback user; groupBy on other columns; 1m/5m/15m
 *   intervals; min, max, last or group order over a cell that lost its
 *   extreme, last or first event to a deletion or replacement; a scorer or feedback type with rows
 *   written before rollups existed) it walks the matching events of the
 *   scorer or type in range, in bounded resumable calls: exact, O(events).
 */
import { type CellStats, sketchInterpolated, valueStats } from "../../../convex/observability/signals/cells.ts";
import {
  SIGNAL_FAMILIES,
  type SignalKind,
  signalValueOf,
  sourceColumns,
} from "../../../convex/observability/signals/signalCells.ts";
import { type SignalFilter, timestampOf } from "../../../convex/observability/signals/signals.ts";
import type { DomainContext } from "../../kit/context.ts";
import { aggregateStats, bucketsOf, firstSeq, type QueryStats, readCellRange, sketchBuckets } from "./cellQuery.ts";
import { segments } from "./metrics.ts";
import { walkSignals } from "./signals.ts";

const INTERVAL_MS: Record<string, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "1d": 86_400_000,
};

const TABLES = { score: "obs_scores", feedback: "obs_feedback" } as const;
const EXTREMES = new Set(["min", "max", "last"]);

/** Counts of what the last score or feedback query did, for benchmarks and tests. */
export type SignalQueryStats = QueryStats;
/** Stats of the most recent score or feedback query (read by benchmarks and tests). */
export const lastSignalQuery: SignalQueryStats = { cellsRead: 0, eventsRead: 0, calls: 0, fallback: false };

/** One input of an aggregation: a rollup cell or a single event. */
type Contribution = {
  /** Bucket start (cells) or event time. */
  time: number;
  /** Column value for grouping: the event's column, or the cell's dimension. */
  value: (column: string) => unknown;
  stats: CellStats;
};

/** What a query asks of the storage besides its filter (`extremes`: min, max, last or first-seen order). */
type Need = { groupBy: string[]; interval?: string; extremes: boolean };

/** The rollup dimension holding a groupBy or filter column (`source` for the source columns). */
function dimOf(kind: SignalKind, column: string): string {
  return sourceColumns(kind).includes(column) ? "source" : column;
}

/** The smallest family answering the filter and groupBy, with its cell conditions; `null`: walk events. */
function plan(
  kind: SignalKind,
  filter: SignalFilter,
  groupBy: string[],
): { family: string; where: { index: number; part: 0; value: string }[] } | "empty" | null {
  if (
    filter.sources || filter.tags || filter.labels || filter.names || filter.traceIds || filter.levels ||
    filter.metadata !== undefined || filter.reviewStatus !== undefined
  ) return null;
  const wanted: [string, string][] = filter.eq.map(({ field, value }) => [field, value]);
  const sources = kind === "score" ? filter.scoreSources : filter.feedbackSources;
  if (sources && sources.length > 0) {
    if (sources.some((s) => s !== sources[0])) return "empty";
    wanted.push(["source", sources[0]]);
  }
  const needed = new Set([...wanted.map(([d]) => d), ...groupBy.map((c) => dimOf(kind, c))]);
  let best: string | null = null;
  for (const [family, dims] of Object.entries(SIGNAL_FAMILIES)) {
    if (![...needed].every((d) => dims.includes(d))) continue;
    if (best === null || dims.length < SIGNAL_FAMILIES[best].length) best = family;
  }
  if (best === null) return null;
  const dims = SIGNAL_FAMILIES[best];
  return { family: best, where: wanted.map(([d, value]) => ({ index: dims.indexOf(d), part: 0 as const, value })) };
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

async function readEvents(
  ctx: DomainContext,
  kind: SignalKind,
  operation: string,
  filter: SignalFilter,
  lower: number,
  upper: number,
  stats: SignalQueryStats,
): Promise<Contribution[]> {
  const eventFilter: SignalFilter = { ...filter };
  delete eventFilter.from;
  delete eventFilter.to;
  if (finite(lower) !== undefined) eventFilter.from = lower;
  if (finite(upper) !== undefined) eventFilter.to = upper;
  const rows = await walkSignals(ctx, operation, TABLES[kind], eventFilter, stats);
  return rows.flatMap(({ order, record }) => {
    const value = signalValueOf(kind, record);
    if (value === null) return [];
    const time = timestampOf(record);
    return [{ time, value: (column: string) => record[column], stats: valueStats(value, order, time) }];
  });
}

/** The cells of one segment; `null` when the scorer's or type's cells do not count every row. */
async function readCellSegment(
  ctx: DomainContext,
  kind: SignalKind,
  operation: string,
  name: string,
  family: string,
  where: { index: number; part: 0; value: string }[],
  segment: { interval: "1h" | "1d"; from: number; to: number },
  stats: SignalQueryStats,
): Promise<Contribution[] | null> {
  const dims = SIGNAL_FAMILIES[family];
  const query = { signal: kind, name, family, interval: segment.interval, from: segment.from, to: segment.to, where };
  const cells = await readCellRange(ctx, operation, query, stats);
  return cells === null ? null : cells.map(({ time, values, stats }) => ({
    time,
    value: (column: string) => values[dims.indexOf(dimOf(kind, column))]?.[0] ?? null,
    stats,
  }));
}

/** Everything an aggregation of one scorer or feedback type needs: cells and edge events, else all events. */
async function collect(
  ctx: DomainContext,
  kind: SignalKind,
  operation: string,
  name: string,
  filter: SignalFilter | null,
  need: Need,
): Promise<Contribution[]> {
  const stats: SignalQueryStats = { cellsRead: 0, eventsRead: 0, calls: 0, fallback: false };
  const out: Contribution[] = [];
  try {
    if (filter === null) return out;
    const lower = filter.from ?? -Infinity;
    const upper = filter.to ?? Infinity;
    const cellable = need.interval === undefined || need.interval === "1h" || need.interval === "1d";
    const chosen = cellable ? plan(kind, filter, need.groupBy) : null;
    if (chosen === "empty") return out;
    let fallback = chosen === null;
    if (chosen !== null) {
      const parts = segments(lower, upper, need.interval !== "1h");
      // cells first: the first cell read says whether the cells count every row
      for (const segment of parts) {
        if (segment.kind !== "cells") continue;
        const cells = await readCellSegment(ctx, kind, operation, name, chosen.family, chosen.where, segment, stats);
        if (cells === null) {
          fallback = true;
          break;
        }
        out.push(...cells);
      }
      if (!fallback) {
        for (const segment of parts) {
          if (segment.kind === "events") {
            out.push(...await readEvents(ctx, kind, operation, filter, segment.from, segment.to, stats));
          }
        }
        if (need.extremes && out.some((c) => c.stats.stale)) fallback = true;
      }
    }
    if (fallback) {
      out.length = 0;
      stats.fallback = true;
      out.push(...await readEvents(ctx, kind, operation, filter, lower, upper, stats));
    }
    return out;
  } finally {
    Object.assign(lastSignalQuery, stats);
  }
}

/** Core's `aggregate` over contributions (`last`: newest timestamp, later write on ties). */
function aggregate(cs: Contribution[], type: string): number | null {
  return type === "count_distinct" ? 0 : aggregateStats(cs, type);
}

function groupsOf(cs: Contribution[], key: (c: Contribution) => string): [string, Contribution[]][] {
  const map = new Map<string, Contribution[]>();
  for (const c of cs) {
    const k = key(c);
    const list = map.get(k);
    if (list) list.push(c);
    else map.set(k, [c]);
  }
  return [...map].sort(([, a], [, b]) => firstSeq(a) - firstSeq(b));
}

/** Shift of a `comparePeriod`, in milliseconds. */
function shiftOf(comparePeriod: string, start: Date, end: Date): number {
  return comparePeriod === "previous_period"
    ? end.getTime() - start.getTime()
    : comparePeriod === "previous_day"
    ? 86_400_000
    : 604_800_000;
}

/** Arguments shared by the four analytics (parsed by core's schemas; `name`: scorer id or feedback type). */
export type SignalQuery = {
  kind: SignalKind;
  operation: string;
  name: string;
  filter: SignalFilter | null;
  aggregation: string;
};

/** One aggregate, optionally compared with the same range shifted back (core's `comparePeriod`). */
export async function signalAggregate(
  ctx: DomainContext,
  q: SignalQuery,
  compare: { period?: string; start?: Date; end?: Date },
): Promise<{ value: number | null; previousValue?: number | null; changePercent?: number | null }> {
  const need: Need = { groupBy: [], extremes: EXTREMES.has(q.aggregation) };
  const value = aggregate(await collect(ctx, q.kind, q.operation, q.name, q.filter, need), q.aggregation);
  if (!compare.period || !compare.start || !compare.end) return { value };
  const shift = shiftOf(compare.period, compare.start, compare.end);
  const previousFilter = q.filter === null
    ? null
    : { ...q.filter, from: compare.start.getTime() - shift, to: compare.end.getTime() - shift };
  const previousValue = aggregate(
    await collect(ctx, q.kind, q.operation, q.name, previousFilter, need),
    q.aggregation,
  );
  const changePercent = previousValue !== null && previousValue !== 0 && value !== null
    ? (value - previousValue) / Math.abs(previousValue) * 100
    : null;
  return { value, previousValue, changePercent };
}

/** Aggregates per group of `groupBy` columns, highest first (ties in first-seen order). */
export async function signalBreakdown(
  ctx: DomainContext,
  q: SignalQuery,
  groupBy: string[],
): Promise<{ groups: { dimensions: Record<string, string | null>; value: number }[] }> {
  const cs = await collect(ctx, q.kind, q.operation, q.name, q.filter, {
    groupBy,
    extremes: true, // groups tied on value come in first-seen order
  });
  const dimsOf = (c: Contribution) => {
    const dims: Record<string, string | null> = {};
    for (const col of groupBy) {
      const raw = c.value(col);
      dims[col] = raw === null || raw === undefined ? null : String(raw);
    }
    return dims;
  };
  const groups = groupsOf(cs, (c) => JSON.stringify(dimsOf(c))).map(([key, list]) => ({
    dimensions: JSON.parse(key) as Record<string, string | null>,
    value: aggregate(list, q.aggregation) ?? 0,
  }));
  groups.sort((a, b) => b.value - a.value);
  return { groups };
}

/** Aggregates per UTC time bucket (non-empty only), in one series named `seriesName` or one per `groupBy` key. */
export async function signalTimeSeries(
  ctx: DomainContext,
  q: SignalQuery,
  interval: string,
  groupBy: string[],
  seriesName: string,
): Promise<{ series: { name: string; points: { timestamp: Date; value: number }[] }[] }> {
  const cs = await collect(ctx, q.kind, q.operation, q.name, q.filter, {
    groupBy,
    interval,
    extremes: EXTREMES.has(q.aggregation) || groupBy.length > 0, // series in first-seen order
  });
  const points = (list: Contribution[]) =>
    bucketsOf(list, INTERVAL_MS[interval] ?? 3_600_000).map(([ts, inBucket]) => ({
      timestamp: new Date(ts),
      value: aggregate(inBucket, q.aggregation) ?? 0,
    }));
  if (groupBy.length === 0) return { series: [{ name: seriesName, points: points(cs) }] };
  // As core: a series per distinct raw value (object values apart by content), named by the values as strings.
  const key = (c: Contribution) => JSON.stringify(groupBy.map((col) => c.value(col) ?? ""));
  const name = (c: Contribution) =>
    groupBy.map((col) => {
      const raw = c.value(col);
      return raw === null || raw === undefined ? "" : String(raw);
    }).join("|");
  return {
    series: groupsOf(cs, key).map(([, list]) => ({ name: name(list[0]), points: points(list) })),
  };
}

/** Interpolated percentiles per UTC time bucket (core's `interpolatePercentile`). */
export async function signalPercentiles(
  ctx: DomainContext,
  q: SignalQuery,
  interval: string,
  percentiles: number[],
): Promise<{ series: { percentile: number; points: { timestamp: Date; value: number }[] }[] }> {
  const cs = await collect(ctx, q.kind, q.operation, q.name, q.filter, { groupBy: [], interval, extremes: false });
  const buckets = sketchBuckets(cs, INTERVAL_MS[interval] ?? 3_600_000);
  return {
    series: percentiles.map((p) => ({
      percentile: p,
      points: buckets.map(({ ts, sketch, count }) => ({
        timestamp: new Date(ts),
        value: sketchInterpolated(sketch, count, p),
      })),
    })),
  };
}
