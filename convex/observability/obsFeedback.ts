/**
 * Observability feedback (user or system feedback attached to traces and
 * spans): batched upserts by `feedbackId`, review-status updates, deletion
 * by id (optionally within a tenant scope) and of the feedback linked to
 * deleted traces. Lists are in `signalLists.ts`.
 */
import { v } from "convex/values";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { internalMutation } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { signalCounters } from "./counterNames.js";
import { recordEntries } from "./discovery.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";

const TABLE = "obs_feedback";

/** Upserts feedback (encoded records) by `feedbackId`; replaced feedback keeps its sequence number. */
export const createFeedback = internalMutation({
  args: { feedback: v.array(v.string()) },
  handler: async (ctx, { feedback }): Promise<null> => {
    const deltas: [string, number][] = [];
    const entries: DictionaryEntry[] = [];
    let seq = await readCounter(ctx, signalCounters.seq(TABLE));
    const start = seq;
    for (const data of feedback) {
      const record = decodeValue(data) as Record<string, unknown>;
      const id = record.feedbackId;
      if (typeof id !== "string" || id === "") throw storageError("INVALID", "a feedback record has no feedbackId");
      if (typeof record.feedbackType !== "string") throw storageError("INVALID", `feedback ${id} has no feedbackType`);
      const row = {
        id,
        timestamp: timestampOf(record),
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        feedbackType: record.feedbackType,
        data,
      };
      if (!Number.isFinite(row.timestamp)) throw storageError("INVALID", `feedback ${id} has no valid timestamp`);
      assertFitsDocument(`feedback ${id}`, row);
      entries.push(...dictionaryEntries(record, false));
      const existing = await ctx.db.query(TABLE).withIndex("by_feedback_id", (q) => q.eq("id", id)).first();
      if (existing) {
        await ctx.db.replace(existing._id, { ...row, seq: existing.seq });
        deltas.push([signalCounters.rowsOfKey(TABLE, existing.feedbackType), -1], [
          signalCounters.rowsOfKey(TABLE, row.feedbackType),
          1,
        ]);
        continue;
      }
      await ctx.db.insert(TABLE, { ...row, seq: ++seq });
      deltas.push([signalCounters.rows(TABLE), 1], [signalCounters.rowsOfKey(TABLE, row.feedbackType), 1]);
    }
    deltas.push([signalCounters.seq(TABLE), seq - start]);
    await adjustCounters(ctx, deltas);
    await recordEntries(ctx, entries);
    return null;
  },
});

/** Sets the review status of one feedback record and returns the encoded record; `NOT_FOUND` when absent. */
export const updateReviewStatus = internalMutation({
  args: { feedbackId: v.string(), reviewStatus: v.string() },
  handler: async (ctx, { feedbackId, reviewStatus }): Promise<string> => {
    const doc = await ctx.db.query(TABLE).withIndex("by_feedback_id", (q) => q.eq("id", feedbackId)).first();
    if (!doc) throw storageError("NOT_FOUND", "Feedback record not found");
    const data = encodeValue({ ...(decodeValue(doc.data) as Record<string, unknown>), reviewStatus });
    await ctx.db.patch(doc._id, { data });
    return data;
  },
});

const scopeArgs = { organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) };

function inScope(data: string, scope: { organizationId?: string; resourceId?: string }): boolean {
  if (scope.organizationId === undefined && scope.resourceId === undefined) return true;
  const record = decodeValue(data) as Record<string, unknown>;
  if (scope.organizationId !== undefined && record.organizationId !== scope.organizationId) return false;
  if (scope.resourceId !== undefined && record.resourceId !== scope.resourceId) return false;
  return true;
}

/** Deletes feedback by id (at most 1,000, as core allows), only that within the optional tenant scope. */
export const deleteFeedback = internalMutation({
  args: { feedbackIds: v.array(v.string()), ...scopeArgs },
  handler: async (ctx, { feedbackIds, ...scope }): Promise<null> => {
    const deltas: [string, number][] = [];
    for (const id of new Set(feedbackIds)) {
      const doc = await ctx.db.query(TABLE).withIndex("by_feedback_id", (q) => q.eq("id", id)).first();
      if (!doc || !inScope(doc.data, scope)) continue;
      await ctx.db.delete(doc._id);
      deltas.push([signalCounters.rows(TABLE), -1], [signalCounters.rowsOfKey(TABLE, doc.feedbackType), -1]);
    }
    await adjustCounters(ctx, deltas);
    return null;
  },
});

/** Rows deleted per call of {@link deleteFeedbackOfTraces}. */
const DELETE_BATCH = 2000;

/** Deletes the feedback linked to the given traces (within the optional scope), in bounded steps. */
export const deleteFeedbackOfTraces = internalMutation({
  args: { traceIds: v.array(v.string()), ...scopeArgs },
  handler: async (ctx, { traceIds, ...scope }): Promise<{ remaining: string[] }> => {
    const deltas: [string, number][] = [];
    let deleted = 0;
    for (let i = 0; i < traceIds.length; i++) {
      for await (
        const doc of ctx.db.query(TABLE).withIndex("by_trace_timestamp", (q) => q.eq("traceId", traceIds[i]))
      ) {
        if (deleted >= DELETE_BATCH) {
          await adjustCounters(ctx, deltas);
          return { remaining: traceIds.slice(i) };
        }
        if (!inScope(doc.data, scope)) continue;
        await ctx.db.delete(doc._id);
        deleted++;
        deltas.push([signalCounters.rows(TABLE), -1], [signalCounters.rowsOfKey(TABLE, doc.feedbackType), -1]);
      }
    }
    await adjustCounters(ctx, deltas);
    return { remaining: [] };
  },
});
