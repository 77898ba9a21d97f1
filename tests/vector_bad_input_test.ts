/**
 * Bad input to ConvexVector fails with a MastraError that names the
 * operation and the problem, and writes nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { VectorFilter } from "@mastra/core/vector";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";

async function setup() {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend) });
  await store.createIndex({ indexName: "idx", dimension: 3 });
  await store.createIndex({ indexName: "unit", dimension: 3, metric: "euclidean" });
  await store.upsert({ indexName: "idx", ids: ["keep"], vectors: [[1, 2, 3]], metadata: [{ k: 1 }] });
  return { backend, store };
}

async function rows(backend: Backend): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) => (await ctx.db.query("vectors_128").collect()).length);
}

async function rejects(promise: Promise<unknown>, operation: string, message: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MastraError, `expected a MastraError, got ${error}`);
    assert.match(error.message, new RegExp(`^ConvexVector\\.${operation} failed`), error.message);
    assert.match(error.message, message);
    assert.equal(error.domain, "MASTRA_VECTOR");
    return true;
  });
}

Deno.test("vector bad input: createIndex refuses bad names, dimensions and metrics, and a dimension change", async () => {
  const { store } = await setup();
  await rejects(
    store.createIndex({ indexName: "", dimension: 3 }),
    "createIndex",
    /indexName must be a non-empty string/,
  );
  for (const dimension of [1, 4097, 3.5, Number.NaN]) {
    await rejects(
      store.createIndex({ indexName: "x", dimension }),
      "createIndex",
      /dimension must be an integer from 2 to 4096/,
    );
  }
  await rejects(
    store.createIndex({ indexName: "x", dimension: 3, metric: "manhattan" as "cosine" }),
    "createIndex",
    /metric must be/,
  );
  await rejects(
    store.createIndex({ indexName: "idx", dimension: 4 }),
    "createIndex",
    /already exists with 3 dimensions/,
  );
  await store.createIndex({ indexName: "idx", dimension: 3 }); // same dimension: a no-op
  assert.deepEqual((await store.listIndexes()).sort(), ["idx", "unit"]);
  await rejects(store.describeIndex({ indexName: "nope" }), "describeIndex", /does not exist/);
});

Deno.test("vector bad input: upsert checks everything and writes nothing", async () => {
  const { backend, store } = await setup();
  const bad: [Parameters<ConvexVector["upsert"]>[0], RegExp][] = [
    [{ indexName: "nope", vectors: [[1, 2, 3]] }, /vector index "nope" does not exist/],
    [{ indexName: "idx", vectors: [[1, 2]] }, /has 2 dimensions; index "idx" has 3/],
    [{ indexName: "idx", vectors: [[1, 2, 3], [1, Number.NaN, 3]] }, /non-finite component at position 1 \(NaN\)/],
    [{ indexName: "idx", vectors: [[1, Infinity, 3]] }, /non-finite component/],
    [{ indexName: "idx", vectors: [] }, /vectors must be a non-empty array/],
    [{ indexName: "idx", vectors: [[]] }, /must be a non-empty array of numbers/],
    [{ indexName: "idx", vectors: [[0, 0, 0]] }, /all zeros/],
    [{ indexName: "idx", vectors: [[1, 2, 3], [1, 2]] }, /vector 1 .* has 2 dimensions; vector 0 has 3/],
    [{ indexName: "idx", vectors: [[1, 2, 3]], ids: ["a", "b"] }, /ids must have one entry per vector/],
    [{ indexName: "idx", vectors: [[1, 2, 3]], ids: [""] }, /ids must be non-empty strings/],
    [{ indexName: "idx", vectors: [[1, 2, 3]], metadata: [] }, /metadata must have one entry per vector/],
    [
      { indexName: "idx", vectors: [[1, 2, 3]], metadata: [[1] as unknown as Record<string, unknown>] },
      /metadata must be an object/,
    ],
    [{ indexName: "idx", vectors: [[1, 2, 3]], metadata: [{ big: 1n }] }, /not JSON-serialisable/],
    [{ indexName: "unit", vectors: [[1, 2, 3]] }, /length 3\.74.*euclidean.*unit-length/],
    [
      { indexName: "idx", vectors: [[1, 2, 3]], deleteFilter: { $bad: 1 } as VectorFilter },
      /unsupported operator \$bad/,
    ],
    [{ indexName: "idx", vectors: [[1, 2, 3]], deleteFilter: {} }, /empty filter \(deleteFilter\)/],
    [{ indexName: "idx", vectors: [[1, 2, 3]], sparseVectors: [{ indices: [0], values: [1] }] }, /sparse vectors/],
  ];
  for (const [params, message] of bad) await rejects(store.upsert(params), "upsert", message);
  // A bad vector in a later batch is caught before the first batch is sent.
  const many = Array.from({ length: 2500 }, (_, i) => [1, i, 2]);
  many[2400] = [1, 2];
  await rejects(store.upsert({ indexName: "idx", vectors: many }), "upsert", /vector 2400 .* has 2 dimensions/);
  const manyUnit = Array.from({ length: 1500 }, () => [1, 0, 0]);
  manyUnit[1499] = [2, 0, 0];
  await rejects(store.upsert({ indexName: "unit", vectors: manyUnit }), "upsert", /vector 1499 .* length 2/);
  assert.equal(await rows(backend), 1);
  assert.equal((await store.describeIndex({ indexName: "idx" })).count, 1);
  assert.equal((await store.describeIndex({ indexName: "unit" })).count, 0);
});

Deno.test("vector bad input: query, update and delete refuse bad arguments", async () => {
  const { backend, store } = await setup();
  await rejects(store.query({ indexName: "nope", queryVector: [1, 2, 3] }), "query", /does not exist/);
  await rejects(store.query({ indexName: "idx", queryVector: [1, 2] }), "query", /2 dimensions; index "idx" has 3/);
  await rejects(store.query({ indexName: "idx", queryVector: [1, Number.NaN, 3] }), "query", /non-finite/);
  for (const topK of [0, -3, 1.5, Number.NaN]) {
    await rejects(
      store.query({ indexName: "idx", queryVector: [1, 2, 3], topK }),
      "query",
      /topK must be a positive integer/,
    );
  }
  await rejects(store.query({ indexName: "idx" }), "query", /needs a queryVector or a filter/);
  await rejects(
    store.updateVector({ indexName: "idx", id: "keep", filter: { k: 1 }, update: { metadata: {} } } as never),
    "updateVector",
    /id and filter are mutually exclusive/,
  );
  await rejects(
    store.updateVector({ indexName: "idx", id: "keep", update: {} }),
    "updateVector",
    /needs `update.vector`/,
  );
  await rejects(
    store.updateVector({ indexName: "idx", id: "gone", update: { metadata: {} } }),
    "updateVector",
    /"gone" does not exist/,
  );
  await rejects(
    store.updateVector({ indexName: "idx", id: "keep", update: { vector: [1, 2] } }),
    "updateVector",
    /2 dimensions/,
  );
  await rejects(
    store.updateVector({ indexName: "idx", filter: {}, update: { metadata: {} } }),
    "updateVector",
    /empty filter/,
  );
  await rejects(store.deleteVectors({ indexName: "idx" }), "deleteVectors", /Either filter or ids must be provided/);
  await rejects(
    store.deleteVectors({ indexName: "idx", ids: ["keep"], filter: { k: 1 } }),
    "deleteVectors",
    /ids and filter are mutually exclusive/,
  );
  await rejects(store.deleteVectors({ indexName: "idx", filter: {} }), "deleteVectors", /empty filter/);
  await rejects(store.deleteVectors({ indexName: "idx", ids: [] }), "deleteVectors", /empty ids array/);
  await rejects(
    store.updateVector({ indexName: "idx", update: { metadata: {} } } as never),
    "updateVector",
    /Either id or/,
  );
  await rejects(store.deleteVectors({ indexName: "nope", ids: ["a"] }), "deleteVectors", /does not exist/);
  assert.equal(await rows(backend), 1);
  const [kept] = await store.query({ indexName: "idx", queryVector: [1, 2, 3], includeVector: true });
  assert.deepEqual(kept, { id: "keep", score: kept.score, metadata: { k: 1 }, vector: [1, 2, 3] });
  assert.ok(Math.abs(kept.score - 1) < 1e-12);
});

Deno.test("vector bad input: a missing URL or key is a clear configuration error", () => {
  assert.throws(() => new ConvexVector({ convexUrl: "", adminKey: "k" }), (error: unknown) => {
    assert.ok(error instanceof MastraError);
    assert.match(error.message, /needs a deployment URL/);
    return true;
  });
});
