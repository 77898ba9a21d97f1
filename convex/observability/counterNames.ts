/** Names of the observability domain's counters. Counters live in the kit's `counters` table. */
export const observabilityCounters = {
  /** Listed traces of one trace-list index family and value (`TRACE_FAMILIES`); `[]` counts all. */
  tracesOfFamily: (fields: readonly string[], values: readonly unknown[]): string =>
    fields.length === 0 ? "observability:traces" : `observability:traces:${JSON.stringify([fields, values])}`,
  /** Branch-anchor spans (core's `BRANCH_SPAN_TYPES`). */
  branchSpans: (): string => "observability:branches",
  /** Last sequence number handed out for delta polling of traces and branches. */
  observabilitySeq: (): string => "observability:seq",
};

/** Tables of the non-tracing signals that keep counters. */
export type SignalTable = "obs_logs" | "obs_metrics" | "obs_scores" | "obs_feedback";

/** Counters of the non-tracing signals (logs and metric events). */
export const signalCounters = {
  /** Rows of a signal table. */
  rows: (table: SignalTable): string => `observability:${table}`,
  /** Rows of a signal table with one value of its second key (log level, metric name). */
  rowsOfKey: (table: SignalTable, key: string): string => `observability:${table}:key:${JSON.stringify(key)}`,
  /** Rows of a scorer or feedback type counted in the rollups (equal to `rowsOfKey` once every row is). */
  celledOfKey: (table: SignalTable, key: string): string => `observability:${table}:celled:${JSON.stringify(key)}`,
  /** Last sequence number handed out in a signal table (one write per batch, for delta polling). */
  seq: (table: SignalTable): string => `observability:${table}:seq`,
};
