/**
 * Rank-tree maintenance behind the write: the pending changes of every tree.
 *
 * A write does not rewrite rank-tree nodes (`kit/rankTree.ts`) on every
 * change. It records each key entering or leaving a tree as one small
 * `rank_pending` document (tree, row id, sort value, insert or remove),
 * merged with the pending changes of the same key: a change cancels the
 * opposite pending change of that key, and a repeated one is a no-op (a
 * thread whose `updatedAt` moves ten times keeps one pending insert and one
 * pending remove).
 *
 * A tree never holds more than {@link PENDING_CAP} pending changes (a shard
 * of a deployment-wide ordering {@link SHARD_PENDING_CAP}). The write reads
 * the pending rows of the keys it changes and its tree's newest pending row
 * (pending rows are numbered, so the newest bounds their count) and, when its own changes would pass the cap, *folds* the
 * tree: it applies every pending change and its own to the nodes in one
 * batch (each node read and written once) and deletes the pending rows. So
 * a leaf and its path are rewritten about once per {@link PENDING_CAP}
 * changes instead of on every write, a burst (a clone, a bulk save) is
 * applied to the nodes in the write that makes it, and a read never pays
 * more than {@link PENDING_CAP} pending rows per tree (or per family of shards). No scheduled function
 * is involved: the bound holds at every moment, whether or not a
 * deployment's scheduler keeps up.
 *
 * Folding is idempotent (inserting a present key or removing an absent one
 * is a no-op) and each pending row is independent of the others (a tree's
 * pending rows never hold the same key twice), so a fold that runs twice,
 * late, or fails halfway (its transaction then changes nothing) changes no
 * answer. Reads see the nodes plus the pending rows ({@link pendingOverlay}):
 * a read right after a write includes it.
 */
import type { GenericId } from "convex/values";
import type { MutationCtx, QueryCtx } from "./functions.js";
import { compareKeys, type SortKey } from "./walk.js";

/**
 * Pending changes a tree holds at most; the write that would pass it folds
 * the tree. A read pays up to this many small rows per tree it reads; a
 * fold rewrites a leaf and its path about once per this many changes.
 */
export const PENDING_CAP = 16;

/**
 * Pending changes a *shard* tree holds at most: one of the trees a
 * deployment-wide ordering is spread over (`kit/rankFamily.ts`, named
 * `family~shard`; the trace dictionary's `entry#shard`). A read of the
 * ordering reads every shard (8), so their caps add up to about
 * {@link PENDING_CAP}. A thread's `updatedAt` moves on every message,
 * leaving a pending pair in its shard, so the shard folds on most saves:
 * measured on 1,000 saves into 50 threads (`deno task bench
 * --stream-messages=1000`), a cap of 4 would write 4,277 / read 7,643 bytes
 * per save instead of 5,152 / 9,365, but family pages then pass the read
 * bounds of `tests/workflows_deep_pages_test.ts` and
 * `tests/background_tasks_test.ts`.
 */
export const SHARD_PENDING_CAP = 2;

/** The cap of `tree`'s pending changes: {@link SHARD_PENDING_CAP} for a shard tree, else {@link PENDING_CAP}. */
export function pendingCapOf(tree: string): number {
  return /[~#]\d+$/.test(tree) ? SHARD_PENDING_CAP : PENDING_CAP;
}

/** Keys of one tree a write looks up one by one; with more, it reads the tree's pending range at once. */
const POINT_LOOKUPS = 2;

/** Pending rows a read accepts per tree: {@link PENDING_CAP} holds, so more means a broken invariant. */
const MAX_PENDING_READ = 1000;

/** Pending rows applied per explicit fold call ({@link takePending}). */
export const FOLD_BATCH = 1000;

/** One change of a tree: `key` enters (`insert`) or leaves it. */
export type TreeOp = { tree: string; key: SortKey; insert: boolean };

/** A `rank_pending` row. */
type PendingRow = {
  _id: GenericId<"rank_pending">;
  tree: string;
  id: string;
  value?: number | string;
  insert: boolean;
  seq: number;
};

/** The pending changes of one tree, sorted: keys to add to and to remove from its nodes. */
export type Overlay = { adds: SortKey[]; removes: SortKey[] };

/** The overlay of a tree with no pending change. */
export const EMPTY_OVERLAY: Overlay = { adds: [], removes: [] };

// deno-lint-ignore no-explicit-any
type Db = any;

/** A key as a map key. */
function keyText(key: SortKey): string {
  return `${typeof key.value}:${String(key.value)}\u0000${key.id}`;
}

function keyOf(row: PendingRow): SortKey {
  return row.value === undefined ? { id: row.id } : { value: row.value, id: row.id };
}

/** Overlays read in one function call, per tree (keyed by the call's `db`, dropped when the call changes pending rows). */
const overlays = new WeakMap<object, Map<string, Promise<Overlay>>>();

/** Forgets the overlays cached for the call of `ctx` (after it changed pending rows or nodes). */
export function forgetOverlays(ctx: QueryCtx): void {
  overlays.delete(ctx.db);
}

function pendingRows(ctx: QueryCtx, tree: string, limit: number): Promise<PendingRow[]> {
  return (ctx.db as Db).query("rank_pending").withIndex("by_tree_key", (q: Db) => q.eq("tree", tree))
    .take(limit) as Promise<PendingRow[]>;
}

async function readPending(ctx: QueryCtx, tree: string): Promise<Overlay> {
  const rows = await pendingRows(ctx, tree, MAX_PENDING_READ + 1);
  if (rows.length > MAX_PENDING_READ) {
    throw new Error(`rank tree ${tree} has more than ${MAX_PENDING_READ} pending changes (at most ${PENDING_CAP})`);
  }
  const adds: SortKey[] = [];
  const removes: SortKey[] = [];
  for (const row of rows) (row.insert ? adds : removes).push(keyOf(row));
  adds.sort(compareKeys);
  removes.sort(compareKeys);
  return { adds, removes };
}

/** The pending changes of `tree` (read once per function call). */
export function pendingOverlay(ctx: QueryCtx, tree: string): Promise<Overlay> {
  let byTree = overlays.get(ctx.db);
  if (!byTree) {
    byTree = new Map();
    overlays.set(ctx.db, byTree);
  }
  let overlay = byTree.get(tree);
  if (!overlay) {
    overlay = readPending(ctx, tree);
    byTree.set(tree, overlay);
  }
  return overlay;
}

/** `ops` grouped by tree, in first-seen order. */
function byTree(ops: TreeOp[]): Map<string, TreeOp[]> {
  const groups = new Map<string, TreeOp[]>();
  for (const op of ops) {
    const list = groups.get(op.tree);
    if (list) list.push(op);
    else groups.set(op.tree, [op]);
  }
  return groups;
}

/** Net pending state of a tree's keys after `group`, from the pending `rows` of those keys. */
function netState(tree: string, rows: PendingRow[], group: TreeOp[]): Map<string, TreeOp> {
  // Per key: whether the nodes hold it and whether it is in the tree after the ops. A pending
  // insert means the nodes lack the key, a pending remove that they hold it; a key without a
  // pending row is assumed to change with its first op (adding a present key or removing an
  // absent one is left to the fold, which ignores it), and later ops of the same key are
  // judged against what is then known (so removing a key twice is one remove).
  const known = new Map<string, { key: SortKey; inNodes: boolean; present: boolean }>();
  for (const row of rows) {
    known.set(keyText(keyOf(row)), { key: keyOf(row), inNodes: !row.insert, present: row.insert });
  }
  for (const op of group) {
    const text = keyText(op.key);
    const current = known.get(text);
    if (current === undefined) known.set(text, { key: op.key, inNodes: !op.insert, present: op.insert });
    else current.present = op.insert;
  }
  const state = new Map<string, TreeOp>();
  for (const [text, { key, inNodes, present }] of known) {
    if (inNodes !== present) state.set(text, { tree, key, insert: present });
  }
  return state;
}

/**
 * Records tree changes as pending rows, merged with the pending rows of the
 * same keys (see the module's note). Returns the changes to apply to the
 * nodes now: those of every tree whose pending changes would pass its cap
 * (its pending rows are then deleted, and the caller applies the returned
 * changes in the same mutation).
 *
 * A write reads, per tree, the pending rows of the keys it changes (one
 * index point each, or the tree's whole pending range for a bulk write) and
 * the tree's newest pending row: pending rows are
 * numbered (`seq`) from 1 after each fold, new ones above the newest, so the
 * newest number bounds how many a tree holds without reading them all.
 */
export async function recordPending(ctx: MutationCtx, ops: TreeOp[]): Promise<TreeOp[]> {
  if (ops.length === 0) return [];
  const db = ctx.db as Db;
  const fold: TreeOp[] = [];
  for (const [tree, group] of byTree(ops)) {
    const cap = pendingCapOf(tree);
    const keys = new Map(group.map((op) => [keyText(op.key), op.key]));
    let rows: PendingRow[] = [];
    let top = 0;
    if (keys.size > POINT_LOOKUPS) {
      // Many keys (a bulk write): the tree's whole pending range, one index range (at most the cap).
      rows = await pendingRows(ctx, tree, cap + 1);
      if (rows.length > cap) rows = await pendingRows(ctx, tree, FOLD_BATCH);
      for (const row of rows) top = Math.max(top, row.seq);
    } else {
      const newest = await db.query("rank_pending").withIndex("by_tree_seq", (q: Db) => q.eq("tree", tree))
        .order("desc").first() as PendingRow | null;
      top = newest?.seq ?? 0;
      for (const key of keys.values()) {
        rows.push(
          ...await db.query("rank_pending").withIndex(
            "by_tree_key",
            (q: Db) => q.eq("tree", tree).eq("id", key.id).eq("value", key.value),
          ).take(2) as PendingRow[],
        );
      }
    }
    let state = netState(tree, rows, group);
    const kept = new Set<string>();
    const stale: PendingRow[] = [];
    for (const row of rows) {
      const text = keyText(keyOf(row));
      const wanted = state.get(text);
      if (wanted !== undefined && wanted.insert === row.insert) kept.add(text);
      else stale.push(row);
    }
    const fresh = [...state].filter(([text]) => !kept.has(text));
    const added = Math.max(0, fresh.length - stale.length);
    if (top + added > cap) {
      // Fold the tree: every pending change and the new ones go into the nodes now.
      const all = await pendingRows(ctx, tree, FOLD_BATCH);
      state = netState(tree, all, group);
      for (const row of all) await db.delete(row._id);
      fold.push(...state.values());
      continue;
    }
    let seq = top;
    for (const [, change] of fresh) {
      const reuse = stale.pop();
      const fields = {
        tree,
        id: change.key.id,
        value: change.key.value,
        insert: change.insert,
        seq: reuse ? reuse.seq : ++seq,
      };
      if (reuse) await db.replace(reuse._id, fields);
      else await db.insert("rank_pending", fields);
    }
    for (const row of stale) await db.delete(row._id);
  }
  forgetOverlays(ctx);
  return fold;
}

function toOp(row: PendingRow): TreeOp {
  return { tree: row.tree, key: keyOf(row), insert: row.insert };
}

/** Up to `limit` pending rows of `tree` (every tree when `null`). */
function takeRows(ctx: QueryCtx, tree: string | null, limit: number): Promise<PendingRow[]> {
  return tree === null
    ? (ctx.db as Db).query("rank_pending").take(limit) as Promise<PendingRow[]>
    : pendingRows(ctx, tree, limit);
}

/**
 * Takes up to `limit` pending rows of `tree` (every tree when `tree` is
 * `null`), deletes them and returns their changes, for the caller to apply
 * to the nodes in the same mutation; `done` when no pending row is left.
 */
export async function takePending(
  ctx: MutationCtx,
  tree: string | null,
  limit: number = FOLD_BATCH,
): Promise<{ ops: TreeOp[]; done: boolean }> {
  const db = ctx.db as Db;
  const rows = await takeRows(ctx, tree, limit + 1);
  const taken = rows.slice(0, limit);
  for (const row of taken) await db.delete(row._id);
  forgetOverlays(ctx);
  return { ops: taken.map(toOp), done: rows.length <= limit };
}
