/**
 * Coverage marks: whether the rank trees of a table hold every row of it.
 *
 * A list whose total has no counter can take its total from its rank tree
 * (`kit/rankTree.ts`: the root knows how many keys it holds), but only if the
 * tree was kept from the table's first row on. A tree added to a deployment
 * that already had rows misses those rows until `system/ranks.ts` rebuilds
 * it. The mark says which case holds: a write sets it when it is about to
 * insert into an empty table, a completed rebuild sets it, a rebuild's
 * `clear` removes it. Lists trust tree totals only under the mark and walk
 * (counting the matches) otherwise, so an old deployment is slow until it
 * rebuilds, never wrong. The mark is written once, so reading it on every
 * write adds no contention.
 */
import type { MutationCtx, QueryCtx } from "./functions.js";
import { adjustCounter, readCounter } from "./counters.js";
import type { DataModel } from "./functions.js";

/**
 * Generation of a table's trees: bumped when a release adds trees to the
 * rows of a table, so that marks set before (which say nothing of the new
 * trees) no longer count and the table walks until it is rebuilt.
 */
const TREE_GENERATIONS: Readonly<Record<string, number>> = {
  // 2: tag trees of listed traces (listTraces with one tag); 3: metadata-pair trees.
  ai_traces: 3,
  // 2: filter-combination trees of editor records (`kit/versionedFacets.ts`).
  versioned_entities: 2,
};

function markName(table: string): string {
  const generation = TREE_GENERATIONS[table];
  return generation === undefined ? `coverage:${table}` : `coverage:${table}:g${generation}`;
}

/** True when every row of `table` is in its rank trees. */
export async function treesCover(ctx: QueryCtx, table: keyof DataModel & string): Promise<boolean> {
  return await readCounter(ctx, markName(table)) > 0;
}

/**
 * Call before inserting a row into `table`: marks the table covered when it
 * holds no row yet (its trees then start complete).
 */
export async function noteInsert(ctx: MutationCtx, table: keyof DataModel & string): Promise<void> {
  if (await treesCover(ctx, table)) return;
  // deno-lint-ignore no-explicit-any
  const first = await (ctx.db as any).query(table).first();
  if (first === null) await adjustCounter(ctx, markName(table), 1);
}

/** Marks `table` covered (a rebuild of its trees completed). */
export async function markCovered(ctx: MutationCtx, table: keyof DataModel & string): Promise<void> {
  if (!await treesCover(ctx, table)) await adjustCounter(ctx, markName(table), 1);
}

/** Removes the mark of `table` (its trees are about to be dropped). */
export async function unmarkCovered(ctx: MutationCtx, table: keyof DataModel & string): Promise<void> {
  const value = await readCounter(ctx, markName(table));
  if (value !== 0) await adjustCounter(ctx, markName(table), -value);
}
