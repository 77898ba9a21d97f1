/**
 * Observability feedback: create, batch create, list (pages by time, or
 * delta polls), review-status updates, delete by id, and the aggregate,
 * breakdown, time series and percentiles of numeric feedback values, with
 * core's in-memory semantics. Like scores, the analytics are served from
 * rollups, per feedback type (see `signalAnalytics.ts`).
 */
import type {
  BatchCreateFeedbackArgs,
  CreateFeedbackArgs,
  DeleteFeedbackArgs,
  FeedbackRecord,
  GetFeedbackAggregateArgs,
  GetFeedbackAggregateResponse,
  GetFeedbackBreakdownArgs,
  GetFeedbackBreakdownResponse,
  GetFeedbackPercentilesArgs,
  GetFeedbackPercentilesResponse,
  GetFeedbackTimeSeriesArgs,
  GetFeedbackTimeSeriesResponse,
  ListFeedbackArgs,
  ListFeedbackResponse,
  UpdateFeedbackReviewStatusArgs,
} from "../../coreTypes.ts";
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import {
  deleteFeedbackArgsSchema,
  getFeedbackAggregateArgsSchema,
  getFeedbackBreakdownArgsSchema,
  getFeedbackPercentilesArgsSchema,
  getFeedbackTimeSeriesArgsSchema,
  listFeedbackArgsSchema,
  updateFeedbackReviewStatusArgsSchema,
} from "@mastra/core/storage";
import { type SignalFilter, toSignalFilter } from "../../../convex/observability/signals/signals.ts";
import { decodeValue } from "../../kit/codec.ts";
import type { DomainContext } from "../../kit/context.ts";
import { InvalidInputError, storageErrorCode, withErrorContext } from "../../kit/errors.ts";
import { writeBatches } from "../../kit/multiStep.ts";
import { encodeSignals, signalDelta, signalPage, writeChunks } from "./signals.ts";
import { signalAggregate, signalBreakdown, signalPercentiles, signalTimeSeries } from "./signalAnalytics.ts";

const FEEDBACK_PER_CALL = 100;

type DateRange = { start?: Date; end?: Date };

/** Core's feedback filters on the wire (timestamps inclusive, as core compares them for feedback). */
function toFeedbackFilter(filters: Record<string, unknown> | undefined): SignalFilter {
  if (!filters) return { eq: [] };
  const { executionSource, source, feedbackSource, feedbackType, reviewStatus, feedbackUserId, timestamp, ...rest } =
    filters;
  const out = toSignalFilter(rest);
  if (executionSource !== undefined) out.eq.push({ field: "executionSource", value: executionSource as string });
  if (feedbackUserId !== undefined) out.eq.push({ field: "feedbackUserId", value: feedbackUserId as string });
  const sources = [feedbackSource, source].filter((s) => s !== undefined) as string[];
  if (sources.length > 0) out.feedbackSources = sources;
  if (feedbackType !== undefined) {
    out.feedbackTypes = Array.isArray(feedbackType) ? [...feedbackType] : [feedbackType as string];
  }
  if (reviewStatus !== undefined) out.reviewStatus = reviewStatus as string;
  const ts = timestamp as DateRange | undefined;
  if (ts?.start) out.from = ts.start.getTime();
  if (ts?.end) out.to = ts.end.getTime();
  return out;
}

function analyticsFilter(filters: unknown, type: string, source: string | undefined): SignalFilter | null {
  const filter = toFeedbackFilter(filters as Record<string, unknown> | undefined);
  if (filter.feedbackTypes && !filter.feedbackTypes.includes(type)) return null;
  filter.feedbackTypes = [type];
  if (source) filter.feedbackSources = [...(filter.feedbackSources ?? []), source];
  return filter;
}

function normalize(input: unknown): unknown {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return input;
  const fb = input as Record<string, unknown>;
  const metadata = fb.metadata as Record<string, unknown> | null | undefined;
  const source = fb.feedbackSource ?? fb.source ?? "";
  return {
    ...fb,
    feedbackSource: source,
    source,
    feedbackUserId: fb.feedbackUserId ?? fb.userId ??
      (typeof metadata?.userId === "string" ? metadata.userId : null),
    reviewStatus: fb.reviewStatus ?? "needs-review",
  };
}

async function writeFeedback(ctx: DomainContext, operation: string, feedback: unknown): Promise<void> {
  const count = Array.isArray(feedback) ? feedback.length : null;
  await withErrorContext({ operation, details: { count } }, async () => {
    const records = Array.isArray(feedback) ? feedback.map(normalize) : feedback;
    const encoded = encodeSignals(records, "feedbackId", operation);
    (records as Record<string, unknown>[]).forEach((record, i) => {
      if (typeof record.feedbackType !== "string") {
        throw new InvalidInputError(`records[${i}].feedbackType must be a string`);
      }
    });
    await writeBatches(
      { operation, details: { count } },
      [...writeChunks(encoded, FEEDBACK_PER_CALL)],
      (chunk) => chunk.length,
      { items: "feedback records", remedy: "creating the same feedback again is safe (it is upserted by id)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/signals/obsFeedback:createFeedback", { feedback: chunk }, {
          operation,
          details: { count },
          idempotent: true,
        });
      },
    );
  });
}

/** Creates (or replaces) one feedback record. */
export function createFeedback(ctx: DomainContext, args: CreateFeedbackArgs): Promise<void> {
  return writeFeedback(ctx, "createFeedback", [args?.feedback]);
}

/** Creates (or replaces) feedback records, in bounded calls. */
export function batchCreateFeedback(ctx: DomainContext, args: BatchCreateFeedbackArgs): Promise<void> {
  return writeFeedback(ctx, "batchCreateFeedback", args?.feedbacks);
}

/** Lists feedback: a page by timestamp (default newest first), or a delta poll window. */
export function listFeedback(ctx: DomainContext, args: ListFeedbackArgs): Promise<ListFeedbackResponse> {
  return withErrorContext({ operation: "listFeedback" }, async () => {
    const parsed = listFeedbackArgsSchema.parse(args ?? {});
    const filter = toFeedbackFilter(parsed.filters as Record<string, unknown> | undefined);
    if (parsed.mode === "delta") {
      const window = await signalDelta<FeedbackRecord>(
        ctx,
        "listFeedback",
        "obs_feedback",
        filter,
        parsed.after,
        parsed.limit,
      );
      return { feedback: window.rows, delta: window.delta, deltaCursor: window.deltaCursor };
    }
    const { page, perPage } = parsed.pagination;
    const result = await signalPage<FeedbackRecord>(
      ctx,
      "listFeedback",
      "obs_feedback",
      filter,
      page,
      perPage,
      parsed.orderBy.direction,
    );
    return { feedback: result.rows, pagination: result.pagination, deltaCursor: result.deltaCursor };
  });
}

/** Sets a feedback record's review status and returns the record. */
export async function updateFeedbackReviewStatus(
  ctx: DomainContext,
  args: UpdateFeedbackReviewStatusArgs,
): Promise<FeedbackRecord> {
  const { feedbackId, reviewStatus } = await withErrorContext(
    { operation: "updateFeedbackReviewStatus" },
    () => Promise.resolve(updateFeedbackReviewStatusArgsSchema.parse(args)),
  );
  try {
    const data = await ctx.transport.mutation<string>("observability/signals/obsFeedback:updateReviewStatus", {
      feedbackId,
      reviewStatus,
    }, { operation: "updateFeedbackReviewStatus", details: { feedbackId } });
    return decodeValue(data) as FeedbackRecord;
  } catch (error) {
    const notFound = storageErrorCode(error) === "NOT_FOUND" ||
      storageErrorCode((error as { cause?: unknown })?.cause) === "NOT_FOUND" ||
      (error instanceof MastraError && String(error.id).endsWith("_NOT_FOUND"));
    if (notFound) {
      throw new MastraError({
        id: "OBSERVABILITY_UPDATE_FEEDBACK_REVIEW_STATUS_NOT_FOUND",
        domain: ErrorDomain.MASTRA_OBSERVABILITY,
        category: ErrorCategory.USER,
        text: "Feedback record not found",
        details: { feedbackId },
      });
    }
    throw error;
  }
}

/** Deletes feedback by id (idempotent), only that within the optional tenant scope. */
export function deleteFeedback(ctx: DomainContext, args: DeleteFeedbackArgs): Promise<void> {
  return withErrorContext({ operation: "deleteFeedback" }, async () => {
    const { feedbackIds, organizationId, resourceId } = deleteFeedbackArgsSchema.parse(args);
    if (feedbackIds.length === 0) return;
    await ctx.transport.mutation("observability/signals/obsFeedback:deleteFeedback", {
      feedbackIds,
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(resourceId !== undefined ? { resourceId } : {}),
    }, { operation: "deleteFeedback", details: { count: feedbackIds.length }, idempotent: true });
  });
}

function query(
  operation: string,
  args: { feedbackType: string; feedbackSource?: string; filters?: unknown; aggregation: string },
) {
  return {
    kind: "feedback" as const,
    operation,
    name: args.feedbackType,
    filter: analyticsFilter(args.filters, args.feedbackType, args.feedbackSource),
    aggregation: args.aggregation,
  };
}

/** One aggregate of numeric feedback of a type, optionally compared with an earlier period. */
export function getFeedbackAggregate(
  ctx: DomainContext,
  args: GetFeedbackAggregateArgs,
): Promise<GetFeedbackAggregateResponse> {
  return withErrorContext({ operation: "getFeedbackAggregate" }, () => {
    const parsed = getFeedbackAggregateArgsSchema.parse(args);
    const ts = parsed.filters?.timestamp;
    return signalAggregate(ctx, query("getFeedbackAggregate", parsed), {
      period: ts ? parsed.comparePeriod : undefined,
      start: ts?.start,
      end: ts?.end,
    });
  });
}

/** Aggregates of numeric feedback of a type per group of columns, highest first. */
export function getFeedbackBreakdown(
  ctx: DomainContext,
  args: GetFeedbackBreakdownArgs,
): Promise<GetFeedbackBreakdownResponse> {
  return withErrorContext({ operation: "getFeedbackBreakdown" }, () => {
    const parsed = getFeedbackBreakdownArgsSchema.parse(args);
    return signalBreakdown(ctx, query("getFeedbackBreakdown", parsed), parsed.groupBy);
  });
}

/** Aggregates of numeric feedback of a type per UTC time bucket, in one series or one per `groupBy` key. */
export function getFeedbackTimeSeries(
  ctx: DomainContext,
  args: GetFeedbackTimeSeriesArgs,
): Promise<GetFeedbackTimeSeriesResponse> {
  return withErrorContext({ operation: "getFeedbackTimeSeries" }, () => {
    const parsed = getFeedbackTimeSeriesArgsSchema.parse(args);
    const name = parsed.feedbackSource ? `${parsed.feedbackType}|${parsed.feedbackSource}` : parsed.feedbackType;
    return signalTimeSeries(ctx, query("getFeedbackTimeSeries", parsed), parsed.interval, parsed.groupBy ?? [], name);
  });
}

/** Interpolated percentiles of numeric feedback of a type per UTC time bucket. */
export function getFeedbackPercentiles(
  ctx: DomainContext,
  args: GetFeedbackPercentilesArgs,
): Promise<GetFeedbackPercentilesResponse> {
  return withErrorContext({ operation: "getFeedbackPercentiles" }, () => {
    const parsed = getFeedbackPercentilesArgsSchema.parse(args);
    return signalPercentiles(
      ctx,
      query("getFeedbackPercentiles", { ...parsed, aggregation: "avg" }),
      parsed.interval,
      parsed.percentiles,
    );
  });
}
