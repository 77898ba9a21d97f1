/**
 * The total of the deployment-wide thread list, without a document that
 * every thread write touches.
 *
 * Under the `threads` table's coverage mark (`kit/coverage.ts`) the
 * all-threads rank families hold every thread, and the list takes its total
 * from their roots: a thread write pays its row and its tree entries only.
 * The mark is set by the first insert into an empty table, by a completed
 * `rebuildRankTrees`, or by the first thread write of a deployment whose
 * trees already agree with its legacy count.
 *
 * Versions before this one kept that total in a sharded counter
 * (`threads:shard:<k>`, plus an unsharded `threads` document from before
 * sharding), written by every thread insert and delete. While a deployment
 * is not covered and still has that legacy count, writes keep it exact and
 * lists use it as before; once the deployment is covered it is deleted. A
 * deployment that is not covered and has no legacy count (its trees are
 * being rebuilt) counts as it walks.
 */
import { adjustCounter, COUNTER_SHARDS, counterShard } from "../kit/counters.js";
import { markCovered, treesCover } from "../kit/coverage.js";
import type { MutationCtx, QueryCtx } from "../kit/functions.js";
import { familyTrees, totalAcross } from "../kit/rankFamily.js";
import { memoryCounters, memoryTrees } from "./counterNames.js";

/** The documents of the legacy all-threads count (unsharded and shards): at most 17. */
async function legacyDocs(ctx: QueryCtx) {
  const name = memoryCounters.threads();
  const prefix = `${name}:shard:`;
  const unsharded = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
  const shards = await ctx.db.query("counters")
    .withIndex("by_name", (q) => q.gte("name", prefix).lt("name", `${prefix}~`))
    .take(COUNTER_SHARDS);
  return unsharded ? [unsharded, ...shards] : shards;
}

/** The legacy all-threads count, or `null` when the deployment has none. */
export async function legacyThreadCount(ctx: QueryCtx): Promise<number | null> {
  const docs = await legacyDocs(ctx);
  return docs.length === 0 ? null : docs.reduce((sum, doc) => sum + doc.value, 0);
}

/**
 * What the all-threads list takes its total from: `"trees"` (covered), the
 * legacy count (a number, trusted as before), or `null` (count by walking).
 */
export async function threadListTotal(ctx: QueryCtx): Promise<number | null | "trees"> {
  if (await treesCover(ctx, "threads")) return "trees";
  return await legacyThreadCount(ctx);
}

/**
 * Call when thread `id` enters (`delta` 1: after its tree entries were
 * applied, before or after its row is inserted) or leaves (-1: after its row
 * and tree entries were removed) the table, in the same mutation. Covered:
 * nothing more to do (one lookup). An insert into an empty table marks it
 * covered. Otherwise, with a legacy count: adjusts it, and when the trees
 * now hold exactly that many threads, marks the table covered and deletes
 * the legacy count (the first write of an upgraded deployment does this).
 */
export async function noteThreadCount(ctx: MutationCtx, id: string, delta: 1 | -1): Promise<void> {
  if (await treesCover(ctx, "threads")) return;
  if (delta === 1 && (await ctx.db.query("threads").first()) === null) {
    await markCovered(ctx, "threads");
    return;
  }
  const docs = await legacyDocs(ctx);
  if (docs.length === 0) return;
  await adjustCounter(ctx, counterShard(memoryCounters.threads(), id), delta);
  const counted = docs.reduce((sum, doc) => sum + doc.value, 0) + delta;
  for (const field of ["createdAt", "updatedAt"] as const) {
    if (await totalAcross(ctx, familyTrees(memoryTrees.allThreads(field))) !== counted) return;
  }
  await markCovered(ctx, "threads");
  await dropLegacyThreadCount(ctx);
}

/** Deletes the legacy all-threads count (call when the table becomes covered). */
export async function dropLegacyThreadCount(ctx: MutationCtx): Promise<void> {
  for (const doc of await legacyDocs(ctx)) await ctx.db.delete(doc._id);
}
