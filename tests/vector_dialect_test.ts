/**
 * ConvexVector speaks the dialect of Mastra's other vector stores
 * (LibSQLVector, PgVector): a topK above 256 answers the nearest 256 with the
 * truncation reported, `$regex` takes MongoDB's inline flags, empty `$and` /
 * `$or` / `$nor` mean match-all / match-none / match-all, `deleteVectors`
 * refuses an empty id list, and a filter nested beyond the limit is a USER
 * error naming the limit (never a stack overflow).
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { VectorFilter } from "@mastra/core/vector";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import { compileRegex, matchesFilter } from "../convex/vector/filter.ts";

function warnings(store: ConvexVector): string[] {
  const seen: string[] = [];
  const logger = {
    warn: (message: string) => void seen.push(message),
    info: () => {},
    debug: () => {},
    error: () => {},
    trackException: () => {},
  };
  store.__setLogger(logger as never);
  return seen;
}

Deno.test("vector dialect: topK above 256 answers the nearest 256, reports it, warns once", async () => {
  const store = new ConvexVector({ client: inProcessClient(createBackend()) });
  const seen = warnings(store);
  await store.createIndex({ indexName: "few", dimension: 3 });
  await store.upsert({ indexName: "few", vectors: [[1, 0, 0], [0, 1, 0], [1, 1, 0]], ids: ["a", "b", "c"] });
  // Fewer vectors than 256: all of them.
  const all = await store.query({ indexName: "few", queryVector: [1, 0, 0], topK: 1000 });
  assert.deepEqual(all.map((r) => r.id), ["a", "c", "b"]);
  assert.equal(store.lastQueryStats?.requestedTopK, 1000);
  assert.equal(store.lastQueryStats?.truncated, true);

  await store.createIndex({ indexName: "many", dimension: 3 });
  const n = 300;
  const vectors = Array.from({ length: n }, (_, i) => [1, i / n, 0.5]);
  await store.upsert({ indexName: "many", vectors, ids: vectors.map((_, i) => `v${i}`) });
  const nearest = await store.query({ indexName: "many", queryVector: [1, 0, 0.5], topK: 400 });
  assert.equal(nearest.length, 256);
  // The nearest 256 by cosine to [1, 0, 0.5] are v0..v255, best first.
  assert.deepEqual(nearest.map((r) => r.id).sort(), Array.from({ length: 256 }, (_, i) => `v${i}`).sort());
  for (let i = 1; i < nearest.length; i++) assert.ok(nearest[i - 1].score >= nearest[i].score);
  assert.equal(store.lastQueryStats?.requestedTopK, 400);
  assert.equal(store.lastQueryStats?.truncated, true);
  assert.equal(seen.filter((message) => /topK/.test(message)).length, 1, seen.join("\n"));

  // A valid topK within the limit reports no cap.
  await store.query({ indexName: "many", queryVector: [1, 0, 0.5], topK: 256 });
  assert.equal(store.lastQueryStats?.requestedTopK, undefined);
  assert.equal(store.lastQueryStats?.truncated, false);
});

Deno.test("vector dialect: $regex takes MongoDB's inline flags and options", async () => {
  const cases: [string, string | undefined, string, boolean][] = [
    ["(?i)^apple", undefined, "APPLE pie", true],
    ["(?i)^apple", undefined, "an apple", false],
    ["(?im)^pie$", undefined, "apple\nPIE", true],
    ["(?s)a.b", undefined, "a\nb", true],
    ["a.b", undefined, "a\nb", false],
    ["(?x) a  b # comment", undefined, "ab", true],
    ["a b", "x", "ab", true],
    ["[ ]x", "x", " x", true],
    ["(?i)(?-i)abc", undefined, "ABC", false],
    ["(?i)abc", "", "ABC", true],
    ["abc", "i", "ABC", true],
    ["abc", "u", "abc", true],
  ];
  for (const [pattern, options, text, expected] of cases) {
    assert.equal(compileRegex(pattern, options).test(text), expected, `${pattern} /${options}/ on ${text}`);
    const condition = options === undefined ? { $regex: pattern } : { $regex: pattern, $options: options };
    assert.equal(matchesFilter({ s: text }, { s: condition }), expected);
  }

  const store = new ConvexVector({ client: inProcessClient(createBackend()) });
  await store.createIndex({ indexName: "r", dimension: 3 });
  await store.upsert({
    indexName: "r",
    ids: ["a", "b"],
    vectors: [[1, 0, 0], [0, 1, 0]],
    metadata: [{ s: "Apple" }, { s: "banana" }],
  });
  const hits = await store.query({
    indexName: "r",
    queryVector: [1, 1, 0],
    filter: { s: { $regex: "(?i)^APPLE$" } },
  });
  assert.deepEqual(hits.map((r) => r.id), ["a"]);
  await assert.rejects(
    store.query({ indexName: "r", queryVector: [1, 1, 0], filter: { s: { $regex: "a", $options: "q" } } }),
    (error: unknown) =>
      error instanceof MastraError && error.category === "USER" && /among "imsux"/.test(error.message),
  );
});

Deno.test("vector dialect: empty $and / $nor match everything, empty $or matches nothing", async () => {
  const store = new ConvexVector({ client: inProcessClient(createBackend()) });
  await store.createIndex({ indexName: "e", dimension: 3 });
  await store.upsert({
    indexName: "e",
    ids: ["a", "b"],
    vectors: [[1, 0, 0], [0, 1, 0]],
    metadata: [{ k: 1 }, { k: 2 }],
  });
  const ids = async (filter: unknown) =>
    (await store.query({ indexName: "e", queryVector: [1, 1, 0], filter: filter as VectorFilter }))
      .map((r) => r.id).sort();
  assert.deepEqual(await ids({ $and: [] }), ["a", "b"]);
  assert.deepEqual(await ids({ $nor: [] }), ["a", "b"]);
  assert.deepEqual(await ids({ $or: [] }), []);
  assert.deepEqual(await ids({ $and: [], k: 1 }), ["a"]);
  assert.deepEqual(await ids({ $or: [{ $or: [] }, { k: 2 }] }), ["b"]);
  // Metadata-only queries (no vector) agree.
  const scanned = await store.query({ indexName: "e", filter: { $or: [] } } as never);
  assert.deepEqual(scanned, []);
});

Deno.test("vector dialect: a filter nested beyond the limit is a USER error naming it, at any depth", async () => {
  const store = new ConvexVector({ client: inProcessClient(createBackend()) });
  await store.createIndex({ indexName: "d", dimension: 3 });
  for (const depth of [40, 5_000, 50_000]) {
    for (const shape of ["and", "not", "field"] as const) {
      let filter: Record<string, unknown> = { k: 1 };
      for (let i = 0; i < depth; i++) {
        filter = shape === "and" ? { $and: [filter] } : shape === "not" ? { $not: filter } : { k: filter };
      }
      for (
        const call of [
          () => store.query({ indexName: "d", queryVector: [1, 0, 0], filter: filter as VectorFilter }),
          () => store.deleteVectors({ indexName: "d", filter: filter as VectorFilter }),
          () => store.updateVector({ indexName: "d", filter: filter as VectorFilter, update: { metadata: {} } }),
        ]
      ) {
        await assert.rejects(call(), (error: unknown) => {
          assert.ok(error instanceof MastraError, String(error));
          assert.equal(error.category, "USER", error.message);
          assert.match(error.message, /nests deeper than 32 levels \(the filter nesting limit\)/);
          return true;
        }, `${shape} x ${depth}`);
      }
    }
  }
  // A cycle is refused the same way instead of looping.
  const cyclic: Record<string, unknown> = { k: 1 };
  cyclic.self = { $and: [cyclic] };
  await assert.rejects(
    store.query({ indexName: "d", queryVector: [1, 0, 0], filter: cyclic as VectorFilter }),
    /nesting limit/,
  );
});
