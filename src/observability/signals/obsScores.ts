/**
 * Observability scores (score events attached to traces and spans):
 * create, batch create, list (pages ordered by time or score, or delta
 * polls), get by id, delete by id, and the aggregate, breakdown, time
 * series and percentiles Studio's scores page shows, with core's
 * in-memory semantics.
 *
 * The analytics are served from the score rollups, per scorer (see
 * `signalAnalytics.ts` for which queries the rollups answer and their cost).
 */
import type {
  BatchCreateScoresArgs,
  CreateScoreArgs,
  DeleteScoresArgs,
  GetScoreAggregateArgs,
  GetScoreAggregateResponse,
  GetScoreBreakdownArgs,
  GetScoreBreakdownResponse,
  GetScorePercentilesArgs,
  GetScorePercentilesResponse,
  GetScoreTimeSeriesArgs,
  GetScoreTimeSeriesResponse,
  ListScoresArgs,
  ObservabilityListScoresResponse as ListScoresResponse,
  ScoreRecord,
} from "../../coreTypes.ts";
import {
  deleteScoresArgsSchema,
  getScoreAggregateArgsSchema,
  getScoreBreakdownArgsSchema,
  getScorePercentilesArgsSchema,
  getScoreTimeSeriesArgsSchema,
  listScoresArgsSchema,
} from "@mastra/core/storage";
import { type SignalFilter, toSignalFilter } from "../../../convex/observability/signals/signals.ts";
import { decodeValue, encodeValue } from "../../kit/codec.ts";
import type { DomainContext } from "../../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../../kit/errors.ts";
import { writeBatches } from "../../kit/multiStep.ts";
import { requireId } from "../../kit/validate.ts";
import { signalAggregate, signalBreakdown, signalPercentiles, signalTimeSeries } from "./signalAnalytics.ts";
import { encodeSignals, signalDelta, signalPage, writeChunks } from "./signals.ts";

const SCORES_PER_CALL = 100;

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
    await writeBatches(
      { operation, details: { count } },
      [...writeChunks(encoded, SCORES_PER_CALL)],
      (chunk) => chunk.length,
      { items: "scores", remedy: "creating the same scores again is safe (they are upserted by id)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/signals/obsScores:createScores", { scores: chunk }, {
          operation,
          details: { count },
          idempotent: true,
        });
      },
    );
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
    const data = await ctx.transport.query<string | null>("observability/signals/obsScores:getScore", { scoreId }, {
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
    await ctx.transport.mutation("observability/signals/obsScores:deleteScores", {
      scoreIds,
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(resourceId !== undefined ? { resourceId } : {}),
    }, { operation: "deleteScores", details: { count: scoreIds.length }, idempotent: true });
  });
}

function query(
  operation: string,
  args: { scorerId: string; scoreSource?: string; filters?: unknown; aggregation: string },
) {
  return {
    kind: "score" as const,
    operation,
    name: args.scorerId,
    filter: analyticsFilter(args.filters, args.scorerId, args.scoreSource),
    aggregation: args.aggregation,
  };
}

/** One aggregate of a scorer's scores, optionally compared with an earlier period. */
export function getScoreAggregate(ctx: DomainContext, args: GetScoreAggregateArgs): Promise<GetScoreAggregateResponse> {
  return withErrorContext({ operation: "getScoreAggregate" }, () => {
    const parsed = getScoreAggregateArgsSchema.parse(args);
    const ts = parsed.filters?.timestamp;
    return signalAggregate(ctx, query("getScoreAggregate", parsed), {
      period: ts ? parsed.comparePeriod : undefined,
      start: ts?.start,
      end: ts?.end,
    });
  });
}

/** Aggregates of a scorer's scores per group of columns, highest first. */
export function getScoreBreakdown(ctx: DomainContext, args: GetScoreBreakdownArgs): Promise<GetScoreBreakdownResponse> {
  return withErrorContext({ operation: "getScoreBreakdown" }, () => {
    const parsed = getScoreBreakdownArgsSchema.parse(args);
    return signalBreakdown(ctx, query("getScoreBreakdown", parsed), parsed.groupBy);
  });
}

/** Aggregates of a scorer's scores per UTC time bucket, in one series or one per `groupBy` key. */
export function getScoreTimeSeries(
  ctx: DomainContext,
  args: GetScoreTimeSeriesArgs,
): Promise<GetScoreTimeSeriesResponse> {
  return withErrorContext({ operation: "getScoreTimeSeries" }, () => {
    const parsed = getScoreTimeSeriesArgsSchema.parse(args);
    const name = parsed.scoreSource ? `${parsed.scorerId}|${parsed.scoreSource}` : parsed.scorerId;
    return signalTimeSeries(ctx, query("getScoreTimeSeries", parsed), parsed.interval, parsed.groupBy ?? [], name);
  });
}

/** Interpolated percentiles of a scorer's scores per UTC time bucket. */
export function getScorePercentiles(
  ctx: DomainContext,
  args: GetScorePercentilesArgs,
): Promise<GetScorePercentilesResponse> {
  return withErrorContext({ operation: "getScorePercentiles" }, () => {
    const parsed = getScorePercentilesArgsSchema.parse(args);
    return signalPercentiles(
      ctx,
      query("getScorePercentiles", { ...parsed, aggregation: "avg" }),
      parsed.interval,
      parsed.percentiles,
    );
  });
}
