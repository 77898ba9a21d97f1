/**
 * Persistent (path-copying) order-statistic trees: one immutable counted
 * B+tree per version of a list, each version sharing every node its change
 * did not touch with the version before it.
 *
 * A tree maps keys `(value, id)` to a string `ref` (what the owner needs to
 * fetch the row, e.g. the document id of the history row a key stands for).
 * Nodes live in `persistent_rank_nodes` (`kit/tables.ts`), grouped by a
 * `forest` name (every tree and version of one owner) so the owner can drop
 * them all in bounded steps. Nodes are never changed once written: a batch
 * of changes ({@link applyChanges}) writes new copies of the nodes on the
 * paths of the keys it changes (plus a neighbour when a node would be
 * less than {@link MIN_FILL} full) and answers the new version's root,
 * leaving the old root valid. A root is `{ node, count }` (or `null` for
 * an empty tree), stored by the owner wherever it keeps its versions.
 *
 * Reading a page ({@link readPage}) at any offset, forwards or backwards,
 * descends from the root by the children's counts: the tree's depth plus
 * the page's leaves in documents. Leaves and internal nodes hold up to
 * {@link MAX_FANOUT} entries, so the depth is ⌈log_{8..32} N⌉ (3 levels
 * hold 32,768 keys at full nodes, at least 4,096 at the worst fill).
 *
 * Imports no domain.
 */
import { type GenericId, v } from "convex/values";
import type { MutationCtx, QueryCtx } from "./functions.js";
import { compareKeys, type SortKey, sortKeyValidator } from "./walk.js";

/** Entries of a leaf (or children of an internal node) per node at most. */
export const MAX_FANOUT = 32;
/** A node written with fewer entries than this is merged with a neighbour (unless it is the root). */
export const MIN_FILL = 8;
/** Nodes removed per {@link dropForest} call at most. */
const DROP_BATCH = 1000;

/** Id of a persistent tree node. */
export type PersistentNodeId = GenericId<"persistent_rank_nodes">;
/** A key of a tree and the number its owner keeps with it. */
export type PersistentEntry = { key: SortKey; ref: string };
/** An internal node's entry: a child, the number of keys under it and its largest key. */
export type PersistentChild = { node: PersistentNodeId; count: number; last: SortKey };
/** The root of one version of a tree (`null`: the empty tree). */
export type PersistentRoot = { node: PersistentNodeId; count: number } | null;
/** A change of a batch: set `key`'s `ref` (inserting it when absent), or remove `key` when `ref` is `null`. */
export type PersistentChange = { key: SortKey; ref: string | null };

/** Validator of a {@link PersistentRoot}, for the owner's tables. */
export const persistentRootValidator = v.union(
  v.null(),
  v.object({ node: v.id("persistent_rank_nodes"), count: v.number() }),
);

/** Columns of `persistent_rank_nodes`. */
export const persistentNodeColumns = {
  /** The owner's group of trees (every version), dropped together. */
  forest: v.string(),
  leaf: v.boolean(),
  /** Leaf: its entries, sorted by key. */
  entries: v.array(v.object({ key: sortKeyValidator, ref: v.string() })),
  /** Internal node: its children, sorted; `last` is the largest key under a child. */
  children: v.array(v.object({ node: v.id("persistent_rank_nodes"), count: v.number(), last: sortKeyValidator })),
};

/** A node's contents, with its id once stored. */
type NodeData = {
  id?: PersistentNodeId;
  leaf: boolean;
  entries: PersistentEntry[];
  children: PersistentChild[];
};

// deno-lint-ignore no-explicit-any
type Db = any;

/** Node reads a batch may still spend (see {@link applyChanges}). */
export type ReadBudget = { reads: number };

/** Thrown by {@link applyChanges} when a batch would read more nodes than its budget. */
export class ReadBudgetExceeded extends Error {
  constructor() {
    super("persistent rank tree: the batch needs more node reads than its budget");
  }
}

async function readNode(ctx: QueryCtx, id: PersistentNodeId, budget?: ReadBudget): Promise<NodeData> {
  if (budget !== undefined && --budget.reads < 0) throw new ReadBudgetExceeded();
  const doc = await (ctx.db as Db).get(id) as (NodeData & { _id: PersistentNodeId }) | null;
  if (!doc) throw new Error(`persistent rank tree node ${id} is missing`);
  return { id: doc._id, leaf: doc.leaf, entries: doc.entries, children: doc.children };
}

const sizeOf = (node: NodeData): number => node.leaf ? node.entries.length : node.children.length;
const countOf = (node: NodeData): number =>
  node.leaf ? node.entries.length : node.children.reduce((sum, child) => sum + child.count, 0);
const lastOf = (node: NodeData): SortKey =>
  node.leaf ? node.entries[node.entries.length - 1].key : node.children[node.children.length - 1].last;

/** Splits `items` into nodes of at most {@link MAX_FANOUT} items, sizes as equal as possible. */
function chunk<T>(items: T[], leaf: boolean): NodeData[] {
  if (items.length === 0) return [];
  const parts = Math.ceil(items.length / MAX_FANOUT);
  const out: NodeData[] = [];
  for (let i = 0; i < parts; i++) {
    const slice = items.slice(Math.floor(i * items.length / parts), Math.floor((i + 1) * items.length / parts));
    out.push(
      leaf
        ? { leaf, entries: slice as PersistentEntry[], children: [] }
        : { leaf, entries: [], children: slice as PersistentChild[] },
    );
  }
  return out;
}

/** Stores `node` when it is new; answers it as a child entry. */
async function store(ctx: MutationCtx, forest: string, node: NodeData): Promise<PersistentChild> {
  const id = node.id ??
    await (ctx.db as Db).insert("persistent_rank_nodes", {
      forest,
      leaf: node.leaf,
      entries: node.entries,
      children: node.children,
    }) as PersistentNodeId;
  return { node: id, count: countOf(node), last: lastOf(node) };
}

/** `entries` with the sorted `changes` applied. */
function mergeEntries(entries: PersistentEntry[], changes: PersistentChange[]): PersistentEntry[] {
  const out: PersistentEntry[] = [];
  let i = 0;
  for (const change of changes) {
    while (i < entries.length && compareKeys(entries[i].key, change.key) < 0) out.push(entries[i++]);
    if (i < entries.length && compareKeys(entries[i].key, change.key) === 0) i++;
    if (change.ref !== null) out.push({ key: change.key, ref: change.ref });
  }
  while (i < entries.length) out.push(entries[i++]);
  return out;
}

/**
 * The nodes replacing `node` once the sorted `changes` (all within its
 * range) are applied: new, not yet stored, each holding at most
 * {@link MAX_FANOUT} items; children below them are stored.
 */
async function rewrite(
  ctx: MutationCtx,
  forest: string,
  node: NodeData,
  changes: PersistentChange[],
  budget: ReadBudget | undefined,
): Promise<NodeData[]> {
  if (node.leaf) return chunk(mergeEntries(node.entries, changes), true);
  // Route each change to the child whose range holds its key (past the last child: the last one).
  type Slot = { child?: PersistentChild; data?: NodeData };
  const slots: Slot[] = [];
  let c = 0;
  for (let i = 0; i < node.children.length; i++) {
    const child = node.children[i];
    const mine: PersistentChange[] = [];
    const isLast = i === node.children.length - 1;
    while (c < changes.length && (isLast || compareKeys(changes[c].key, child.last) <= 0)) mine.push(changes[c++]);
    if (mine.length === 0) {
      slots.push({ child });
      continue;
    }
    const replaced = await rewrite(ctx, forest, await readNode(ctx, child.node, budget), mine, budget);
    for (const data of replaced) slots.push({ data });
  }
  // Merge every new node that is under-full with a neighbour (read when untouched), then re-split.
  for (let i = 0; i < slots.length && slots.length > 1;) {
    const data = slots[i].data;
    if (!data || sizeOf(data) >= MIN_FILL) {
      i++;
      continue;
    }
    const j = i + 1 < slots.length ? i + 1 : i - 1;
    const other = slots[j].data ?? await readNode(ctx, slots[j].child!.node, budget);
    const [first, second] = i < j ? [data, other] : [other, data];
    const merged = first.leaf
      ? chunk([...first.entries, ...second.entries], true)
      : chunk([...first.children, ...second.children], false);
    const at = Math.min(i, j);
    slots.splice(at, 2, ...merged.map((m) => ({ data: { ...m, id: undefined } })));
    i = at;
  }
  const children: PersistentChild[] = [];
  for (const slot of slots) children.push(slot.child ?? await store(ctx, forest, slot.data!));
  return chunk(children, false);
}

/**
 * Applies a batch of changes to the tree version `root` and answers the
 * new version's root; `root` stays valid (nothing it reaches is changed).
 * Writes O(changed paths) nodes into `forest`. Changes to the same key:
 * the last one wins; removing an absent key is a no-op. With a `budget`,
 * every node read spends one and {@link ReadBudgetExceeded} is thrown
 * before it would go below zero (nodes already written are then garbage
 * of the forest, reclaimed with it).
 */
export async function applyChanges(
  ctx: MutationCtx,
  forest: string,
  root: PersistentRoot,
  changes: PersistentChange[],
  budget?: ReadBudget,
): Promise<PersistentRoot> {
  if (changes.length === 0) return root;
  const byKey = new Map<string, PersistentChange>();
  for (const change of changes) byKey.set(JSON.stringify([change.key.value ?? null, change.key.id]), change);
  const sorted = [...byKey.values()].sort((a, b) => compareKeys(a.key, b.key));
  const top: NodeData = root === null
    ? { leaf: true, entries: [], children: [] }
    : await readNode(ctx, root.node, budget);
  let level = await rewrite(ctx, forest, top, sorted, budget);
  for (;;) {
    if (level.length === 0) return null;
    if (level.length === 1) {
      let only = level[0];
      // A root with one child is replaced by that child.
      while (!only.leaf && only.children.length === 1) only = await readNode(ctx, only.children[0].node, budget);
      if (sizeOf(only) === 0) return null;
      const stored = await store(ctx, forest, only);
      return { node: stored.node, count: stored.count };
    }
    const children: PersistentChild[] = [];
    for (const data of level) children.push(await store(ctx, forest, data));
    level = chunk(children, false);
  }
}

/**
 * The entries at positions `offset` .. `offset + limit - 1` of the tree
 * version `root`, in key order, or in reverse key order when `reverse`
 * (positions then count from the largest key). Reads the nodes on the
 * way to the first entry and the page's leaves.
 */
export async function readPage(
  ctx: QueryCtx,
  root: PersistentRoot,
  offset: number,
  limit: number,
  reverse = false,
): Promise<PersistentEntry[]> {
  const out: PersistentEntry[] = [];
  if (root === null || limit <= 0 || offset >= root.count) return out;
  const visit = async (node: NodeData, skip: number): Promise<void> => {
    if (node.leaf) {
      const entries = reverse ? [...node.entries].reverse() : node.entries;
      for (let i = skip; i < entries.length && out.length < limit; i++) out.push(entries[i]);
      return;
    }
    const children = reverse ? [...node.children].reverse() : node.children;
    for (const child of children) {
      if (out.length >= limit) return;
      if (skip >= child.count) {
        skip -= child.count;
        continue;
      }
      await visit(await readNode(ctx, child.node), skip);
      skip = 0;
    }
  };
  await visit(await readNode(ctx, root.node), offset);
  return out;
}

/** Removes up to a bounded number of `forest`'s nodes; answers whether none is left. */
export async function dropForest(ctx: MutationCtx, forest: string): Promise<boolean> {
  const db = ctx.db as Db;
  const nodes = await db.query("persistent_rank_nodes").withIndex("by_forest", (q: Db) => q.eq("forest", forest))
    .take(DROP_BATCH);
  for (const node of nodes) await db.delete(node._id);
  return nodes.length < DROP_BATCH;
}
