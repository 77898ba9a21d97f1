/**
 * Generations of an experiment's results: how `deleteExperimentResults`
 * (and `deleteExperiment`) make every result of an experiment absent at
 * once however many there are. Each result row carries the generation it
 * was written in and is indexed and ranked within it; deleting the results
 * starts a new generation in one mutation (lists, totals, counters and the
 * review summary show none of the old rows from then on), and the old rows
 * are reclaimed afterwards in bounded steps that nobody can observe.
 */
import { adjustCounters, readCounter } from "../kit/counters.js";
import type { MutationCtx, QueryCtx } from "../kit/functions.js";
import { blobOwner, releaseBlobs } from "../kit/blobs.js";
import { dropTree } from "../kit/rankTree.js";
import { experimentCounters, RESULT_SORT_FIELDS, resultTree, REVIEW_KINDS } from "./counterNames.js";

/** Old results removed per reclaim step at most. */
export const RECLAIM_BATCH = 1000;

/** The result generations record of an experiment, if any. */
async function generationRecord(ctx: QueryCtx, experimentId: string) {
  return await ctx.db.query("experiment_result_generations").withIndex(
    "by_experiment",
    (q) => q.eq("experimentId", experimentId),
  ).unique();
}

/** The generation of an experiment's live results (0 until its results were first deleted). */
export async function currentGeneration(ctx: QueryCtx, experimentId: string): Promise<number> {
  return (await generationRecord(ctx, experimentId))?.current ?? 0;
}

/**
 * Deletes every result of an experiment at once for every reader: starts a
 * new generation (rows and rank trees of older ones read as absent from
 * now on) and takes the results out of the totals and the review summary.
 * The old rows are reclaimed in bounded steps by {@link reclaimResults}.
 */
export async function startResultGeneration(ctx: MutationCtx, experimentId: string): Promise<void> {
  const record = await generationRecord(ctx, experimentId);
  if (record) await ctx.db.patch(record._id, { current: record.current + 1 });
  else await ctx.db.insert("experiment_result_generations", { experimentId, current: 1, reclaimed: 0 });
  const zero: [string, number][] = [];
  for (
    const name of [
      experimentCounters.results(experimentId),
      ...REVIEW_KINDS.map((kind) => experimentCounters.review(experimentId, kind)),
    ]
  ) {
    zero.push([name, -await readCounter(ctx, name)]);
  }
  await adjustCounters(ctx, zero);
}

/**
 * One bounded step of reclaiming the results of older generations than the
 * current one (rows, large values, rank trees); answers `done` once none
 * is left. Counters are untouched: the results left them when the
 * generation changed.
 */
export async function reclaimResults(
  ctx: MutationCtx,
  experimentId: string,
): Promise<{ done: boolean; released: boolean }> {
  const record = await generationRecord(ctx, experimentId);
  if (!record || record.reclaimed >= record.current) return { done: true, released: false };
  const rows = await ctx.db.query("experiment_results").withIndex(
    "by_experiment_createdAt",
    (q) => q.eq("experimentId", experimentId).lt("generation", record.current),
  ).take(RECLAIM_BATCH);
  let released = false;
  for (const row of rows) {
    if (await releaseBlobs(ctx, blobOwner("experiment_results", row.id), [row.data])) released = true;
    await ctx.db.delete(row._id);
  }
  if (rows.length === RECLAIM_BATCH) return { done: false, released };
  // The last rows: drop the old generations' trees whole rather than key by key.
  for (let generation = record.reclaimed; generation < record.current; generation++) {
    for (const field of RESULT_SORT_FIELDS) {
      if (!await dropTree(ctx, resultTree(experimentId, field, generation))) return { done: false, released };
    }
    await ctx.db.patch(record._id, { reclaimed: generation + 1 });
  }
  return { done: true, released };
}
