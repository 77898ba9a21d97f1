/**
 * Order statistics: the key at any offset of a sorted list, and the number
 * of keys below any key, in O(log N) document reads.
 *
 * A *rank tree* is a counted B+tree over the keys `(sortValue, id)` of one
 * list (one thread's messages, one resource's threads by `updatedAt`, ...),
 * stored in `rank_nodes` (`kit/tables.ts`). Leaves hold up to {@link MAX_ENTRIES} sorted keys;
 * internal nodes hold up to {@link MAX_ENTRIES} children with their lower
 * separator key and the number of keys under them; the root also knows the
 * tree's total. A list seeks through its tree to the key just before the
 * page and walks the index from there (`kit/walk.ts`), so a page at any
 * depth costs its rows plus the tree's depth (2 nodes up to 65,536 keys, 3
 * up to 16.7 million).
 *
 * Trees change with the rows they index, through a {@link RankBatch}:
 * changes are recorded as rows change and, at the end of the mutation,
 * written as *pending* changes (`kit/rankPending.ts`: one small row per key,
 * no node touched); the write that would pass a tree's cap of pending changes
 * folds them into the nodes in one batch, touching each node at most once.
 * Every read here sees the
 * nodes plus the pending changes ({@link findRoot}, {@link getNode} return
 * nodes with the pending keys of their range merged in), so answers are
 * exact at every moment. Inserting a present key or removing an absent one
 * is a no-op when folded, so a tree holds exactly the keys it was given. A
 * list uses its tree only when the tree's total equals the list's counter
 * (both kept in the same mutations), so rows written before the tree existed
 * are served by the plain walk until a rebuild; a seek is never wrong.
 *
 * Each tree is per thread, resource, workflow or other list owner: writes of
 * unrelated owners never touch the same node.
 */
import type { MutationCtx, QueryCtx } from "./functions.js";
import { compareValues, type GenericId } from "convex/values";
import {
  EMPTY_OVERLAY,
  FOLD_BATCH,
  forgetOverlays,
  type Overlay,
  pendingOverlay,
  recordPending,
  takePending,
  type TreeOp,
} from "./rankPending.js";
import {
  compareKeys,
  countingState,
  effectiveRange,
  type Order,
  planPage,
  type SortKey,
  type SortRange,
  type WalkState,
} from "./walk.js";

/**
 * Entries (keys of a leaf, children of an internal node) per node before it
 * splits. A fold rewrites the leaves and the path it changes, so node size is
 * the bytes a fold writes per tree: 64 keys of ~70 bytes keep a leaf near
 * 4 KB while a tree of 16.7 million keys is 4 levels deep.
 */
export const MAX_ENTRIES = 64;

/** Nodes deleted per {@link dropTree} call at most. */
const DROP_BATCH = 4000;

/** Id of a rank-tree node. */
export type NodeId = GenericId<"rank_nodes">;
/** An internal node's entry: a child, its lower separator key and the number of keys under it. */
export type Child = { node: NodeId; min: SortKey; count: number };
/** A rank-tree node as stored in `rank_nodes`. */
export type Node = {
  _id: NodeId;
  tree: string;
  root: boolean;
  leaf: boolean;
  count: number;
  keys: SortKey[];
  children: Child[];
};

// deno-lint-ignore no-explicit-any
type Db = any;

/** The stored root node of `tree` (pending changes not applied), or `null`. */
async function storedRoot(ctx: QueryCtx, tree: string): Promise<Node | null> {
  const db = ctx.db as Db;
  return await db.query("rank_nodes").withIndex("by_tree_root", (q: Db) => q.eq("tree", tree).eq("root", true))
    .first() as Node | null;
}

/** The stored node `id` (throws when it is missing: a tree is never left dangling). */
async function storedNode(ctx: QueryCtx, id: NodeId): Promise<Node> {
  const node = await (ctx.db as Db).get(id) as Node | null;
  if (!node) throw new Error(`rank tree node ${id} is missing`);
  return node;
}

/** The pending changes that fall under each node read by a call, registered when its parent was read. */
const nodeOverlays = new WeakMap<object, Map<NodeId, Overlay>>();

function overlaysOf(ctx: QueryCtx): Map<NodeId, Overlay> {
  let map = nodeOverlays.get(ctx.db);
  if (!map) {
    map = new Map();
    nodeOverlays.set(ctx.db, map);
  }
  return map;
}

/** Keys of sorted `keys` in `[lo, hi)` (`null`: unbounded). */
function slice(keys: SortKey[], lo: SortKey | null, hi: SortKey | null): SortKey[] {
  const from = lo === null ? 0 : lowerBound(keys, lo);
  const to = hi === null ? keys.length : lowerBound(keys, hi);
  return keys.slice(from, to);
}

/**
 * `node` as it reads with `overlay` (the pending changes under it) applied:
 * a leaf with the added keys merged in and the removed ones out; an
 * internal node with each child's count adjusted by the changes in its
 * range (registered for when the child is read).
 */
function withOverlay(ctx: QueryCtx, node: Node, overlay: Overlay): Node {
  const empty = overlay.adds.length === 0 && overlay.removes.length === 0;
  if (empty) {
    // Drop what an earlier read of this call registered under the node's children.
    const registry = nodeOverlays.get(ctx.db);
    if (registry && !node.leaf) { for (const child of node.children) registry.delete(child.node); }
    return node;
  }
  if (node.leaf) {
    const removed = new Set(overlay.removes.map((key) => JSON.stringify([key.value ?? null, key.id])));
    const kept = removed.size === 0
      ? node.keys
      : node.keys.filter((key) => !removed.has(JSON.stringify([key.value ?? null, key.id])));
    const keys: SortKey[] = [];
    let i = 0;
    let j = 0;
    while (i < kept.length || j < overlay.adds.length) {
      if (j >= overlay.adds.length || (i < kept.length && compareKeys(kept[i], overlay.adds[j]) <= 0)) {
        keys.push(kept[i++]);
      } else keys.push(overlay.adds[j++]);
    }
    return { ...node, keys, count: keys.length };
  }
  const registry = overlaysOf(ctx);
  let count = 0;
  const children = node.children.map((child, i) => {
    const lo = i === 0 ? null : child.min;
    const hi = i + 1 < node.children.length ? node.children[i + 1].min : null;
    const sub = { adds: slice(overlay.adds, lo, hi), removes: slice(overlay.removes, lo, hi) };
    registry.set(child.node, sub);
    const adjusted = Math.max(0, child.count + sub.adds.length - sub.removes.length);
    count += adjusted;
    return { ...child, count: adjusted };
  });
  return { ...node, children, count };
}

/**
 * The root node of `tree` with its pending changes applied (see
 * {@link withOverlay}), or `null` when the tree holds no key. A tree with
 * pending keys and no stored node reads as one leaf of those keys.
 */
export async function findRoot(ctx: QueryCtx, tree: string): Promise<Node | null> {
  const [root, overlay] = await Promise.all([storedRoot(ctx, tree), pendingOverlay(ctx, tree)]);
  if (root) return withOverlay(ctx, root, overlay);
  if (overlay.adds.length === 0) return null;
  return {
    _id: `pending:${tree}` as NodeId,
    tree,
    root: true,
    leaf: true,
    count: overlay.adds.length,
    keys: overlay.adds,
    children: [],
  };
}

/**
 * The node `id`, below a root read with {@link findRoot} in the same call,
 * with the pending changes of its range applied (throws when it is missing).
 */
export async function getNode(ctx: QueryCtx, id: NodeId): Promise<Node> {
  const node = await storedNode(ctx, id);
  return withOverlay(ctx, node, nodeOverlays.get(ctx.db)?.get(id) ?? EMPTY_OVERLAY);
}

/** Index of the child of `node` whose range holds `key`. */
function route(node: Node, key: SortKey): number {
  let lo = 1;
  let hi = node.children.length - 1;
  let found = 0;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (compareKeys(node.children[mid].min, key) <= 0) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Position of the first key of `keys` not below `key` (`inclusive`: above it). */
function lowerBound(keys: SortKey[], key: SortKey, inclusive = false): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const c = compareKeys(keys[mid], key);
    if (c < 0 || (inclusive && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Number of keys in `tree` (0 when it has none). */
export async function treeTotal(ctx: QueryCtx, tree: string): Promise<number> {
  return (await findRoot(ctx, tree))?.count ?? 0;
}

/** The key at 0-based ascending position `rank` of `tree`, or `null` past its end. */
export async function keyAt(ctx: QueryCtx, tree: string, rank: number): Promise<SortKey | null> {
  let node = await findRoot(ctx, tree);
  if (!node || rank < 0 || rank >= node.count) return null;
  while (!node.leaf) {
    let next: Child | undefined;
    for (const child of node.children) {
      if (rank < child.count) {
        next = child;
        break;
      }
      rank -= child.count;
    }
    if (!next) return null;
    node = await getNode(ctx, next.node);
  }
  return node.keys[rank] ?? null;
}

/**
 * Number of keys of `tree` for which `below` holds, where `below` is true
 * for a prefix of the sorted keys (e.g. "key < k" or "value <= v").
 */
export async function countWhere(ctx: QueryCtx, tree: string, below: (key: SortKey) => boolean): Promise<number> {
  const root = await findRoot(ctx, tree);
  return root ? await countBelow(ctx, root, below) : 0;
}

/**
 * Keys under the loaded node `root` for which `below` holds (a prefix of the
 * sorted keys): one node per level, read through `load` (a caller's cache).
 */
export async function countBelow(
  ctx: QueryCtx,
  root: Node,
  below: (key: SortKey) => boolean,
  load: (id: NodeId) => Promise<Node> = (id) => getNode(ctx, id),
): Promise<number> {
  let sum = 0;
  let node = root;
  while (!node.leaf) {
    let index = 0;
    for (let i = node.children.length - 1; i >= 1; i--) {
      if (below(node.children[i].min)) {
        index = i;
        break;
      }
    }
    for (let i = 0; i < index; i++) sum += node.children[i].count;
    node = await load(node.children[index].node);
  }
  let lo = 0;
  let hi = node.keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(node.keys[mid])) lo = mid + 1;
    else hi = mid;
  }
  return sum + lo;
}

/** Number of keys of `tree` below `key` (`inclusive`: at or below it). */
export function rankOf(ctx: QueryCtx, tree: string, key: SortKey, inclusive = false): Promise<number> {
  return countWhere(ctx, tree, (other) => inclusive ? compareKeys(other, key) <= 0 : compareKeys(other, key) < 0);
}

/** Ascending positions `[from, to)` of the keys of `tree` whose sort value lies in `range`. */
export async function rangeRanks(
  ctx: QueryCtx,
  tree: string,
  total: number,
  range: SortRange,
): Promise<{ from: number; to: number }> {
  const { lower, upper } = effectiveRange(range);
  const from = lower === undefined ? 0 : await countWhere(ctx, tree, (key) => {
    const c = compareValues(key.value, lower.value);
    return lower.inclusive ? c < 0 : c <= 0;
  });
  const to = upper === undefined ? total : await countWhere(ctx, tree, (key) => {
    const c = compareValues(key.value, upper.value);
    return upper.inclusive ? c <= 0 : c < 0;
  });
  return { from, to: Math.max(from, to) };
}

/**
 * Plans an offset page of a list: the first walk state and the total.
 *
 * `counted` is the list's total without `range` (from a counter), or `null`
 * when no counter covers the list's filters: then the walk counts every
 * match. With a `tree` that accounts for exactly `counted` keys, a page at
 * any depth seeks (see {@link planSeek}), and a `range` on the sort field
 * is answered from the tree too (its total and its pages in O(log N)
 * reads); without one, a range is counted by the walk. `state` is `null`
 * for an empty page.
 */
export async function planList(
  ctx: QueryCtx,
  tree: string | null,
  counted: number | null,
  range: SortRange,
  offset: number,
  limit: number,
  order: Order,
): Promise<{ state: WalkState | null; total: number | null }> {
  if (counted === null) return { state: countingState(offset, limit, order), total: null };
  const ranged = range.lower !== undefined || range.upper !== undefined;
  if (!ranged) {
    const state = offset >= counted || limit <= 0 ? null : await planSeek(ctx, tree, counted, offset, limit, order);
    return { state, total: counted };
  }
  if (tree === null || await treeTotal(ctx, tree) !== counted) {
    return { state: countingState(offset, limit, order), total: null };
  }
  const { from, to } = await rangeRanks(ctx, tree, counted, range);
  const total = to - from;
  const take = Math.max(0, Math.min(limit, total - offset));
  if (take === 0) return { state: null, total };
  const base: WalkState = { skip: 0, take, matched: 0, order, countAll: false, reversed: false };
  if (offset <= 0) return { state: base, total };
  const after = await keyAt(ctx, tree, order === "asc" ? from + offset - 1 : to - offset);
  return { state: after === null ? countingState(offset, limit, order) : { ...base, after }, total };
}

/** Below this many skipped rows a page walks from the nearer end instead of seeking (a seek reads ~3 nodes). */
export const SEEK_MIN_SKIP = 8;

/**
 * The first walk state of an offset page of a list whose `total` is known
 * (from a counter) and whose keys `tree` holds: a page near either end walks
 * from that end ({@link planPage}); a deeper one seeks through the tree to
 * the key just before the page and walks only the page, in the requested
 * order. When the tree does not account for exactly `total` keys (rows
 * written before it existed), or no tree is given, it falls back to
 * {@link planPage}.
 */
export async function planSeek(
  ctx: QueryCtx,
  tree: string | null,
  total: number,
  offset: number,
  limit: number,
  order: Order,
): Promise<WalkState> {
  const take = Math.max(0, Math.min(limit, total - offset));
  const plain = planPage(total, offset, limit, order);
  if (take === 0 || tree === null || Math.min(offset, total - offset - take) < SEEK_MIN_SKIP) return plain;
  if (await treeTotal(ctx, tree) !== total) return plain;
  const after = await keyAt(ctx, tree, order === "asc" ? offset - 1 : total - offset);
  if (after === null) return plain;
  return { after, skip: 0, take, matched: 0, order, countAll: false, reversed: false };
}

/** A row's place in one rank tree. */
export type TreeEntry = { tree: string; key: SortKey };

/**
 * Changes to rank trees collected during one mutation and recorded once, as
 * pending changes (`kit/rankPending.ts`); a tree whose pending changes would
 * pass their cap is folded into its nodes in the same mutation. Reads
 * include pending changes at once.
 */
export class RankBatch {
  #ops: TreeOp[] = [];

  /** Records that `key` enters `tree`. */
  add(tree: string, key: SortKey): void {
    this.#ops.push({ tree, key, insert: true });
  }

  /** Records that `key` leaves `tree`. */
  remove(tree: string, key: SortKey): void {
    this.#ops.push({ tree, key, insert: false });
  }

  /** Records the entries of a row changing from `before` to `after`: only entries that differ move. */
  change(before: TreeEntry[], after: TreeEntry[]): void {
    const same = (a: TreeEntry, b: TreeEntry) => a.tree === b.tree && compareKeys(a.key, b.key) === 0;
    for (const entry of before) if (!after.some((other) => same(entry, other))) this.remove(entry.tree, entry.key);
    for (const entry of after) if (!before.some((other) => same(entry, other))) this.add(entry.tree, entry.key);
  }

  /** Records the changes as pending (reads see them at once); folds the trees whose pending changes pass the cap. */
  async apply(ctx: MutationCtx): Promise<void> {
    const ops = this.#ops;
    this.#ops = [];
    await writeTrees(ctx, await recordPending(ctx, ops));
  }

  /**
   * Writes the changes into the nodes now (rebuilds, bulk loads): inserting a
   * present key or removing an absent one is a no-op, as in a fold.
   */
  async applyNow(ctx: MutationCtx): Promise<void> {
    const ops = this.#ops;
    this.#ops = [];
    // The trees' pending changes go first (at most the cap each), so pending rows never
    // contradict the nodes (a pending insert of a key the nodes hold could later cancel wrongly).
    const pending: TreeOp[] = [];
    for (const tree of new Set(ops.map((op) => op.tree))) {
      for (;;) {
        const step = await takePending(ctx, tree);
        pending.push(...step.ops);
        if (step.done) break;
      }
    }
    await writeTrees(ctx, [...pending, ...ops]);
  }
}

/** Applies `ops` to the stored nodes, each node read and written at most once. */
export async function writeTrees(ctx: MutationCtx, ops: TreeOp[]): Promise<void> {
  if (ops.length === 0) return;
  const writer = new TreeWriter(ctx);
  for (const op of ops) {
    if (op.insert) await writer.insert(op.tree, op.key);
    else await writer.remove(op.tree, op.key);
  }
  await writer.flush();
  forgetOverlays(ctx);
  nodeOverlays.delete(ctx.db);
}

/**
 * Folds up to a batch of the pending changes of `tree` (of every tree when
 * `null`) into the nodes; `done` when none is left.
 */
export async function foldTree(
  ctx: MutationCtx,
  tree: string | null,
  limit: number = FOLD_BATCH,
): Promise<{ done: boolean; folded: number }> {
  const { ops, done } = await takePending(ctx, tree, limit);
  await writeTrees(ctx, ops);
  return { done, folded: ops.length };
}

/** Applies tree changes against a per-mutation cache of nodes. */
class TreeWriter {
  readonly #ctx: MutationCtx;
  readonly #nodes = new Map<NodeId, Node>();
  readonly #roots = new Map<string, NodeId | null>();
  readonly #dirty = new Set<NodeId>();
  readonly #deleted = new Set<NodeId>();

  constructor(ctx: MutationCtx) {
    this.#ctx = ctx;
  }

  async #root(tree: string): Promise<Node | null> {
    if (!this.#roots.has(tree)) {
      const root = await storedRoot(this.#ctx, tree);
      if (root) this.#nodes.set(root._id, root);
      this.#roots.set(tree, root?._id ?? null);
    }
    const id = this.#roots.get(tree);
    return id ? this.#nodes.get(id)! : null;
  }

  async #get(id: NodeId): Promise<Node> {
    let node = this.#nodes.get(id);
    if (!node) {
      node = await storedNode(this.#ctx, id);
      this.#nodes.set(id, node);
    }
    return node;
  }

  async #create(fields: Omit<Node, "_id">): Promise<Node> {
    const id = await (this.#ctx.db as Db).insert("rank_nodes", fields) as NodeId;
    const node = { ...fields, _id: id };
    this.#nodes.set(id, node);
    return node;
  }

  /** Inserts `key` (no-op when present). */
  async insert(tree: string, key: SortKey): Promise<void> {
    let root = await this.#root(tree);
    if (!root) {
      root = await this.#create({ tree, root: true, leaf: true, count: 0, keys: [], children: [] });
      this.#roots.set(tree, root._id);
    }
    const path: { node: Node; index: number }[] = [];
    let node = root;
    while (!node.leaf) {
      const index = route(node, key);
      path.push({ node, index });
      node = await this.#get(node.children[index].node);
    }
    const at = lowerBound(node.keys, key);
    if (at < node.keys.length && compareKeys(node.keys[at], key) === 0) return;
    node.keys.splice(at, 0, key);
    node.count++;
    this.#dirty.add(node._id);
    for (const step of path) {
      step.node.count++;
      step.node.children[step.index].count++;
      this.#dirty.add(step.node._id);
    }
    // Split overfull nodes bottom-up. An append (new entry last) splits off
    // just the new entry, so append-only lists keep full nodes.
    let appended = at === node.keys.length - 1;
    for (let level = path.length; level >= 0; level--) {
      const current = level === path.length ? node : path[level].node;
      const size = current.leaf ? current.keys.length : current.children.length;
      if (size <= MAX_ENTRIES) break;
      const cut = appended ? MAX_ENTRIES : size >> 1;
      const right = current.leaf
        ? await this.#create({ tree, root: false, leaf: true, count: 0, keys: current.keys.splice(cut), children: [] })
        : await this.#create({
          tree,
          root: false,
          leaf: false,
          count: 0,
          keys: [],
          children: current.children.splice(cut),
        });
      right.count = right.leaf ? right.keys.length : right.children.reduce((sum, child) => sum + child.count, 0);
      current.count -= right.count;
      this.#dirty.add(right._id);
      this.#dirty.add(current._id);
      const rightMin = right.leaf ? right.keys[0] : right.children[0].min;
      if (level === 0) {
        // The root split: a new root above both halves.
        current.root = false;
        const newRoot = await this.#create({
          tree,
          root: true,
          leaf: false,
          count: current.count + right.count,
          keys: [],
          children: [
            { node: current._id, min: current.leaf ? current.keys[0] : current.children[0].min, count: current.count },
            { node: right._id, min: rightMin, count: right.count },
          ],
        });
        this.#roots.set(tree, newRoot._id);
        this.#dirty.add(newRoot._id);
        break;
      }
      const parent = path[level - 1];
      parent.node.children[parent.index].count = current.count;
      parent.node.children.splice(parent.index + 1, 0, { node: right._id, min: rightMin, count: right.count });
      appended = parent.index + 1 === parent.node.children.length - 1;
    }
  }

  /** Removes `key` (no-op when absent). Empty nodes are unlinked; the tree never rebalances otherwise. */
  async remove(tree: string, key: SortKey): Promise<void> {
    const root = await this.#root(tree);
    if (!root) return;
    const path: { node: Node; index: number }[] = [];
    let node = root;
    while (!node.leaf) {
      const index = route(node, key);
      path.push({ node, index });
      node = await this.#get(node.children[index].node);
    }
    const at = lowerBound(node.keys, key);
    if (at >= node.keys.length || compareKeys(node.keys[at], key) !== 0) return;
    node.keys.splice(at, 1);
    node.count--;
    this.#dirty.add(node._id);
    for (const step of path) {
      step.node.count--;
      step.node.children[step.index].count--;
      this.#dirty.add(step.node._id);
    }
    // Unlink empty non-root nodes bottom-up.
    for (let level = path.length; level > 0; level--) {
      const current = level === path.length ? node : path[level].node;
      if (current.count > 0) break;
      const parent = path[level - 1];
      parent.node.children.splice(parent.index, 1);
      this.#deleted.add(current._id);
    }
    if (root.count === 0) {
      this.#deleted.add(root._id);
      this.#roots.set(tree, null);
    }
  }

  /** Writes every changed node once. */
  async flush(): Promise<void> {
    const db = this.#ctx.db as Db;
    for (const id of this.#deleted) {
      this.#dirty.delete(id);
      await db.delete(id);
    }
    for (const id of this.#dirty) {
      const { _id, ...fields } = this.#nodes.get(id)!;
      delete (fields as Record<string, unknown>)._creationTime;
      await db.replace(_id, fields);
    }
    this.#dirty.clear();
    this.#deleted.clear();
  }
}

/** Deletes up to a batch of `tree`'s nodes and pending changes; returns `true` once none is left. */
export async function dropTree(ctx: MutationCtx, tree: string): Promise<boolean> {
  const db = ctx.db as Db;
  let deleted = 0;
  forgetOverlays(ctx);
  nodeOverlays.delete(ctx.db);
  for await (const row of db.query("rank_pending").withIndex("by_tree_key", (q: Db) => q.eq("tree", tree))) {
    if (deleted >= DROP_BATCH) return false;
    await db.delete(row._id);
    deleted++;
  }
  for await (const node of db.query("rank_nodes").withIndex("by_tree_root", (q: Db) => q.eq("tree", tree))) {
    if (deleted >= DROP_BATCH) return false;
    await db.delete(node._id);
    deleted++;
  }
  return true;
}
