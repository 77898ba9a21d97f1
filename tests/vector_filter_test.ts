/**
 * Every operator of Mastra's filter language, with the expected matches
 * written out by hand, through ConvexVector's query (with and without a
 * query vector), plus dates, regular expressions and bad filters.
 */
import assert from "node:assert/strict";
import type { VectorFilter } from "@mastra/core/vector";
import { MastraError } from "@mastra/core/error";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";

const docs: Record<string, Record<string, unknown>> = {
  a: {
    n: 1,
    s: "apple",
    tags: ["red", "fruit"],
    nested: { x: 1, y: "p" },
    when: "2025-01-01T00:00:00.000Z",
    items: [{ k: 1 }, { k: 5 }],
    thread_id: "t1",
  },
  b: {
    n: 2,
    s: "Banana",
    tags: ["yellow", "fruit"],
    nested: { x: 2 },
    when: "2025-06-01T00:00:00.000Z",
    items: [{ k: 2 }],
    thread_id: "t1",
    flag: null,
  },
  c: {
    n: 3,
    s: "cherry",
    tags: ["red"],
    nested: { x: 3, y: "q" },
    when: "2026-01-01T00:00:00.000Z",
    items: [],
    thread_id: "t2",
    flag: true,
  },
  d: { n: 10, s: "date", tags: [], when: "2024-01-01T00:00:00.000Z", thread_id: ["t1", "t2"] },
  e: { s: "elder", nums: [1, 5, 9], thread_id: "t3" },
};

async function setup() {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend) });
  await store.createIndex({ indexName: "f", dimension: 4 });
  const ids = Object.keys(docs);
  await store.upsert({
    indexName: "f",
    ids,
    vectors: ids.map((_, i) => [1, i + 1, 0.5, -i]),
    metadata: ids.map((id) => docs[id]),
  });
  return store;
}

const cases: [string, VectorFilter, string[]][] = [
  ["implicit $eq", { s: "apple" }, ["a"]],
  ["$eq", { n: { $eq: 2 } }, ["b"]],
  ["$eq on array contains", { tags: "red" }, ["a", "c"]],
  ["$eq whole array", { tags: ["red"] }, ["c"]],
  ["$eq null matches null and missing", { flag: null }, ["a", "b", "d", "e"]],
  ["$ne (missing matches)", { n: { $ne: 1 } }, ["b", "c", "d", "e"]],
  ["$gt", { n: { $gt: 2 } }, ["c", "d"]],
  ["$gte", { n: { $gte: 2 } }, ["b", "c", "d"]],
  ["$lt", { n: { $lt: 3 } }, ["a", "b"]],
  ["$lte", { n: { $lte: 3 } }, ["a", "b", "c"]],
  ["$gt on strings (ISO dates)", { when: { $gt: "2025-03-01" } }, ["b", "c"]],
  ["$gt on array elements", { nums: { $gt: 8 } }, ["e"]],
  ["range", { n: { $gt: 1, $lt: 10 } }, ["b", "c"]],
  ["$in", { s: { $in: ["apple", "date", "zzz"] } }, ["a", "d"]],
  ["$in on arrays", { tags: { $in: ["yellow", "none"] } }, ["b"]],
  ["$nin", { n: { $nin: [1, 2] } }, ["c", "d", "e"]],
  ["$all", { tags: { $all: ["red", "fruit"] } }, ["a"]],
  ["$size", { tags: { $size: 0 } } as unknown as VectorFilter, ["d"]],
  ["$exists true", { flag: { $exists: true } }, ["b", "c"]],
  ["$exists false", { nested: { $exists: false } }, ["d", "e"]],
  ["$regex", { s: { $regex: "^[a-c]" } }, ["a", "c"]],
  ["$regex with $options", { s: { $regex: "^b", $options: "i" } }, ["b"]],
  ["$not", { n: { $not: { $gt: 2 } } }, ["a", "b", "e"]],
  ["$elemMatch on objects", { items: { $elemMatch: { k: { $gte: 5 } } } }, ["a"]],
  ["$elemMatch on scalars", { nums: { $elemMatch: { $gt: 4, $lt: 6 } } }, ["e"]],
  ["nested path", { "nested.x": { $gte: 2 } }, ["b", "c"]],
  ["nested object is a nested path", { nested: { x: 2 } } as unknown as VectorFilter, ["b"]],
  ["nested object with operators", { nested: { x: { $gte: 2 }, y: "q" } } as unknown as VectorFilter, ["c"]],
  ["$eq with an object compares whole objects", { nested: { $eq: { x: 2 } } } as unknown as VectorFilter, ["b"]],
  ["nested path $exists", { "nested.y": { $exists: true } }, ["a", "c"]],
  ["$and", { $and: [{ n: { $gte: 1 } }, { tags: "fruit" }] }, ["a", "b"]],
  ["$or", { $or: [{ n: 10 }, { s: "elder" }] }, ["d", "e"]],
  ["$nor", { $nor: [{ tags: "red" }, { n: 10 }] }, ["b", "e"]],
  ["top-level $not", { $not: { tags: "fruit" } } as VectorFilter, ["c", "d", "e"]],
  ["implicit and of fields", { tags: "red", thread_id: "t1" }, ["a"]],
  ["push-down key (arrays still match)", { thread_id: "t2" }, ["c", "d"]],
  ["push-down $in", { thread_id: { $in: ["t1", "t3"] } }, ["a", "b", "d", "e"]],
  ["push-down inside $and", { $and: [{ thread_id: "t1" }, { n: { $gt: 1 } }] }, ["b", "d"]],
  ["empty filter", {}, ["a", "b", "c", "d", "e"]],
];

Deno.test("vector filters: every operator matches what it should (query with a vector)", async () => {
  const store = await setup();
  for (const [name, filter, expected] of cases) {
    const results = await store.query({ indexName: "f", queryVector: [1, 1, 1, 1], topK: 10, filter });
    assert.deepEqual(results.map((r) => r.id).sort(), expected, name);
  }
});

Deno.test("vector filters: every operator matches what it should (metadata-only query)", async () => {
  const store = await setup();
  for (const [name, filter, expected] of cases) {
    if (Object.keys(filter!).length === 0) continue;
    const results = await store.query({ indexName: "f", topK: 10, filter });
    assert.deepEqual(results.map((r) => r.id).sort(), expected, name);
    assert.ok(results.every((r) => r.score === 0));
  }
});

Deno.test("vector filters: Date values and RegExp objects are accepted", async () => {
  const store = await setup();
  const byDate = await store.query({
    indexName: "f",
    queryVector: [1, 1, 1, 1],
    filter: { when: { $gte: new Date("2025-06-01T00:00:00.000Z") } },
  });
  assert.deepEqual(byDate.map((r) => r.id).sort(), ["b", "c"]);
  const byRegex = await store.query({
    indexName: "f",
    queryVector: [1, 1, 1, 1],
    filter: { s: { $regex: /^BAN/i } } as unknown as VectorFilter,
  });
  assert.deepEqual(byRegex.map((r) => r.id), ["b"]);
});

Deno.test("vector filters: malformed filters fail with a MastraError naming the problem", async () => {
  const store = await setup();
  const bad: [unknown, RegExp][] = [
    [{ n: { $foo: 1 } }, /unsupported operator \$foo/],
    [{ $eq: 1 }, /must be applied to a field/],
    [{ $and: {} }, /\$and must be an array/],
    [{ n: { $in: 3 } }, /\$in takes an array/],
    [{ n: { $exists: "yes" } }, /\$exists takes true or false/],
    [{ n: { $size: -1 } }, /\$size takes a non-negative integer/],
    [{ s: { $regex: "(" } }, /invalid pattern/],
    [{ s: { $options: "i" } }, /only valid next to \$regex/],
    [{ n: { $gt: {} } }, /takes a number, string or date/],
    [{ n: { $gt: 1, x: 2 } }, /mixes operators and field names/],
    [{ n: { $not: 5 } }, /\$not takes an operator condition/],
    [{ items: { $elemMatch: 3 } }, /\$elemMatch takes a non-empty condition/],
    [[1, 2], /must be an object/],
  ];
  for (const [filter, message] of bad) {
    await assert.rejects(
      store.query({ indexName: "f", queryVector: [1, 1, 1, 1], filter: filter as VectorFilter }),
      (error: unknown) => {
        assert.ok(error instanceof MastraError, String(error));
        assert.match(error.message, /^ConvexVector\.query failed/);
        assert.match(error.message, message);
        assert.equal(error.id, "CONVEX_VECTOR_QUERY_INVALID");
        return true;
      },
      JSON.stringify(filter),
    );
  }
});
