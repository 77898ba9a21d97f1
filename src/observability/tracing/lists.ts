/**
 * Listing operations of the observability domain: traces (one row per
 * trace, its root span), branch-anchor spans, delta polling over both, and
 * batched trace deletion.
 */
import type { ListBranchesArgs, ListBranchesResponse, ListTracesArgs, ListTracesResponse } from "../../coreTypes.ts";
import {
  batchDeleteTracesArgsSchema,
  listBranchesArgsSchema,
  listTracesArgsSchema,
  type SpanRecord,
  toTraceSpans,
} from "@mastra/core/storage";
import type { WalkState } from "../../../convex/kit/walk.ts";
import {
  BRANCH_SPAN_TYPES,
  type SpanFilter,
  type TraceListRow,
} from "../../../convex/observability/tracing/validators.ts";
import type { ListResult } from "../../../convex/kit/rows.ts";
import { isLostAnswer, type PartialWrite, withErrorContext } from "../../kit/errors.ts";
import { multiStepWrite } from "../../kit/multiStep.ts";
import type { DomainContext } from "../../kit/context.ts";
import { runWalk } from "../../kit/walk.ts";
import { encodePosition, startPosition } from "../../../convex/observability/streams/deltaCursor.ts";
import { type DeltaEndpoints, deltaWindow } from "../streams/deltaPolls.ts";
import { chunkBySize, decodeSpan, type ParsedFilters, toWireFilter } from "./rows.ts";

/** Root spans fetched per call when a page's roots were too big to inline, and their byte budget. */
const ROOTS_PER_CALL = 100;
const ROOT_BYTES_PER_CALL = 8 * 1024 * 1024;
/** Trace ids per `deleteTraces` call. */
const DELETE_IDS_PER_CALL = 100;

/** Mutations deleting the signals linked to deleted traces (logs, metrics), each in bounded steps. */
const LINKED_DELETES = [
  "observability/signals/logs:deleteLogsOfTraces",
  "observability/signals/metrics:deleteMetricsOfTraces",
  "observability/signals/obsScores:deleteScoresOfTraces",
  "observability/signals/obsFeedback:deleteFeedbackOfTraces",
] as const;

/** Resolves the root spans of a trace page, fetching those the server did not inline. */
async function resolveRoots(ctx: DomainContext, operation: string, rows: TraceListRow[]): Promise<SpanRecord[]> {
  const missing = rows.filter((row) => row.root === undefined);
  const fetched = new Map<string, string | null>();
  for (const chunk of chunkBySize(missing, (row) => row.rootSize, ROOTS_PER_CALL, ROOT_BYTES_PER_CALL)) {
    const found = await ctx.transport.query<(string | null)[]>("observability/tracing/traces:getRootSpans", {
      keys: chunk.map((row) => ({ traceId: row.traceId, spanId: row.rootSpanId })),
    }, { operation, details: { count: chunk.length } });
    chunk.forEach((row, i) => fetched.set(row.traceId, found[i]));
  }
  const spans: SpanRecord[] = [];
  for (const row of rows) {
    const data = row.root ?? fetched.get(row.traceId) ?? null;
    if (data !== null) spans.push(decodeSpan(data)); // null: deleted meanwhile
  }
  return spans;
}

/** The delta functions of the tracing streams, for one filter. */
function tracingEndpoints(stream: "trace" | "branch", filter: SpanFilter): DeltaEndpoints {
  const path = `observability/tracing/traces:${stream}Delta` as const;
  return { after: path, newest: `${path}Newest`, args: { filter } };
}

/**
 * Lists traces (their root spans with a computed `status`) with core's
 * filters, ordering and pagination, or polls for new traces in delta mode.
 */
export function listTraces(ctx: DomainContext, args: ListTracesArgs): Promise<ListTracesResponse> {
  return withErrorContext({ operation: "listTraces" }, async () => {
    const parsed = listTracesArgsSchema.parse(args ?? {});
    const filter = toWireFilter(parsed.filters as ParsedFilters | undefined, "trace");
    if (parsed.mode === "delta") {
      const window = await deltaWindow<TraceListRow>(
        ctx,
        "listTraces",
        tracingEndpoints("trace", filter),
        parsed.after,
        parsed.limit,
      );
      const spans = await resolveRoots(ctx, "listTraces", window.rows);
      return { spans: toTraceSpans(spans), delta: window.delta, deltaCursor: window.deltaCursor };
    }
    const { page, perPage } = parsed.pagination;
    const offset = page * perPage;
    let head: number[] | undefined;
    const { rows, total } = await runWalk(async (state: WalkState | undefined) => {
      const step = await ctx.transport.query<ListResult<TraceListRow> & { head?: number[] }>(
        "observability/tracing/traces:listTraces",
        {
          filter,
          sort: parsed.orderBy.field,
          order: parsed.orderBy.direction === "ASC" ? "asc" : "desc",
          offset,
          limit: perPage,
          ...(state !== undefined ? { state } : {}),
        },
        { operation: "listTraces", details: { page, perPage } },
      );
      head ??= step.head;
      return step;
    });
    const spans = await resolveRoots(ctx, "listTraces", rows);
    const count = total ?? 0;
    return {
      spans: toTraceSpans(spans),
      pagination: { total: count, page, perPage, hasMore: offset + perPage < count },
      // The delta streams' head when the page was read: the next poll answers the traces listed after it.
      // (Core's in-memory store answers the newest *matching* trace's number, so that traces listed
      // later that did not match yet may still come; finding it costs a search, which a page no longer pays.)
      deltaCursor: encodePosition(head ?? startPosition()),
    };
  });
}

/**
 * Lists branch-anchor spans across all traces (each with its own computed
 * `status`) with core's filters, ordering and pagination, or polls for new
 * ones in delta mode.
 */
export function listBranches(ctx: DomainContext, args: ListBranchesArgs): Promise<ListBranchesResponse> {
  return withErrorContext({ operation: "listBranches" }, async () => {
    const parsed = listBranchesArgsSchema.parse(args ?? {});
    const filters = parsed.filters as ParsedFilters | undefined;
    const filter = toWireFilter(filters, "branch");
    const spanType = filters?.spanType as string | undefined;
    if (spanType !== undefined) filter.eq.push({ field: "spanType", value: spanType });
    if (parsed.mode === "delta") {
      const window = await deltaWindow<string>(
        ctx,
        "listBranches",
        tracingEndpoints("branch", filter),
        parsed.after,
        parsed.limit,
      );
      return {
        branches: toTraceSpans(window.rows.map(decodeSpan)),
        delta: window.delta,
        deltaCursor: window.deltaCursor,
      };
    }
    const { page, perPage } = parsed.pagination;
    const offset = page * perPage;
    let rows: string[] = [];
    let total: number | null = 0;
    let head: number[] | undefined;
    if (spanType === undefined || BRANCH_SPAN_TYPES.includes(spanType)) {
      ({ rows, total } = await runWalk(async (state: WalkState | undefined) => {
        const step = await ctx.transport.query<ListResult<string> & { head?: number[] }>(
          "observability/tracing/traces:listBranches",
          {
            filter,
            sort: parsed.orderBy.field,
            order: parsed.orderBy.direction === "ASC" ? "asc" : "desc",
            offset,
            limit: perPage,
            ...(state !== undefined ? { state } : {}),
          },
          { operation: "listBranches", details: { page, perPage } },
        );
        head ??= step.head;
        return step;
      }));
    } else {
      head = await ctx.transport.query<number[]>("observability/tracing/traces:deltaHead", {}, {
        operation: "listBranches",
      });
    }
    const count = total ?? 0;
    return {
      branches: toTraceSpans(rows.map(decodeSpan)),
      pagination: { total: count, page, perPage, hasMore: offset + perPage < count },
      deltaCursor: encodePosition(head ?? startPosition()),
    };
  });
}

/**
 * Deletes traces with all their spans (optionally only those of one
 * organization and/or resource), in bounded calls.
 */
export function batchDeleteTraces(
  ctx: DomainContext,
  args: { traceIds: string[]; organizationId?: string; resourceId?: string },
): Promise<void> {
  const details = { count: Array.isArray(args?.traceIds) ? args.traceIds.length : 0 };
  return withErrorContext({ operation: "batchDeleteTraces", details }, async () => {
    const { traceIds, organizationId, resourceId } = batchDeleteTracesArgsSchema.parse(args);
    const scope = {
      ...(organizationId !== undefined ? { organizationId } : {}),
      ...(resourceId !== undefined ? { resourceId } : {}),
    };
    let sent = false;
    const describe = (error: unknown): PartialWrite | undefined =>
      sent || isLostAnswer(error)
        ? {
          state: "some of these traces (and their linked scores, feedback, logs and metrics) may be deleted and the " +
            "rest not",
          remedy: "calling batchDeleteTraces again with the same ids finishes",
        }
        : undefined;
    await multiStepWrite({ operation: "batchDeleteTraces", details }, describe, async () => {
      for (let i = 0; i < traceIds.length; i += DELETE_IDS_PER_CALL) {
        let remaining = traceIds.slice(i, i + DELETE_IDS_PER_CALL);
        while (remaining.length > 0) {
          ({ remaining } = await ctx.transport.mutation<{ remaining: string[] }>(
            "observability/tracing/traces:deleteTraces",
            {
              traceIds: remaining,
              ...scope,
            },
            { operation: "batchDeleteTraces", details, idempotent: true },
          ));
          sent = true;
        }
        for (const path of LINKED_DELETES) {
          remaining = traceIds.slice(i, i + DELETE_IDS_PER_CALL);
          while (remaining.length > 0) {
            ({ remaining } = await ctx.transport.mutation<{ remaining: string[] }>(path, {
              traceIds: remaining,
              ...scope,
            }, { operation: "batchDeleteTraces", details, idempotent: true }));
          }
        }
      }
    });
  });
}
