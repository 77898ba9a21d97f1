/**
 * Mastra's observability domain on Convex: spans and traces (tracing).
 * Each operation lives in `tracing/spans.ts` or `tracing/lists.ts`; this
 * class wires them to Mastra's `ObservabilityStorage` contract.
 *
 * Logs (`signals/logs.ts`), metrics with their rollups (`signals/metrics.ts`)
 * and filter discovery (`discovery.ts`), observability scores
 * (`signals/obsScores.ts`) and feedback (`signals/obsFeedback.ts`) are
 * stored too. The advanced trace-query APIs are not: those methods keep the base class's "not supported" behaviour,
 * and `getFeatures()` does not announce them.
 */
import type {
  BatchCreateFeedbackArgs,
  BatchCreateLogsArgs,
  BatchCreateMetricsArgs,
  BatchCreateScoresArgs,
  BatchCreateSpansArgs,
  BatchDeleteTracesArgs,
  BatchUpdateSpansArgs,
  CreateFeedbackArgs,
  CreateScoreArgs,
  CreateSpanArgs,
  DeleteFeedbackArgs,
  DeleteScoresArgs,
  FeedbackRecord,
  GetEntityNamesArgs,
  GetEntityNamesResponse,
  GetEntityTypesArgs,
  GetEntityTypesResponse,
  GetEnvironmentsArgs,
  GetEnvironmentsResponse,
  GetFeedbackAggregateArgs,
  GetFeedbackAggregateResponse,
  GetFeedbackBreakdownArgs,
  GetFeedbackBreakdownResponse,
  GetFeedbackPercentilesArgs,
  GetFeedbackPercentilesResponse,
  GetFeedbackTimeSeriesArgs,
  GetFeedbackTimeSeriesResponse,
  GetMetricAggregateArgs,
  GetMetricAggregateResponse,
  GetMetricBreakdownArgs,
  GetMetricBreakdownResponse,
  GetMetricLabelKeysArgs,
  GetMetricLabelKeysResponse,
  GetMetricLabelValuesArgs,
  GetMetricLabelValuesResponse,
  GetMetricNamesArgs,
  GetMetricNamesResponse,
  GetMetricPercentilesArgs,
  GetMetricPercentilesResponse,
  GetMetricTimeSeriesArgs,
  GetMetricTimeSeriesResponse,
  GetRootSpanArgs,
  GetRootSpanResponse,
  GetScoreAggregateArgs,
  GetScoreAggregateResponse,
  GetScoreBreakdownArgs,
  GetScoreBreakdownResponse,
  GetScorePercentilesArgs,
  GetScorePercentilesResponse,
  GetScoreTimeSeriesArgs,
  GetScoreTimeSeriesResponse,
  GetServiceNamesArgs,
  GetServiceNamesResponse,
  GetSpanArgs,
  GetSpanResponse,
  GetSpansArgs,
  GetSpansResponse,
  GetStructureResponse,
  GetTagsArgs,
  GetTagsResponse,
  GetTraceArgs,
  GetTraceLightResponse,
  GetTraceQueryValuesResponse,
  GetTraceResponse,
  ListBranchesArgs,
  ListBranchesResponse,
  ListFeedbackArgs,
  ListFeedbackResponse,
  ListLogsArgs,
  ListLogsResponse,
  ListMetricsArgs,
  ListMetricsResponse,
  ListScoresArgs,
  ListTracesArgs,
  ListTracesResponse,
  ObservabilityListScoresResponse as ListScoresResponse,
  ObservabilityStorageFeature,
  ObservabilityStorageStrategy,
  QueryThreadsResult,
  ScoreRecord,
  TraceQueryObservedFieldsResult,
  TraceQueryResponse,
  TrustedThreadQueryPlan,
  TrustedTraceQueryObservedFieldsPlan,
  TrustedTraceQueryPlan,
  TrustedTraceQueryValuesPlan,
  UpdateFeedbackReviewStatusArgs,
  UpdateSpanArgs,
} from "../coreTypes.ts";
import { ObservabilityStorage } from "@mastra/core/storage";
import { observabilityCounters } from "../../convex/observability/counterNames.ts";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { batchDeleteTraces, listBranches, listTraces } from "./tracing/lists.ts";
import { batchCreateLogs, listLogs } from "./signals/logs.ts";
import * as discovery from "./discovery.ts";
import * as scores from "./signals/obsScores.ts";
import * as feedback from "./signals/obsFeedback.ts";
import {
  batchCreateMetrics,
  getMetricAggregate,
  getMetricBreakdown,
  getMetricPercentiles,
  getMetricTimeSeries,
  listMetrics,
} from "./signals/metrics.ts";
import {
  getTraceQueryObservedFields,
  getTraceQueryValues,
  queryThreads,
  queryTraces,
  TRACE_QUERY_FEATURES,
} from "./traceQuery/traceQuery.ts";
import {
  createSpans,
  getRootSpan,
  getSpan,
  getSpans,
  getTrace,
  getTraceStructure,
  type SpanUpdate,
  updateSpans,
} from "./tracing/spans.ts";

import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

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

  /** Tables `prune()` deletes from by age: spans, a whole trace at a time, by the trace's start. */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("observability", {
    spans: "startedAt",
  });

  /**
   * Deletes traces (with all their spans) that started before each policy's
   * `maxAge` (the deployment's clock), in bounded batches. Only `spans` is
   * pruned; `metrics`, `logs`, `scores` and `feedback` are skipped.
   */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "observability", policies, options);
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

  /** Announces delta polling (traces, branches, logs, metrics), logs, metrics and filter discovery. */
  override getFeatures(): readonly ObservabilityStorageFeature[] {
    return [
      "delta-polling",
      "logs",
      "metrics",
      "metric-discovery",
      "entity-type-discovery",
      "entity-name-discovery",
      "service-name-discovery",
      "environment-discovery",
      "tag-discovery",
      "feedback",
      ...TRACE_QUERY_FEATURES,
    ];
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
    await clearTables(
      this.#ctx,
      [
        "ai_spans",
        "ai_traces",
        "obs_deltas",
        "obs_logs",
        "obs_metrics",
        "obs_metric_cells",
        "obs_scores",
        "obs_feedback",
        "obs_dictionary",
        "obs_trace_dictionary",
      ],
      [COUNTER_PREFIX],
    );
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

  /** Upserts logs by `logId`. */
  override batchCreateLogs(args: BatchCreateLogsArgs): Promise<void> {
    return batchCreateLogs(this.#ctx, args);
  }

  /** Lists logs with core's filters, in pages or delta polls. */
  override listLogs(args: ListLogsArgs): Promise<ListLogsResponse> {
    return listLogs(this.#ctx, args);
  }

  /** Upserts metric events by `metricId` and folds them into their rollups. */
  override batchCreateMetrics(args: BatchCreateMetricsArgs): Promise<void> {
    return batchCreateMetrics(this.#ctx, args);
  }

  /** Lists metric events with core's filters, in pages or delta polls. */
  override listMetrics(args: ListMetricsArgs): Promise<ListMetricsResponse> {
    return listMetrics(this.#ctx, args);
  }

  /** One aggregate (optionally with a previous-period comparison), from rollups where possible. */
  override getMetricAggregate(args: GetMetricAggregateArgs): Promise<GetMetricAggregateResponse> {
    return getMetricAggregate(this.#ctx, args);
  }

  /** Aggregates per group, from rollups where possible. */
  override getMetricBreakdown(args: GetMetricBreakdownArgs): Promise<GetMetricBreakdownResponse> {
    return getMetricBreakdown(this.#ctx, args);
  }

  /** Aggregates per UTC time bucket, from rollups where possible. */
  override getMetricTimeSeries(args: GetMetricTimeSeriesArgs): Promise<GetMetricTimeSeriesResponse> {
    return getMetricTimeSeries(this.#ctx, args);
  }

  /** Percentiles per UTC time bucket, from rollup sketches where possible. */
  override getMetricPercentiles(args: GetMetricPercentilesArgs): Promise<GetMetricPercentilesResponse> {
    return getMetricPercentiles(this.#ctx, args);
  }

  /** Metric names (from the discovery dictionary). */
  override getMetricNames(args: GetMetricNamesArgs): Promise<GetMetricNamesResponse> {
    return discovery.getMetricNames(this.#ctx, args);
  }

  /** Label keys of a metric (from the discovery dictionary). */
  override getMetricLabelKeys(args: GetMetricLabelKeysArgs): Promise<GetMetricLabelKeysResponse> {
    return discovery.getMetricLabelKeys(this.#ctx, args);
  }

  /** Values of a metric label (from the discovery dictionary). */
  override getMetricLabelValues(args: GetMetricLabelValuesArgs): Promise<GetMetricLabelValuesResponse> {
    return discovery.getMetricLabelValues(this.#ctx, args);
  }

  /** Entity types seen on spans, logs and metrics. */
  override getEntityTypes(_args: GetEntityTypesArgs): Promise<GetEntityTypesResponse> {
    return discovery.getEntityTypes(this.#ctx);
  }

  /** Entity names seen on spans, logs and metrics, optionally of one type. */
  override getEntityNames(args: GetEntityNamesArgs): Promise<GetEntityNamesResponse> {
    return discovery.getEntityNames(this.#ctx, args);
  }

  /** Service names seen on spans, logs and metrics. */
  override getServiceNames(_args: GetServiceNamesArgs): Promise<GetServiceNamesResponse> {
    return discovery.getServiceNames(this.#ctx);
  }

  /** Environments seen on spans, logs and metrics. */
  override getEnvironments(_args: GetEnvironmentsArgs): Promise<GetEnvironmentsResponse> {
    return discovery.getEnvironments(this.#ctx);
  }

  /** Tags seen on spans, logs and metrics, optionally of one entity type. */
  override getTags(args: GetTagsArgs): Promise<GetTagsResponse> {
    return discovery.getTags(this.#ctx, args);
  }

  /** Creates (or replaces) one observability score. */
  override createScore(args: CreateScoreArgs): Promise<void> {
    return scores.createScore(this.#ctx, args);
  }

  /** Creates (or replaces) observability scores. */
  override batchCreateScores(args: BatchCreateScoresArgs): Promise<void> {
    return scores.batchCreateScores(this.#ctx, args);
  }

  /** Lists observability scores, in pages (by time or score) or delta polls. */
  override listScores(args: ListScoresArgs): Promise<ListScoresResponse> {
    return scores.listScores(this.#ctx, args);
  }

  /** Reads one observability score. */
  override getScoreById(scoreId: string): Promise<ScoreRecord | null> {
    return scores.getScoreById(this.#ctx, scoreId);
  }

  /** Deletes observability scores by id, optionally within a tenant scope. */
  override deleteScores(args: DeleteScoresArgs): Promise<void> {
    return scores.deleteScores(this.#ctx, args);
  }

  /** One aggregate of a scorer's scores (bounded walk over its scores in range). */
  override getScoreAggregate(args: GetScoreAggregateArgs): Promise<GetScoreAggregateResponse> {
    return scores.getScoreAggregate(this.#ctx, args);
  }

  /** A scorer's scores per group. */
  override getScoreBreakdown(args: GetScoreBreakdownArgs): Promise<GetScoreBreakdownResponse> {
    return scores.getScoreBreakdown(this.#ctx, args);
  }

  /** A scorer's scores per UTC time bucket. */
  override getScoreTimeSeries(args: GetScoreTimeSeriesArgs): Promise<GetScoreTimeSeriesResponse> {
    return scores.getScoreTimeSeries(this.#ctx, args);
  }

  /** Percentiles of a scorer's scores per UTC time bucket. */
  override getScorePercentiles(args: GetScorePercentilesArgs): Promise<GetScorePercentilesResponse> {
    return scores.getScorePercentiles(this.#ctx, args);
  }

  /** Creates (or replaces) one feedback record. */
  override createFeedback(args: CreateFeedbackArgs): Promise<void> {
    return feedback.createFeedback(this.#ctx, args);
  }

  /** Creates (or replaces) feedback records. */
  override batchCreateFeedback(args: BatchCreateFeedbackArgs): Promise<void> {
    return feedback.batchCreateFeedback(this.#ctx, args);
  }

  /** Lists feedback, in pages or delta polls. */
  override listFeedback(args: ListFeedbackArgs): Promise<ListFeedbackResponse> {
    return feedback.listFeedback(this.#ctx, args);
  }

  /** Sets a feedback record's review status. */
  override updateFeedbackReviewStatus(args: UpdateFeedbackReviewStatusArgs): Promise<FeedbackRecord> {
    return feedback.updateFeedbackReviewStatus(this.#ctx, args);
  }

  /** Deletes feedback by id, optionally within a tenant scope. */
  override deleteFeedback(args: DeleteFeedbackArgs): Promise<void> {
    return feedback.deleteFeedback(this.#ctx, args);
  }

  /** One aggregate of numeric feedback of a type. */
  override getFeedbackAggregate(args: GetFeedbackAggregateArgs): Promise<GetFeedbackAggregateResponse> {
    return feedback.getFeedbackAggregate(this.#ctx, args);
  }

  /** Numeric feedback of a type per group. */
  override getFeedbackBreakdown(args: GetFeedbackBreakdownArgs): Promise<GetFeedbackBreakdownResponse> {
    return feedback.getFeedbackBreakdown(this.#ctx, args);
  }

  /** Numeric feedback of a type per UTC time bucket. */
  override getFeedbackTimeSeries(args: GetFeedbackTimeSeriesArgs): Promise<GetFeedbackTimeSeriesResponse> {
    return feedback.getFeedbackTimeSeries(this.#ctx, args);
  }

  /** Percentiles of numeric feedback of a type per UTC time bucket. */
  override getFeedbackPercentiles(args: GetFeedbackPercentilesArgs): Promise<GetFeedbackPercentilesResponse> {
    return feedback.getFeedbackPercentiles(this.#ctx, args);
  }
}
