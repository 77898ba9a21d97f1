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
