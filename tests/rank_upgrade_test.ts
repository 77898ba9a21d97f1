/**
 * Upgrade path of rank trees: a deployment written by an earlier version
 * has 256-entry nodes written in place and no pending rank change. Its trees
 * keep answering exactly once writes leave pending changes and fold them
 * (nodes larger than today's split as they change), and `clear` + rebuild
 * leaves no pending row behind.
 */
import assert from "node:assert/strict";
import { keyAt, RankBatch, rankOf, treeTotal } from "../convex/kit/rankTree.ts";
import { PENDING_CAP } from "../convex/kit/rankPending.ts";
import { compareKeys, type SortKey } from "../convex/kit/walk.ts";
import { componentHandle, createBackend } from "./helpers/backend.ts";

const TREE = "list:legacy";

Deno.test("rank trees written by an earlier version (256-entry nodes, no pending rows) keep answering exactly", async () => {
  const backend = createBackend();
  // An earlier version's tree of 600 keys: a root over three full-ish leaves of up to 256 keys.
  const model: SortKey[] = Array.from({ length: 600 }, (_, i) => ({ value: 1_000 + i * 2, id: `k${i}` }));
  await backend.run(async (ctx) => {
    // deno-lint-ignore no-explicit-any
    const db = ctx.db as any;
    const leaves = [model.slice(0, 256), model.slice(256, 512), model.slice(512)];
    const children = [];
    for (const keys of leaves) {
      const node = await db.insert("rank_nodes", {
        tree: TREE,
        root: false,
        leaf: true,
        count: keys.length,
        keys,
        children: [],
      });
      children.push({ node, min: keys[0], count: keys.length });
    }
    await db.insert("rank_nodes", { tree: TREE, root: true, leaf: false, count: 600, keys: [], children });
  });
  const check = async () => {
    model.sort(compareKeys);
    const got = await backend.run(async (ctx) => ({
      total: await treeTotal(ctx, TREE),
      keys: await Promise.all([0, 1, 255, 256, 300, model.length - 1].map((rank) => keyAt(ctx, TREE, rank))),
      rank: await rankOf(ctx, TREE, model[400]),
    }));
    assert.equal(got.total, model.length);
    assert.deepEqual(got.keys, [0, 1, 255, 256, 300, model.length - 1].map((rank) => model[rank]));
    assert.equal(got.rank, 400);
  };
  await check();
  // Single-key writes (pending, then folds into the old nodes), moves and removes, with reads in between.
  for (let i = 0; i < 3 * PENDING_CAP + 5; i++) {
    const batch = new RankBatch();
    const added = { value: 1_001 + i * 7, id: `n${i}` };
    batch.add(TREE, added);
    model.push(added);
    if (i % 3 === 0) {
      const [gone] = model.splice((i * 13) % model.length, 1);
      batch.remove(TREE, gone);
    }
    await backend.run((ctx) => batch.apply(ctx));
    await check();
  }
  // A bulk write folds in the write itself: no tree is left with more pending rows than its cap.
  const bulk = new RankBatch();
  for (let i = 0; i < 300; i++) {
    const key = { value: 1_500 + i, id: `b${i}` };
    bulk.add(TREE, key);
    model.push(key);
  }
  await backend.run((ctx) => bulk.apply(ctx));
  await check();
  const pending = await backend.run(async (ctx) => (await ctx.db.query("rank_pending").collect()).length);
  assert.ok(pending <= PENDING_CAP, `${pending} pending rows`);
  // `clear` (the first step of rebuildRankTrees) drops nodes and pending rows alike.
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  while (!(await raw.mutation(componentHandle("system/ranks:clear"), {})).done);
  const left = await backend.run(async (ctx) => ({
    nodes: (await ctx.db.query("rank_nodes").take(1)).length,
    pending: (await ctx.db.query("rank_pending").take(1)).length,
  }));
  assert.deepEqual(left, { nodes: 0, pending: 0 });
});
