/**
 * The benchmark builds our rank trees in memory (`tasks/bench/rankSeed.ts`)
 * because `rebuildRankTrees()` is too slow on convex-test at 100,000 rows.
 * This checks that both leave the same thing: every tree with the same keys
 * in the same order and consistent counts, the same trace-dictionary rows
 * and the same counters (coverage marks, the run total).
 */
import assert from "node:assert/strict";
import { seedGroups } from "../tasks/bench/seed.ts";
import { buildRankTrees } from "../tasks/bench/rankSeed.ts";
import { createOurs, type RawBackend } from "../tasks/bench/subjects.ts";
import { groupsFor } from "../tasks/bench/workloads.ts";

type Doc = Record<string, unknown>;
type Child = { node: string; min: unknown; count: number };

/** Every tree's keys in order (checking each node's counts on the way), the dictionary and the counters. */
async function dump(
  backend: RawBackend,
): Promise<{ trees: Record<string, unknown[]>; dictionary: string[]; counters: string[] }> {
  return await backend.run(async (ctx) => {
    const nodes = await ctx.db.query("rank_nodes").collect();
    const byId = new Map(nodes.map((node) => [String(node._id), node]));
    const keysUnder = (node: Doc): unknown[] => {
      if (node.leaf) {
        assert.equal(node.count, (node.keys as unknown[]).length, `leaf count of ${node.tree}`);
        return node.keys as unknown[];
      }
      const keys: unknown[] = [];
      for (const child of node.children as Child[]) {
        const under = keysUnder(byId.get(child.node)!);
        assert.equal(child.count, under.length, `child count in ${node.tree}`);
        keys.push(...under);
      }
      assert.equal(node.count, keys.length, `node count of ${node.tree}`);
      return keys;
    };
    const trees: Record<string, unknown[]> = {};
    for (const root of nodes.filter((node) => node.root)) {
      assert.equal(trees[root.tree as string], undefined, `one root per tree (${root.tree})`);
      trees[root.tree as string] = keysUnder(root);
    }
    const strip = (rows: Doc[]) => rows.map(({ _id: _, _creationTime: __, ...rest }) => JSON.stringify(rest)).sort();
    return {
      trees,
      dictionary: strip(await ctx.db.query("obs_trace_dictionary").collect()),
      counters: strip(await ctx.db.query("counters").collect()),
    };
  });
}

Deno.test({
  name: "bench: trees built in memory equal what rebuildRankTrees() builds",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    await using ours = await createOurs();
    await seedGroups(ours, groupsFor(ours, 300));
    const nodes = await buildRankTrees(ours.backend);
    assert.ok(nodes > 0);
    const built = await dump(ours.backend);
    await (ours.storage as unknown as { rebuildRankTrees(): Promise<number> }).rebuildRankTrees();
    const rebuilt = await dump(ours.backend);
    assert.ok(Object.keys(rebuilt.trees).length > 50, "the seeded rows fill many trees");
    assert.deepEqual(built.trees, rebuilt.trees);
    assert.deepEqual(built.dictionary, rebuilt.dictionary);
    assert.deepEqual(built.counters, rebuilt.counters);
  },
});
