/**
 * Rank-tree maintenance behind the write: the pending log of every tree.
 *
 * A write does not touch rank-tree nodes (`kit/rankTree.ts`). It records
 * each key entering or leaving a tree as one small `rank_pending` document
 * (tree, row id, sort value, insert or remove), looked up by its key so
 * that a change cancels the opposite pending change of the same key (a
 * thread whose `updatedAt` moves ten times between folds keeps one pending
 * insert, patched in place). Writes of unrelated owners therefore share no
 * document: they insert their own pending rows and touch no node.
 *
 * A *fold* applies a tree's pending rows to its nodes in one batch (each
 * node read and written once per batch) and deletes them. Folds are
 * scheduled by the writes themselves: a new pending row whose hash falls in
 * one of {@link FOLD_EVERY} buckets schedules a fold of its tree, so a tree
 * is folded about once per {@link FOLD_EVERY} changes, deployment-wide trees
 * included, with no shared "fold scheduled" flag for writers to contend on.
 * A fold of a tree is idempotent and each pending row is independent of the
 * others (inserting an absent key or removing a present one; pending rows of
 * one tree never hold the same key twice), so a fold that runs late, twice,
 * concurrently with another or stops after part of its batch changes no
 * answer.
 *
 * Reads see the nodes plus the pending rows ({@link pendingOverlay}): a
 * read right after a write includes it. A tree's pending rows are read once
 * per call (at most {@link MAX_PENDING_READ}; folds keep them near
 * {@link FOLD_EVERY}).
 */
import { type FunctionReference, makeFunctionReference } from "convex/server";
import type { GenericId } from "convex/values";
import type { MutationCtx, QueryCtx } from "./functions.js";
import { fnv1a } from "./hash.js";
import { compareKeys, type SortKey } from "./walk.js";

/** A tree is folded about once per this many pending changes. */
export const FOLD_EVERY = 32;

/** Pending rows of one tree a read accepts; more means folds are not running (an error, never a wrong answer). */
export const MAX_PENDING_READ = 8000;

/** Pending rows applied per fold call. */
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
};

/** The pending changes of one tree, sorted: keys to add to and to remove from its nodes. */
export type Overlay = { adds: SortKey[]; removes: SortKey[] };

/** The overlay of a tree with no pending change. */
export const EMPTY_OVERLAY: Overlay = { adds: [], removes: [] };

const foldRef: FunctionReference<"mutation", "internal", { tree: string }> = makeFunctionReference<
  "mutation",
  { tree: string }
>("system/rankFold:fold") as never;

// deno-lint-ignore no-explicit-any
type Db = any;

/** A key as a map key. */
function keyText(key: SortKey): string {
  return `${typeof key.value}:${String(key.value)}\u0000${key.id}`;
}

function keyOf(row: PendingRow): SortKey {
  return row.value === undefined ? { id: row.id } : { value: row.value, id: row.id };
}

/** Overlays read in one function call, per tree (keyed by the call's `db`, dropped when the call writes pending rows). */
const overlays = new WeakMap<object, Map<string, Promise<Overlay>>>();

/** Forgets the overlays cached for the call of `ctx` (after it changed pending rows or nodes). */
export function forgetOverlays(ctx: QueryCtx): void {
  overlays.delete(ctx.db);
}

async function readPending(ctx: QueryCtx, tree: string): Promise<Overlay> {
  const rows = await (ctx.db as Db).query("rank_pending").withIndex("by_tree_key", (q: Db) => q.eq("tree", tree))
    .take(MAX_PENDING_READ + 1) as PendingRow[];
  if (rows.length > MAX_PENDING_READ) {
    throw new Error(`rank tree ${tree} has more than ${MAX_PENDING_READ} pending changes: its folds are not running`);
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

/** Whether the pending row `row` (just written) is the one of about {@link FOLD_EVERY} that schedules a fold. */
function triggersFold(tree: string, key: SortKey, insert: boolean): boolean {
  // FNV-1a's low bits depend only on the inputs' low bits: mix (murmur3's finalizer) before taking them.
  let h = fnv1a(`${tree}\u0000${keyText(key)}\u0000${insert ? 1 : 0}`);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) % FOLD_EVERY === 0;
}

/**
 * Records tree changes as pending rows, merging them with the pending rows
 * of the same keys: a change that undoes a pending one deletes it (or, when
 * the same row's key moves, patches it into the new key), a repeated one is
 * a no-op. Schedules a fold of a tree when a new pending row triggers one.
 */
export async function recordPending(ctx: MutationCtx, ops: TreeOp[]): Promise<void> {
  if (ops.length === 0) return;
  const db = ctx.db as Db;
  const groups = new Map<string, TreeOp[]>();
  for (const op of ops) {
    const group = `${op.tree}\u0000${op.key.id}`;
    const list = groups.get(group);
    if (list) list.push(op);
    else groups.set(group, [op]);
  }
  const folds = new Set<string>();
  for (const group of groups.values()) {
    const { tree, key: { id } } = group[0];
    // Only the pending rows of the keys these ops touch (one index point each): a row's other pending keys stay unread.
    const existing: PendingRow[] = [];
    const values = new Map(group.map((op) => [keyText(op.key), op.key.value]));
    for (const value of values.values()) {
      existing.push(
        ...await db.query("rank_pending").withIndex(
          "by_tree_key",
          (q: Db) => q.eq("tree", tree).eq("id", id).eq("value", value),
        ).take(2) as PendingRow[],
      );
    }
    // The net pending state of this row's keys in this tree, after the ops.
    const state = new Map<string, { key: SortKey; insert: boolean }>();
    for (const row of existing) state.set(keyText(keyOf(row)), { key: keyOf(row), insert: row.insert });
    for (const op of group) {
      const text = keyText(op.key);
      const current = state.get(text);
      if (current === undefined) state.set(text, { key: op.key, insert: op.insert });
      else if (current.insert !== op.insert) state.delete(text);
    }
    const kept = new Set<string>();
    const stale: PendingRow[] = [];
    for (const row of existing) {
      const text = keyText(keyOf(row));
      const wanted = state.get(text);
      if (wanted !== undefined && wanted.insert === row.insert) kept.add(text);
      else stale.push(row);
    }
    for (const [text, change] of state) {
      if (kept.has(text)) continue;
      const fields = { tree, id, value: change.key.value, insert: change.insert };
      const reuse = stale.pop();
      if (reuse) await db.replace(reuse._id, fields);
      else await db.insert("rank_pending", fields);
      if (triggersFold(tree, change.key, change.insert)) folds.add(tree);
    }
    for (const row of stale) await db.delete(row._id);
  }
  forgetOverlays(ctx);
  for (const tree of folds) await ctx.scheduler.runAfter(0, foldRef, { tree });
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
  const query = tree === null
    ? db.query("rank_pending")
    : db.query("rank_pending").withIndex("by_tree_key", (q: Db) => q.eq("tree", tree));
  const rows = await query.take(limit + 1) as PendingRow[];
  const taken = rows.slice(0, limit);
  for (const row of taken) await db.delete(row._id);
  forgetOverlays(ctx);
  return {
    ops: taken.map((row) => ({ tree: row.tree, key: keyOf(row), insert: row.insert })),
    done: rows.length <= limit,
  };
}
