/**
 * Eval results in the README's record shape. Internal functions only.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { simpleApiCounters } from "./counterNames.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type IndexSpec, planPage, walk, walkStateValidator } from "../kit/walk.js";
import { type EvalRow, evalValidator } from "./validators.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";

async function findEval(ctx: QueryCtx, id: string) {
  return await ctx.db.query("evals").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** The counters an eval is counted in. */
function countersOf(row: EvalRow): string[] {
  return [
    simpleApiCounters.evals(),
    simpleApiCounters.evals(row.agentName),
    simpleApiCounters.evals(undefined, row.type),
    simpleApiCounters.evals(row.agentName, row.type),
  ];
}

/** Returns one eval by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<EvalRow | null> => {
    const doc = await findEval(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Inserts or replaces an eval (idempotent by id). `released`: an old large value became garbage. */
export const save = internalMutation({
  args: { evalRow: evalValidator },
  handler: async (ctx, { evalRow }): Promise<{ released: boolean }> => {
    assertFitsDocument(`eval ${evalRow.id}`, evalRow);
    const owner = blobOwner("evals", evalRow.id);
    await adoptBlobs(ctx, owner, [evalRow.data, evalRow.metadata]);
    const existing = await findEval(ctx, evalRow.id);
    if (existing) {
      await ctx.db.replace(existing._id, evalRow);
      await adjustCounters(ctx, [
        ...countersOf(existing).map((name): [string, number] => [name, -1]),
        ...countersOf(evalRow).map((name): [string, number] => [name, 1]),
      ]);
      const released = await releaseBlobs(
        ctx,
        owner,
        [existing.data, existing.metadata],
        [evalRow.data, evalRow.metadata],
      );
      return { released };
    }
    await ctx.db.insert("evals", evalRow);
    await adjustCounters(ctx, countersOf(evalRow).map((name): [string, number] => [name, 1]));
    return { released: false };
  },
});

/**
 * One bounded step of listing evals, newest first, optionally of one agent
 * and/or one type. Totals come from counters.
 */
export const list = internalQuery({
  args: {
    agentName: v.optional(v.string()),
    type: v.optional(v.union(v.literal("live"), v.literal("test"))),
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { agentName, type, offset, limit, state }): Promise<ListResult<EvalRow>> => {
    const eq: [string, unknown][] = [];
    if (agentName !== undefined) eq.push(["agentName", agentName]);
    if (type !== undefined) eq.push(["type", type]);
    const index = agentName !== undefined && type !== undefined
      ? "by_agent_type_createdAt"
      : agentName !== undefined
      ? "by_agent_createdAt"
      : type !== undefined
      ? "by_type_createdAt"
      : "by_createdAt";
    const spec: IndexSpec = { table: "evals", index, eq, sortField: "createdAt" };
    const total = await readCounter(ctx, simpleApiCounters.evals(agentName, type));
    const walkState = state ?? planPage(total, offset, limit, "desc");
    const step = await walk<EvalRow & { _id: unknown }>(ctx.db, spec, walkState);
    return {
      rows: step.rows.map(withoutSystemFields) as EvalRow[],
      next: step.next,
      total,
      reversed: walkState.reversed,
    };
  },
});
