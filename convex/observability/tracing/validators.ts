/**
 * Shapes shared by the observability (tracing) functions and the client:
 * how a span record is summarised into indexable fields, how a trace row
 * looks, and how trace/branch filters travel and are evaluated.
 *
 * A span record is stored whole, as one string made by `codec.ts`, so it
 * reads back exactly as written (nulls vs. missing keys, dates, `$`-keys).
 * The fields lists filter and sort on are copied next to it as plain
 * Convex values. This module imports nothing but `convex/values` and the
 * codec, so both sides can use it.
 */
import { type Infer, v } from "convex/values";
import { decodeOptional, encodeValue, jsonEquals } from "../../kit/codec.js";

/** String-valued context fields of a span that trace and branch filters compare for equality. */
export const SCALAR_FIELDS = [
  "spanType",
  "entityType",
  "entityId",
  "entityName",
  "entityVersionId",
  "parentEntityType",
  "parentEntityId",
  "parentEntityName",
  "parentEntityVersionId",
  "rootEntityType",
  "rootEntityId",
  "rootEntityName",
  "rootEntityVersionId",
  "experimentId",
  "userId",
  "organizationId",
  "resourceId",
  "runId",
  "sessionId",
  "threadId",
  "requestId",
  "environment",
  "source",
  "serviceName",
] as const;

/** One of {@link SCALAR_FIELDS}. */
export type ScalarField = typeof SCALAR_FIELDS[number];

/** Span types that anchor a listable branch (core's `BRANCH_SPAN_TYPES`). */
export const BRANCH_SPAN_TYPES: readonly string[] = [
  "agent_run",
  "workflow_run",
  "processor_run",
  "scorer_run",
  "rag_ingestion",
  "tool_call",
  "mcp_tool_call",
  "mcp_server_request",
  "provider_tool_call",
];

/**
 * Sort key standing for "not ended": larger than any real date, so open
 * spans sort last ascending and first descending, as in core's in-memory store.
 */
export const NOT_ENDED = 9e15;

/** Optional string-or-null field validator. */
const scalar = v.optional(v.union(v.string(), v.null()));

/** The indexed scalar fields of a trace row (copied from its root span). */
export const traceScalarFields = Object.fromEntries(SCALAR_FIELDS.map((field) => [field, scalar])) as Record<
  ScalarField,
  typeof scalar
>;

/**
 * Equality prefixes of the trace-list indexes. Each family has one index
 * sorted by `startedAt` and one by `endedSort` (named
 * `by_<fields>_<sort>`), and one counter per distinct value, so an
 * unfiltered or exactly-indexed list reads a counter instead of counting.
 */
export const TRACE_FAMILIES: readonly (readonly string[])[] = [
  [],
  ["entityType"],
  ["entityType", "entityName"],
  ["entityName"],
  ["entityId"],
  ["resourceId"],
  ["threadId"],
  ["userId"],
  ["sessionId"],
  ["runId"],
  ["organizationId"],
  ["environment"],
  ["status"],
];

/** Index name of a trace family for a sort field. */
export function traceIndexName(family: readonly string[], sort: "startedAt" | "endedSort"): string {
  return family.length === 0 ? `by_listed_${sort}` : `by_${family.join("_")}_${sort}`;
}

/** What a span contributes to indexes, derived from its record. */
export type SpanSummary = {
  startedAt: number;
  endedAt: number | null;
  isError: boolean;
  isRoot: boolean;
  spanType: unknown;
  scalars: Partial<Record<ScalarField, string | null>>;
  scope?: string;
  metadata?: string;
  tags?: string;
};

/** Epoch milliseconds of a date-like value, or `NaN`. */
export function millisOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "number") return value;
  if (typeof value === "string") return new Date(value).getTime();
  return NaN;
}

/** Derives the indexed fields of a span record. Throws on a missing or invalid `startedAt`. */
export function summarizeSpan(record: Record<string, unknown>): SpanSummary {
  const startedAt = millisOf(record.startedAt);
  if (!Number.isFinite(startedAt)) throw new Error(`span ${String(record.spanId)}: startedAt must be a valid date`);
  const ended = record.endedAt == null ? null : millisOf(record.endedAt);
  const scalars: Partial<Record<ScalarField, string | null>> = {};
  for (const field of SCALAR_FIELDS) {
    const value = record[field];
    if (typeof value === "string" || value === null) scalars[field] = value;
  }
  const summary: SpanSummary = {
    startedAt,
    endedAt: ended !== null && Number.isFinite(ended) ? ended : null,
    isError: record.error != null,
    isRoot: record.parentSpanId == null,
    spanType: record.spanType,
    scalars,
  };
  for (const field of ["scope", "metadata", "tags"] as const) {
    if (record[field] !== undefined) summary[field] = encodeValue(record[field]);
  }
  return summary;
}

/** Status of a trace or branch, derived like core's `computeTraceStatus`. */
export function statusOf(summary: { isError: boolean; endedAt: number | null }): "error" | "running" | "success" {
  if (summary.isError) return "error";
  if (summary.endedAt === null) return "running";
  return "success";
}

/** A span as stored. */
export const spanRowValidator = v.object({
  /** `JSON.stringify([traceId, spanId])`: unique tie-breaker for sorted indexes. */
  id: v.string(),
  traceId: v.string(),
  spanId: v.string(),
  startedAt: v.number(),
  endedSort: v.number(),
  isError: v.boolean(),
  /** True for span types that anchor a branch. */
  branch: v.boolean(),
  /** Set once the span is registered in the `branch` delta stream (its number in its shard, `deltaStreams.ts`). */
  seq: v.optional(v.number()),
  /** The whole span record, encoded. */
  data: v.string(),
});
/** A span as stored. */
export type SpanRow = Infer<typeof spanRowValidator>;

/** A trace as stored: bookkeeping plus the indexed fields of its root span. */
export const traceRowValidator = v.object({
  /** The trace id. */
  id: v.string(),
  /** True when the trace has a root span and is not being deleted: only these rows are listed. */
  listed: v.boolean(),
  /** Set while `batchDeleteTraces` removes the trace's spans. */
  deleting: v.optional(v.boolean()),
  /** The first span written; the scope reference of a trace without root. */
  firstSpanId: v.string(),
  /** The root span (last span written without a parent). */
  rootSpanId: v.optional(v.string()),
  /** Encoded size of the root span, so clients can fetch roots in bounded chunks. */
  rootSize: v.optional(v.number()),
  /** The encoded root span itself when it is small (`traces.ts`), so a trace page reads one document per trace. */
  rootData: v.optional(v.string()),
  /** Set once the trace is registered in the `trace` delta stream (its number in its shard, `deltaStreams.ts`). */
  seq: v.optional(v.number()),
  /** No longer written (root writes are entries of the `root` delta stream); kept for rows written before. */
  rootSeq: v.optional(v.number()),
  /** Spans of the trace whose `error` is set. */
  errorCount: v.number(),
  hasChildError: v.boolean(),
  startedAt: v.optional(v.number()),
  endedSort: v.optional(v.number()),
  status: v.optional(v.string()),
  ...traceScalarFields,
  scope: v.optional(v.string()),
  metadata: v.optional(v.string()),
  tags: v.optional(v.string()),
});
/** A trace as stored. */
export type TraceRow = Infer<typeof traceRowValidator>;

/** Validator of a date range in epoch milliseconds. */
export const rangeValidator = v.object({
  start: v.optional(v.number()),
  end: v.optional(v.number()),
  startExclusive: v.optional(v.boolean()),
  endExclusive: v.optional(v.boolean()),
});
/** A date range in epoch milliseconds. */
export type Range = Infer<typeof rangeValidator>;

/** Validator of a trace or branch filter on the wire. */
export const spanFilterValidator = v.object({
  /** Equality on scalar fields and `status`; `null` matches an explicit null only. */
  eq: v.array(v.object({ field: v.string(), value: v.union(v.string(), v.null()) })),
  startedAt: v.optional(rangeValidator),
  endedAt: v.optional(rangeValidator),
  traceId: v.optional(v.string()),
  /** Encoded partial objects: every key must equal (core's `jsonValueEquals`). */
  scope: v.optional(v.string()),
  metadata: v.optional(v.string()),
  /** Every tag must be present. */
  tags: v.optional(v.array(v.string())),
  hasChildError: v.optional(v.boolean()),
});
/** A trace or branch filter on the wire. */
export type SpanFilter = Infer<typeof spanFilterValidator>;

/** What a filter is evaluated against: a trace row (its root) or a branch span. */
export type FilterTarget = {
  traceId: string;
  startedAt: number;
  endedAt: number | null;
  status: string;
  hasChildError?: boolean;
  scalar(field: string): string | null | undefined;
  scope?: string;
  metadata?: string;
  tags?: string;
};

function inRange(value: number, range: Range): boolean {
  if (range.start !== undefined && (range.startExclusive ? value <= range.start : value < range.start)) return false;
  if (range.end !== undefined && (range.endExclusive ? value >= range.end : value > range.end)) return false;
  return true;
}

function partialMatches(stored: string | undefined, filter: string): boolean {
  const value = decodeOptional(stored) as Record<string, unknown> | null | undefined;
  if (value == null) return false;
  const wanted = decodeOptional(filter) as Record<string, unknown>;
  return Object.entries(wanted).every(([key, expected]) => jsonEquals(value[key], expected));
}

/** True when `target` passes every condition of `filter` (core's in-memory rules). */
export function matchesFilter(target: FilterTarget, filter: SpanFilter): boolean {
  if (filter.startedAt && !inRange(target.startedAt, filter.startedAt)) return false;
  if (filter.endedAt && (target.endedAt === null || !inRange(target.endedAt, filter.endedAt))) return false;
  if (filter.traceId !== undefined && target.traceId !== filter.traceId) return false;
  for (const { field, value } of filter.eq) {
    const actual = field === "status" ? target.status : target.scalar(field);
    if (actual !== value) return false;
  }
  if (filter.scope !== undefined && !partialMatches(target.scope, filter.scope)) return false;
  if (filter.metadata !== undefined && !partialMatches(target.metadata, filter.metadata)) return false;
  if (filter.tags !== undefined && filter.tags.length > 0) {
    const tags = decodeOptional(target.tags);
    if (tags == null || !Array.isArray(tags)) return false;
    if (!filter.tags.every((tag) => tags.includes(tag))) return false;
  }
  if (filter.hasChildError !== undefined && target.hasChildError !== filter.hasChildError) return false;
  return true;
}

/** A trace row seen as a filter target. */
export function traceTarget(row: TraceRow): FilterTarget {
  return {
    traceId: row.id,
    startedAt: row.startedAt ?? 0,
    endedAt: row.endedSort === undefined || row.endedSort === NOT_ENDED ? null : row.endedSort,
    status: row.status ?? "running",
    hasChildError: row.hasChildError,
    scalar: (field) => (row as Record<string, unknown>)[field] as string | null | undefined,
    scope: row.scope,
    metadata: row.metadata,
    tags: row.tags,
  };
}

/** A span summary seen as a filter target (branches are filtered on the span itself). */
export function spanTarget(traceId: string, summary: SpanSummary): FilterTarget {
  return {
    traceId,
    startedAt: summary.startedAt,
    endedAt: summary.endedAt,
    status: statusOf(summary),
    scalar: (field) => summary.scalars[field as ScalarField],
    scope: summary.scope,
    metadata: summary.metadata,
    tags: summary.tags,
  };
}

/** One trace of a list page: its id, its root span id and, when small enough, the encoded root span. */
export type TraceListRow = { traceId: string; rootSpanId: string; rootSize: number; seq?: number; root?: string };
