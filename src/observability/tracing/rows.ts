/**
 * Conversions between Mastra's span records and filters and what our
 * Convex tracing functions take and return (see `convex/observability/tracing/validators.ts`).
 */
import type { SpanRecord } from "@mastra/core/storage";
import { type Range, SCALAR_FIELDS, type SpanFilter } from "../../../convex/observability/tracing/validators.ts";
import { decodeValue, encodeValue } from "../../kit/codec.ts";

/** Parsed date-range filter, as core's `dateRangeSchema` produces it. */
type DateRange = { start?: Date; end?: Date; startExclusive?: boolean; endExclusive?: boolean };

/** Parsed trace or branch filters (core's `tracesFilterSchema` / `branchesFilterSchema` output). */
export type ParsedFilters = Record<string, unknown> & {
  startedAt?: DateRange;
  endedAt?: DateRange;
  traceId?: string;
  scope?: Record<string, unknown> | null;
  metadata?: Record<string, unknown> | null;
  tags?: string[] | null;
  status?: string;
  hasChildError?: boolean;
};

function toRange(range: DateRange, withExclusive: boolean): Range {
  const out: Range = {};
  if (range.start) out.start = range.start.getTime();
  if (range.end) out.end = range.end.getTime();
  if (withExclusive && range.startExclusive !== undefined) out.startExclusive = range.startExclusive;
  if (withExclusive && range.endExclusive !== undefined) out.endExclusive = range.endExclusive;
  return out;
}

/**
 * Converts parsed filters to the wire filter. `kind` selects core's rules:
 * trace filters honour `startExclusive`/`endExclusive` and `hasChildError`;
 * branch filters compare date bounds inclusively and have no `hasChildError`.
 */
export function toWireFilter(filters: ParsedFilters | undefined, kind: "trace" | "branch"): SpanFilter {
  const out: SpanFilter = { eq: [] };
  if (!filters) return out;
  for (const field of SCALAR_FIELDS) {
    if (kind === "branch" && field === "spanType") continue; // branches restrict span types separately
    const value = filters[field];
    if (value !== undefined) out.eq.push({ field, value: value as string | null });
  }
  if (filters.status !== undefined) out.eq.push({ field: "status", value: filters.status });
  if (filters.startedAt) out.startedAt = toRange(filters.startedAt, kind === "trace");
  if (filters.endedAt) out.endedAt = toRange(filters.endedAt, kind === "trace");
  if (filters.traceId !== undefined) out.traceId = filters.traceId;
  if (filters.scope != null) out.scope = encodeValue(filters.scope);
  if (filters.metadata != null) out.metadata = encodeValue(filters.metadata);
  if (filters.tags != null && filters.tags.length > 0) out.tags = [...filters.tags];
  if (kind === "trace" && filters.hasChildError !== undefined) out.hasChildError = filters.hasChildError;
  return out;
}

/** Decodes a stored span record. */
export function decodeSpan(text: string): SpanRecord {
  return decodeValue(text) as SpanRecord;
}

/** Splits items into chunks of at most `maxItems` items and (roughly) `maxBytes` bytes each. */
export function chunkBySize<T>(items: T[], sizeOf: (item: T) => number, maxItems: number, maxBytes: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const size = sizeOf(item);
    if (current.length > 0 && (current.length >= maxItems || bytes + size > maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
