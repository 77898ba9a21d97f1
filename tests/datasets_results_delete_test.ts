/**
 * `deleteExperimentResults` over a result set that takes several calls to
 * reclaim: the results are gone for every reader after its first mutation
 * (a new result generation), whatever happens to the client afterwards. A
 * client that dies mid-way leaves only invisible garbage (lists, totals,
 * single reads, upserts on the natural key and the review summary all
 * ignore it), which the next delete reclaims; a first call whose answer was
 * lost after commit and is sent again applies once.
 */
import assert from "node:assert/strict";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { seededExperiment, seededStatus, seedResults } from "./helpers/evalSeed.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type ConvexClientLike, TransientError } from "../src/transport.ts";
import { RECLAIM_BATCH } from "../convex/experiments/generations.ts";
import { encodeValue } from "../convex/kit/codec.ts";

/** More results than two reclaim steps take. */
const N = 2 * RECLAIM_BATCH + 500;
const BASE = Date.UTC(2026, 0, 1);

type Fault = (path: string, args: Record<string, unknown>, commit: () => Promise<unknown>) => Promise<unknown>;

/** A storage whose mutations go through `fault` (which runs `commit` itself, or not). */
function faultyStorage(fault: Fault) {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    mutation: (path, args, options) =>
      fault(path, args as Record<string, unknown>, () => inner.mutation(path, args, options)) as never,
  };
  const storage = new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 0 } });
  return { storage, backend, inner };
}

const resultInput = (itemId: string, status: "needs-review" | null = null) => ({
  experimentId: "exp",
  itemId,
  itemDatasetVersion: 1,
  input: { itemId },
  output: null,
  groundTruth: null,
  error: null,
  startedAt: new Date(BASE),
  completedAt: new Date(BASE + 5),
  retryCount: 0,
  status,
});

// deno-lint-ignore no-explicit-any
const countRows = (backend: { run: (fn: (ctx: any) => Promise<unknown>) => Promise<unknown> }, table: string) =>
  // deno-lint-ignore no-explicit-any
  backend.run(async (ctx: any) => (await ctx.db.query(table).take(10_000)).length) as Promise<number>;

Deno.test("deleteExperimentResults: a client dying mid-way leaves nothing visible, the next delete reclaims the rest", async () => {
  let reclaimCalls = 0;
  let dead = false;
  const { storage, backend } = faultyStorage(async (path, _args, commit) => {
    if (path === "experiments/results:reclaim" && dead && ++reclaimCalls === 2) {
      throw new Error("the client process died");
    }
    return await commit();
  });
  const experiments = (await storage.getStore("experiments"))!;
  await experiments.createExperiment(seededExperiment("exp", N));
  await seedResults(backend, "exp", 0, N, BASE);
  const before = await experiments.listExperimentResults({ experimentId: "exp", pagination: { page: 0, perPage: 1 } });
  assert.equal(before.pagination.total, N);
  const oldId = before.results[0].id;
  assert.deepEqual(await experiments.getReviewSummary(), [
    { experimentId: "exp", total: N, needsReview: 625, reviewed: 625, complete: 625 },
  ]);

  dead = true;
  await assert.rejects(experiments.deleteExperimentResults({ experimentId: "exp" }), /died/);
  const left = await countRows(backend, "experiment_results");
  assert.ok(left > 0 && left < N, `stopped mid-way: ${left} rows still stored`);

  // Nothing of the deleted results is visible.
  for (const orderBy of [undefined, { field: "createdAt" as const, direction: "DESC" as const }]) {
    const page = await experiments.listExperimentResults({
      experimentId: "exp",
      pagination: { page: 0, perPage: 100 },
      orderBy,
    });
    assert.deepEqual(page, { results: [], pagination: { total: 0, page: 0, perPage: 100, hasMore: false } });
  }
  const filtered = await experiments.listExperimentResults({
    experimentId: "exp",
    status: "needs-review",
    pagination: { page: 0, perPage: 100 },
  });
  assert.equal(filtered.pagination.total, 0);
  assert.equal(await experiments.getExperimentResultById({ id: oldId }), null);
  await assert.rejects(experiments.updateExperimentResult({ id: oldId, status: "reviewed" }), /not found/);
  assert.deepEqual(await experiments.getReviewSummary(), []);

  // New results start afresh: the natural key of a deleted result is free, its id too.
  const fresh = await experiments.upsertExperimentResult(resultInput(`item-${N - 1}`, "needs-review"));
  assert.notEqual(fresh.id, `result-${String(N - 1).padStart(7, "0")}`);
  const reused = await experiments.addExperimentResult({ ...resultInput("other"), id: oldId });
  assert.equal(reused.comment, null);
  const after = await experiments.listExperimentResults({ experimentId: "exp", pagination: { page: 0, perPage: 10 } });
  assert.deepEqual(after.results.map((r) => r.id).sort(), [fresh.id, oldId].sort());
  assert.equal(after.pagination.total, 2);
  assert.deepEqual(await experiments.getReviewSummary(), [
    { experimentId: "exp", total: 2, needsReview: 1, reviewed: 0, complete: 0 },
  ]);

  // The next delete reclaims every generation's rows and rank trees.
  dead = false;
  await experiments.deleteExperimentResults({ experimentId: "exp" });
  assert.equal(await countRows(backend, "experiment_results"), 0);
  // deno-lint-ignore no-explicit-any
  const trees = await backend.run(async (ctx: any) =>
    (await ctx.db.query("rank_nodes").take(10_000)).filter((node: { tree: string }) =>
      node.tree.startsWith("experiments:tree:")
    ).length
  );
  assert.equal(trees, 0, "no rank-tree node of the experiment's results is left");
  assert.deepEqual(await experiments.getReviewSummary(), []);
  assert.equal(seededStatus(0), "needs-review");
});

Deno.test("deleteExperimentResults: a first call whose answer was lost is sent again and applies once", async () => {
  let lost = 0;
  let writtenMeanwhile = "";
  const { storage, inner } = faultyStorage(async (path, _args, commit) => {
    const answer = await commit();
    if (path === "experiments/results:clear" && lost++ === 0) {
      // Another client adds a result between the commit and the retry.
      const added = await inner.mutation("experiments/results:add", {
        id: "meanwhile",
        result: {
          experimentId: "exp",
          itemId: "late",
          attempt: 0,
          itemDatasetVersion: null,
          status: null,
          traceId: null,
          tags: null,
          retryCount: 0,
          organizationId: null,
          projectId: null,
          startedAt: BASE,
          completedAt: BASE,
          data: encodeValue({
            input: null,
            output: null,
            groundTruth: null,
            metadata: null,
            error: null,
            toolMockReport: null,
          }),
        },
      }) as { row: { id: string } };
      writtenMeanwhile = added.row.id;
      throw new TransientError("request to Convex failed: fetch failed (answer lost after commit)");
    }
    return answer;
  });
  const experiments = (await storage.getStore("experiments"))!;
  await experiments.upsertExperimentResult(resultInput("first"));
  await experiments.deleteExperimentResults({ experimentId: "exp" });
  assert.equal(lost, 2, "sent twice");
  const page = await experiments.listExperimentResults({ experimentId: "exp", pagination: { page: 0, perPage: 10 } });
  assert.deepEqual(page.results.map((r) => r.id), [writtenMeanwhile], "only the first result was deleted");
});
