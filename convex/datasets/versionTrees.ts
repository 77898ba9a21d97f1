/**
 * The items of a dataset at every version, as persistent rank trees
 * (`kit/persistentRankTree.ts`). Internal functions only.
 *
 * Each item write bumps the dataset's version by one; in the same mutation
 * it derives that version's four trees (one per list order: `createdAt`,
 * `createdDesc`, `updatedAt`, `updatedDesc`, ties by ascending id) from the
 * previous version's by copying only the paths of the keys it changes, and
 * stores their roots in `dataset_version_trees` under the new version. A
 * tree's entry is an item alive at that version, keyed by its sort value
 * and id, with the document id of the item's row valid then, so a page
 * at version V is: the root row of the newest version <= V (one index
 * read), the tree's depth plus the page's leaves, and one `get` per row: k + O(log N) documents in one call, with the exact total (the
 * root's count).
 *
 * `purgeItem` scrubs rows in place without changing their sort values,
 * ids or versions, so the trees of every version stay correct as they are.
 * Deleting the dataset drops its trees' nodes and root rows in bounded
 * steps (`datasets.ts`). Datasets that had items written before these
 * trees existed have no `pastTrees` flag and keep the walk of their
 * history (`items.ts`, `keysAt`); `pageAt` answers `fallback` for them.
 * So does a dataset once a batch delete was too large to update its trees
 * within Convex's reads per transaction ({@link treeReadBudget}): the
 * delete succeeds and the dataset stops keeping trees.
 */
import { type GenericId as Id, v } from "convex/values";
import {
  applyChanges,
  dropForest,
  type PersistentChange,
  type PersistentRoot,
  type ReadBudget,
  ReadBudgetExceeded,
  readPage,
} from "../kit/persistentRankTree.js";
import { internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { MAX_ENTRIES } from "../kit/rankTree.js";
import { withoutSystemFields } from "../kit/rows.js";
import { approximateSize } from "../kit/walk.js";
import { ITEM_SORT_FIELDS } from "./counterNames.js";
import { liveDataset } from "./datasets.js";
import { type ItemRow, tenancyValidator } from "./validators.js";

/** Rows one {@link pageAt} call returns at most. */
export const PAGE_AT_MAX = 1000;
/** Bytes of rows (approximate) after which one {@link pageAt} call stops adding rows. */
const PAGE_AT_BYTES = 8 * 1024 * 1024;

/** A sort column of the item lists (one tree per column and version). */
export type ItemSortField = (typeof ITEM_SORT_FIELDS)[number];

/** Name of the forest holding every version's item trees of a dataset. */
export function itemForest(datasetId: string): string {
  return `datasets:versions:${JSON.stringify(datasetId)}`;
}

/** The fields of an item row the trees key on, and its document (what a tree entry points at). */
type Keyed = Pick<ItemRow, "id" | ItemSortField> & { _id: Id<"dataset_items"> };

/** The root row of the newest version <= `version` of a dataset, or `null` (no item write up to it). */
async function rootsAt(ctx: QueryCtx, datasetId: string, version: number) {
  return await ctx.db.query("dataset_version_trees").withIndex(
    "by_dataset_version",
    (q) => q.eq("datasetId", datasetId).lte("version", version),
  ).order("desc").first();
}

/** Index ranges and `get`s a mutation may spend (Convex allows 4,096), with some left for the rest of the write. */
const READS_BUDGET = 3900;

/**
 * The node reads the version trees may spend in an item write that changes
 * `changed` items of a dataset of `items` current items: what is left of
 * Convex's reads per transaction after, at worst, one index read per item
 * and the current-items rank trees (four trees whose leaves hold at least
 * half of {@link MAX_ENTRIES} keys, their inner nodes, and the pending rank
 * changes a write reads and may fold).
 */
export function treeReadBudget(changed: number, items: number): number {
  const leaves = Math.min(changed, Math.ceil(items / (MAX_ENTRIES / 2)));
  return READS_BUDGET - changed - 4 * (leaves + Math.ceil(leaves / (MAX_ENTRIES / 2)) + 8) - 16;
}

/**
 * Stops keeping version trees for a dataset (a write too large to update
 * them within one transaction): from then on every version of it is read
 * by walking its history, as for datasets whose items predate the trees.
 * Its existing tree nodes are reclaimed when it is deleted.
 */
export async function stopVersionTrees(ctx: MutationCtx, dataset: { _id: Id<"datasets"> }): Promise<void> {
  await ctx.db.patch(dataset._id, { pastTrees: false });
}

/**
 * Derives version `version`'s item trees from the previous version's:
 * the rows in `closed` stop being alive (their keys leave), the rows in
 * `opened` become alive (their keys enter, pointing at their version).
 * Called once by each item write, after `bumpVersion`. With `reads`, the
 * trees may read at most that many nodes: when they would need more
 * nothing is recorded and the answer is `false` (the caller then stops
 * keeping trees for the dataset).
 */
export async function recordVersionTrees(
  ctx: MutationCtx,
  datasetId: string,
  version: number,
  closed: Keyed[],
  opened: Keyed[],
  reads?: number,
): Promise<boolean> {
  const previous = await rootsAt(ctx, datasetId, version - 1);
  const budget: ReadBudget | undefined = reads === undefined ? undefined : { reads };
  const forest = itemForest(datasetId);
  const roots = {} as Record<ItemSortField, PersistentRoot>;
  for (const field of ITEM_SORT_FIELDS) {
    const changes: PersistentChange[] = [
      ...closed.map((row) => ({ key: { value: row[field], id: row.id }, ref: null })),
      ...opened.map((row) => ({ key: { value: row[field], id: row.id }, ref: row._id as string })),
    ];
    try {
      roots[field] = await applyChanges(ctx, forest, previous ? previous[field] : null, changes, budget);
    } catch (error) {
      if (error instanceof ReadBudgetExceeded) return false;
      throw error;
    }
  }
  await ctx.db.insert("dataset_version_trees", { datasetId, version, ...roots });
  return true;
}

/** Removes up to a bounded number of a dataset's tree nodes and root rows; answers whether none is left. */
export async function dropVersionTrees(ctx: MutationCtx, datasetId: string): Promise<boolean> {
  if (!await dropForest(ctx, itemForest(datasetId))) return false;
  const rows = await ctx.db.query("dataset_version_trees").withIndex(
    "by_dataset_version",
    (q) => q.eq("datasetId", datasetId),
  ).take(1000);
  for (const row of rows) await ctx.db.delete(row._id);
  return rows.length < 1000;
}

/**
 * A page of the items visible at `version` of a dataset, in the order of
 * sort column `field` (ties by ascending id), or its exact reverse when
 * `reverse`, with the exact total. An absent dataset (or one of another
 * tenant) lists nothing; a dataset without per-version trees answers
 * `fallback` (the client walks its history instead). A page holding more
 * than about 8 MiB of rows ends early: the client asks for the rest.
 */
export const pageAt = internalQuery({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    version: v.number(),
    field: v.union(v.literal("createdAt"), v.literal("createdDesc"), v.literal("updatedAt"), v.literal("updatedDesc")),
    reverse: v.optional(v.boolean()),
    offset: v.number(),
    limit: v.number(),
  },
  handler: async (ctx, args): Promise<{ rows: ItemRow[]; total: number } | { fallback: true }> => {
    const dataset = await liveDataset(ctx, args.datasetId, args.filters);
    if (!dataset) return { rows: [], total: 0 };
    if (dataset.pastTrees !== true) return dataset.version === 0 ? { rows: [], total: 0 } : { fallback: true };
    const roots = await rootsAt(ctx, args.datasetId, args.version);
    const root = roots ? roots[args.field] : null;
    const limit = Math.max(0, Math.min(args.limit, PAGE_AT_MAX));
    const entries = await readPage(ctx, root, Math.max(0, args.offset), limit, args.reverse === true);
    const rows: ItemRow[] = [];
    let bytes = 0;
    for (const entry of entries) {
      // Large pages stop at about 8 MiB of rows (the client asks again from there).
      if (bytes >= PAGE_AT_BYTES) break;
      const row = await ctx.db.get(entry.ref as Id<"dataset_items">);
      if (!row) {
        throw new Error(`dataset ${args.datasetId}: item ${entry.key.id}@${entry.ref} of a version tree is missing`);
      }
      bytes += approximateSize(row);
      rows.push(withoutSystemFields(row));
    }
    return { rows, total: root?.count ?? 0 };
  },
});
