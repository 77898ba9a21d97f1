/**
 * Mastra's observability domain on Convex: spans and traces (tracing).
 * Each operation lives in `spans.ts` or `lists.ts`; this class wires them
 * to Mastra's `ObservabilityStorage` contract.
 *
 * Metrics, logs, observability scores, feedback, filter discovery and the
 * advanced trace-query APIs are not stored by this adapter: those methods
 * keep the base class's "not supported" behaviour, and `getFeatures()`
 * does not announce them.
 */
import type {
  GetTraceQueryValuesResponse,
  QueryThreadsResult,
  TraceQueryObservedFieldsResult,
  TraceQueryResponse,
  TrustedThreadQueryPlan,
  TrustedTraceQueryObservedFieldsPlan,
  TrustedTraceQueryPlan,
  TrustedTraceQueryValuesPlan,
} from "@mastra/core/storage";
import {
  type BatchCreateSpansArgs,
  type BatchDeleteTracesArgs,
  type BatchUpdateSpansArgs,
  type CreateSpanArgs,
  type GetRootSpanArgs,
  type GetRootSpanResponse,
  type GetSpanArgs,
  type GetSpanResponse,
  type GetSpansArgs,
  type GetSpansResponse,
  type GetStructureResponse,
  type GetTraceArgs,
  type GetTraceLightResponse,
  type GetTraceResponse,
  type ListBranchesArgs,
  type ListBranchesResponse,
  type ListTracesArgs,
  type ListTracesResponse,
  ObservabilityStorage,
  type ObservabilityStorageFeature,
  type ObservabilityStorageStrategy,
  type UpdateSpanArgs,
} from "@mastra/core/storage";
import { observabilityCounters } from "../../convex/observability/counterNames.ts";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { batchDeleteTraces, listBranches, listTraces } from "./lists.ts";
import {
  getTraceQueryObservedFields,
  getTraceQueryValues,
  queryThreads,
  queryTraces,
  TRACE_QUERY_FEATURES,
} from "./traceQuery.ts";
import {
  createSpans,
  getRootSpan,
  getSpan,
  getSpans,
  getTrace,
  getTraceStructure,
  type SpanUpdate,
  updateSpans,
} from "./spans.ts";

/** Prefix shared by the observability counters (see `counterNames`). */
const COUNTER_PREFIX = observabilityCounters.branchSpans().split(":")[0] + ":";

/** Spans and traces stored in Convex. */
export class ConvexObservabilityStorage extends ObservabilityStorage {
  readonly #ctx: DomainContext;

  /** Builds the domain over the storage's transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /**
   * `batch-with-updates` is preferred: the exporter sends spans in batches
   * (one round trip and one transaction per bounded chunk, and one trace-row
   * update per span instead of contended per-event writes) and still
   * updates spans, so running traces show up while they run. `insert-only`
   * (one write per finished span, the cheapest) and `realtime` (one call
   * per span event) work too.
   */
  override get observabilityStrategy(): {
    preferred: ObservabilityStorageStrategy;
    supported: ObservabilityStorageStrategy[];
  } {
    return { preferred: "batch-with-updates", supported: ["batch-with-updates", "insert-only", "realtime"] };
  }

  /** Announces cursor-based delta polling of `listTraces` and `listBranches`. */
  override getFeatures(): readonly ObservabilityStorageFeature[] {
    return ["delta-polling", ...TRACE_QUERY_FEATURES];
  }

  /** Executes a trace-query plan (Studio's trace explorer): see `traceQuery.ts`. */
  override queryTraces(plan: TrustedTraceQueryPlan): Promise<TraceQueryResponse> {
    return queryTraces(this.#ctx, plan);
  }

  /** Lists root metadata keys observed on a plan's traces. */
  override getTraceQueryObservedFields(
    plan: TrustedTraceQueryObservedFieldsPlan,
  ): Promise<TraceQueryObservedFieldsResult> {
    return getTraceQueryObservedFields(this.#ctx, plan);
  }

  /** Lists the values of one field on a plan's traces or spans. */
  override getTraceQueryValues(plan: TrustedTraceQueryValuesPlan): Promise<GetTraceQueryValuesResponse> {
    return getTraceQueryValues(this.#ctx, plan);
  }

  /** Executes a thread-query plan. */
  override queryThreads(plan: TrustedThreadQueryPlan): Promise<QueryThreadsResult> {
    return queryThreads(this.#ctx, plan);
  }

  /** Deletes every span and trace. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["ai_spans", "ai_traces"], [COUNTER_PREFIX]);
  }

  /** Creates (or replaces) one span. */
  override createSpan(args: CreateSpanArgs): Promise<void> {
    return createSpans(this.#ctx, "createSpan", [args?.span]);
  }

  /** Creates (or replaces) spans, in calls bounded by count and size. */
  override batchCreateSpans(args: BatchCreateSpansArgs): Promise<void> {
    return createSpans(this.#ctx, "batchCreateSpans", args?.records);
  }

  /** Merges updates into one existing span. */
  override updateSpan(args: UpdateSpanArgs): Promise<void> {
    return updateSpans(this.#ctx, "updateSpan", [args as SpanUpdate]);
  }

  /** Merges updates into existing spans, in bounded all-or-nothing calls. */
  override batchUpdateSpans(args: BatchUpdateSpansArgs): Promise<void> {
    return updateSpans(this.#ctx, "batchUpdateSpans", args?.records as SpanUpdate[]);
  }

  /** Reads one span. */
  override getSpan(args: GetSpanArgs): Promise<GetSpanResponse | null> {
    return getSpan(this.#ctx, args);
  }

  /** Reads some spans of one trace. */
  override getSpans(args: GetSpansArgs): Promise<GetSpansResponse> {
    return getSpans(this.#ctx, args);
  }

  /** Reads the root span of a trace. */
  override getRootSpan(args: GetRootSpanArgs): Promise<GetRootSpanResponse | null> {
    return getRootSpan(this.#ctx, args);
  }

  /** Reads a whole trace. */
  override getTrace(args: GetTraceArgs): Promise<GetTraceResponse | null> {
    return getTrace(this.#ctx, args);
  }

  /** Reads a trace's structure (spans without their heavy fields). */
  override getStructure(args: GetTraceArgs): Promise<GetStructureResponse | null> {
    return getTraceStructure(this.#ctx, "getStructure", args);
  }

  /** Reads a trace's structure (legacy name of {@link getStructure}). */
  override getTraceLight(args: GetTraceArgs): Promise<GetTraceLightResponse | null> {
    return getTraceStructure(this.#ctx, "getTraceLight", args);
  }

  /** Lists traces with filters, ordering and pagination, or polls them in delta mode. */
  override listTraces(args: ListTracesArgs): Promise<ListTracesResponse> {
    return listTraces(this.#ctx, args);
  }

  /** Lists branch-anchor spans with filters, ordering and pagination, or polls them in delta mode. */
  override listBranches(args: ListBranchesArgs): Promise<ListBranchesResponse> {
    return listBranches(this.#ctx, args);
  }

  /** Deletes traces and all their spans, optionally within a tenant scope. */
  override batchDeleteTraces(args: BatchDeleteTracesArgs): Promise<void> {
    return batchDeleteTraces(this.#ctx, args);
  }
}
