/**
 * Order statistics over the union of several rank trees: a *family* of
 * sharded trees for a deployment-wide ordering, or the trees of several
 * owners (the threads of a multi-thread message list).
 *
 * A deployment-wide ordering (all threads by `createdAt`, all runs by
 * status, traces by time) kept in one tree would make every writer touch
 * the same rightmost leaf and root, and Convex's optimistic concurrency would
 * serialize them all. A family spreads the keys over {@link RANK_SHARDS}
 * trees by a hash of the row id ({@link familyTree}), so unrelated writers
 * touch the same node only when their rows hash to the same shard, and an
 * append still touches one leaf and its ancestors in one shard.
 *
 * Reading the key at a global rank is a selection over sorted sequences:
 * {@link keyAtAcross} starts from the roots, keeps every subtree as a
 * segment `[lo, hi)` with its count, and expands only the segments that can
 * hold the key at that rank (those whose lower end has at most `rank` keys
 * surely below it and whose upper end has more than `rank` keys possibly
 * below it), until the answer is a concrete key that no unexpanded segment
 * straddles. With keys spread evenly over the shards that is about one leaf
 * per tree below the roots: `S` roots + `S`..`2S` leaves for trees of depth
 * 2 (65,536 keys per shard), whatever the depth of the page.
 */
import { fnv1a } from "./hash.js";
import type { QueryCtx } from "./functions.js";
import { compareValues } from "convex/values";
import { countBelow, findRoot, getNode, type Node, type NodeId, SEEK_MIN_SKIP } from "./rankTree.js";
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

/** Trees a family is sharded over. */
export const RANK_SHARDS = 8;

function shardOf(id: string): number {
  return fnv1a(id) % RANK_SHARDS;
}

/** The tree of `family` that holds the row `id` (stable per id): use it with `RankBatch.add/remove/change`. */
export function familyTree(family: string, id: string): string {
  return `${family}~${shardOf(id)}`;
}

/** Every tree of `family`. */
export function familyTrees(family: string): string[] {
  return Array.from({ length: RANK_SHARDS }, (_, shard) => `${family}~${shard}`);
}

/** A sorted run of keys of one tree: a concrete key, or an unexpanded subtree covering `[lo, hi)`. */
type Item = {
  /** Lower end (inclusive); `null` for no lower end. For a concrete key, the key. */
  lo: SortKey | null;
  /** Upper end (exclusive); `null` for no upper end. Unused for a concrete key. */
  hi: SortKey | null;
  count: number;
  /** The subtree to expand, or `undefined` for a concrete key. */
  node?: NodeId;
};

/** The items of `node`, a subtree covering `[lo, hi)`. */
function itemsOf(node: Node, lo: SortKey | null, hi: SortKey | null): Item[] {
  if (node.leaf) return node.keys.map((key) => ({ lo: key, hi: null, count: 1 }));
  // Keys below the first separator are routed to the first child, so it inherits the node's lower end.
  return node.children.map((child, i) => ({
    lo: i === 0 ? lo : child.min,
    hi: i + 1 < node.children.length ? node.children[i + 1].min : hi,
    count: child.count,
    node: child.node,
  }));
}

/** Roots of several trees, read once per call, and the nodes below them, each read at most once per call. */
class Forest {
  readonly #ctx: QueryCtx;
  readonly #trees: string[];
  #roots: (Node | null)[] | undefined;
  /** Nodes read so far: a range's two counts and the page's selection often descend into the same leaves. */
  readonly #nodes = new Map<NodeId, Promise<Node>>();

  constructor(ctx: QueryCtx, trees: string[]) {
    this.#ctx = ctx;
    this.#trees = [...new Set(trees)];
  }

  async roots(): Promise<(Node | null)[]> {
    this.#roots ??= await Promise.all(this.#trees.map((tree) => findRoot(this.#ctx, tree)));
    return this.#roots;
  }

  #node(id: NodeId): Promise<Node> {
    let node = this.#nodes.get(id);
    if (node === undefined) {
      node = getNode(this.#ctx, id);
      this.#nodes.set(id, node);
    }
    return node;
  }

  async total(): Promise<number> {
    return (await this.roots()).reduce((sum, root) => sum + (root?.count ?? 0), 0);
  }

  /** Keys for which `below` holds (true for a prefix of the sorted keys), descending from the cached roots. */
  async countWhere(below: (key: SortKey) => boolean): Promise<number> {
    let sum = 0;
    for (const root of await this.roots()) {
      if (root) {
        sum += await countBelow(this.#ctx, root, below, (id) => this.#node(id));
      }
    }
    return sum;
  }

  async keyAt(rank: number): Promise<SortKey | null> {
    const roots = await this.roots();
    const total = roots.reduce((sum, root) => sum + (root?.count ?? 0), 0);
    if (rank < 0 || rank >= total) return null;
    let items: Item[] = roots.flatMap((root) => root ? itemsOf(root, null, null) : []);
    for (;;) {
      const expand = items.filter((item) =>
        item.node !== undefined && surelyBelow(items, item.lo) <= rank && possiblyBelow(items, item.hi) > rank
      );
      if (expand.length === 0) break;
      const nodes = await Promise.all(expand.map((item) => this.#node(item.node!)));
      const expanded = new Set(expand);
      items = items.flatMap((item) =>
        expanded.has(item) ? itemsOf(nodes[expand.indexOf(item)], item.lo, item.hi) : [item]
      );
    }
    // The key at `rank` is now concrete and no unexpanded subtree straddles it, so its rank is exact.
    for (const item of items) {
      if (item.node !== undefined) continue;
      const key = item.lo!;
      let below = 0;
      let straddled = false;
      for (const other of items) {
        if (other.node === undefined) {
          if (compareKeys(other.lo!, key) < 0) below++;
        } else if (other.hi !== null && compareKeys(other.hi, key) <= 0) below += other.count;
        else if (other.lo === null || compareKeys(other.lo, key) < 0) straddled = true;
      }
      if (!straddled && below === rank) return key;
    }
    throw new Error(`rank selection over ${this.#trees.length} trees found no key at ${rank}`);
  }

  /** The keys at ascending positions `[from, to)`, in order (fewer past the end). */
  async keysIn(from: number, to: number): Promise<SortKey[]> {
    const roots = await this.roots();
    const total = roots.reduce((sum, root) => sum + (root?.count ?? 0), 0);
    from = Math.max(0, from);
    to = Math.min(to, total);
    if (from >= to) return [];
    let items: Item[] = roots.flatMap((root) => root ? itemsOf(root, null, null) : []);
    for (;;) {
      // A subtree that may hold a key whose position is in [from, to).
      const expand = items.filter((item) =>
        item.node !== undefined && surelyBelow(items, item.lo) < to && possiblyBelow(items, item.hi) > from
      );
      if (expand.length === 0) break;
      const nodes = await Promise.all(expand.map((item) => this.#node(item.node!)));
      const expanded = new Set(expand);
      items = items.flatMap((item) =>
        expanded.has(item) ? itemsOf(nodes[expand.indexOf(item)], item.lo, item.hi) : [item]
      );
    }
    // Every key of the range is concrete now, and no unexpanded subtree straddles one: their positions are exact.
    const concrete = items.filter((item) => item.node === undefined).map((item) => item.lo!);
    concrete.sort(compareKeys);
    const unexpanded = items.filter((item) => item.node !== undefined);
    const out: SortKey[] = [];
    for (let i = 0; i < concrete.length; i++) {
      const key = concrete[i];
      let below = i;
      let straddled = false;
      for (const other of unexpanded) {
        if (other.hi !== null && compareKeys(other.hi, key) <= 0) below += other.count;
        else if (other.lo === null || compareKeys(other.lo, key) < 0) straddled = true;
      }
      if (!straddled && below >= from && below < to) out.push(key);
    }
    if (out.length !== to - from) {
      throw new Error(`range selection over ${this.#trees.length} trees found ${out.length} of ${to - from} keys`);
    }
    return out;
  }
}

/** Keys surely below `at` (`null`: no lower end): in items that end at or before it. */
function surelyBelow(items: Item[], at: SortKey | null): number {
  if (at === null) return 0;
  let sum = 0;
  for (const item of items) {
    if (item.node === undefined) {
      if (compareKeys(item.lo!, at) < 0) sum++;
    } else if (item.hi !== null && compareKeys(item.hi, at) <= 0) sum += item.count;
  }
  return sum;
}

/** Keys possibly below `at` (`null`: no upper end): in items that start before it. */
function possiblyBelow(items: Item[], at: SortKey | null): number {
  let sum = 0;
  for (const item of items) {
    if (at === null || item.lo === null || compareKeys(item.lo, at) < 0) sum += item.count;
  }
  return sum;
}

/** Number of keys in the union of `trees` (reads each root). */
export function totalAcross(ctx: QueryCtx, trees: string[]): Promise<number> {
  return new Forest(ctx, trees).total();
}

/** The key at 0-based ascending position `rank` of the union of `trees`, or `null` past its end. */
export function keyAtAcross(ctx: QueryCtx, trees: string[], rank: number): Promise<SortKey | null> {
  return new Forest(ctx, trees).keyAt(rank);
}

/**
 * The keys at 0-based ascending positions `[from, to)` of the union of
 * `trees`, in order: the roots, plus only the subtrees that can hold one
 * of them (a page of k keys reads the roots and about one leaf per tree).
 */
export function keysInAcross(ctx: QueryCtx, trees: string[], from: number, to: number): Promise<SortKey[]> {
  return new Forest(ctx, trees).keysIn(from, to);
}

/**
 * Number of keys of the union of `trees` for which `below` holds, where
 * `below` is true for a prefix of the sorted keys.
 */
export function countWhereAcross(
  ctx: QueryCtx,
  trees: string[],
  below: (key: SortKey) => boolean,
): Promise<number> {
  return new Forest(ctx, trees).countWhere(below);
}

/** Ascending positions `[from, to)` of the keys whose sort value is in `range` (unset values never are). */
async function rangePositions(forest: Forest, range: SortRange): Promise<[number, number]> {
  const { lower, upper } = effectiveRange(range);
  const from = lower === undefined ? 0 : await forest.countWhere((key) => {
    const c = compareValues(key.value, lower.value);
    return lower.inclusive ? c < 0 : c <= 0;
  });
  const to = upper === undefined ? await forest.total() : await forest.countWhere((key) => {
    const c = compareValues(key.value, upper.value);
    return upper.inclusive ? c <= 0 : c < 0;
  });
  return [from, Math.max(from, to)];
}

/**
 * One offset page read from the trees alone (no index walk): the keys of
 * the union of `trees` whose sort value is in `range`, the `offset`-th to
 * the `offset + limit`-th in `order`, and how many keys are in the range.
 * For lists with no index to walk (a tag's traces): the roots, the leaves
 * holding the page, and one descent per end of `range`.
 */
export async function pageFromTrees(
  ctx: QueryCtx,
  trees: string[],
  range: SortRange,
  offset: number,
  limit: number,
  order: Order,
): Promise<{ keys: SortKey[]; total: number }> {
  const forest = new Forest(ctx, trees);
  const [from, to] = await rangePositions(forest, range);
  const total = to - from;
  const take = Math.max(0, Math.min(limit, total - Math.max(0, offset)));
  if (take === 0) return { keys: [], total };
  if (order === "asc") return { keys: await forest.keysIn(from + offset, from + offset + take), total };
  return { keys: (await forest.keysIn(to - offset - take, to - offset)).reverse(), total };
}

/**
 * Plans an offset page of a list whose keys the union of `trees` holds:
 * the same contract as `planList` of `rankTree.ts`. `counted` is the
 * list's total without `range` (from a counter) or `null` when none covers
 * its filters; the trees are used only when together they hold exactly
 * `counted` keys. `"trees"`: the caller knows the trees hold every key of
 * the list, so their roots give the total (read once). A page near either
 * end walks from that end without reading more of the trees.
 */
export async function planListAcross(
  ctx: QueryCtx,
  trees: string[],
  countedOrTrees: number | null | "trees",
  range: SortRange,
  offset: number,
  limit: number,
  order: Order,
): Promise<{ state: WalkState | null; total: number | null }> {
  if (countedOrTrees === null) return { state: countingState(offset, limit, order), total: null };
  const forest = new Forest(ctx, trees);
  const counted = countedOrTrees === "trees" ? await forest.total() : countedOrTrees;
  const ranged = range.lower !== undefined || range.upper !== undefined;
  if (!ranged) {
    if (offset >= counted || limit <= 0) return { state: null, total: counted };
    const take = Math.min(limit, counted - offset);
    const plain = planPage(counted, offset, limit, order);
    if (Math.min(offset, counted - offset - take) < SEEK_MIN_SKIP || await forest.total() !== counted) {
      return { state: plain, total: counted };
    }
    const after = await forest.keyAt(order === "asc" ? offset - 1 : counted - offset);
    if (after === null) return { state: plain, total: counted };
    return { state: { after, skip: 0, take, matched: 0, order, countAll: false, reversed: false }, total: counted };
  }
  if (await forest.total() !== counted) return { state: countingState(offset, limit, order), total: null };
  const [from, to] = await rangePositions(forest, range);
  const total = Math.max(0, to - from);
  const take = Math.max(0, Math.min(limit, total - offset));
  if (take === 0) return { state: null, total };
  const base: WalkState = { skip: 0, take, matched: 0, order, countAll: false, reversed: false };
  if (offset <= 0) return { state: base, total };
  const after = await forest.keyAt(order === "asc" ? from + offset - 1 : from + total - offset);
  return { state: after === null ? countingState(offset, limit, order) : { ...base, after }, total };
}
