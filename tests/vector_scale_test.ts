/**
 * ConvexVector at scale under Convex's transaction limits (convex-test
 * enforces them with `transactionLimits: true`): large upserts in bounded
 * calls, exact counts, filter deletes and updates across many batches,
 * deleteIndex in bounded batches and resumable, and what a query reads.
 */
import assert from "node:assert/strict";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import type { ConvexClientLike } from "../src/transport.ts";

/** A client that counts calls per function path. */
function countingClient(backend: Backend): { client: ConvexClientLike; calls: Map<string, number> } {
  const inner = inProcessClient(backend);
  const calls = new Map<string, number>();
  const count = (path: string) => calls.set(path, (calls.get(path) ?? 0) + 1);
  return {
    calls,
    client: {
      query: (path, args) => (count(path), inner.query(path, args)),
      mutation: (path, args, o) => (count(path), inner.mutation(path, args, o)),
      action: (path, args, o) => (count(path), inner.action(path, args, o)),
    },
  };
}

/** Deterministic pseudo-random vectors. */
function vectors(n: number, dim: number, seed = 1): number[][] {
  let s = seed;
  const next = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, () => Array.from({ length: dim }, next));
}

Deno.test("vector scale: 5,000 vectors of 128 dimensions upsert in bounded calls; counts stay exact", async () => {
  const backend = createBackend();
  const { client, calls } = countingClient(backend);
  const store = new ConvexVector({ client });
  await store.createIndex({ indexName: "big", dimension: 128 });
  const n = 5000;
  const data = vectors(n, 128);
  const ids = await store.upsert({
    indexName: "big",
    vectors: data,
    metadata: data.map((_, i) => ({ thread_id: `t${i % 50}`, i, group: i % 7 })),
  });
  assert.equal(new Set(ids).size, n);
  assert.equal(calls.get("vector/vectors:upsert"), 5); // 1,000 per call
  assert.equal((await store.describeIndex({ indexName: "big" })).count, n);

  // Re-upserting some ids replaces them: the count does not change.
  await store.upsert({
    indexName: "big",
    ids: ids.slice(0, 10),
    vectors: data.slice(0, 10),
    metadata: data.slice(0, 10).map(() => ({ replaced: true })),
  });
  assert.equal((await store.describeIndex({ indexName: "big" })).count, n);

  // A query pushed down to one thread reads O(topK) documents.
  const { result, usage } = await measure(() =>
    store.query({ indexName: "big", queryVector: data[77], topK: 5, filter: { thread_id: "t27" } })
  );
  assert.equal(result[0].id, ids[77]);
  assert.ok(result.every((r) => r.metadata?.thread_id === "t27"));
  assert.deepEqual(store.lastQueryStats, {
    searches: 1,
    candidates: 5,
    truncated: false,
    pushdown: "f1",
    roundTrips: 1,
  });
  assert.ok(usage.documentsRead <= 5 + 3, `documents read: ${usage.documentsRead}`);

  // A residual filter reads the candidates it rejects, bounded by 256.
  const residual = await measure(() =>
    store.query({ indexName: "big", queryVector: data[3], topK: 10, filter: { group: 3 } })
  );
  assert.equal(residual.result.length, 10);
  assert.ok(residual.result.every((r) => r.metadata?.group === 3));
  assert.ok(residual.usage.documentsRead <= 256 + 3, `documents read: ${residual.usage.documentsRead}`);

  // Delete by filter across the whole index (not pushed down): bounded steps, exact count.
  calls.clear();
  await store.deleteVectors({ indexName: "big", filter: { group: { $in: [0, 1] } } });
  const removed = data.filter((_, i) => i % 7 <= 1 && i >= 10).length + 0;
  assert.equal((await store.describeIndex({ indexName: "big" })).count, n - removed);
  assert.ok((calls.get("vector/vectors:deleteWhere") ?? 0) >= 2);

  // Update by a pushed-down filter.
  await store.updateVector({
    indexName: "big",
    filter: { thread_id: "t5" },
    update: { metadata: { thread_id: "t5", touched: true } },
  });
  const touched = await store.query({ indexName: "big", topK: 256, filter: { touched: true } });
  assert.equal(touched.length, data.filter((_, i) => i % 50 === 5 && !(i % 7 <= 1 && i >= 10) && i >= 10).length);

  // deleteIndex in bounded batches.
  calls.clear();
  await store.deleteIndex({ indexName: "big" });
  assert.ok((calls.get("vector/indexes:drop") ?? 0) >= 2, JSON.stringify([...calls]));
  assert.deepEqual(await store.listIndexes(), []);
  // deno-lint-ignore no-explicit-any
  assert.equal(await backend.run(async (ctx: any) => (await ctx.db.query("vectors_128").take(1)).length), 0);
  // deno-lint-ignore no-explicit-any
  assert.equal(await backend.run(async (ctx: any) => (await ctx.db.query("counters").collect()).length), 0);
});

Deno.test("vector scale: an interrupted deleteIndex hides the index and resumes; 1536-dim vectors batch by bytes", async () => {
  const backend = createBackend();
  const { client, calls } = countingClient(backend);
  const store = new ConvexVector({ client });
  await store.createIndex({ indexName: "wide", dimension: 1536 });
  const data = vectors(400, 1536, 7);
  await store.upsert({ indexName: "wide", vectors: data });
  assert.ok((calls.get("vector/vectors:upsert") ?? 0) >= 2, "1536-dim vectors are split by bytes");
  assert.equal((await store.describeIndex({ indexName: "wide" })).count, 400);
  // One drop step, as if the client died after it.
  const step = await client.mutation("vector/indexes:drop", { name: "wide" }) as { done: boolean; deleted: number };
  assert.equal(step.done, false);
  assert.ok(step.deleted > 0 && step.deleted < 400);
  assert.deepEqual(await store.listIndexes(), []);
  await assert.rejects(store.query({ indexName: "wide", queryVector: data[0] }), /does not exist/);
  await assert.rejects(store.createIndex({ indexName: "wide", dimension: 1536 }), /being deleted/);
  await store.deleteIndex({ indexName: "wide" });
  await store.createIndex({ indexName: "wide", dimension: 1536 });
  assert.equal((await store.describeIndex({ indexName: "wide" })).count, 0);
});

Deno.test("vector scale: upsert's deleteFilter replaces a document's chunks atomically, and in batches when large", async () => {
  const backend = createBackend();
  const { client, calls } = countingClient(backend);
  const store = new ConvexVector({ client });
  await store.createIndex({ indexName: "docs", dimension: 8 });
  const data = vectors(30, 8, 3);
  await store.upsert({
    indexName: "docs",
    vectors: data,
    metadata: data.map((_, i) => ({ source: i < 20 ? "a.pdf" : "b.pdf" })),
  });
  calls.clear();
  await store.upsert({
    indexName: "docs",
    vectors: data.slice(0, 3),
    metadata: [{ source: "a.pdf", v: 2 }, { source: "a.pdf", v: 2 }, { source: "a.pdf", v: 2 }],
    deleteFilter: { source: "a.pdf" },
  });
  assert.equal(calls.get("vector/vectors:upsert"), 1);
  assert.equal(calls.get("vector/vectors:deleteWhere"), undefined);
  assert.equal((await store.describeIndex({ indexName: "docs" })).count, 13);
  const a = await store.query({ indexName: "docs", topK: 100, filter: { source: "a.pdf" } });
  assert.equal(a.length, 3);
  assert.ok(a.every((r) => r.metadata?.v === 2));

  // More matching vectors than one transaction scans: deleted in batches first, then written.
  await store.createIndex({ indexName: "many", dimension: 8 });
  const lots = vectors(4500, 8, 5);
  await store.upsert({ indexName: "many", vectors: lots, metadata: lots.map(() => ({ source: "x" })) });
  calls.clear();
  await store.upsert({
    indexName: "many",
    vectors: lots.slice(0, 2),
    metadata: [{ source: "x" }, { source: "x" }],
    deleteFilter: { source: "x" },
  });
  assert.ok((calls.get("vector/vectors:deleteWhere") ?? 0) >= 2);
  assert.equal((await store.describeIndex({ indexName: "many" })).count, 2);
});
