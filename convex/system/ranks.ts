/**
 * Rebuilds the rank trees (`kit/rankTree.ts`) from the rows, for rows written
 * before the trees existed or copied in or deleted directly: `clear` drops
 * every tree, then `rebuild` adds one bounded batch of one table per call.
 * Inserting a key a tree already holds is a no-op and writes during a
 * rebuild keep the trees they touch exact, so it is safe on live data; a
 * list uses a tree only when it accounts for every row its counter counts,
 * so lists meanwhile walk instead of seeking, never answer wrong. Lists
 * whose total comes from a tree alone trust it only under the table's
 * coverage mark (`kit/coverage.ts`): `clear` removes the marks, a completed
 * rebuild of a table sets its mark.
 *
 * A rebuild writes the nodes directly (`RankBatch.applyNow`). Changes that
 * writes left pending (`kit/rankPending.ts`) may then repeat a key the
 * rebuild inserted, or remove one it never saw (a row deleted after `clear`
 * and before the rebuild reached it): harmless once folded, but a tree's
 * total read before the fold would be off. So a table's rebuild ends by
 * folding every pending change (`settle` steps) before it sets the mark.
 */
import { v } from "convex/values";
import { internalMutation, type QueryCtx } from "../kit/functions.js";
import { foldTree, RankBatch } from "../kit/rankTree.js";
import { markCovered, unmarkCovered } from "../kit/coverage.js";
import { RANKED_TABLES, type RankedTable } from "./rankedTables.js";
import { treeEntriesOf } from "./treeEntries.js";
import { foldLegacyRunCount } from "../workflows/ranking.js";
import { dropLegacyThreadCount } from "../memory/threadCount.js";
import type { SpanRow } from "../observability/tracing/validators.js";
import { DEFAULT_BUDGET, walk, type WalkState } from "../kit/walk.js";

/** Cursor of a rebuild's last steps: folding pending changes (see the module's note). */
const SETTLE = "settle:pending";

/** Rows read per call. */
const REBUILD_BATCH = 2000;
/** Editor versions read per call: a version row holds up to 256 KiB of configuration inline. */
const VERSION_REBUILD_BATCH = 32;
/** Editor records read per call: each is in at most 74 trees (`kit/versionedFacets.ts`). */
const ENTITY_REBUILD_BATCH = 25;
/** Tasks read per call: each has 20 tree entries (5 lists x 4 date columns). */
const TASK_REBUILD_BATCH = 250;

/**
 * One batch of the branch-anchor spans, in `by_branch_startedAt` order from
 * `cursor` (an encoded walk state): spans hold whole records, so a batch is
 * bounded by bytes as well as by count, and spans that anchor no branch
 * (no tree entry) are not read at all.
 */
async function branchBatch(
  ctx: QueryCtx,
  cursor: string | null | undefined,
): Promise<{ rows: unknown[]; cursor: string | null }> {
  const state: WalkState = cursor
    ? JSON.parse(cursor) as WalkState
    : { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
  const step = await walk<SpanRow>(
    ctx.db,
    { table: "ai_spans", index: "by_branch_startedAt", eq: [["branch", true]], sortField: "startedAt" },
    state,
    { budget: { docs: REBUILD_BATCH, bytes: DEFAULT_BUDGET.bytes } },
  );
  return { rows: step.rows, cursor: step.next === null ? null : JSON.stringify(step.next) };
}

/** One batch of `table`'s rows in storage order from `cursor` (a pagination cursor); `cursor: null` after the last. */
async function tableBatch(
  ctx: QueryCtx,
  table: RankedTable,
  cursor: string | null | undefined,
): Promise<{ rows: unknown[]; cursor: string | null }> {
  const numItems = table === "background_tasks"
    ? TASK_REBUILD_BATCH
    : table === "versioned_versions"
    ? VERSION_REBUILD_BATCH
    : table === "versioned_entities"
    ? ENTITY_REBUILD_BATCH
    : REBUILD_BATCH;
  const page = await ctx.db.query(table).paginate({ cursor: cursor ?? null, numItems });
  return { rows: page.page, cursor: page.isDone ? null : page.continueCursor };
}

/** Deletes one batch of rank-tree nodes and pending changes (every tree); call until `done`, then rebuild. */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean }> => {
    for (const table of RANKED_TABLES) await unmarkCovered(ctx, table);
    const nodes = await ctx.db.query("rank_nodes").take(REBUILD_BATCH);
    for (const node of nodes) await ctx.db.delete(node._id);
    if (nodes.length >= REBUILD_BATCH) return { done: false };
    // Pending changes refer to the trees just dropped: the rebuild inserts every row's keys again.
    const pending = await ctx.db.query("rank_pending").take(REBUILD_BATCH - nodes.length);
    for (const row of pending) await ctx.db.delete(row._id);
    return { done: nodes.length + pending.length < REBUILD_BATCH };
  },
});

/** Adds one batch of `table`'s rows to their trees; pass the returned `cursor` until `done`. */
export const rebuild = internalMutation({
  args: {
    table: v.union(...RANKED_TABLES.map((table) => v.literal(table))),
    cursor: v.optional(v.union(v.string(), v.null())),
  },
  handler: async (ctx, { table, cursor }): Promise<{ done: boolean; cursor: string | null }> => {
    if (cursor === SETTLE) {
      // Every row is in the nodes; fold what writes left pending, then mark the table covered.
      const { done } = await foldTree(ctx, null, REBUILD_BATCH);
      if (!done) return { done: false, cursor: SETTLE };
      if (table === "threads") await dropLegacyThreadCount(ctx);
      await markCovered(ctx, table);
      return { done: true, cursor: null };
    }
    const batch = table === "ai_spans" ? await branchBatch(ctx, cursor) : await tableBatch(ctx, table, cursor);
    const ranks = new RankBatch();
    for (const row of batch.rows) ranks.change([], treeEntriesOf(table, row));
    await ranks.applyNow(ctx);
    if (batch.cursor !== null) return { done: false, cursor: batch.cursor };
    if (table === "workflow_runs") await foldLegacyRunCount(ctx);
    const { done } = await foldTree(ctx, null, REBUILD_BATCH);
    if (!done) return { done: false, cursor: SETTLE };
    if (table === "threads") await dropLegacyThreadCount(ctx);
    await markCovered(ctx, table);
    return { done: true, cursor: null };
  },
});
