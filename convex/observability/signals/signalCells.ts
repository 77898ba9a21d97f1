/**
 * Rollups of observability scores and feedback, the pure part shared by
 * our functions and the client (the metric rollups' machinery of
 * `cells.ts`, applied to the other two numeric signals).
 *
 * A score cell is one scorer (`scorerId`) × family × UTC hour or day ×
 * the family's dimension values × a write shard; a feedback cell is the
 * same per feedback type, over the feedback whose value is numeric (core
 * ignores the rest in every aggregation). Cells keep count, sum, min, max,
 * the newest event by timestamp (core's `last`), the first write order
 * (core's group order) and the percentile sketch of `cells.ts` (exact up
 * to 200 values per cell, then within 1%).
 *
 * Dimensions: `source` (the normalised `scoreSource ?? source`, or
 * `feedbackSource ?? source ?? ""`), `entityType`, `entityName`,
 * `experimentId`, `environment`, `serviceName`. Filters on anything else
 * (trace, span, run, thread, resource, user, organization ids, execution
 * source, tags, metadata, review status, feedback user) walk the events.
 *
 * Shards: as metric cells, each write call picks one of `cells.ts`'
 * `CELL_SHARDS` write shards for all its cells and records it on the rows
 * it writes; readers merge the shards of a cell.
 */
import type { DimValue } from "./cells.js";

/** The signals with rollups here. */
export type SignalKind = "score" | "feedback";

/** Rollup families of scores and feedback: name -> dimensions (in key order). */
export const SIGNAL_FAMILIES: Record<string, readonly string[]> = {
  all: ["source"],
  entity: ["source", "entityType", "entityName"],
  experiment: ["source", "entityType", "entityName", "experimentId"],
  deployment: ["source", "environment", "serviceName", "entityType", "entityName"],
};

/** Core's `getNumericFeedbackValue`: finite numbers, and numeric strings. */
export function numericFeedback(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value === "string") {
    const trimmed = value.trim();
    if (trimmed.length === 0) return null;
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/** What a signal record contributes: the name it is rolled up under and its value (`null`: no contribution). */
export function signalValueOf(kind: SignalKind, record: Record<string, unknown>): number | null {
  if (kind === "score") return typeof record.score === "number" && Number.isFinite(record.score) ? record.score : null;
  return numericFeedback(record.value);
}

/** The name a signal record is rolled up under: its scorer or feedback type. */
export function signalNameOf(kind: SignalKind, record: Record<string, unknown>): string {
  return String(kind === "score" ? record.scorerId : record.feedbackType);
}

/** The `source` dimension of a record, as core compares it. */
export function signalSourceOf(kind: SignalKind, record: Record<string, unknown>): unknown {
  return kind === "score" ? record.scoreSource ?? record.source ?? null : record.feedbackSource ?? record.source ?? "";
}

/** Columns whose value is the `source` dimension (for groupBy). */
export function sourceColumns(kind: SignalKind): string[] {
  return kind === "score" ? ["scoreSource", "source"] : ["feedbackSource", "source"];
}

function asString(value: unknown): string | null {
  return typeof value === "string" ? value : value === undefined || value === null ? null : String(value);
}

/** The dimension values of a record in a family (`[value, null]` pairs, the shape metric cells use). */
export function signalDims(kind: SignalKind, record: Record<string, unknown>, family: string): DimValue[] {
  return SIGNAL_FAMILIES[family].map((
    d,
  ) => [asString(d === "source" ? signalSourceOf(kind, record) : record[d]), null]);
}
