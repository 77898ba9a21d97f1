/**
 * Metrics of the observability domain: `batchCreateMetrics`,
 * `listMetrics`, and the OLAP queries Mastra Studio's dashboard runs
 * (`getMetricAggregate`, `getMetricBreakdown`, `getMetricTimeSeries`,
 * `getMetricPercentiles`), with core's in-memory semantics.
 *
 * How a query is served (see `convex/observability/signals/cells.ts`):
 * - When its filters, groupBy and distinct column all lie within one rollup
 *   family and its interval is `1h` or `1d` (or it has none), the time range
 *   is split into whole days (day cells), whole hours (hour cells) and the
 *   partial hours at either end (events, read through the timestamp index).
 *   Documents read: cells in range × groups, plus the events of at most two
 *   partial hours. Results are exact (percentiles: exact while a cell holds
 *   at most 200 events, else within 1%).
 * - Otherwise (filters on trace/span ids, tags, execution source, other
 *   labels or ids; groupBy outside the families; 1m/5m/15m intervals; min,
 *   max or last over a cell that lost its extreme event to a deletion) it
 *   walks the matching events of the range, in bounded resumable calls:
 *   exact, O(events in range).
 */
import type {
  BatchCreateMetricsArgs,
  GetMetricAggregateArgs,
  GetMetricAggregateResponse,
  GetMetricBreakdownArgs,
  GetMetricBreakdownResponse,
  GetMetricPercentilesArgs,
  GetMetricPercentilesResponse,
  GetMetricTimeSeriesArgs,
  GetMetricTimeSeriesResponse,
  ListMetricsArgs,
  ListMetricsResponse,
} from "../../coreTypes.ts";
import {
  getMetricAggregateArgsSchema,
  getMetricBreakdownArgsSchema,
  getMetricPercentilesArgsSchema,
  getMetricTimeSeriesArgsSchema,
  listMetricsArgsSchema,
  type MetricRecord,
} from "@mastra/core/storage";
import type { ListResult } from "../../../convex/kit/rows.ts";
import type { WalkState } from "../../../convex/kit/walk.ts";
import {
  cellsOf,
  type CellStats,
  type DimValue,
  eventStats,
  FAMILIES,
  ROLLUP_INTERVALS,
  sketchPercentile,
} from "../../../convex/observability/signals/cells.ts";
import type { SignalListRow } from "../../../convex/observability/signals/signalLists.ts";
import {
  dictionaryEntries,
  MAX_METRIC_LABELS,
  type SignalFilter,
  timestampOf,
  toSignalFilter,
} from "../../../convex/observability/signals/signals.ts";
import { decodeValue } from "../../kit/codec.ts";
import type { DomainContext } from "../../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../../kit/errors.ts";
import { writeBatches } from "../../kit/multiStep.ts";
import { aggregateStats, bucketsOf, firstSeq, type QueryStats, readCellRange, sketchBuckets } from "./cellQuery.ts";
import { encodeSignals, signalDelta, signalPage } from "./signals.ts";

/** Events per write call at most. */
const METRICS_PER_CALL = 200;
/** Distinct rollup cells per write call at most (one lookup and one write each). */
const CELLS_PER_CALL = 1000;
/** Distinct discovery entries per write call at most (one lookup each). */
const ENTRIES_PER_CALL = 1000;
/** Encoded bytes per write call at most. */
const BYTES_PER_CALL = 4 * 1024 * 1024;

const INTERVAL_MS: Record<string, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "1d": 86_400_000,
};

/** Counts of what the last query did, for benchmarks and tests. */
export type MetricQueryStats = QueryStats;
/** Stats of the most recent metric query (read by benchmarks and tests). */
export const lastMetricQuery: MetricQueryStats = { cellsRead: 0, eventsRead: 0, calls: 0, fallback: false };

/**
 * Splits metric events into write calls bounded by events, bytes, distinct
 * rollup cells and distinct discovery entries, so each call stays far
 * inside Convex's per-transaction limits.
 */
export function chunkMetrics(records: Record<string, unknown>[], encoded: string[]): string[][] {
  const chunks: string[][] = [];
  let current: string[] = [];
  let cells = new Set<string>();
  let entries = new Set<string>();
  let bytes = 0;
  records.forEach((record, i) => {
    const timestamp = timestampOf(record);
    const mine = cellsOf(record, timestamp).map((c) =>
      JSON.stringify([record.name, c.family, c.interval, c.bucket, c.id])
    );
    const dict = dictionaryEntries(record, true).map((e) => JSON.stringify(e));
    const newCells = mine.filter((c) => !cells.has(c)).length;
    const newEntries = dict.filter((e) => !entries.has(e)).length;
    if (
      current.length > 0 &&
      (current.length >= METRICS_PER_CALL || cells.size + newCells > CELLS_PER_CALL ||
        entries.size + newEntries > ENTRIES_PER_CALL || bytes + encoded[i].length > BYTES_PER_CALL)
    ) {
      chunks.push(current);
      current = [];
      cells = new Set();
      entries = new Set();
      bytes = 0;
    }
    current.push(encoded[i]);
    for (const c of mine) cells.add(c);
    for (const e of dict) entries.add(e);
    bytes += encoded[i].length;
  });
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Upserts metric events by `metricId` and updates their rollups, in bounded calls. */
export function batchCreateMetrics(ctx: DomainContext, args: BatchCreateMetricsArgs): Promise<void> {
  const count = Array.isArray(args?.metrics) ? args.metrics.length : null;
  return withErrorContext({ operation: "batchCreateMetrics", details: { count } }, async () => {
    const encoded = encodeSignals(args?.metrics, "metricId", "batchCreateMetrics");
    const records = args.metrics as unknown as Record<string, unknown>[];
    records.forEach((record, i) => {
      if (typeof record.name !== "string") throw new InvalidInputError(`records[${i}].name must be a string`);
      if (typeof record.value !== "number" || !Number.isFinite(record.value)) {
        throw new InvalidInputError(`records[${i}].value must be a finite number, got ${String(record.value)}`);
      }
      const labels = record.labels;
      if (labels !== undefined && labels !== null) {
        if (typeof labels !== "object" || Array.isArray(labels)) {
          throw new InvalidInputError(`records[${i}].labels must be an object of strings`);
        }
        const labelCount = Object.keys(labels).length;
        if (labelCount > MAX_METRIC_LABELS) {
          throw new InvalidInputError(
            `records[${i}] has ${labelCount} labels; the limit is ${MAX_METRIC_LABELS} labels per metric ` +
              "(MAX_METRIC_LABELS); nothing was written",
          );
        }
        for (const [key, value] of Object.entries(labels)) {
          if (typeof value !== "string") throw new InvalidInputError(`records[${i}].labels.${key} must be a string`);
        }
      }
    });
    await writeBatches(
      { operation: "batchCreateMetrics", details: { count } },
      [...chunkMetrics(records, encoded)],
      (chunk) => chunk.length,
      { items: "metrics", remedy: "creating the same metrics again is safe (they are upserted by metricId)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/signals/metrics:createMetrics", { metrics: chunk }, {
          operation: "batchCreateMetrics",
          details: { count },
          idempotent: true,
        });
      },
    );
  });
}

/** Lists metric events: one page in timestamp order (default newest first), or one delta poll window. */
export function listMetrics(ctx: DomainContext, args: ListMetricsArgs): Promise<ListMetricsResponse> {
  return withErrorContext({ operation: "listMetrics" }, async () => {
    const parsed = listMetricsArgsSchema.parse(args ?? {});
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    if (parsed.mode === "delta") {
      const window = await signalDelta<MetricRecord>(
        ctx,
        "listMetrics",
        "obs_metrics",
        filter,
        parsed.after,
        parsed.limit,
      );
      return { metrics: window.rows, delta: window.delta, deltaCursor: window.deltaCursor };
    }
    const { page, perPage } = parsed.pagination;
    const result = await signalPage<MetricRecord>(
      ctx,
      "listMetrics",
      "obs_metrics",
      filter,
      page,
      perPage,
      parsed.orderBy.direction,
    );
    return { metrics: result.rows, pagination: result.pagination, deltaCursor: result.deltaCursor };
  });
}

// ---------------------------------------------------------------------------
// Query planning: contributions from cells and events

/** One input of an aggregation: a rollup cell or a single event. */
type Contribution = {
  name: string;
  /** Bucket start (cells) or event time. */
  time: number;
  record?: Record<string, unknown>;
  dims?: Record<string, DimValue>;
  stats: CellStats;
};

function groupValue(c: Contribution, col: string): unknown {
  if (col === "name") return c.name;
  if (c.record) {
    const labels = (c.record.labels ?? {}) as Record<string, unknown>;
    return c.record[col] ?? labels[col] ?? null;
  }
  const d = c.dims![col];
  return d[0] ?? d[1] ?? null;
}

function distinctValue(c: Contribution, col: string): unknown {
  if (col === "name") return c.name;
  if (c.record) {
    const raw = c.record[col];
    if (raw === null || raw === undefined) return null;
    return typeof raw === "string" || typeof raw === "number" ? raw : String(raw);
  }
  return c.dims![col][0];
}

/** The smallest rollup family answering the filter and needing `dims`, or `null`. */
function chooseFamily(filter: SignalFilter, dims: string[]): string | null {
  if (filter.sources || filter.tags || filter.traceIds || filter.levels) return null;
  const needed = new Set<string>(dims.filter((d) => d !== "name"));
  for (const { field } of filter.eq) needed.add(field);
  for (const { key } of filter.labels ?? []) needed.add(key);
  let best: string | null = null;
  for (const [family, familyDims] of Object.entries(FAMILIES)) {
    if (![...needed].every((d) => familyDims.includes(d))) continue;
    if (best === null || familyDims.length < FAMILIES[best].length) best = family;
  }
  return best;
}

/** A piece of a query's time range: served from events, or from hour or day cells. */
export type Segment = { kind: "events"; from: number; to: number } | {
  kind: "cells";
  interval: "1h" | "1d";
  from: number;
  to: number;
};

/** Splits the inclusive millisecond range `[lower, upper]` into event edges, hour cells and day cells. */
export function segments(lower: number, upper: number, useDays: boolean): Segment[] {
  const H = ROLLUP_INTERVALS["1h"];
  const D = ROLLUP_INTERVALS["1d"];
  const hourStart = Math.ceil(lower / H) * H;
  const hourEnd = Math.floor((upper + 1) / H) * H;
  if (!(hourStart < hourEnd)) return [{ kind: "events", from: lower, to: upper }];
  const out: Segment[] = [];
  if (lower < hourStart) out.push({ kind: "events", from: lower, to: hourStart - 1 });
  const dayStart = Math.ceil(hourStart / D) * D;
  const dayEnd = Math.floor(hourEnd / D) * D;
  if (useDays && dayStart < dayEnd) {
    if (hourStart < dayStart) out.push({ kind: "cells", interval: "1h", from: hourStart, to: dayStart });
    out.push({ kind: "cells", interval: "1d", from: dayStart, to: dayEnd });
    if (dayEnd < hourEnd) out.push({ kind: "cells", interval: "1h", from: dayEnd, to: hourEnd });
  } else {
    out.push({ kind: "cells", interval: "1h", from: hourStart, to: hourEnd });
  }
  if (Number.isFinite(hourEnd) && hourEnd <= upper) out.push({ kind: "events", from: hourEnd, to: upper });
  return out;
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) ? n : undefined;
}

async function readEvents(
  ctx: DomainContext,
  operation: string,
  name: string,
  filter: SignalFilter,
  lower: number,
  upper: number,
  stats: MetricQueryStats,
): Promise<Contribution[]> {
  const eventFilter: SignalFilter = { ...filter, names: [name] };
  delete eventFilter.from;
  delete eventFilter.to;
  if (finite(lower) !== undefined) eventFilter.from = lower;
  if (finite(upper) !== undefined) eventFilter.to = upper;
  const out: Contribution[] = [];
  let state: WalkState | undefined;
  for (;;) {
    const result: ListResult<SignalListRow> = await ctx.transport.query(
      "observability/signals/signalLists:listSignals",
      {
        table: "obs_metrics",
        filter: eventFilter,
        order: "asc",
        offset: 0,
        limit: Number.MAX_SAFE_INTEGER,
        ...(state !== undefined ? { state } : {}),
      },
      { operation, details: { name } },
    );
    stats.calls++;
    for (const row of result.rows) {
      const record = decodeValue(row.data) as Record<string, unknown>;
      out.push({ name, time: timestampOf(record), record, stats: eventStats(record, row.order) });
    }
    stats.eventsRead += result.rows.length;
    if (result.next === null) return out;
    state = result.next;
  }
}

async function readCellSegment(
  ctx: DomainContext,
  operation: string,
  name: string,
  family: string,
  filter: SignalFilter,
  segment: Extract<Segment, { kind: "cells" }>,
  stats: MetricQueryStats,
): Promise<Contribution[]> {
  const dims = FAMILIES[family];
  const where = [
    ...filter.eq.map(({ field, value }) => ({ index: dims.indexOf(field), part: 0 as const, value })),
    ...(filter.labels ?? []).map(({ key, value }) => ({ index: dims.indexOf(key), part: 1 as const, value })),
  ];
  const query = { name, family, interval: segment.interval, from: segment.from, to: segment.to, where };
  const cells = (await readCellRange(ctx, operation, query, stats)) ?? [];
  return cells.map(({ time, values, stats }) => ({
    name,
    time,
    dims: Object.fromEntries(dims.map((d, i) => [d, values[i]])),
    stats,
  }));
}

/**
 * Everything an aggregation over `names` with `filter` needs: rollup cells
 * and edge events when the query lies within a family, else all matching events.
 */
async function collect(
  ctx: DomainContext,
  operation: string,
  names: string[],
  filter: SignalFilter,
  need: { dims: string[]; interval?: string; needsExtremes: boolean },
): Promise<Contribution[]> {
  const stats: MetricQueryStats = { cellsRead: 0, eventsRead: 0, calls: 0, fallback: false };
  const lower = filter.from ?? -Infinity;
  const upper = filter.to ?? Infinity;
  const family = need.interval === undefined || need.interval === "1h" || need.interval === "1d"
    ? chooseFamily(filter, need.dims)
    : null;
  const out: Contribution[] = [];
  let fallback = family === null;
  if (family !== null) {
    for (const name of names) {
      for (const segment of segments(lower, upper, need.interval !== "1h")) {
        if (segment.kind === "events") {
          out.push(...await readEvents(ctx, operation, name, filter, segment.from, segment.to, stats));
        } else {
          out.push(...await readCellSegment(ctx, operation, name, family, filter, segment, stats));
        }
      }
    }
    if (need.needsExtremes && out.some((c) => c.stats.stale)) fallback = true;
  }
  if (fallback) {
    out.length = 0;
    stats.fallback = true;
    for (const name of names) out.push(...await readEvents(ctx, operation, name, filter, lower, upper, stats));
  }
  Object.assign(lastMetricQuery, stats);
  return out;
}

// ---------------------------------------------------------------------------
// Aggregation over contributions (core's `aggregate` and `summarizeCost`)

function aggregate(cs: Contribution[], type: string, distinctColumn: string | undefined): number | null {
  if (type === "count_distinct") {
    if (!distinctColumn) return 0;
    const set = new Set<unknown>();
    for (const c of cs) {
      const value = distinctValue(c, distinctColumn);
      if (value !== null && value !== undefined) set.add(value);
    }
    return set.size;
  }
  return aggregateStats(cs, type);
}

function summarizeCost(cs: Contribution[]): { estimatedCost: number | null; costUnit: string | null } {
  let cost = 0;
  let costCount = 0;
  const units = new Set<string>();
  for (const { stats } of cs) {
    cost += stats.cost;
    costCount += stats.costCount;
    for (const { unit, count } of stats.units) if (count > 0) units.add(unit);
  }
  return { estimatedCost: costCount > 0 ? cost : null, costUnit: units.size === 1 ? [...units][0] : null };
}

function namesOf(name: unknown): unknown {
  return typeof name === "string" ? [name] : name;
}

/** Names queried: the requested ones that the `name` filter (if any) allows. */
function effectiveNames(names: string[], filter: SignalFilter): string[] {
  const unique = [...new Set(names)];
  return filter.names ? unique.filter((n) => filter.names!.includes(n)) : unique;
}

const EXTREMES = new Set(["min", "max", "last"]);

/** One aggregate over the filtered events, optionally compared with an earlier period. */
export function getMetricAggregate(
  ctx: DomainContext,
  args: GetMetricAggregateArgs,
): Promise<GetMetricAggregateResponse> {
  return withErrorContext({ operation: "getMetricAggregate" }, async () => {
    const parsed = getMetricAggregateArgsSchema.parse({ ...args, name: namesOf(args?.name) });
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    const need = {
      dims: parsed.aggregation === "count_distinct" && parsed.distinctColumn ? [parsed.distinctColumn] : [],
      needsExtremes: EXTREMES.has(parsed.aggregation),
    };
    const run = async (f: SignalFilter) => {
      const cs = await collect(ctx, "getMetricAggregate", effectiveNames(parsed.name, f), f, need);
      return { value: aggregate(cs, parsed.aggregation, parsed.distinctColumn), ...summarizeCost(cs) };
    };
    const current = await run(filter);
    const ts = parsed.filters?.timestamp;
    if (parsed.comparePeriod && ts?.start && ts?.end) {
      const duration = ts.end.getTime() - ts.start.getTime();
      const shift = parsed.comparePeriod === "previous_period"
        ? duration
        : parsed.comparePeriod === "previous_day"
        ? 86_400_000
        : 604_800_000;
      const previous = await run({ ...filter, from: filter.from! - shift, to: filter.to! - shift });
      const change = (now: number | null, before: number | null) =>
        before !== null && before !== 0 && now !== null ? (now - before) / Math.abs(before) * 100 : null;
      return {
        value: current.value,
        estimatedCost: current.estimatedCost,
        costUnit: current.costUnit,
        previousValue: previous.value,
        previousEstimatedCost: previous.estimatedCost,
        changePercent: change(current.value, previous.value),
        costChangePercent: change(current.estimatedCost, previous.estimatedCost),
      };
    }
    return { value: current.value, estimatedCost: current.estimatedCost, costUnit: current.costUnit };
  });
}

/** Aggregates per group of `groupBy` values (columns, else labels), sorted by value, optionally the top `limit`. */
export function getMetricBreakdown(
  ctx: DomainContext,
  args: GetMetricBreakdownArgs,
): Promise<GetMetricBreakdownResponse> {
  return withErrorContext({ operation: "getMetricBreakdown" }, async () => {
    const parsed = getMetricBreakdownArgsSchema.parse({ ...args, name: namesOf(args?.name) });
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    const distinct = parsed.aggregation === "count_distinct" && parsed.distinctColumn ? [parsed.distinctColumn] : [];
    const cs = await collect(ctx, "getMetricBreakdown", effectiveNames(parsed.name, filter), filter, {
      dims: [...parsed.groupBy, ...distinct],
      needsExtremes: true, // groups tied on value come in first-seen order
    });
    const groups = new Map<string, Contribution[]>();
    for (const c of cs) {
      const dims: Record<string, unknown> = {};
      for (const col of parsed.groupBy) dims[col] = groupValue(c, col);
      const key = JSON.stringify(dims);
      const list = groups.get(key);
      if (list) list.push(c);
      else groups.set(key, [c]);
    }
    const rows = [...groups].map(([key, list]) => ({
      first: firstSeq(list),
      group: {
        dimensions: JSON.parse(key) as Record<string, string | null>,
        value: aggregate(list, parsed.aggregation, parsed.distinctColumn) ?? 0,
        ...summarizeCost(list),
      },
    }));
    const direction = parsed.orderDirection === "ASC" ? 1 : -1;
    rows.sort((a, b) => (a.group.value - b.group.value) * direction || a.first - b.first);
    const out = rows.map((row) => row.group);
    return { groups: typeof parsed.limit === "number" ? out.slice(0, parsed.limit) : out };
  });
}

/** Aggregates per UTC time bucket (non-empty buckets only), in one series or one per `groupBy` key. */
export function getMetricTimeSeries(
  ctx: DomainContext,
  args: GetMetricTimeSeriesArgs,
): Promise<GetMetricTimeSeriesResponse> {
  return withErrorContext({ operation: "getMetricTimeSeries" }, async () => {
    const parsed = getMetricTimeSeriesArgsSchema.parse({ ...args, name: namesOf(args?.name) });
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    const groupBy = parsed.groupBy ?? [];
    const distinct = parsed.aggregation === "count_distinct" && parsed.distinctColumn ? [parsed.distinctColumn] : [];
    const cs = await collect(ctx, "getMetricTimeSeries", effectiveNames(parsed.name, filter), filter, {
      dims: [...groupBy, ...distinct],
      interval: parsed.interval,
      needsExtremes: EXTREMES.has(parsed.aggregation) || groupBy.length > 0, // series in first-seen order
    });
    const intervalMs = INTERVAL_MS[parsed.interval];
    const points = (list: Contribution[]) =>
      bucketsOf(list, intervalMs).map(([ts, inBucket]) => ({
        timestamp: new Date(ts),
        value: aggregate(inBucket, parsed.aggregation, parsed.distinctColumn) ?? 0,
        estimatedCost: summarizeCost(inBucket).estimatedCost,
      }));
    if (groupBy.length > 0) {
      const series = new Map<string, { name: string; list: Contribution[] }>();
      for (const c of cs) {
        const values = groupBy.map((col) => String(groupValue(c, col) ?? ""));
        const key = JSON.stringify(values);
        let entry = series.get(key);
        if (!entry) series.set(key, entry = { name: values.join("|"), list: [] });
        entry.list.push(c);
      }
      return {
        series: [...series.values()]
          .sort((a, b) => firstSeq(a.list) - firstSeq(b.list))
          .map(({ name, list }) => ({ name, costUnit: summarizeCost(list).costUnit, points: points(list) })),
      };
    }
    const name = Array.isArray(args.name) ? args.name.join(",") : String(args.name);
    return { series: [{ name, costUnit: summarizeCost(cs).costUnit, points: points(cs) }] };
  });
}

/** Nearest-rank percentiles of one metric per UTC time bucket. */
export function getMetricPercentiles(
  ctx: DomainContext,
  args: GetMetricPercentilesArgs,
): Promise<GetMetricPercentilesResponse> {
  return withErrorContext({ operation: "getMetricPercentiles" }, async () => {
    const parsed = getMetricPercentilesArgsSchema.parse(args);
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    const cs = await collect(ctx, "getMetricPercentiles", effectiveNames([parsed.name], filter), filter, {
      dims: [],
      interval: parsed.interval,
      needsExtremes: false,
    });
    const buckets = sketchBuckets(cs, INTERVAL_MS[parsed.interval]);
    return {
      series: parsed.percentiles.map((p) => ({
        percentile: p,
        points: buckets.map(({ ts, sketch, count }) => ({
          timestamp: new Date(ts),
          value: sketchPercentile(sketch, count, p),
        })),
      })),
    };
  });
}
