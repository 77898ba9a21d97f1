/**
 * Shapes shared by the non-tracing observability signals (logs, metrics):
 * how a filter travels from the client to our functions and how it is
 * checked against a stored record, with core's in-memory store's rules
 * (`logMatchesFilters`, `metricMatchesFilters`). Imported by both sides.
 */
import { type Infer, v } from "convex/values";
import { decodeValue, jsonEquals } from "../../kit/codec.js";

/** Context fields signal filters compare for equality (`record[field] !== value` excludes). */
export const SIGNAL_EQ_FIELDS = [
  "traceId",
  "spanId",
  "entityType",
  "entityName",
  "entityVersionId",
  "parentEntityVersionId",
  "rootEntityVersionId",
  "userId",
  "organizationId",
  "resourceId",
  "runId",
  "sessionId",
  "threadId",
  "requestId",
  "experimentId",
  "serviceName",
  "environment",
  "parentEntityType",
  "parentEntityName",
  "rootEntityType",
  "rootEntityName",
  // metrics only
  "provider",
  "model",
  "costUnit",
] as const;

/** Validator of a signal filter on the wire (dates as epoch milliseconds). */
export const signalFilterValidator = v.object({
  /** Equality conditions on context fields. */
  eq: v.array(v.object({ field: v.string(), value: v.string() })),
  /** Inclusive timestamp bounds in epoch milliseconds (exclusive bounds are shifted by 1 ms by the client). */
  from: v.optional(v.number()),
  to: v.optional(v.number()),
  /** `executionSource ?? source` must equal each of these. */
  sources: v.optional(v.array(v.string())),
  /** Every tag must be present. */
  tags: v.optional(v.array(v.string())),
  /** Exact label matches (metrics). */
  labels: v.optional(v.array(v.object({ key: v.string(), value: v.string() }))),
  /** Allowed metric names. */
  names: v.optional(v.array(v.string())),
  /** Allowed trace ids (metrics). */
  traceIds: v.optional(v.array(v.string())),
  /** Allowed log levels. */
  levels: v.optional(v.array(v.string())),
  /** Allowed scorer ids (scores). */
  scorerIds: v.optional(v.array(v.string())),
  /** `scoreSource ?? source` must equal each of these (scores). */
  scoreSources: v.optional(v.array(v.string())),
  /** Encoded metadata whose keys must match exactly (scores). */
  metadata: v.optional(v.string()),
  /** Allowed feedback types (feedback). */
  feedbackTypes: v.optional(v.array(v.string())),
  /** `feedbackSource ?? source ?? ""` must equal each of these (feedback). */
  feedbackSources: v.optional(v.array(v.string())),
  /** `reviewStatus ?? "needs-review"` must equal this (feedback). */
  reviewStatus: v.optional(v.string()),
});
/** A signal filter on the wire. */
export type SignalFilter = Infer<typeof signalFilterValidator>;

/** Parsed date range of core's filters. */
type DateRange = { start?: Date; end?: Date; startExclusive?: boolean; endExclusive?: boolean };

/**
 * Converts core's parsed log or metric filters to the wire filter.
 * Millisecond timestamps make an exclusive bound the inclusive one next to it.
 */
export function toSignalFilter(filters: Record<string, unknown> | undefined): SignalFilter {
  const out: SignalFilter = { eq: [] };
  if (!filters) return out;
  for (const field of SIGNAL_EQ_FIELDS) {
    const value = filters[field];
    if (value !== undefined) out.eq.push({ field, value: value as string });
  }
  const ts = filters.timestamp as DateRange | undefined;
  if (ts?.start) out.from = ts.start.getTime() + (ts.startExclusive ? 1 : 0);
  if (ts?.end) out.to = ts.end.getTime() - (ts.endExclusive ? 1 : 0);
  const sources = [filters.executionSource, filters.source].filter((s) => s !== undefined) as string[];
  if (sources.length > 0) out.sources = sources;
  const tags = filters.tags as string[] | null | undefined;
  if (Array.isArray(tags) && tags.length > 0) out.tags = [...tags];
  const labels = filters.labels as Record<string, string> | undefined;
  if (labels && Object.keys(labels).length > 0) {
    out.labels = Object.entries(labels).map(([key, value]) => ({ key, value }));
  }
  if (Array.isArray(filters.name)) out.names = [...filters.name as string[]];
  if (Array.isArray(filters.traceIds)) out.traceIds = [...filters.traceIds as string[]];
  if (filters.level !== undefined) {
    out.levels = Array.isArray(filters.level) ? [...filters.level as string[]] : [filters.level as string];
  }
  return out;
}

/** Epoch milliseconds of a stored record's timestamp. */
export function timestampOf(record: Record<string, unknown>): number {
  const ts = record.timestamp;
  return ts instanceof Date ? ts.getTime() : typeof ts === "number" ? ts : new Date(ts as string).getTime();
}

/** True when `record` passes `filter`, by core's in-memory rules. */
export function matchesSignal(record: Record<string, unknown>, filter: SignalFilter): boolean {
  const ts = timestampOf(record);
  if (filter.from !== undefined && !(ts >= filter.from)) return false;
  if (filter.to !== undefined && !(ts <= filter.to)) return false;
  if (filter.levels && !filter.levels.includes(record.level as string)) return false;
  if (filter.names && !filter.names.includes(record.name as string)) return false;
  if (filter.traceIds && !filter.traceIds.includes(record.traceId as string)) return false;
  for (const { field, value } of filter.eq) if (record[field] !== value) return false;
  if (filter.sources) {
    const source = record.executionSource ?? record.source ?? null;
    for (const wanted of filter.sources) if (source !== wanted) return false;
  }
  if (filter.tags) {
    const tags = record.tags;
    if (!Array.isArray(tags)) return false;
    for (const tag of filter.tags) if (!tags.includes(tag)) return false;
  }
  if (filter.labels) {
    const labels = (record.labels ?? {}) as Record<string, unknown>;
    for (const { key, value } of filter.labels) if (labels[key] !== value) return false;
  }
  if (filter.scorerIds && !filter.scorerIds.includes(record.scorerId as string)) return false;
  if (filter.scoreSources) {
    const source = record.scoreSource ?? record.source ?? null;
    for (const wanted of filter.scoreSources) if (source !== wanted) return false;
  }
  if (filter.feedbackTypes && !filter.feedbackTypes.includes(record.feedbackType as string)) return false;
  if (filter.feedbackSources) {
    const source = record.feedbackSource ?? record.source ?? "";
    for (const wanted of filter.feedbackSources) if (source !== wanted) return false;
  }
  if (filter.reviewStatus !== undefined && (record.reviewStatus ?? "needs-review") !== filter.reviewStatus) {
    return false;
  }
  if (filter.metadata !== undefined) {
    const metadata = record.metadata as Record<string, unknown> | null | undefined;
    if (metadata == null) return false;
    for (const [key, value] of Object.entries(decodeValue(filter.metadata) as Record<string, unknown>)) {
      if (!jsonEquals(metadata[key], value)) return false;
    }
  }
  return true;
}

/** True when the filter has conditions besides the timestamp range. */
export function hasConditions(filter: SignalFilter): boolean {
  return filter.eq.length > 0 || filter.sources !== undefined || filter.tags !== undefined ||
    filter.labels !== undefined || filter.names !== undefined || filter.traceIds !== undefined ||
    filter.levels !== undefined || filter.scorerIds !== undefined || filter.scoreSources !== undefined ||
    filter.metadata !== undefined || filter.feedbackTypes !== undefined || filter.feedbackSources !== undefined ||
    filter.reviewStatus !== undefined;
}

/** One discovery dictionary entry: kind, scope within the kind, value. */
export type DictionaryEntry = [kind: string, scope: string, value: string];

/** Scope of the entries that hold for any entity type. */
export const ANY_SCOPE = "*";

/** Scope of the entries of one entity type. */
export function entityTypeScope(entityType: string): string {
  return `t:${entityType}`;
}

/** Scope of a metric label's values. */
export function labelScope(metricName: string, key: string): string {
  return JSON.stringify([metricName, key]);
}

/**
 * Most labels one metric event may carry. Each label is a discovery entry
 * (its key and its value), checked and written in the event's transaction;
 * more would approach Convex's 4,096 index reads per transaction.
 */
export const MAX_METRIC_LABELS = 1000;

/**
 * The discovery entries a span, log or metric record contributes (what
 * core's in-memory store finds when it scans every record for
 * `getEntityTypes`, `getEntityNames`, `getServiceNames`, `getEnvironments`,
 * `getTags`, `getMetricNames`, `getMetricLabelKeys` and `getMetricLabelValues`).
 */
export function dictionaryEntries(record: Record<string, unknown>, isMetric: boolean): DictionaryEntry[] {
  const out: DictionaryEntry[] = [];
  const str = (value: unknown) => typeof value === "string" ? value : undefined;
  const entityType = str(record.entityType);
  if (entityType) out.push(["entityType", "", entityType]);
  const entityName = str(record.entityName);
  if (entityName) {
    out.push(["entityName", ANY_SCOPE, entityName]);
    if (entityType !== undefined) out.push(["entityName", entityTypeScope(entityType), entityName]);
  }
  const serviceName = str(record.serviceName);
  if (serviceName) out.push(["serviceName", "", serviceName]);
  const environment = str(record.environment);
  if (environment) out.push(["environment", "", environment]);
  if (Array.isArray(record.tags)) {
    for (const tag of record.tags) {
      if (typeof tag !== "string") continue;
      out.push(["tag", ANY_SCOPE, tag]);
      if (entityType !== undefined) out.push(["tag", entityTypeScope(entityType), tag]);
    }
  }
  if (isMetric && typeof record.name === "string") {
    out.push(["metricName", "", record.name]);
    const labels = record.labels;
    if (labels && typeof labels === "object") {
      for (const [key, value] of Object.entries(labels as Record<string, unknown>)) {
        out.push(["labelKey", record.name, key]);
        if (typeof value === "string") out.push(["labelValue", labelScope(record.name, key), value]);
      }
    }
  }
  return out;
}

/** Distinct entries, in first-seen order. */
export function distinctEntries(entries: Iterable<DictionaryEntry>): DictionaryEntry[] {
  const seen = new Map<string, DictionaryEntry>();
  for (const entry of entries) {
    const key = JSON.stringify(entry);
    if (!seen.has(key)) seen.set(key, entry);
  }
  return [...seen.values()];
}
