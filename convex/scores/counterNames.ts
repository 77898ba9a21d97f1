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

/** Name of the rank tree (`kit/rankTree.ts`) of the list that counter `counter` counts. */
export function scoreTree(counter: string): string {
  return `scores:tree:${counter.slice("scores:".length)}`;
}

/**
 * The rank-tree entries of a score: one per list it appears in, keyed
 * `(createdAt, id)` for scorer and span lists and `(insertedAt, id)` for run
 * and entity lists (their orders).
 */
export function scoreTreeEntries(
  score: {
    id: string;
    scorerId: string;
    entityId: string;
    entityType?: string;
    runId: string;
    traceId?: string;
    spanId?: string;
    createdAt: number;
    insertedAt: number;
  } | null,
): { tree: string; key: { value: number; id: string } }[] {
  if (!score) return [];
  const created = { value: score.createdAt, id: score.id };
  const inserted = { value: score.insertedAt, id: score.id };
  const entries = [
    { tree: scoreTree(scoreCounters.scoresOfScorer(score.scorerId)), key: created },
    { tree: scoreTree(scoreCounters.scoresOfScorerEntity(score.scorerId, score.entityId)), key: created },
    { tree: scoreTree(scoreCounters.scoresOfRun(score.runId)), key: inserted },
    { tree: scoreTree(scoreCounters.scoresOfEntity(score.entityId, score.entityType)), key: inserted },
  ];
  if (score.traceId !== undefined && score.spanId !== undefined) {
    entries.push({ tree: scoreTree(scoreCounters.scoresOfSpan(score.traceId, score.spanId)), key: created });
  }
  return entries;
}
