/**
 * Observability scores (score events attached to traces and spans):
 * create, batch create, list (pages ordered by time or score, or delta
 * polls), get by id, delete by id, and the aggregate, breakdown, time
 * series and percentiles Studio's scores page shows, with core's
 * in-memory semantics.
 *
 * The analytics walk the matching score events (through the scorer's
 * index and the timestamp range) in bounded, resumable calls: exact, and
 * O(scores of that scorer in range); scores have no rollups yet.
 */
import {
  type BatchCreateScoresArgs,
  type CreateScoreArgs,
  type DeleteScoresArgs,
  deleteScoresArgsSchema,
  type GetScoreAggregateArgs,
  getScoreAggregateArgsSchema,
  type GetScoreAggregateResponse,
  type GetScoreBreakdownArgs,
  getScoreBreakdownArgsSchema,
  type GetScoreBreakdownResponse,
  type GetScorePercentilesArgs,
  getScorePercentilesArgsSchema,
  type GetScorePercentilesResponse,
  type GetScoreTimeSeriesArgs,
  getScoreTimeSeriesArgsSchema,
  type GetScoreTimeSeriesResponse,
  type ListScoresArgs,
  listScoresArgsSchema,
  type ListScoresResponse,
  type ScoreRecord,
} from "@mastra/core/storage";
import { type SignalFilter, toSignalFilter } from "../../convex/observability/signals.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { requireId } from "../kit/validate.ts";
import { encodeSignals, signalDelta, signalPage, walkSignals, writeChunks } from "./signals.ts";

const SCORES_PER_CALL = 100;
const INTERVAL_MS: Record<string, number> = {
  "1m": 60_000,
  "5m": 300_000,
  "15m": 900_000,
  "1h": 3_600_000,
  "1d": 86_400_000,
};

type DateRange = { start?: Date; end?: Date };

/** Core's score filters on the wire: timestamps inclusive (core ignores the exclusive flags for scores). */
function toScoreFilter(filters: Record<string, unknown> | undefined): SignalFilter {
  if (!filters) return { eq: [] };
  const { executionSource, source, scoreSource, scorerId, metadata, timestamp, ...rest } = filters;
  const out = toSignalFilter(rest);
  if (executionSource !== undefined) out.eq.push({ field: "executionSource", value: executionSource as string });
  const sources = [scoreSource, source].filter((s) => s !== undefined) as string[];
  if (sources.length > 0) out.scoreSources = sources;
  if (scorerId !== undefined) out.scorerIds = Array.isArray(scorerId) ? [...scorerId] : [scorerId as string];
  if (metadata != null && Object.keys(metadata as object).length > 0) out.metadata = encodeValue(metadata);
  const ts = timestamp as DateRange | undefined;
  if (ts?.start) out.from = ts.start.getTime();
  if (ts?.end) out.to = ts.end.getTime();
  return out;
}

/** The filter of an analytics call: its filters, its scorer and (when given) its score source. */
function analyticsFilter(filters: unknown, scorerId: string, scoreSource: string | undefined): SignalFilter | null {
  const filter = toScoreFilter(filters as Record<string, unknown> | undefined);
  if (filter.scorerIds && !filter.scorerIds.includes(scorerId)) return null;
  filter.scorerIds = [scorerId];
  if (scoreSource) filter.scoreSources = [...(filter.scoreSources ?? []), scoreSource];
  return filter;
}

function normalizeScore(score: unknown): Record<string, unknown> {
  if (typeof score !== "object" || score === null || Array.isArray(score)) return score as Record<string, unknown>;
  const record = score as Record<string, unknown>;
  const scoreSource = record.scoreSource ?? record.source ?? null;
  return { ...record, scoreSource, source: scoreSource };
}

async function writeScores(ctx: DomainContext, operation: string, scores: unknown): Promise<void> {
  const count = Array.isArray(scores) ? scores.length : null;
  await withErrorContext({ operation, details: { count } }, async () => {
    const records = Array.isArray(scores) ? scores.map(normalizeScore) : scores;
    const encoded = encodeSignals(records, "scoreId", operation);
    (records as Record<string, unknown>[]).forEach((record, i) => {
      if (typeof record.scorerId !== "string") throw new InvalidInputError(`records[${i}].scorerId must be a string`);
      if (typeof record.score !== "number" || !Number.isFinite(record.score)) {
        throw new InvalidInputError(`records[${i}].score must be a finite number, got ${String(record.score)}`);
      }
    });
    for (const chunk of writeChunks(encoded, SCORES_PER_CALL)) {
      await ctx.transport.mutation("observability/obsScores:createScores", { scores: chunk }, {
        operation,
        details: { count },
        idempotent: true,
      });
    }
  });
}

/** Creates (or replaces) one score. */
export function createScore(ctx: DomainContext, args: CreateScoreArgs): Promise<void> {
  return writeScores(ctx, "createScore", [args?.score]);
}

/** Creates (or replaces) scores, in bounded calls. */
export function batchCreateScores(ctx: DomainContext, args: BatchCreateScoresArgs): Promise<void> {
  return writeScores(ctx, "batchCreateScores", args?.scores);
}

/** Lists scores: a page ordered by timestamp or score (default newest first), or a delta poll window. */
export function listScores(ctx: DomainContext, args: ListScoresArgs): Promise<ListScoresResponse> {
  return withErrorContext({ operation: "listScores" }, async () => {
    const parsed = listScoresArgsSchema.parse(args ?? {});
    const filter = toScoreFilter(parsed.filters as Record<string, unknown> | undefined);
    if (parsed.mode === "delta") {
      const window = await signalDelta<ScoreRecord>(
        ctx,
        "listScores",
        "obs_scores",
        filter,
        parsed.after,
        parsed.limit,
      );
      return { scores: window.rows, delta: window.delta, deltaCursor: window.deltaCursor };
    }
    const { page, perPage } = parsed.pagination;
    const result = await signalPage<ScoreRecord>(
      ctx,
      "listScores",
      "obs_scores",
      filter,
      page,
      perPage,
      parsed.orderBy.direction,
      parsed.orderBy.field === "score" ? "score" : "timestamp",
    );
    return { scores: result.rows, pagination: result.pagination, deltaCursor: result.deltaCursor };
  });
}

/** Reads one score by id. */
export function getScoreById(ctx: DomainContext, scoreId: string): Promise<ScoreRecord | null> {
  return withErrorContext({ operation: "getScoreById", details: { scoreId: String(scoreId) } }, async () => {
    requireId(scoreId, "scoreId");
    const data = await ctx.transport.query<string | null>("observability/obsScores:getScore", { scoreId }, {
      operation: "getScoreById",
    });
    return data === null ? null : decodeValue(data) as ScoreRecord;
  });
}

/** Deletes scores by id (idempotent), only those within the optional tenant scope. */
export function deleteScores(ctx: DomainContext, args: DeleteScoresArgs): Promise<void> {
  return withErrorContext({ operation: "deleteScores" }, async () => {
    const { scoreIds, organizationId, resourceId } = deleteScoresArgsSchema.parse(args);
    if (scoreIds.length === 0) return;
    await ctx.transport.mutation("observability/obsScores:deleteScores", {
      scoreIds,
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(resourceId !== undefined ? { resourceId } : {}),
    }, { operation: "deleteScores", details: { count: scoreIds.length }, idempotent: true });
  });
}

/** Core's `aggregate` over values with their timestamps (`last`: latest timestamp, later write on ties). */
export function aggregateValues(values: number[], type: string, timestamps: number[]): number | null {
  if (type === "count_distinct") return 0;
  if (values.length === 0) return null;
  switch (type) {
    case "avg":
      return values.reduce((a, b) => a + b, 0) / values.length;
    case "min":
      return Math.min(...values);
    case "max":
      return Math.max(...values);
    case "count":
      return values.length;
    case "last": {
      let latest = 0;
      for (let i = 1; i < timestamps.length; i++) if (timestamps[i] >= timestamps[latest]) latest = i;
      return values[latest];
    }
    default:
      return values.reduce((a, b) => a + b, 0);
  }
}

/** Core's interpolated percentile of sorted values. */
export function interpolate(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const position = p * (sorted.length - 1);
  const lower = Math.floor(position);
  const upper = Math.ceil(position);
  if (lower === upper) return sorted[lower];
  return sorted[lower] + (sorted[upper] - sorted[lower]) * (position - lower);
}

/** A decoded signal record. */
export type Row = Record<string, unknown>;

async function matching(ctx: DomainContext, operation: string, filter: SignalFilter | null): Promise<Row[]> {
  if (filter === null) return [];
  return (await walkSignals(ctx, operation, "obs_scores", filter)).map((row) => row.record);
}

const valuesOf = (rows: Row[]) => rows.map((r) => r.score as number);
const timesOf = (rows: Row[]) => rows.map((r) => (r.timestamp as Date).getTime());

/** Rows per UTC bucket of `interval`, oldest first. */
export function bucketsOf(rows: Row[], interval: string): [number, Row[]][] {
  const size = INTERVAL_MS[interval] ?? 3_600_000;
  const map = new Map<number, Row[]>();
  for (const row of rows) {
    const bucket = Math.floor((row.timestamp as Date).getTime() / size) * size;
    const list = map.get(bucket);
    if (list) list.push(row);
    else map.set(bucket, [row]);
  }
  return [...map].sort(([a], [b]) => a - b);
}

/** One aggregate of a scorer's scores, optionally compared with an earlier period. */
export function getScoreAggregate(ctx: DomainContext, args: GetScoreAggregateArgs): Promise<GetScoreAggregateResponse> {
  return withErrorContext({ operation: "getScoreAggregate" }, async () => {
    const parsed = getScoreAggregateArgsSchema.parse(args);
    const filter = analyticsFilter(parsed.filters, parsed.scorerId, parsed.scoreSource);
    const rows = await matching(ctx, "getScoreAggregate", filter);
    const value = aggregateValues(valuesOf(rows), parsed.aggregation, timesOf(rows));
    const ts = parsed.filters?.timestamp;
    if (parsed.comparePeriod && ts?.start && ts?.end && filter) {
      const duration = ts.end.getTime() - ts.start.getTime();
      const shift = parsed.comparePeriod === "previous_period"
        ? duration
        : parsed.comparePeriod === "previous_day"
        ? 86_400_000
        : 604_800_000;
      const before = await matching(ctx, "getScoreAggregate", {
        ...filter,
        from: ts.start.getTime() - shift,
        to: ts.end.getTime() - shift,
      });
      const previousValue = aggregateValues(valuesOf(before), parsed.aggregation, timesOf(before));
      const changePercent = previousValue !== null && previousValue !== 0 && value !== null
        ? (value - previousValue) / Math.abs(previousValue) * 100
        : null;
      return { value, previousValue, changePercent };
    }
    if (parsed.comparePeriod && ts?.start && ts?.end) return { value, previousValue: null, changePercent: null };
    return { value };
  });
}

/** Aggregates of a scorer's scores per group of columns, highest first. */
export function getScoreBreakdown(ctx: DomainContext, args: GetScoreBreakdownArgs): Promise<GetScoreBreakdownResponse> {
  return withErrorContext({ operation: "getScoreBreakdown" }, async () => {
    const parsed = getScoreBreakdownArgsSchema.parse(args);
    const rows = await matching(
      ctx,
      "getScoreBreakdown",
      analyticsFilter(parsed.filters, parsed.scorerId, parsed.scoreSource),
    );
    const groups = new Map<string, Row[]>();
    for (const row of rows) {
      const dims: Record<string, string | null> = {};
      for (const col of parsed.groupBy) {
        dims[col] = row[col] === null || row[col] === undefined ? null : String(row[col]);
      }
      const key = JSON.stringify(dims);
      const list = groups.get(key);
      if (list) list.push(row);
      else groups.set(key, [row]);
    }
    const out = [...groups].map(([key, list]) => ({
      dimensions: JSON.parse(key) as Record<string, string | null>,
      value: aggregateValues(valuesOf(list), parsed.aggregation, timesOf(list)) ?? 0,
    }));
    out.sort((a, b) => b.value - a.value);
    return { groups: out };
  });
}

/** Aggregates of a scorer's scores per UTC time bucket, in one series or one per `groupBy` key. */
export function getScoreTimeSeries(
  ctx: DomainContext,
  args: GetScoreTimeSeriesArgs,
): Promise<GetScoreTimeSeriesResponse> {
  return withErrorContext({ operation: "getScoreTimeSeries" }, async () => {
    const parsed = getScoreTimeSeriesArgsSchema.parse(args);
    const rows = await matching(
      ctx,
      "getScoreTimeSeries",
      analyticsFilter(parsed.filters, parsed.scorerId, parsed.scoreSource),
    );
    const points = (list: Row[]) =>
      bucketsOf(list, parsed.interval).map(([ts, inBucket]) => ({
        timestamp: new Date(ts),
        value: aggregateValues(valuesOf(inBucket), parsed.aggregation, timesOf(inBucket)) ?? 0,
      }));
    if (parsed.groupBy && parsed.groupBy.length > 0) {
      const series = new Map<string, { name: string; list: Row[] }>();
      for (const row of rows) {
        const values = parsed.groupBy.map((col) => row[col] ?? "");
        const key = JSON.stringify(values);
        let entry = series.get(key);
        if (!entry) {
          series.set(
            key,
            entry = { name: values.map((v) => v === null || v === undefined ? "" : String(v)).join("|"), list: [] },
          );
        }
        entry.list.push(row);
      }
      return { series: [...series.values()].map(({ name, list }) => ({ name, points: points(list) })) };
    }
    const name = parsed.scoreSource ? `${parsed.scorerId}|${parsed.scoreSource}` : parsed.scorerId;
    return { series: [{ name, points: points(rows) }] };
  });
}

/** Interpolated percentiles of a scorer's scores per UTC time bucket. */
export function getScorePercentiles(
  ctx: DomainContext,
  args: GetScorePercentilesArgs,
): Promise<GetScorePercentilesResponse> {
  return withErrorContext({ operation: "getScorePercentiles" }, async () => {
    const parsed = getScorePercentilesArgsSchema.parse(args);
    const rows = await matching(
      ctx,
      "getScorePercentiles",
      analyticsFilter(parsed.filters, parsed.scorerId, parsed.scoreSource),
    );
    const buckets = bucketsOf(rows, parsed.interval).map(([ts, list]) => ({
      ts,
      sorted: valuesOf(list).sort((a, b) => a - b),
    }));
    return {
      series: parsed.percentiles.map((p) => ({
        percentile: p,
        points: buckets.map(({ ts, sorted }) => ({ timestamp: new Date(ts), value: interpolate(sorted, p) })),
      })),
    };
  });
}
