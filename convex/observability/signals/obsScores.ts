/**
 * Observability scores (the `observability` domain's score events, not the
 * `scores` domain's scorer runs): batched upserts by `scoreId`, reads by
 * id, deletion by id (optionally within a tenant scope) and of the scores
 * linked to deleted traces, each keeping the score rollups in the same
 * mutation (`signalEvents.ts`). Lists are in `signalLists.ts`, rollup
 * reads in `cellStore.ts`.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../../kit/functions.js";
import { deleteSignalsById, deleteSignalsOfTraces, scopeArgs, upsertSignals } from "./signalEvents.js";

/** Upserts scores (encoded records) by `scoreId`; a replaced score keeps its place in the delta stream and its write order. */
export const createScores = internalMutation({
  args: { scores: v.array(v.string()) },
  handler: async (ctx, { scores }): Promise<null> => {
    await upsertSignals(ctx, "score", scores);
    return null;
  },
});

/** Returns one encoded score record, or `null`. */
export const getScore = internalQuery({
  args: { scoreId: v.string() },
  handler: async (ctx, { scoreId }): Promise<string | null> =>
    (await ctx.db.query("obs_scores").withIndex("by_score_id", (q) => q.eq("id", scoreId)).first())?.data ?? null,
});

/** Deletes scores by id (at most 1,000, as core allows), only those within the optional tenant scope. */
export const deleteScores = internalMutation({
  args: { scoreIds: v.array(v.string()), ...scopeArgs },
  handler: async (ctx, { scoreIds, ...scope }): Promise<null> => {
    await deleteSignalsById(ctx, "score", scoreIds, scope);
    return null;
  },
});

/** Deletes the scores linked to the given traces (within the optional scope), in bounded steps. */
export const deleteScoresOfTraces = internalMutation({
  args: { traceIds: v.array(v.string()), ...scopeArgs },
  handler: (ctx, { traceIds, ...scope }): Promise<{ remaining: string[] }> =>
    deleteSignalsOfTraces(ctx, "score", traceIds, scope),
});
