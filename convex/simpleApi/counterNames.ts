/** Names of the simple API's counters (evals, trace records). Counters live in the kit's `counters` table. */
export const simpleApiCounters = {
  /** Evals, optionally of one agent and/or one type ("live" | "test"). */
  evals: (agentName?: string, type?: string): string => `evals:${JSON.stringify([agentName ?? null, type ?? null])}`,
  /** README trace records, optionally of one thread or one run. */
  traceRecords: (threadId?: string, runId?: string): string =>
    `traceRecords:${JSON.stringify([threadId ?? null, runId ?? null])}`,
};
