/** Names of the counters in `mastra_counters`, in one place. */
export const counterNames = {
  /** All threads. */
  threads: (): string => "threads",
  /** Threads of one resource. */
  threadsOfResource: (resourceId: string): string => `threads:resource:${resourceId}`,
  /** Messages of one thread. */
  messagesOfThread: (threadId: string): string => `messages:thread:${threadId}`,
  /** Messages of one resource. */
  messagesOfResource: (resourceId: string): string => `messages:resource:${resourceId}`,
  /** All workflow runs. */
  workflowRuns: (): string => "workflowRuns:all",
  /** Runs of one workflow. */
  workflowRunsOfWorkflow: (workflowName: string): string => `workflowRuns:workflow:${JSON.stringify(workflowName)}`,
  /** Runs of one workflow in one status. */
  workflowRunsOfWorkflowStatus: (workflowName: string, status: string): string =>
    `workflowRuns:workflowStatus:${JSON.stringify([workflowName, status])}`,
  /** Runs of one resource. */
  workflowRunsOfResource: (resourceId: string): string => `workflowRuns:resource:${JSON.stringify(resourceId)}`,
  /** Scores of one scorer. */
  scoresOfScorer: (scorerId: string): string => `scores:scorer:${JSON.stringify(scorerId)}`,
  /** Scores of one scorer for one entity id. */
  scoresOfScorerEntity: (scorerId: string, entityId: string): string =>
    `scores:scorerEntity:${JSON.stringify([scorerId, entityId])}`,
  /** Scores of one run. */
  scoresOfRun: (runId: string): string => `scores:run:${JSON.stringify(runId)}`,
  /** Scores of one entity (id and type; an absent type is its own bucket). */
  scoresOfEntity: (entityId: string, entityType: string | undefined): string =>
    `scores:entity:${JSON.stringify([entityId, entityType ?? null])}`,
  /** Scores of one span. */
  scoresOfSpan: (traceId: string, spanId: string): string => `scores:span:${JSON.stringify([traceId, spanId])}`,
  /** Listed traces of one trace-list index family and value (`TRACE_FAMILIES`); `[]` counts all. */
  tracesOfFamily: (fields: readonly string[], values: readonly unknown[]): string =>
    fields.length === 0 ? "observability:traces" : `observability:traces:${JSON.stringify([fields, values])}`,
  /** Branch-anchor spans (core's `BRANCH_SPAN_TYPES`). */
  branchSpans: (): string => "observability:branches",
  /** Last sequence number handed out for delta polling of traces and branches. */
  observabilitySeq: (): string => "observability:seq",
  /** Evals, optionally of one agent and/or one type ("live" | "test"). */
  evals: (agentName?: string, type?: string): string => `evals:${JSON.stringify([agentName ?? null, type ?? null])}`,
  /** README trace records, optionally of one thread or one run. */
  traceRecords: (threadId?: string, runId?: string): string =>
    `traceRecords:${JSON.stringify([threadId ?? null, runId ?? null])}`,
};
