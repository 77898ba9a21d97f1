/**
 * Items at past versions at scale, under Convex's transaction limits (the
 * in-process backend enforces them): 20,000 items inserted in 20 batches,
 * then 100 more versions of single updates, deletes and a batch delete
 * scattered over the dataset. A page at any past version and depth (first,
 * middle, last, in both directions) returns exactly the items of that
 * version, with the exact total, reading at most k + 4·log2 N documents in
 * one call; `getItemsByVersion` of a past version returns all of them.
 * A batch delete of 2,000 items spread over the dataset still succeeds
 * (its trees would need more reads than a transaction allows: the dataset
 * falls back to walking its history, with the same answers). Deleting the
 * dataset reclaims every tree node and root row.
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const N = 20_000;
const BATCH = 1000;
const PER_PAGE = 50;
const budget = (k: number) => k + 4 * Math.log2(N);

type Known = { id: string; createdAt: number; updatedAt: number };

Deno.test("20,000 items, 120 versions: a page at any past version reads k + O(log N) documents in one call", async () => {
  const backend = createBackend();
  let trips = 0;
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => (trips++, inner.query(path, args)),
    mutation: (path, args) => (trips++, inner.mutation(path, args)),
  };
  const datasets = (await new ConvexStorage({ client }).getStore("datasets"))!;
  const started = performance.now();
  const phase = (name: string) => console.log(`${name}: ${((performance.now() - started) / 1000).toFixed(0)} s`);
  await datasets.createDataset({ id: "big", name: "Big" });
  // The model: the items alive after each version.
  const states: Map<string, Known>[] = [new Map()];
  const alive = new Map<string, Known>();
  for (let start = 0; start < N; start += BATCH) {
    const items = await datasets.batchInsertItems({
      datasetId: "big",
      items: Array.from({ length: BATCH }, (_, i) => ({ input: { n: start + i } })),
    });
    for (const item of items) {
      alive.set(item.id, { id: item.id, createdAt: item.createdAt.getTime(), updatedAt: item.updatedAt.getTime() });
    }
    states.push(new Map(alive));
  }
  // 100 more versions: updates and deletes spread over the whole dataset (a fixed stride), one batch delete of 200
  // spread items (within the version trees' read budget, see treeReadBudget; the 2,000 below is not).
  const ids = [...alive.keys()];
  for (let step = 0; step < 100; step++) {
    const id = ids[(step * 7919) % ids.length];
    if (!alive.has(id)) continue;
    if (step === 50) {
      const batch = Array.from({ length: 200 }, (_, i) => ids[(i * 37 + 11) % ids.length]);
      await datasets.batchDeleteItems({ datasetId: "big", itemIds: batch });
      for (const gone of batch) alive.delete(gone);
    } else if (step % 3 === 0) {
      await datasets.deleteItem({ datasetId: "big", id });
      alive.delete(id);
    } else {
      const updated = await datasets.updateItem({ datasetId: "big", id, input: { step } });
      alive.set(id, { ...alive.get(id)!, updatedAt: updated.updatedAt.getTime() });
    }
    states.push(new Map(alive));
  }
  phase("written");
  const current = (await datasets.getDatasetById({ id: "big" }))!.version;
  assert.equal(current, states.length - 1);

  const orderOf = (field: "createdAt" | "updatedAt", direction: "ASC" | "DESC") => (a: Known, b: Known) =>
    (direction === "ASC" ? a[field] - b[field] : b[field] - a[field]) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let worst = 0;
  for (const version of [10, 20, 45, 70, current - 1]) {
    const state = [...states[version].values()];
    for (const [field, direction] of [["createdAt", "DESC"], ["updatedAt", "ASC"]] as const) {
      const expected = [...state].sort(orderOf(field, direction));
      const last = Math.ceil(expected.length / PER_PAGE) - 1;
      for (const page of [0, Math.floor(last / 2), last]) {
        const before = trips;
        const { result, usage } = await measure(() =>
          datasets.listItems({
            datasetId: "big",
            version,
            orderBy: { field, direction },
            pagination: { page, perPage: PER_PAGE },
          })
        );
        assert.equal(trips - before, 1, "one call");
        assert.equal(result.pagination.total, expected.length);
        assert.deepEqual(
          result.items.map((item) => item.id),
          expected.slice(page * PER_PAGE, (page + 1) * PER_PAGE).map((e) => e.id),
          `version ${version} ${field} ${direction} page ${page}`,
        );
        const k = result.items.length;
        assert.ok(
          usage.documentsRead <= budget(k),
          `version ${version} page ${page}: ${usage.documentsRead} documents read for ${k} rows`,
        );
        worst = Math.max(worst, usage.documentsRead - k);
      }
    }
  }
  console.log(`past-version pages: at most k + ${worst} documents read (budget k + ${Math.floor(4 * Math.log2(N))})`);

  phase("pages checked");
  // Every item of a past version, newest first (ties by descending id), as core's getItemsByVersion.
  const all = await datasets.getItemsByVersion({ datasetId: "big", version: 70 });
  const expectedAll = [...states[70].values()].sort((a, b) =>
    b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0)
  );
  assert.deepEqual(all.map((item) => item.id), expectedAll.map((e) => e.id));

  phase("getItemsByVersion");
  // 2,000 deletes spread over the whole dataset: more node reads than one transaction allows besides its own
  // reads, so the delete succeeds without trees and the dataset's versions are read by walking its history.
  const spread = ids.filter((_, i) => i % 10 === 3);
  await datasets.batchDeleteItems({ datasetId: "big", itemIds: spread });
  for (const gone of spread) alive.delete(gone);
  const afterSpread = [...alive.values()].sort(orderOf("createdAt", "DESC"));
  const now = await datasets.listItems({
    datasetId: "big",
    version: current + 1,
    pagination: { page: 100, perPage: PER_PAGE },
  });
  assert.equal(now.pagination.total, afterSpread.length);
  assert.deepEqual(now.items.map((item) => item.id), afterSpread.slice(5000, 5050).map((e) => e.id));
  const before = await datasets.listItems({ datasetId: "big", version: 70, pagination: { page: 7, perPage: 20 } });
  assert.deepEqual(
    before.items.map((item) => item.id),
    [...states[70].values()].sort(orderOf("createdAt", "DESC")).slice(140, 160).map((e) => e.id),
  );
  phase("spread delete");
  await datasets.deleteDataset({ id: "big" });
  // deno-lint-ignore no-explicit-any
  const left = await backend.run(async (ctx: any) => ({
    nodes: (await ctx.db.query("persistent_rank_nodes").take(10)).length,
    roots: (await ctx.db.query("dataset_version_trees").take(10)).length,
  }));
  assert.deepEqual(left, { nodes: 0, roots: 0 }, "every tree node and root row is gone");
  phase("deleted");
});
