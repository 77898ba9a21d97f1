/**
 * Rank trees (`convex/kit/rankTree.ts`): the key at any offset and the rank
 * of any key stay exact under random inserts and removes (appends, middle
 * inserts, ties, splits, emptied nodes), and lists seek through them.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { keyAt, RankBatch, rankOf, treeTotal } from "../convex/kit/rankTree.ts";
import { compareKeys, type SortKey } from "../convex/kit/walk.ts";
import { createBackend, createTestStorage, settleRankTrees } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const T0 = 1_767_225_600_000;

Deno.test("rank tree: keyAt, rankOf and the total match a sorted model under random changes", async () => {
  const backend = createBackend();
  const model: SortKey[] = [];
  let n = 0;
  // Bulk appends first (splits at the end keep nodes full), then random changes in batches.
  const append = Array.from({ length: 1200 }, (_, i) => ({ value: T0 + Math.floor(i / 3), id: `a-${1e6 + i}` }));
  await backend.run(async (ctx) => {
    const batch = new RankBatch();
    for (const key of append) batch.add("t", key);
    await batch.apply(ctx);
  });
  model.push(...append);
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant("add" as const), at: fc.integer({ min: -50, max: 500 }) }),
          fc.record({ kind: fc.constant("remove" as const), index: fc.nat() }),
        ),
        { minLength: 1, maxLength: 120 },
      ),
      fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
      async (ops, probes) => {
        await backend.run(async (ctx) => {
          const batch = new RankBatch();
          for (const op of ops) {
            if (op.kind === "add") {
              const key = { value: T0 + op.at, id: `k-${n++}` };
              batch.add("t", key);
              model.push(key);
            } else if (model.length > 0) {
              const [key] = model.splice(op.index % model.length, 1);
              batch.remove("t", key);
              batch.remove("t", key); // removing an absent key is a no-op
            }
          }
          await batch.apply(ctx);
        });
        model.sort(compareKeys);
        await backend.run(async (ctx) => {
          assert.equal(await treeTotal(ctx, "t"), model.length);
          for (const probe of probes) {
            if (model.length === 0) continue;
            const rank = probe % model.length;
            assert.deepEqual(await keyAt(ctx, "t", rank), model[rank]);
            assert.equal(await rankOf(ctx, "t", model[rank]), rank);
            assert.equal(await rankOf(ctx, "t", model[rank], true), rank + 1);
          }
          assert.equal(await keyAt(ctx, "t", model.length), null);
        });
      },
    ),
    { numRuns: 40 },
  );
  // Removing everything leaves no node behind.
  await backend.run(async (ctx) => {
    const batch = new RankBatch();
    for (const key of model) batch.remove("t", key);
    await batch.apply(ctx);
    assert.equal((await ctx.db.query("rank_nodes").collect()).length, 0);
  });
});

Deno.test("threads of a resource: a middle page seeks (reads about one page) and matches the walk", async () => {
  const { storage, backend } = createTestStorage({ now: () => T0 });
  const memory = (await storage.getStore("memory"))!;
  const N = 1500;
  for (let i = 0; i < N; i += 250) {
    await Promise.all(Array.from({ length: 250 }, (_, j) =>
      memory.saveThread({
        thread: {
          id: `t-${String(i + j).padStart(5, "0")}`,
          resourceId: "r1",
          title: "t",
          metadata: {},
          createdAt: new Date(T0 + Math.floor((i + j) / 2)),
          updatedAt: new Date(T0 + 10_000 - (i + j)),
        },
      })));
  }
  // Measure the trees alone (pending changes, read in addition, are tested in rank_pending_test.ts).
  await settleRankTrees(backend);
  for (const field of ["createdAt", "updatedAt"] as const) {
    for (const direction of ["ASC", "DESC"] as const) {
      const all = await memory.listThreads({
        filter: { resourceId: "r1" },
        perPage: false,
        orderBy: { field, direction },
      });
      const page = await measure(() =>
        memory.listThreads({ filter: { resourceId: "r1" }, page: 17, perPage: 40, orderBy: { field, direction } })
      );
      assert.deepEqual(page.result.threads.map((t) => t.id), all.threads.slice(680, 720).map((t) => t.id));
      assert.equal(page.result.total, N);
      assert.ok(page.usage.documentsRead <= 40 + 8, `${field} ${direction}: ${page.usage.documentsRead} read`);
    }
  }
  // updatedAt moves: a new message stamps its thread, which moves in the updatedAt tree.
  await memory.saveMessages({
    messages: [{
      id: "m1",
      threadId: "t-00000",
      resourceId: "r1",
      role: "user",
      type: "text",
      createdAt: new Date(T0 + 99_999),
      content: { format: 2, parts: [{ type: "text", text: "hi" }] },
    } as never],
  });
  const all = await memory.listThreads({
    filter: { resourceId: "r1" },
    perPage: false,
    orderBy: { field: "updatedAt", direction: "DESC" },
  });
  const page = await memory.listThreads({
    filter: { resourceId: "r1" },
    page: 10,
    perPage: 40,
    orderBy: { field: "updatedAt", direction: "DESC" },
  });
  assert.deepEqual(page.threads.map((t) => t.id), all.threads.slice(400, 440).map((t) => t.id));
  await memory.deleteThread({ threadId: "t-00700" });
  const after = await memory.listThreads({ filter: { resourceId: "r1" }, page: 17, perPage: 40 });
  assert.equal(after.total, N - 1);
});

Deno.test("workflow runs: deep pages and date-range totals come from rank trees", async () => {
  const { storage, backend } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const statuses = ["success", "failed", "running", "suspended"];
  const RUNS = 1200;
  for (let i = 0; i < RUNS; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) =>
      workflows.persistWorkflowSnapshot({
        workflowName: (i + j) % 2 === 0 ? "even" : "odd",
        runId: `run-${i + j}`,
        resourceId: `user-${(i + j) % 3}`,
        snapshot: { runId: `run-${i + j}`, status: statuses[(i + j) % 4], context: {} } as never,
        createdAt: new Date(1_000_000 + Math.floor((i + j) / 2) * 1000),
      })));
  }
  // A run changes status: it moves between (workflow, status) trees.
  await workflows.persistWorkflowSnapshot({
    workflowName: "even",
    runId: "run-0",
    resourceId: "user-0",
    snapshot: { runId: "run-0", status: "running", context: {} } as never,
    createdAt: new Date(1_000_000),
  });
  await settleRankTrees(backend);
  const cases: Parameters<typeof workflows.listWorkflowRuns>[0][] = [
    { workflowName: "even" },
    { workflowName: "even", status: "running" },
    { resourceId: "user-1" },
    { resourceId: "user-1", workflowName: "odd" },
    { workflowName: "odd", fromDate: new Date(1_000_000 + 100_000), toDate: new Date(1_000_000 + 499_000) },
    { resourceId: "user-2", fromDate: new Date(1_000_000 + 100_000) },
  ];
  for (const filter of cases) {
    const all = await workflows.listWorkflowRuns({ ...filter });
    const perPage = 20;
    const page = Math.floor(all.total / perPage / 2);
    const { result, usage } = await measure(() => workflows.listWorkflowRuns({ ...filter, page, perPage }));
    const label = JSON.stringify(filter);
    assert.equal(result.total, all.total, label);
    assert.deepEqual(
      result.runs.map((r) => r.runId),
      all.runs.slice(page * perPage, page * perPage + perPage).map((r) => r.runId),
      label,
    );
    assert.ok(usage.documentsRead <= 2 * perPage + 12, `${label}: ${usage.documentsRead} read`);
  }
});
