/**
 * Builds the rank trees (`kit/rankTree.ts`) of rows written before the trees
 * existed, or copied in directly: one bounded batch of one table per call.
 * Inserting a key a tree already holds is a no-op, so a rebuild is safe to
 * repeat and to run over live data; a list uses a tree only once it
 * accounts for every row its counter counts.
 */
import { v } from "convex/values";
import { internalMutation } from "../kit/functions.js";
import { RankBatch, type TreeEntry } from "../kit/rankTree.js";
import { threadTreeEntries } from "../memory/counterNames.js";
import { treeEntries as messageTreeEntries } from "../memory/messageStore.js";
import { runTreeEntries } from "../workflows/counterNames.js";
import type { MessageRow, ThreadRow } from "../memory/validators.js";

/** Rows read per call. */
const REBUILD_BATCH = 2000;

/** The tables whose rows have tree entries, and how to compute them. */
const ENTRIES = {
  threads: (row: unknown): TreeEntry[] => threadTreeEntries(row as ThreadRow),
  messages: (row: unknown): TreeEntry[] => messageTreeEntries(row as MessageRow),
  workflow_runs: (row: unknown): TreeEntry[] => runTreeEntries(row as Parameters<typeof runTreeEntries>[0]),
};

/** Adds one batch of `table`'s rows to their trees; pass the returned `cursor` until `done`. */
export const rebuild = internalMutation({
  args: {
    table: v.union(v.literal("threads"), v.literal("messages"), v.literal("workflow_runs")),
    cursor: v.optional(v.union(v.string(), v.null())),
  },
  handler: async (ctx, { table, cursor }): Promise<{ done: boolean; cursor: string | null }> => {
    const page = await ctx.db.query(table).paginate({ cursor: cursor ?? null, numItems: REBUILD_BATCH });
    const ranks = new RankBatch();
    for (const row of page.page) ranks.change([], ENTRIES[table](row));
    await ranks.apply(ctx);
    return { done: page.isDone, cursor: page.isDone ? null : page.continueCursor };
  },
});
