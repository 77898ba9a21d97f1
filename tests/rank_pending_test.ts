/**
 * Rank trees maintained behind the write (`convex/kit/rankPending.ts`):
 * writes leave pending changes, folds apply them in batches, and every read
 * in between (total, key at a rank, rank of a key, a page across a family
 * of trees) equals a sorted model, whatever the folds do: none, late,
 * partial, twice, concurrent, or one that fails halfway; and no tree ever
 * holds more than PENDING_CAP pending changes (bursts fold in the write).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { foldTree, keyAt, RankBatch, rankOf, treeTotal } from "../convex/kit/rankTree.ts";
import { keysInAcross, totalAcross } from "../convex/kit/rankFamily.ts";
import { PENDING_CAP } from "../convex/kit/rankPending.ts";
import { compareKeys, type SortKey } from "../convex/kit/walk.ts";
import { createBackend, createTestStorage, settleRankTrees } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const TREES = ["list:a", "list:b"];

type Action =
  | { kind: "write"; tree: number; adds: number[]; removes: number[]; moves: number[] }
  | { kind: "read"; tree: number; rank: number; probe: number }
  | { kind: "fold"; tree: number | null; limit: number; twice: boolean; fail: boolean };

const action: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      tree: fc.nat(1),
      adds: fc.array(fc.nat(400), { maxLength: 80, size: "max" }),
      removes: fc.array(fc.nat(1000), { maxLength: 12, size: "max" }),
      moves: fc.array(fc.nat(1000), { maxLength: 4 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("read" as const),
      tree: fc.nat(1),
      rank: fc.nat(600),
      probe: fc.nat(400),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("fold" as const),
      tree: fc.option(fc.nat(1)),
      limit: fc.integer({ min: 1, max: 300 }),
      twice: fc.boolean(),
      fail: fc.nat(3).map((n) => n === 0),
    }),
  },
);

const sortedModel = (keys: Map<string, SortKey>): SortKey[] => [...keys.values()].sort(compareKeys);

Deno.test("pending rank changes: reads equal a sorted model under writes, reads and any folds", async () => {
  let seq = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(action, { minLength: 10, maxLength: 40, size: "max" }), async (actions) => {
      const backend = createBackend();
      // Per tree: row id -> its key (one key per row; a move changes the value).
      const model = TREES.map(() => new Map<string, SortKey>());
      const check = async (t: number) => {
        const keys = sortedModel(model[t]);
        const got = await backend.run(async (ctx) => ({
          total: await treeTotal(ctx, TREES[t]),
          all: await Promise.all(keys.map((_, i) => keyAt(ctx, TREES[t], i))),
        }));
        assert.equal(got.total, keys.length);
        assert.deepEqual(got.all, keys);
      };
      for (const a of actions) {
        if (a.kind === "write") {
          const rows = model[a.tree];
          const ids = [...rows.keys()];
          const batch = new RankBatch();
          for (const v of a.adds) {
            const id = `r${seq++}`;
            const key = { value: v, id };
            rows.set(id, key);
            batch.add(TREES[a.tree], key);
          }
          for (const r of a.removes) {
            const id = ids[r % Math.max(1, ids.length)];
            const key = id === undefined ? undefined : rows.get(id);
            if (!key) continue;
            rows.delete(id);
            batch.remove(TREES[a.tree], key);
          }
          for (const m of a.moves) {
            const id = ids[m % Math.max(1, ids.length)];
            const key = id === undefined ? undefined : rows.get(id);
            if (!key) continue;
            const moved = { value: (m * 7) % 401, id };
            rows.set(id, moved);
            batch.change([{ tree: TREES[a.tree], key }], [{ tree: TREES[a.tree], key: moved }]);
          }
          await backend.run((ctx) => batch.apply(ctx));
          for (const tree of TREES) {
            const pending = await backend.run(async (ctx) =>
              // deno-lint-ignore no-explicit-any
              (await (ctx.db as any).query("rank_pending").withIndex("by_tree_key", (q: any) => q.eq("tree", tree))
                .collect()).length
            );
            assert.ok(pending <= PENDING_CAP, `${tree} holds ${pending} pending changes`);
          }
        } else if (a.kind === "read") {
          const keys = sortedModel(model[a.tree]);
          const probe = { value: a.probe, id: "r" };
          const got = await backend.run(async (ctx) => ({
            total: await treeTotal(ctx, TREES[a.tree]),
            at: await keyAt(ctx, TREES[a.tree], a.rank % Math.max(1, keys.length)),
            rank: await rankOf(ctx, TREES[a.tree], probe),
            across: await totalAcross(ctx, TREES),
            page: await keysInAcross(ctx, TREES, a.rank % 50, (a.rank % 50) + 20),
          }));
          assert.equal(got.total, keys.length);
          assert.deepEqual(got.at, keys.length === 0 ? null : keys[a.rank % keys.length]);
          assert.equal(got.rank, keys.filter((k) => compareKeys(k, probe) < 0).length);
          const union = [...sortedModel(model[0]), ...sortedModel(model[1])].sort(compareKeys);
          assert.equal(got.across, union.length);
          assert.deepEqual(got.page, union.slice(a.rank % 50, (a.rank % 50) + 20));
        } else {
          const tree = a.tree === null ? null : TREES[a.tree];
          const fold = () => backend.run((ctx) => foldTree(ctx, tree, a.limit));
          if (a.fail) {
            // A fold that fails after applying part of its batch: its transaction changes nothing.
            await assert.rejects(backend.run(async (ctx) => {
              await foldTree(ctx, tree, a.limit);
              throw new Error("fold interrupted");
            }));
          } else if (a.twice) await Promise.all([fold(), fold()]);
          else await fold();
        }
      }
      await check(0);
      await check(1);
      while (!(await backend.run((ctx) => foldTree(ctx, null))).done);
      await check(0);
      await check(1);
      const left = await backend.run(async (ctx) => (await ctx.db.query("rank_pending").take(1)).length);
      assert.equal(left, 0);
    }),
    { numRuns: 12, endOnFailure: true, seed: 29 },
  );
});

Deno.test("pending rank changes: a key that moves repeatedly keeps one pending pair; saves fold a tree once per PENDING_CAP changes", async () => {
  const backend = createBackend();
  const tree = "list:moves";
  const first = new RankBatch();
  first.add(tree, { value: 0, id: "row" });
  await backend.run((ctx) => first.apply(ctx));
  await settleRankTrees(backend);
  for (let v = 1; v <= 20; v++) {
    const batch = new RankBatch();
    batch.change([{ tree, key: { value: v - 1, id: "row" } }], [{ tree, key: { value: v, id: "row" } }]);
    await backend.run((ctx) => batch.apply(ctx));
  }
  const state = await backend.run(async (ctx) => {
    // deno-lint-ignore no-explicit-any
    const db = ctx.db as any;
    return {
      pending: (await db.query("rank_pending").collect()).map((r: { value: number; insert: boolean }) => [
        r.value,
        r.insert,
      ]),
      total: await treeTotal(ctx, tree),
      key: await keyAt(ctx, tree, 0),
    };
  });
  // Exactly "remove 0, insert 20" is pending: the moves in between cancelled each other.
  assert.deepEqual(state.pending.sort(), [[0, false], [20, true]].sort());
  assert.equal(state.total, 1);
  assert.deepEqual(state.key, { value: 20, id: "row" });

  // 400 single-message saves into one thread: a save writes nodes only when it folds a tree (its pending
  // changes would pass the cap), so about one save in PENDING_CAP per tree; the rest write pending rows.
  const { storage, backend: many } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({
    thread: { id: "t", resourceId: "r", title: "t", createdAt: new Date(0), updatedAt: new Date(0) },
  });
  await settleRankTrees(many);
  let folding = 0;
  for (let i = 0; i < 400; i++) {
    const { writes } = await measure(() =>
      memory.saveMessages({
        messages: [{
          id: `m${i}`,
          threadId: "t",
          resourceId: "r",
          role: "user",
          type: "text",
          createdAt: new Date(1000 + i),
          content: { format: 2, parts: [{ type: "text", text: "hi" }] },
        } as never],
      })
    );
    if (writes.some((w) => w.table === "rank_nodes")) folding++;
    const pending = await many.run(async (ctx) => (await ctx.db.query("rank_pending").collect()).length);
    // A handful of trees per save (thread, resource, deployment-wide families), each within its cap.
    assert.ok(pending <= 8 * PENDING_CAP, `${pending} changes pending after save ${i}`);
  }
  assert.ok(folding > 0 && folding <= 400 / 2, `${folding} of 400 saves folded a tree`);
  const page = await memory.listMessages({ threadId: "t", page: 5, perPage: 40 });
  assert.equal(page.total, 400);
  assert.deepEqual(page.messages.map((m) => m.id), Array.from({ length: 40 }, (_, i) => `m${200 + i}`));
});

Deno.test("pending rank changes: removes and adds under an internal node are counted in its child's range", async () => {
  const backend = createBackend();
  const tree = "list:deep";
  const keys = Array.from({ length: 300 }, (_, i) => ({ value: i, id: `k${i}` }));
  const load = new RankBatch();
  for (const key of keys) load.add(tree, key);
  await backend.run((ctx) => load.applyNow(ctx));
  const change = new RankBatch();
  change.remove(tree, keys[10]);
  change.remove(tree, keys[200]);
  change.add(tree, { value: 150.5, id: "new" });
  await backend.run((ctx) => change.apply(ctx));
  const model = [...keys.filter((_, i) => i !== 10 && i !== 200), { value: 150.5, id: "new" }].sort(compareKeys);
  const got = await backend.run(async (ctx) => ({
    total: await treeTotal(ctx, tree),
    keys: await Promise.all(model.map((_, i) => keyAt(ctx, tree, i))),
    rank: await rankOf(ctx, tree, { value: 250, id: "" }),
  }));
  assert.equal(got.total, model.length);
  assert.deepEqual(got.keys, model);
  assert.equal(got.rank, 249);
});
