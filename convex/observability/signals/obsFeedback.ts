/**
 * Observability feedback (user or system feedback attached to traces and
 * spans): batched upserts by `feedbackId`, review-status updates, deletion
 * by id (optionally within a tenant scope) and of the feedback linked to
 * deleted traces, each keeping the feedback rollups in the same mutation
 * (`signalEvents.ts`; the review status is no rollup dimension, so its
 * updates leave them alone). Lists are in `signalLists.ts`.
 */
import { v } from "convex/values";
import { decodeValue, encodeValue } from "../../kit/codec.js";
import { storageError } from "../../kit/errors.js";
import { internalMutation } from "../../kit/functions.js";
import { deleteSignalsById, deleteSignalsOfTraces, scopeArgs, upsertSignals } from "./signalEvents.js";

/** Upserts feedback (encoded records) by `feedbackId`; replaced feedback keeps its place in the delta stream and its write order. */
export const createFeedback = internalMutation({
  args: { feedback: v.array(v.string()) },
  handler: async (ctx, { feedback }): Promise<null> => {
    await upsertSignals(ctx, "feedback", feedback);
    return null;
  },
});

/** Sets the review status of one feedback record and returns the encoded record; `NOT_FOUND` when absent. */
export const updateReviewStatus = internalMutation({
  args: { feedbackId: v.string(), reviewStatus: v.string() },
  handler: async (ctx, { feedbackId, reviewStatus }): Promise<string> => {
    const doc = await ctx.db.query("obs_feedback").withIndex("by_feedback_id", (q) => q.eq("id", feedbackId)).first();
    if (!doc) throw storageError("NOT_FOUND", "Feedback record not found");
    const data = encodeValue({ ...(decodeValue(doc.data) as Record<string, unknown>), reviewStatus });
    await ctx.db.patch(doc._id, { data });
    return data;
  },
});

/** Deletes feedback by id (at most 1,000, as core allows), only that within the optional tenant scope. */
export const deleteFeedback = internalMutation({
  args: { feedbackIds: v.array(v.string()), ...scopeArgs },
  handler: async (ctx, { feedbackIds, ...scope }): Promise<null> => {
    await deleteSignalsById(ctx, "feedback", feedbackIds, scope);
    return null;
  },
});

/** Deletes the feedback linked to the given traces (within the optional scope), in bounded steps. */
export const deleteFeedbackOfTraces = internalMutation({
  args: { traceIds: v.array(v.string()), ...scopeArgs },
  handler: (ctx, { traceIds, ...scope }): Promise<{ remaining: string[] }> =>
    deleteSignalsOfTraces(ctx, "feedback", traceIds, scope),
});
