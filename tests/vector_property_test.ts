/**
 * Property tests of ConvexVector against a brute-force reference computed
 * here: same vectors, same filters; the in-process vector search is exact,
 * so a query must return exactly the reference's top-K (ids, order, scores)
 * unless it reports that the 256-candidate bound truncated it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import { type Filter, matchesFilter } from "../convex/vector/filter.ts";
import type { VectorFilter } from "@mastra/core/vector";

const DIM = 12;

type Doc = { id: string; vector: number[]; metadata: Record<string, unknown> };

/** Convex-test's cosine (same arithmetic as the in-process search). */
function cosine(a: number[], b: number[]): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / (Math.sqrt(na) * Math.sqrt(nb));
}

function score(metric: string, q: number[], x: number[]): number {
  if (metric === "cosine") return cosine(q, x);
  if (metric === "dotproduct") return q.reduce((sum, qi, i) => sum + qi * x[i], 0);
  return 1 / (1 + Math.sqrt(q.reduce((sum, qi, i) => sum + (qi - x[i]) ** 2, 0)));
}

function reference(docs: Doc[], metric: string, q: number[], topK: number, filter?: Filter, minScore?: number) {
  return docs
    .filter((doc) => !filter || matchesFilter(doc.metadata, filter))
    .map((doc) => ({ id: doc.id, score: score(metric, q, doc.vector) }))
    .filter((row) => minScore === undefined || row.score >= minScore)
    .sort((a, b) => b.score - a.score)
    .slice(0, topK);
}

const component = fc.integer({ min: -100, max: 100 }).map((x) => x / 10 + 0.05);
const vectorArb = fc.array(component, { minLength: DIM, maxLength: DIM });
const unit = (v: number[]) => {
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
};

const metadataArb = fc.record({
  n: fc.integer({ min: 0, max: 9 }),
  s: fc.constantFrom("a", "b", "c", "d"),
  tags: fc.subarray(["x", "y", "z"]),
  thread_id: fc.constantFrom("t0", "t1", "t2"),
  resource_id: fc.oneof(fc.constantFrom("r0", "r1"), fc.constant(["r0", "r1"])),
  nested: fc.record({ k: fc.integer({ min: 0, max: 3 }) }),
}, { requiredKeys: ["n", "s", "thread_id"] });

const leafArb: fc.Arbitrary<Filter> = fc.oneof(
  fc.constantFrom("t0", "t1", "t2").map((t) => ({ thread_id: t })),
  fc.constantFrom("r0", "r1").map((r) => ({ resource_id: r })),
  fc.subarray(["t0", "t1", "t2"], { minLength: 1 }).map((ts) => ({ thread_id: { $in: ts } })),
  fc.integer({ min: 0, max: 9 }).map((n) => ({ n: { $gte: n } })),
  fc.integer({ min: 0, max: 9 }).map((n) => ({ n: { $lt: n } })),
  fc.integer({ min: 0, max: 9 }).map((n) => ({ n: { $ne: n } })),
  fc.constantFrom("a", "b", "c").map((s) => ({ s: { $nin: [s] } })),
  fc.constantFrom("x", "y", "z").map((t) => ({ tags: t })),
  fc.subarray(["x", "y", "z"], { minLength: 1 }).map((ts) => ({ tags: { $all: ts } })),
  fc.integer({ min: 0, max: 3 }).map((k) => ({ tags: { $size: k } })),
  fc.boolean().map((b) => ({ tags: { $exists: b } })),
  fc.integer({ min: 0, max: 3 }).map((k) => ({ "nested.k": k })),
  fc.constantFrom("^a", "b|c", "D").map((re) => ({ s: { $regex: re, $options: "i" } })),
  fc.integer({ min: 0, max: 9 }).map((n) => ({ n: { $not: { $gt: n } } })),
);
const filterArb: fc.Arbitrary<Filter | undefined> = fc.oneof(
  fc.constant(undefined),
  leafArb,
  fc.tuple(leafArb, leafArb).map(([a, b]) => ({ $and: [a, b] })),
  fc.tuple(leafArb, leafArb).map(([a, b]) => ({ $or: [a, b] })),
  fc.tuple(leafArb, leafArb).map(([a, b]) => ({ ...a, ...b })),
  fc.tuple(leafArb, leafArb, leafArb).map(([a, b, c]) => ({ $and: [a, { $or: [b, c] }] })),
);

const queryArb = fc.record({
  vector: vectorArb,
  topK: fc.integer({ min: 1, max: 40 }),
  filter: filterArb,
  minScore: fc.option(fc.double({ min: -0.5, max: 0.8, noNaN: true }), { nil: undefined }),
});

/** What the properties exercised (checked at the end so the generators cannot go vacuous). */
const seen = { queries: 0, nonEmpty: 0, truncated: 0, widened: 0, pushedDown: 0 };

type Query = { vector: number[]; topK: number; filter: Filter | undefined; minScore: number | undefined };

async function checkDataset(metric: "cosine" | "euclidean" | "dotproduct", docs: Doc[], queries: Query[]) {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend) });
  await store.createIndex({ indexName: "p", dimension: DIM, metric });
  await store.createIndex({ indexName: "other", dimension: DIM, metric }); // shares the table: must never leak in
  await store.upsert({
    indexName: "p",
    vectors: docs.map((d) => d.vector),
    ids: docs.map((d) => d.id),
    metadata: docs.map((d) => d.metadata),
  });
  await store.upsert({
    indexName: "other",
    vectors: docs.slice(0, 5).map((d) => d.vector),
    metadata: docs.slice(0, 5).map((d) => d.metadata),
  });
  assert.equal((await store.describeIndex({ indexName: "p" })).count, docs.length);
  for (const q of queries) {
    const vector = metric === "cosine" ? q.vector : unit(q.vector);
    const got = await store.query({
      indexName: "p",
      queryVector: vector,
      topK: q.topK,
      filter: q.filter as VectorFilter,
      minScore: q.minScore,
    });
    const want = reference(docs, metric, vector, q.topK, q.filter, q.minScore);
    const stats = store.lastQueryStats!;
    const context = JSON.stringify({ filter: q.filter, topK: q.topK, minScore: q.minScore, stats });
    seen.queries++;
    if (got.length > 0) seen.nonEmpty++;
    if (stats.truncated) seen.truncated++;
    if (stats.searches > 1) seen.widened++;
    if (stats.pushdown !== "index") seen.pushedDown++;
    if (!stats.truncated) {
      assert.deepEqual(got.map((r) => r.id), want.map((r) => r.id), context);
      got.forEach((r, i) => assert.ok(Math.abs(r.score - want[i].score) < 1e-9, context));
    } else {
      // Truncated at 256 candidates: fewer than topK, all genuine matches, best first.
      assert.ok(got.length < q.topK, context);
      const all = reference(docs, metric, vector, docs.length, q.filter, q.minScore).map((r) => r.id);
      let last = -1;
      for (const r of got) {
        const at = all.indexOf(r.id);
        assert.ok(at > last, context);
        last = at;
      }
    }
    assert.ok(stats.candidates <= 256, context);
  }
}

function docsArb(min: number, max: number, normalise: boolean) {
  return fc.array(fc.tuple(vectorArb, metadataArb), { minLength: min, maxLength: max }).map((rows) =>
    rows.map(([vector, metadata], i): Doc => ({ id: `v${i}`, vector: normalise ? unit(vector) : vector, metadata }))
  );
}

Deno.test("vector property: cosine queries equal the brute-force top-K under random filters", async () => {
  await fc.assert(
    fc.asyncProperty(docsArb(1, 120, false), fc.array(queryArb, { minLength: 8, maxLength: 8 }), async (docs, qs) => {
      await checkDataset("cosine", docs, qs);
    }),
    { numRuns: 6 },
  );
});

Deno.test("vector property: beyond 256 candidates a query is exact or reports truncation", async () => {
  await fc.assert(
    fc.asyncProperty(
      docsArb(300, 320, false),
      fc.array(queryArb, { minLength: 12, maxLength: 12 }),
      async (docs, qs) => {
        await checkDataset("cosine", docs, qs);
      },
    ),
    { numRuns: 2 },
  );
});

Deno.test("vector property: euclidean and dot-product queries on unit vectors equal the brute force", async () => {
  for (const metric of ["euclidean", "dotproduct"] as const) {
    await fc.assert(
      fc.asyncProperty(docsArb(1, 80, true), fc.array(queryArb, { minLength: 6, maxLength: 6 }), async (docs, qs) => {
        await checkDataset(metric, docs, qs);
      }),
      { numRuns: 3 },
    );
  }
});

Deno.test("vector property: the generators exercise results, widening and push-down", () => {
  console.log(seen);
  assert.ok(seen.queries >= 100 && seen.nonEmpty > seen.queries / 2, JSON.stringify(seen));
  assert.ok(seen.widened > 0 && seen.pushedDown > 0, JSON.stringify(seen));
});

Deno.test("vector: a filter passed only by vectors beyond the 256 nearest is reported as truncated", async () => {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend) });
  await store.createIndex({ indexName: "far", dimension: 2 });
  // 300 vectors near (1, 0); 10 'rare' ones near (-1, 0), the farthest from the query.
  const vectors = Array.from({ length: 310 }, (_, i) => i < 300 ? [1, i / 1000] : [-1, (i - 300) / 100]);
  const metadata = vectors.map((_, i) => ({ rare: i >= 300, i }));
  await store.upsert({ indexName: "far", vectors, metadata, ids: vectors.map((_, i) => `v${i}`) });
  const far = await store.query({ indexName: "far", queryVector: [1, 0], topK: 5, filter: { rare: true } });
  assert.deepEqual(far, []);
  assert.deepEqual(store.lastQueryStats, {
    searches: 3,
    candidates: 256,
    truncated: true,
    pushdown: "index",
    roundTrips: 1,
  });
  // From the other side the same filter is exact after one search.
  const near = await store.query({ indexName: "far", queryVector: [-1, 0], topK: 5, filter: { rare: true } });
  assert.deepEqual(near.map((r) => r.id), ["v300", "v301", "v302", "v303", "v304"]);
  assert.equal(store.lastQueryStats?.truncated, false);
  assert.equal(store.lastQueryStats?.searches, 1);
});
