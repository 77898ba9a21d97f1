/**
 * Observability scores (the `observability` domain's score events, not the
 * `scores` domain's scorer runs): batched upserts by `scoreId`, reads by
 * id, deletion by id (optionally within a tenant scope) and of the scores
 * linked to deleted traces. Lists are in `signalLists.ts`.
 */
import { v } from "convex/values";
import { decodeValue } from "../kit/codec.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { signalCounters } from "./counterNames.js";
import { recordEntries } from "./discovery.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";

const TABLE = "obs_scores";

/** Upserts scores (encoded records) by `scoreId`; a replaced score keeps its sequence number. */
export const createScores = internalMutation({
  args: { scores: v.array(v.string()) },
  handler: async (ctx, { scores }): Promise<null> => {
    const deltas: [string, number][] = [];
    const entries: DictionaryEntry[] = [];
    let seq = await readCounter(ctx, signalCounters.seq(TABLE));
    const start = seq;
    for (const data of scores) {
      const record = decodeValue(data) as Record<string, unknown>;
      const id = record.scoreId;
      if (typeof id !== "string" || id === "") throw storageError("INVALID", "a score record has no scoreId");
      if (typeof record.scorerId !== "string") throw storageError("INVALID", `score ${id} has no scorerId`);
      if (typeof record.score !== "number" || !Number.isFinite(record.score)) {
        throw storageError("INVALID", `score ${id} has no finite score`);
      }
      const row = {
        id,
        timestamp: timestampOf(record),
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        scorerId: record.scorerId,
        score: record.score,
        data,
      };
      if (!Number.isFinite(row.timestamp)) throw storageError("INVALID", `score ${id} has no valid timestamp`);
      assertFitsDocument(`score ${id}`, row);
      entries.push(...dictionaryEntries(record, false));
      const existing = await ctx.db.query(TABLE).withIndex("by_score_id", (q) => q.eq("id", id)).first();
      if (existing) {
        await ctx.db.replace(existing._id, { ...row, seq: existing.seq });
        deltas.push([signalCounters.rowsOfKey(TABLE, existing.scorerId), -1], [
          signalCounters.rowsOfKey(TABLE, row.scorerId),
          1,
        ]);
        continue;
      }
      await ctx.db.insert(TABLE, { ...row, seq: ++seq });
      deltas.push([signalCounters.rows(TABLE), 1], [signalCounters.rowsOfKey(TABLE, row.scorerId), 1]);
    }
    deltas.push([signalCounters.seq(TABLE), seq - start]);
    await adjustCounters(ctx, deltas);
    await recordEntries(ctx, entries);
    return null;
  },
});

/** Returns one encoded score record, or `null`. */
export const getScore = internalQuery({
  args: { scoreId: v.string() },
  handler: async (ctx, { scoreId }): Promise<string | null> =>
    (await ctx.db.query(TABLE).withIndex("by_score_id", (q) => q.eq("id", scoreId)).first())?.data ?? null,
});

const scopeArgs = { organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) };

function inScope(data: string, scope: { organizationId?: string; resourceId?: string }): boolean {
  if (scope.organizationId === undefined && scope.resourceId === undefined) return true;
  const record = decodeValue(data) as Record<string, unknown>;
  if (scope.organizationId !== undefined && record.organizationId !== scope.organizationId) return false;
  if (scope.resourceId !== undefined && record.resourceId !== scope.resourceId) return false;
  return true;
}

/** Deletes scores by id (at most 1,000, as core allows), only those within the optional tenant scope. */
export const deleteScores = internalMutation({
  args: { scoreIds: v.array(v.string()), ...scopeArgs },
  handler: async (ctx, { scoreIds, ...scope }): Promise<null> => {
    const deltas: [string, number][] = [];
    for (const id of new Set(scoreIds)) {
      const doc = await ctx.db.query(TABLE).withIndex("by_score_id", (q) => q.eq("id", id)).first();
      if (!doc || !inScope(doc.data, scope)) continue;
      await ctx.db.delete(doc._id);
      deltas.push([signalCounters.rows(TABLE), -1], [signalCounters.rowsOfKey(TABLE, doc.scorerId), -1]);
    }
    await adjustCounters(ctx, deltas);
    return null;
  },
});

/** Rows deleted per call of {@link deleteScoresOfTraces}. */
const DELETE_BATCH = 2000;

/** Deletes the scores linked to the given traces (within the optional scope), in bounded steps. */
export const deleteScoresOfTraces = internalMutation({
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
        deltas.push([signalCounters.rows(TABLE), -1], [signalCounters.rowsOfKey(TABLE, doc.scorerId), -1]);
      }
    }
    await adjustCounters(ctx, deltas);
    return { remaining: [] };
  },
});
