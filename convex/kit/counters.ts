/**
 * Named counters kept in `counters`. Mutations adjust them together
 * with the rows they count, inside the same transaction, so totals are exact
 * and reading one costs a single index lookup.
 */
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
