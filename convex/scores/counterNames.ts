/**
 * Names of the scores domain's lists (the counters versions before the rank
 * trees kept under these names; this version keeps none: each name also
 * names its list's tree through {@link scoreTree}).
 */
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

/** Name of the rank tree (`kit/rankTree.ts`) of the list named `counter` (a {@link scoreCounters} name). */
export function scoreTree(counter: string): string {
  return `scores:tree:${counter.slice("scores:".length)}`;
}

/** The optional filters of a scorer's list that have their own index (entity id, entity type, source). */
export type ScorerFilter = { entityId?: string; entityType?: string; source?: string };

/**
 * Name of the rank tree of a scorer's list narrowed by `filter` when the
 * filter has an entity type or a source (the lists without either are
 * named by {@link scoreCounters}). Its total is trusted under the scores
 * table's coverage mark (`kit/coverage.ts`).
 */
export function scorerFilterTree(scorerId: string, filter: ScorerFilter): string {
  return `scores:tree:scorerFilter:${
    JSON.stringify([scorerId, filter.entityId ?? null, filter.entityType ?? null, filter.source ?? null])
  }`;
}

/** Every narrowing of a score's scorer list that includes its entity type or its source (those it has). */
function scorerFilters(score: { entityId: string; entityType?: string; source?: string }): ScorerFilter[] {
  const out: ScorerFilter[] = [];
  for (const entityId of [undefined, score.entityId]) {
    for (const entityType of score.entityType ? [undefined, score.entityType] : [undefined]) {
      for (const source of score.source ? [undefined, score.source] : [undefined]) {
        if (entityType === undefined && source === undefined) continue;
        out.push({ entityId, entityType, source });
      }
    }
  }
  return out;
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
    source?: string;
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
  for (const filter of scorerFilters(score)) {
    entries.push({ tree: scorerFilterTree(score.scorerId, filter), key: created });
  }
  return entries;
}
