/**
 * ConvexVector's basic contract: indexes of several dimensions share
 * tables without leaking into each other, upsert replaces by id, update and
 * delete by id, includeVector, minScore, and the counts that follow.
 */
import assert from "node:assert/strict";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";

Deno.test("vector crud: indexes, upsert by id, update, delete and counts", async () => {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend) });
  await store.createIndex({ indexName: "a", dimension: 3 });
  await store.createIndex({ indexName: "b", dimension: 3, metric: "dotproduct" });
  await store.createIndex({ indexName: "c", dimension: 130 }); // the 256-wide table
  assert.deepEqual(await store.listIndexes(), ["a", "b", "c"]);
  assert.deepEqual(await store.describeIndex({ indexName: "b" }), { dimension: 3, metric: "dotproduct", count: 0 });

  const ids = await store.upsert({ indexName: "a", vectors: [[1, 0, 0], [0, 1, 0]], metadata: [{ n: 1 }, { n: 2 }] });
  assert.equal(ids.length, 2);
  await store.upsert({ indexName: "b", ids: ["x"], vectors: [[1, 0, 0]] });
  const wide = Array.from({ length: 130 }, (_, i) => (i === 129 ? 1 : 0));
  await store.upsert({ indexName: "c", ids: ["w"], vectors: [wide], metadata: [{ deep: { list: [1, { k: "v" }] } }] });

  // Same id again replaces; duplicates within one call keep the last.
  await store.upsert({
    indexName: "a",
    ids: [ids[0], ids[0]],
    vectors: [[0, 0, 1], [1, 1, 0]],
    metadata: [{ n: 9 }, { n: 3 }],
  });
  assert.equal((await store.describeIndex({ indexName: "a" })).count, 2);
  const top = await store.query({ indexName: "a", queryVector: [1, 1, 0], topK: 5, includeVector: true });
  assert.deepEqual(top.map((r) => [r.id, r.metadata, r.vector]), [
    [ids[0], { n: 3 }, [1, 1, 0]],
    [ids[1], { n: 2 }, [0, 1, 0]],
  ]);
  assert.ok(top.every((r) => !("vector" in r) || r.vector!.length === 3));
  // Index "b" shares the 128 table but never shows up in "a".
  assert.ok(top.every((r) => r.id !== "x"));

  // minScore.
  const strong = await store.query({ indexName: "a", queryVector: [1, 1, 0], minScore: 0.9 });
  assert.deepEqual(strong.map((r) => r.id), [ids[0]]);

  // Dot product scores and a padded, 130-dimension index.
  const [dp] = await store.query({ indexName: "b", queryVector: [2, 0, 0] });
  assert.deepEqual([dp.id, dp.score], ["x", 2]);
  const [w] = await store.query({ indexName: "c", queryVector: wide, includeVector: true });
  assert.deepEqual(w.metadata, { deep: { list: [1, { k: "v" }] } });
  assert.deepEqual(w.vector, wide);

  // Update by id: vector, then metadata.
  await store.updateVector({ indexName: "a", id: ids[1], update: { vector: [1, 1, 0.1] } });
  await store.updateVector({ indexName: "a", id: ids[1], update: { metadata: { n: 20 } } });
  const [first] = await store.query({ indexName: "a", queryVector: [1, 1, 0.1], topK: 1, includeVector: true });
  assert.deepEqual([first.id, first.metadata, first.vector], [ids[1], { n: 20 }, [1, 1, 0.1]]);

  // Update by filter, delete by id (missing ids are fine), delete by ids.
  await store.updateVector({ indexName: "a", filter: { n: { $gte: 3 } }, update: { metadata: { n: 0, bulk: true } } });
  assert.equal((await store.query({ indexName: "a", topK: 10, filter: { bulk: true } })).length, 2);
  await store.deleteVector({ indexName: "a", id: ids[0] });
  await store.deleteVector({ indexName: "a", id: "never-existed" });
  assert.equal((await store.describeIndex({ indexName: "a" })).count, 1);
  await store.deleteVectors({ indexName: "a", ids: [ids[1], "nope"] });
  assert.equal((await store.describeIndex({ indexName: "a" })).count, 0);
  assert.deepEqual(await store.query({ indexName: "a", queryVector: [1, 0, 0] }), []);

  await store.deleteIndex({ indexName: "a" });
  await store.deleteIndex({ indexName: "a" }); // deleting a missing index is done at once
  assert.deepEqual(await store.listIndexes(), ["b", "c"]);
  assert.equal((await store.describeIndex({ indexName: "b" })).count, 1);
});
