/**
 * Items at past dataset versions, differentially against core's
 * InMemoryStore: after random sequences of batch inserts (a batch shares
 * its creation time: ties by id), updates, deletes, batch deletes and
 * purges, `listItems({ version })` in every order at random pages, with
 * its total, and `getItemsByVersion` agree with the reference at every
 * version from 0 to one past the current one. Our side answers from the
 * per-version persistent trees (`convex/datasets/versionTrees.ts`); the
 * test checks that no page fell back to the history walk. Fixed
 * fast-check seed (`EVAL_SEED` / `EVAL_RUNS` explore).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type DatasetsStorage, InMemoryStore } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { dropUndefined } from "./helpers/normalize.ts";
import { clock, IdLabels, install, restore } from "./helpers/evalDeterminism.ts";

const value = fc.oneof(
  fc.constantFrom("alpha", "beta", "gamma"),
  fc.record({ q: fc.constantFrom("x", "y"), n: fc.nat(3) }),
);
const item = fc.record({ input: value, groundTruth: fc.option(value, { nil: undefined }) }, {
  requiredKeys: ["input"],
});

type Op =
  | { kind: "batchInsert"; items: { input: unknown; groundTruth?: unknown }[] }
  | { kind: "update"; item: number; input: unknown }
  | { kind: "delete"; item: number }
  | { kind: "batchDelete"; items: number[] }
  | { kind: "purge"; item: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ kind: fc.constant("batchInsert" as const), items: fc.array(item, { maxLength: 40 }) }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("update" as const), item: fc.nat(200), input: value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), item: fc.nat(200) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("batchDelete" as const),
      items: fc.array(fc.nat(200), { maxLength: 30 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("purge" as const), item: fc.nat(200) }) },
);

/** A page to compare at one version: an order and a page (perPage `false`: everything). */
const probe = fc.record({
  field: fc.constantFrom("createdAt" as const, "updatedAt" as const),
  direction: fc.constantFrom("ASC" as const, "DESC" as const),
  page: fc.nat(6),
  perPage: fc.oneof(fc.integer({ min: 1, max: 15 }), fc.constant(false as const)),
});

type Side = { datasets: DatasetsStorage; items: string[]; labels: IdLabels };

async function applyOp(side: Side, o: Op): Promise<void> {
  const d = side.datasets;
  const pick = (i: number) => side.items.length === 0 ? "missing" : side.items[i % side.items.length];
  switch (o.kind) {
    case "batchInsert": {
      const added = await d.batchInsertItems({ datasetId: "ds", items: structuredClone(o.items) });
      for (const { id } of added) if (!side.items.includes(id)) side.items.push(id);
      return;
    }
    case "update":
      await d.updateItem({ datasetId: "ds", id: pick(o.item), input: structuredClone(o.input) }).catch(() => null);
      return;
    case "delete":
      await d.deleteItem({ datasetId: "ds", id: pick(o.item) });
      return;
    case "batchDelete":
      await d.batchDeleteItems({ datasetId: "ds", itemIds: o.items.map(pick) });
      return;
    case "purge":
      await d.purgeItem({ datasetId: "ds", id: pick(o.item) });
      return;
  }
}

Deno.test("items at every past version: pages, totals and getItemsByVersion equal InMemoryStore's", async () => {
  install();
  let pagesChecked = 0;
  let pastPages = 0;
  try {
    await fc.assert(
      fc.asyncProperty(
        fc.array(op, { minLength: 1, maxLength: 25 }),
        fc.array(probe, { minLength: 2, maxLength: 2 }),
        async (ops, probes) => {
          const backend = createBackend();
          let fallbacks = 0;
          const inner = inProcessClient(backend);
          const client: ConvexClientLike = {
            ...inner,
            query: (path, args) => {
              const answer = inner.query(path, args);
              if (String(path).includes("keysAt")) fallbacks++;
              return answer;
            },
          };
          const sides: Side[] = [];
          for (const store of [new InMemoryStore(), new ConvexStorage({ client })]) {
            sides.push({ datasets: (await store.getStore("datasets"))!, items: [], labels: new IdLabels() });
          }
          const start = clock.now + 10_000_000;
          // Both stores see the same clock and id counter at each step.
          const at = (step: number) => {
            clock.now = start + step * 1000;
            clock.nextId = (step + 1) * 1_000_000;
          };
          for (const s of sides) {
            at(0);
            await s.datasets.createDataset({ id: "ds", name: "ds" });
          }
          for (const [index, o] of ops.entries()) {
            for (const s of sides) {
              at(index + 1);
              await applyOp(s, o);
            }
          }
          const [reference, ours] = sides;
          const current = (await reference.datasets.getDatasetById({ id: "ds" }))!.version;
          assert.equal((await ours.datasets.getDatasetById({ id: "ds" }))!.version, current);
          for (let version = 0; version <= current + 1; version++) {
            for (const p of probes) {
              const args = {
                datasetId: "ds",
                version,
                orderBy: { field: p.field, direction: p.direction },
                pagination: { page: p.page, perPage: p.perPage },
              };
              const [expected, actual] = await Promise.all(
                sides.map(async (s) => s.labels.label(dropUndefined(await s.datasets.listItems(args)))),
              );
              assert.deepEqual(actual, expected, `listItems ${JSON.stringify(args)} after ${JSON.stringify(ops)}`);
              pagesChecked++;
              if (version < current && expected.items.length > 0) pastPages++;
            }
            const [expected, actual] = await Promise.all(
              sides.map(async (s) =>
                s.labels.label(dropUndefined(await s.datasets.getItemsByVersion({ datasetId: "ds", version })))
              ),
            );
            assert.deepEqual(actual, expected, `getItemsByVersion ${version}`);
          }
          assert.equal(fallbacks, 0, "no page walked the history");
        },
      ),
      { numRuns: Number(Deno.env.get("EVAL_RUNS") ?? 25), seed: Number(Deno.env.get("EVAL_SEED") ?? 20261208) },
    );
  } finally {
    restore();
  }
  assert.ok(pastPages >= 50, `past-version pages with items checked: ${pastPages} of ${pagesChecked}`);
});

Deno.test("a dataset whose items predate the version trees keeps walking its history, with the same answers", async () => {
  const backend = createBackend();
  let walks = 0;
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      if (String(path).includes("keysAt")) walks++;
      return inner.query(path, args);
    },
  };
  const datasets = (await new ConvexStorage({ client }).getStore("datasets"))!;
  await datasets.createDataset({ id: "old", name: "old" });
  const first = await datasets.batchInsertItems({
    datasetId: "old",
    items: [{ input: "a" }, { input: "b" }, { input: "c" }],
  });
  // As if written before the trees existed: the dataset has no `pastTrees` flag (and no root rows).
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    const row = await ctx.db.query("datasets").first();
    await ctx.db.patch(row._id, { pastTrees: undefined });
    for (const root of await ctx.db.query("dataset_version_trees").collect()) await ctx.db.delete(root._id);
  });
  await datasets.deleteItem({ datasetId: "old", id: first[1].id });
  await datasets.updateItem({ datasetId: "old", id: first[0].id, input: "a2" });
  assert.equal(
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) => (await ctx.db.query("dataset_version_trees").collect()).length),
    0,
    "no trees are built for it",
  );
  const atOne = await datasets.listItems({
    datasetId: "old",
    version: 1,
    pagination: { page: 0, perPage: 10 },
    orderBy: { field: "createdAt", direction: "ASC" },
  });
  // One batch shares its creation time: ties by ascending id.
  const byId = [...first].sort((a, b) => a.id < b.id ? -1 : 1);
  assert.deepEqual(atOne.items.map((item) => [item.id, item.input]), byId.map((item) => [item.id, item.input]));
  assert.equal(atOne.pagination.total, 3);
  const atTwo = await datasets.getItemsByVersion({ datasetId: "old", version: 2 });
  assert.deepEqual(atTwo.map((item) => item.input).sort(), ["a", "c"]);
  assert.ok(walks >= 2, "both reads walked the history");
});

Deno.test("dangerouslyClearAll removes every version tree: a dataset created again under the same id starts empty", async () => {
  const backend = createBackend();
  const datasets = (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("datasets"))!;
  await datasets.createDataset({ id: "ds", name: "ds" });
  await datasets.batchInsertItems({ datasetId: "ds", items: [{ input: "a" }, { input: "b" }] });
  await datasets.batchInsertItems({ datasetId: "ds", items: [{ input: "c" }] });
  await datasets.dangerouslyClearAll();
  // deno-lint-ignore no-explicit-any
  const count = (table: string) => backend.run(async (ctx: any) => (await ctx.db.query(table).take(10)).length);
  assert.equal(await count("persistent_rank_nodes"), 0);
  assert.equal(await count("dataset_version_trees"), 0);
  await datasets.createDataset({ id: "ds", name: "ds" });
  await datasets.batchInsertItems({ datasetId: "ds", items: [{ input: "z" }] });
  const atTwo = await datasets.listItems({ datasetId: "ds", version: 2, pagination: { page: 0, perPage: 10 } });
  assert.deepEqual(atTwo.items.map((item) => item.input), ["z"]);
  assert.equal(atTwo.pagination.total, 1);
});

Deno.test("a past-version page of large rows comes in calls of about 8 MiB, whole and in order", async () => {
  const backend = createBackend();
  let calls = 0;
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      if (String(path).includes("pageAt")) calls++;
      return inner.query(path, args);
    },
  };
  const datasets = (await new ConvexStorage({ client }).getStore("datasets"))!;
  await datasets.createDataset({ id: "ds", name: "ds" });
  // 50 items of about 200 KB each (stored inline, under the large-value threshold) and their search text: about 15 MB.
  const big = (i: number) => `${i} `.padEnd(200_000, "x");
  const items = [];
  for (let batch = 0; batch < 5; batch++) {
    items.push(
      ...await datasets.batchInsertItems({
        datasetId: "ds",
        items: Array.from({ length: 10 }, (_, i) => ({ input: big(batch * 10 + i) })),
      }),
    );
  }
  await datasets.deleteItem({ datasetId: "ds", id: items[0].id });
  const all = await datasets.listItems({ datasetId: "ds", version: 5, pagination: { page: 0, perPage: false } });
  assert.equal(all.pagination.total, 50);
  assert.deepEqual(
    all.items.map((item) => item.id),
    [...items].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? -1 : 1)).map((item) =>
      item.id
    ),
  );
  assert.ok(all.items.every((item) => typeof item.input === "string" && item.input.length === 200_000));
  assert.ok(calls >= 2, `${calls} calls`);
});
