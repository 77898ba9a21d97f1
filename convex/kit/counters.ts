/**
 * Named counters kept in `counters`. Mutations adjust them together
 * with the rows they count, inside the same transaction, so totals are exact
 * and reading one costs a single index lookup.
 */
import { fnv1a } from "./hash.js";
import type { MutationCtx, QueryCtx } from "./functions.js";

/** Reads a counter (0 when it was never written). */
export async function readCounter(ctx: QueryCtx, name: string): Promise<number> {
  const row = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
  return row?.value ?? 0;
}

/** Adds `delta` to a counter, creating it or removing it at zero. */
export async function adjustCounter(ctx: MutationCtx, name: string, delta: number): Promise<void> {
  if (delta === 0) return;
  const row = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
  const value = (row?.value ?? 0) + delta;
  if (row && value === 0) await ctx.db.delete(row._id);
  else if (row) await ctx.db.patch(row._id, { value });
  else await ctx.db.insert("counters", { name, value });
}

/** Applies several counter changes, merging changes to the same counter. */
export async function adjustCounters(ctx: MutationCtx, deltas: Iterable<[string, number]>): Promise<void> {
  const merged = new Map<string, number>();
  for (const [name, delta] of deltas) merged.set(name, (merged.get(name) ?? 0) + delta);
  for (const [name, delta] of merged) await adjustCounter(ctx, name, delta);
}

/**
 * Shards of a deployment-wide counter. A count that every write of any
 * thread, run or trace would change is split over this many documents, so
 * unrelated writers rarely touch the same one (Convex's optimistic
 * concurrency would otherwise make them all conflict on it).
 */
export const COUNTER_SHARDS = 16;

/** The shard of counter `name` that the row identified by `key` counts in (stable per key). */
export function counterShard(name: string, key: string): string {
  return `${name}:shard:${fnv1a(key) % COUNTER_SHARDS}`;
}

/**
 * Reads a sharded counter: the sum of its shards (one index range of at
 * most {@link COUNTER_SHARDS} documents) plus the unsharded document a
 * deployment may still hold from before sharding.
 */
export async function readShardedCounter(ctx: QueryCtx, name: string): Promise<number> {
  const prefix = `${name}:shard:`;
  let total = await readCounter(ctx, name);
  const shards = ctx.db.query("counters").withIndex("by_name", (q) => q.gte("name", prefix).lt("name", `${prefix}~`));
  for await (const shard of shards) total += shard.value;
  return total;
}
