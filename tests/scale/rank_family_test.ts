/**
 * Order statistics over several rank trees (`convex/kit/rankFamily.ts`): the
 * key at any rank of the union of a sharded family, or of arbitrary trees,
 * matches a sorted model under random inserts and removes (stale separators,
 * ties, emptied nodes), ranged counts match, and a selection reads about the
 * roots plus one leaf per tree.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { RankBatch } from "../../convex/kit/rankTree.ts";
import {
  countWhereAcross,
  familyTree,
  familyTrees,
  keyAtAcross,
  keysInAcross,
  RANK_SHARDS,
  totalAcross,
} from "../../convex/kit/rankFamily.ts";
import { compareKeys, type SortKey } from "../../convex/kit/walk.ts";
import { createBackend } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const T0 = 1_767_225_600_000;

Deno.test("rank family: keyAtAcross and totals match a sorted model under random changes", async () => {
  const backend = createBackend();
  const model: { tree: string; key: SortKey }[] = [];
  let n = 0;
  // A family deep enough for internal nodes in every shard, appended in time order like real rows.
  const seed = Array.from({ length: 3000 }, (_, i) => ({ value: T0 + Math.floor(i / 4), id: `s-${1e6 + i}` }));
  await backend.run(async (ctx) => {
    const batch = new RankBatch();
    for (const key of seed) batch.add(familyTree("f", key.id), key);
    await batch.apply(ctx);
  });
  model.push(...seed.map((key) => ({ tree: familyTree("f", key.id), key })));
  const trees = [...familyTrees("f"), "other-a", "other-b"];
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant("add" as const),
            at: fc.integer({ min: -50, max: 900 }),
            extra: fc.integer({ min: 0, max: 3 }),
          }),
          fc.record({ kind: fc.constant("remove" as const), index: fc.nat() }),
        ),
        { minLength: 1, maxLength: 150 },
      ),
      fc.array(fc.nat(), { minLength: 1, maxLength: 6 }),
      fc.integer({ min: -60, max: 950 }),
      async (ops, probes, cut) => {
        await backend.run(async (ctx) => {
          const batch = new RankBatch();
          for (const op of ops) {
            if (op.kind === "add") {
              const key = { value: T0 + op.at, id: `k-${n++}` };
              const tree = op.extra === 0 ? "other-a" : op.extra === 1 ? "other-b" : familyTree("f", key.id);
              batch.add(tree, key);
              model.push({ tree, key });
            } else if (model.length > 0) {
              const [entry] = model.splice(op.index % model.length, 1);
              batch.remove(entry.tree, entry.key);
            }
          }
          await batch.apply(ctx);
        });
        model.sort((a, b) => compareKeys(a.key, b.key));
        const family = model.filter((entry) => entry.tree.startsWith("f~"));
        await backend.run(async (ctx) => {
          assert.equal(await totalAcross(ctx, trees), model.length);
          assert.equal(await totalAcross(ctx, familyTrees("f")), family.length);
          for (const probe of probes) {
            if (model.length > 0) {
              const rank = probe % model.length;
              assert.deepEqual(await keyAtAcross(ctx, trees, rank), model[rank].key);
            }
            if (family.length > 0) {
              const rank = probe % family.length;
              assert.deepEqual(await keyAtAcross(ctx, familyTrees("f"), rank), family[rank].key);
            }
            // Pages of keys: any window, clipped at the ends.
            const from = model.length > 0 ? probe % (model.length + 2) - 1 : 0;
            const to = from + 1 + (probe % 9);
            assert.deepEqual(
              await keysInAcross(ctx, trees, from, to),
              model.slice(Math.max(0, from), Math.max(0, to)).map((entry) => entry.key),
            );
          }
          assert.equal(await keyAtAcross(ctx, trees, model.length), null);
          const below = (key: SortKey) => (key.value as number) < T0 + cut;
          assert.equal(await countWhereAcross(ctx, trees, below), model.filter((entry) => below(entry.key)).length);
        });
      },
    ),
    { numRuns: 25 },
  );
});

Deno.test("rank family: a selection among 40,000 keys reads the roots and about one leaf per shard", async () => {
  const backend = createBackend();
  const keys = Array.from({ length: 40_000 }, (_, i) => ({ value: T0 + i, id: `r-${1e6 + i}` }));
  for (let i = 0; i < keys.length; i += 4000) {
    await backend.run(async (ctx) => {
      const batch = new RankBatch();
      for (const key of keys.slice(i, i + 4000)) batch.add(familyTree("big", key.id), key);
      await batch.applyNow(ctx);
    });
  }
  for (const rank of [0, 777, 20_000, 39_999]) {
    const { result, usage } = await measure(() => backend.run((ctx) => keyAtAcross(ctx, familyTrees("big"), rank)));
    assert.deepEqual(result, keys[rank]);
    // 8 roots + the nodes that can hold the key, per level below the root (5,000 keys per shard of 64-entry
    // nodes: one internal level, then leaves): at most two per shard and level when keys spread evenly.
    assert.ok(usage.documentsRead <= RANK_SHARDS * 5, `rank ${rank}: ${usage.documentsRead} documents read`);
    // A page of 40 keys from there: the same roots and leaves, a few more at a leaf's end.
    const page = await measure(() => backend.run((ctx) => keysInAcross(ctx, familyTrees("big"), rank, rank + 40)));
    assert.deepEqual(page.result, keys.slice(rank, rank + 40));
    assert.ok(page.usage.documentsRead <= RANK_SHARDS * 6, `page at ${rank}: ${page.usage.documentsRead} read`);
  }
});
