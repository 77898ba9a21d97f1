/**
 * Eval results in the README's record shape. Internal functions only.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { evalCounter, evalTreeEntries, evalTrees, simpleApiCounters } from "./counterNames.js";
import { adjustCounters, readCounter, readShardedCounter } from "../kit/counters.js";
import { planListAcross } from "../kit/rankFamily.js";
import { RankBatch } from "../kit/rankTree.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type IndexSpec, walk, walkStateValidator } from "../kit/walk.js";
import { type EvalRow, evalValidator } from "./validators.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";

async function findEval(ctx: QueryCtx, id: string) {
  return await ctx.db.query("evals").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** The counter documents an eval is counted in (the deployment-wide ones sharded). */
function countersOf(row: EvalRow): string[] {
  return [
    evalCounter(row.id),
    evalCounter(row.id, row.agentName),
    evalCounter(row.id, undefined, row.type),
    evalCounter(row.id, row.agentName, row.type),
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
      const ranks = new RankBatch();
      ranks.change(evalTreeEntries(existing), evalTreeEntries(evalRow));
      await ranks.apply(ctx);
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
    const ranks = new RankBatch();
    ranks.change([], evalTreeEntries(evalRow));
    await ranks.apply(ctx);
    return { released: false };
  },
});

/**
 * One bounded step of listing evals, newest first, optionally of one agent
 * and/or one type. Totals come from counters; a deep page seeks through the
 * list's rank tree (or family) to the key before it.
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
    const name = simpleApiCounters.evals(agentName, type);
    const total = agentName === undefined ? await readShardedCounter(ctx, name) : await readCounter(ctx, name);
    let walkState = state;
    if (walkState === undefined) {
      const planned = await planListAcross(ctx, evalTrees(agentName, type), total, {}, offset, limit, "desc");
      if (planned.state === null) return { rows: [], next: null, total, reversed: false };
      walkState = planned.state;
    }
    const step = await walk<EvalRow & { _id: unknown }>(ctx.db, spec, walkState);
    return {
      rows: step.rows.map(withoutSystemFields) as EvalRow[],
      next: step.next,
      total,
      reversed: walkState.reversed,
    };
  },
});
