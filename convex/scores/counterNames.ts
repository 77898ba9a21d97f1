/** Names of the scores domain's counters. Counters live in the kit's `counters` table. */
export const scoreCounters = {
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
};
