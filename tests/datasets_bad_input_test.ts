/**
 * Datasets and experiments: bad input gets a clear `MastraError` (category
 * USER, naming the operation and ids) and changes nothing; a tenancy
 * mismatch reads as absent and deletes nothing; values of any size and
 * values Convex cannot store as-is round-trip exactly; item writes repeated
 * by the transport after a lost reply apply once.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { encodeValue } from "../convex/kit/codec.ts";
import { createTestStorage, inProcessClient } from "./helpers/backend.ts";

async function stores() {
  const { storage, backend } = createTestStorage();
  return {
    datasets: (await storage.getStore("datasets"))!,
    experiments: (await storage.getStore("experiments"))!,
    backend,
  };
}

async function userError(fn: () => Promise<unknown>, pattern: RegExp): Promise<MastraError> {
  try {
    await fn();
  } catch (error) {
    assert.ok(error instanceof MastraError, `a MastraError, got ${error}`);
    assert.equal(error.category, "USER", error.message);
    assert.match(error.message, pattern);
    return error;
  }
  throw new Error("expected a failure");
}

Deno.test("tenancy: another tenant's dataset reads as absent and is never changed", async () => {
  const { datasets } = await stores();
  await datasets.createDataset({ id: "t", name: "Tenant data", organizationId: "org-a", projectId: "p" });
  const [item] = await datasets.batchInsertItems({ datasetId: "t", items: [{ input: "secret" }] });
  const other = { organizationId: "org-b" };
  assert.equal(await datasets.getDatasetById({ id: "t", filters: other }), null);
  assert.equal(
    (await datasets.listItems({ datasetId: "t", filters: other, pagination: { page: 0, perPage: 10 } })).pagination
      .total,
    0,
  );
  await datasets.deleteItem({ datasetId: "t", id: item.id, filters: other });
  await datasets.deleteDataset({ id: "t", filters: other });
  const still = await datasets.getDatasetById({ id: "t", filters: { organizationId: "org-a" } });
  assert.equal(still?.version, 1, "nothing was deleted or versioned");
  assert.equal((await datasets.getItemById({ id: item.id }))?.input, "secret");
});

Deno.test("conflicts: an immutable field or an externalId payload that differs is refused, nothing written", async () => {
  const { datasets } = await stores();
  await datasets.createDataset({ id: "c", name: "C", organizationId: "org-a" });
  await userError(() => datasets.createDataset({ id: "c", name: "C", organizationId: "org-b" }), /already in use/);
  assert.equal((await datasets.createDataset({ id: "c", name: "other name", organizationId: "org-a" })).name, "C");
  await datasets.batchInsertItems({ datasetId: "c", items: [{ input: "a", externalId: "e1" }] });
  const error = await userError(
    () =>
      datasets.batchInsertItems({ datasetId: "c", items: [{ input: "b" }, { input: "changed", externalId: "e1" }] }),
    /identities conflict/,
  );
  assert.deepEqual((error as unknown as { conflicts: { reason: string }[] }).conflicts.map((c) => c.reason), [
    "payload_mismatch",
  ]);
  assert.equal((await datasets.getDatasetById({ id: "c" }))?.version, 1, "the refused batch wrote nothing");
  // The same payload again is idempotent: the accepted item, no new version.
  const [again] = await datasets.batchInsertItems({ datasetId: "c", items: [{ input: "a", externalId: "e1" }] });
  assert.equal(again.input, "a");
  assert.equal((await datasets.getDatasetById({ id: "c" }))?.version, 1);
});

Deno.test("missing rows and oversized batches: clear errors naming the operation and ids", async () => {
  const { datasets, experiments } = await stores();
  await datasets.createDataset({ id: "m", name: "M" });
  await userError(
    () => datasets.updateItem({ datasetId: "m", id: "nope", input: 1 }),
    /ConvexStorage\.updateItem failed.*nope.*Item not found: nope/,
  );
  await userError(
    () => experiments.updateExperimentResult({ id: "missing-result", status: "reviewed" }),
    /updateExperimentResult.*missing-result/,
  );
  await userError(
    () => datasets.batchInsertItems({ datasetId: "m", items: Array.from({ length: 2001 }, (_, i) => ({ input: i })) }),
    /batchInsertItems.*at most 2000/,
  );
  assert.equal((await datasets.getDatasetById({ id: "m" }))?.version, 0, "nothing was inserted");
  await userError(
    () =>
      experiments.listExperimentResults({
        experimentId: "x",
        pagination: { page: 0, perPage: 1 },
        orderBy: { field: "bogus" as never },
      }),
    /Invalid orderBy field/,
  );
});

Deno.test("values of any size and values Convex cannot store as-is round-trip exactly", async () => {
  const { datasets, experiments, backend } = await stores();
  await datasets.createDataset({ id: "big", name: "Big" });
  const huge = {
    text: "x".repeat(3 * 1024 * 1024),
    $schema: "http://json-schema.org",
    _id: "kept",
    nested: [1, "two"],
  };
  const [item] = await datasets.batchInsertItems({
    datasetId: "big",
    items: [{ input: huge, groundTruth: { "~t": "tilde", "ünï": true }, metadata: { at: "2026" } }],
  });
  assert.deepEqual((await datasets.getItemById({ id: item.id }))?.input, huge);
  const listed = await datasets.listItems({ datasetId: "big", pagination: { page: 0, perPage: 10 } });
  assert.deepEqual(listed.items[0].input, huge);
  assert.deepEqual(listed.items[0].groundTruth, { "~t": "tilde", "ünï": true });
  await datasets.updateItem({ datasetId: "big", id: item.id, groundTruth: "small" });
  const history = await datasets.getItemHistory(item.id);
  assert.deepEqual(history.map((row) => row.input), [huge, huge]);
  const output = { answer: "y".repeat(2 * 1024 * 1024) };
  await experiments.createExperiment({
    id: "e",
    datasetId: "big",
    datasetVersion: 2,
    targetType: "agent",
    targetId: "a",
    totalItems: 1,
  });
  const result = await experiments.addExperimentResult({
    experimentId: "e",
    itemId: item.id,
    itemDatasetVersion: 2,
    input: huge,
    output,
    groundTruth: null,
    error: null,
    startedAt: new Date(1),
    completedAt: new Date(2),
    retryCount: 0,
  });
  assert.deepEqual((await experiments.getExperimentResultById({ id: result.id }))?.output, output);
  // Purging the item scrubs every row and the result, and releases the large values.
  await datasets.purgeItem({ datasetId: "big", id: item.id });
  assert.deepEqual((await datasets.getItemHistory(item.id)).map((row) => row.input), [null, null]);
  const scrubbed = await experiments.getExperimentResultById({ id: result.id });
  assert.equal(scrubbed?.output, null);
  assert.equal((scrubbed?.metadata as { __purged?: boolean })?.__purged, true);
  // deno-lint-ignore no-explicit-any
  const committed = await backend.run(async (ctx: any) =>
    (await ctx.db.query("blobs").collect()).filter((blob: { state: string }) => blob.state === "committed").length
  );
  assert.equal(committed, 0, "no large value of the purged item is still held");
});

Deno.test("a retried item write (same call after a lost reply) applies once", async () => {
  const { storage, backend } = createTestStorage();
  const datasets = (await storage.getStore("datasets"))!;
  await datasets.createDataset({ id: "r", name: "Retries" });
  const client = inProcessClient(backend);
  const item = (id: string, input: string) => ({
    id,
    externalId: null,
    data: encodeValue({ input }),
    digest: id,
    searchText: `${input}\u0000`,
  });
  const insert = { datasetId: "r", items: [item("i1", "a"), item("i2", "b")], versionId: "v-insert" };
  const first = await client.mutation("datasets/items:insertBatch", insert);
  const again = await client.mutation("datasets/items:insertBatch", insert);
  assert.deepEqual(again, first, "the retry answers as the first call did");
  const update = {
    datasetId: "r",
    id: "i1",
    expectedVersion: 1,
    versionId: "v-update",
    data: encodeValue({ input: "a2" }),
    digest: "d",
    searchText: "a2\u0000",
  };
  await client.mutation("datasets/items:update", update);
  await client.mutation("datasets/items:update", update);
  const remove = { datasetId: "r", itemIds: ["i2"], single: false, versionId: "v-remove" };
  await client.mutation("datasets/items:remove", remove);
  await client.mutation("datasets/items:remove", remove);
  assert.equal((await datasets.getDatasetById({ id: "r" }))?.version, 3, "three writes, three versions");
  const history = await datasets.getItemHistory("i1");
  assert.deepEqual(history.map((row) => [row.datasetVersion, row.input]), [[2, "a2"], [1, "a"]]);
  const listed = await datasets.listItems({ datasetId: "r", pagination: { page: 0, perPage: 10 } });
  assert.deepEqual(listed.items.map((row) => row.id), ["i1"]);
  assert.equal(listed.pagination.total, 1);
});
