/**
 * Datasets and experiments at scale, under Convex's transaction limits
 * (the in-process backend enforces them): 20,000 items inserted through
 * the API in batches and 20,000 results of one experiment. Pages at any
 * depth return exactly the expected rows and totals and read about a page
 * plus the rank tree's depth (k + 4·log2 N documents) in one call; an
 * item's history and its state at past versions, the items at a past
 * version, the review summary (read from counters, not results), and
 * deleting the dataset and the experiment (bounded resumable steps) all
 * work at this size.
 */
import assert from "node:assert/strict";
import { seededExperiment, seededStatus, seedResults } from "../helpers/evalSeed.ts";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const N = 20_000;
const BATCH = 1000;
const PER_PAGE = 50;
const budget = (k: number) => k + 4 * Math.log2(N);

Deno.test("20,000 items: pages at any depth, history, past versions and delete under the transaction limits", async () => {
  const { storage, backend } = createTestStorage();
  const datasets = (await storage.getStore("datasets"))!;
  await datasets.createDataset({ id: "big", name: "Big" });
  const inserted: { id: string; createdAt: number; n: number }[] = [];
  for (let start = 0; start < N; start += BATCH) {
    const items = await datasets.batchInsertItems({
      datasetId: "big",
      items: Array.from({ length: BATCH }, (_, i) => ({ input: { n: start + i, text: `item ${start + i}` } })),
    });
    for (const item of items) {
      inserted.push({ id: item.id, createdAt: item.createdAt.getTime(), n: (item.input as { n: number }).n });
    }
  }
  // Core's order: newest first, ties (one batch shares a time) by ascending id.
  const expected = [...inserted].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  for (const page of [0, Math.floor(N / PER_PAGE / 2), N / PER_PAGE - 1]) {
    const { result, usage } = await measure(() =>
      datasets.listItems({ datasetId: "big", pagination: { page, perPage: PER_PAGE } })
    );
    assert.equal(result.pagination.total, N);
    assert.deepEqual(
      result.items.map((item) => item.id),
      expected.slice(page * PER_PAGE, (page + 1) * PER_PAGE).map((e) => e.id),
    );
    assert.ok(usage.documentsRead <= budget(PER_PAGE), `page ${page}: ${usage.documentsRead} documents read`);
  }
  // Oldest first too.
  const asc = await datasets.listItems({
    datasetId: "big",
    pagination: { page: 200, perPage: PER_PAGE },
    orderBy: { field: "createdAt", direction: "ASC" },
  });
  const ascExpected = [...inserted].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  assert.deepEqual(asc.items.map((item) => item.id), ascExpected.slice(10_000, 10_050).map((e) => e.id));

  // History of one item, and its state at past versions (one index read each).
  const target = inserted[12_345];
  await datasets.updateItem({ datasetId: "big", id: target.id, input: { n: -1 } });
  await datasets.updateItem({ datasetId: "big", id: target.id, input: { n: -2 } });
  const history = await datasets.getItemHistory(target.id);
  assert.deepEqual(history.map((row) => [row.datasetVersion, (row.input as { n: number }).n, row.validTo]), [
    [22, -2, null],
    [21, -1, 22],
    [13, 12_345, 21],
  ]);
  const { result: atPast, usage: pastUsage } = await measure(() =>
    datasets.getItemById({ id: target.id, datasetVersion: 21 })
  );
  assert.equal((atPast!.input as { n: number }).n, -1);
  assert.ok(pastUsage.documentsRead <= 4, `past version read ${pastUsage.documentsRead} documents`);
  assert.equal(await datasets.getItemById({ id: target.id, datasetVersion: 12 }), null, "not inserted yet at v12");

  // The items at a past version: the first five batches.
  const v5 = await datasets.listItems({ datasetId: "big", version: 5, pagination: { page: 10, perPage: 100 } });
  assert.equal(v5.pagination.total, 5 * BATCH);
  assert.deepEqual(
    v5.items.map((item) => item.id),
    expected.filter((e) => e.n < 5 * BATCH).slice(1000, 1100).map((e) => e.id),
  );

  // Delete a batch, then the whole dataset in bounded steps.
  await datasets.batchDeleteItems({ datasetId: "big", itemIds: inserted.slice(0, 1500).map((e) => e.id) });
  assert.equal(
    (await datasets.listItems({ datasetId: "big", pagination: { page: 0, perPage: 1 } })).pagination.total,
    N - 1500,
  );
  await datasets.deleteDataset({ id: "big" });
  assert.equal(await datasets.getDatasetById({ id: "big" }), null);
  assert.equal(await datasets.getItemById({ id: target.id }), null);
  // deno-lint-ignore no-explicit-any
  const left = await backend.run(async (ctx: any) => (await ctx.db.query("dataset_items").take(10)).length);
  assert.equal(left, 0, "every item row is gone");
});

Deno.test("20,000 results: pages at any depth, review summary from counters, delete in bounded steps", async () => {
  const { storage, backend } = createTestStorage();
  const experiments = (await storage.getStore("experiments"))!;
  await experiments.createExperiment(seededExperiment("exp", N));
  // 100 results through the API; the rest written in bulk (`helpers/evalSeed.ts`).
  const base = Date.UTC(2026, 0, 1);
  for (let i = 0; i < 100; i++) {
    await experiments.upsertExperimentResult({
      experimentId: "exp",
      itemId: `item-${i}`,
      itemDatasetVersion: 1,
      input: { i },
      output: { o: i },
      groundTruth: null,
      error: null,
      startedAt: new Date(base + i * 1000),
      completedAt: new Date(base + i * 1000 + 5),
      retryCount: 0,
      status: seededStatus(i),
    });
  }
  await seedResults(backend, "exp", 100, N, base);
  for (const page of [0, Math.floor(N / PER_PAGE / 2), N / PER_PAGE - 1]) {
    const { result, usage } = await measure(() =>
      experiments.listExperimentResults({ experimentId: "exp", pagination: { page, perPage: PER_PAGE } })
    );
    assert.equal(result.pagination.total, N);
    assert.deepEqual(
      result.results.map((r) => r.itemId),
      Array.from({ length: PER_PAGE }, (_, k) => `item-${page * PER_PAGE + k}`),
    );
    assert.ok(usage.documentsRead <= budget(PER_PAGE), `page ${page}: ${usage.documentsRead} documents read`);
  }
  const desc = await experiments.listExperimentResults({
    experimentId: "exp",
    pagination: { page: 150, perPage: PER_PAGE },
    orderBy: { field: "startedAt", direction: "DESC" },
  });
  assert.equal(desc.results[0].itemId, `item-${N - 1 - 150 * PER_PAGE}`);
  const { result: summary, usage } = await measure(() => experiments.getReviewSummary());
  assert.deepEqual(summary, [{ experimentId: "exp", total: N, needsReview: N / 4, reviewed: N / 4, complete: N / 4 }]);
  assert.ok(usage.documentsRead <= 8, `review summary read ${usage.documentsRead} documents`);
  await experiments.deleteExperiment({ id: "exp" });
  assert.deepEqual(await experiments.getReviewSummary(), []);
  assert.equal(
    (await experiments.listExperimentResults({ experimentId: "exp", pagination: { page: 0, perPage: 1 } })).pagination
      .total,
    0,
  );
  // deno-lint-ignore no-explicit-any
  const left = await backend.run(async (ctx: any) => (await ctx.db.query("experiment_results").take(10)).length);
  assert.equal(left, 0, "every result row is gone");
});
