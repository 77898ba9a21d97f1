/**
 * What a deep page of workflow runs costs: a page of 40 at offset N/2 of
 * every filter combination Mastra's `listWorkflowRuns` takes (none,
 * workflow name, resource, status and their combinations, each with and
 * without a date range) reads at most 40 + 4·log2(N) documents, in one
 * call, with the exact total. The runs are seeded as a deployment from
 * before the trees holds them (rows and unsharded counters): lists answer
 * the same by walking until `rebuildRankTrees`, then seek; writes through
 * the API keep it so.
 */
import assert from "node:assert/strict";
import type { WorkflowRunState } from "@mastra/core/workflows";
import type { StorageListWorkflowRunsInput } from "@mastra/core/storage";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { workflowCounters } from "../convex/workflows/counterNames.ts";
import { encodeValue } from "../src/kit/codec.ts";

const N = 2400;
const PAGE = 40;
const WORKFLOWS = ["alpha", "beta"];
const RESOURCES = ["u0", "u1", "u2"];
const STATUSES = ["success", "failed", "running", "suspended"];
const T0 = 1_700_000_000_000;

type Run = { workflowName: string; runId: string; resourceId: string; status: string; createdAt: number };

function runOf(i: number): Run {
  return {
    workflowName: WORKFLOWS[i % 2],
    runId: `run-${i}`,
    resourceId: RESOURCES[i % 3],
    status: STATUSES[(i >> 1) % 4],
    createdAt: T0 + i * 1000,
  };
}

/** The filter combinations, each alone and with a date range. */
function cases(): { name: string; filter: StorageListWorkflowRunsInput; match: (run: Run) => boolean }[] {
  const base: { name: string; filter: Record<string, string> }[] = [];
  for (const w of [undefined, "beta"]) {
    for (const r of [undefined, "u1"]) {
      for (const s of [undefined, "running"]) {
        const filter: Record<string, string> = {};
        if (w) filter.workflowName = w;
        if (r) filter.resourceId = r;
        if (s) filter.status = s;
        base.push({ name: Object.keys(filter).join("+") || "all", filter });
      }
    }
  }
  const from = T0 + Math.floor(N / 5) * 1000;
  const to = T0 + Math.floor((4 * N) / 5) * 1000;
  return base.flatMap(({ name, filter }) => {
    const match = (run: Run) =>
      (filter.workflowName === undefined || run.workflowName === filter.workflowName) &&
      (filter.resourceId === undefined || run.resourceId === filter.resourceId) &&
      (filter.status === undefined || run.status === filter.status);
    return [
      { name, filter, match },
      {
        name: `${name} + dates`,
        filter: { ...filter, fromDate: new Date(from), toDate: new Date(to) },
        match: (run: Run) => match(run) && run.createdAt >= from && run.createdAt <= to,
      },
    ];
  });
}

Deno.test(`a page of ${PAGE} at offset N/2 costs ${PAGE} + 4·log2(N) documents in one call, for every filter`, async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      calls++;
      return inner.query(path, args);
    },
  };
  const storage = new ConvexStorage({ client });
  const workflows = (await storage.getStore("workflows"))!;
  const runs = Array.from({ length: N }, (_, i) => runOf(i));
  // Seeded as a deployment from before the trees holds its runs: rows and unsharded counters only.
  const counts = new Map<string, number>();
  const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
  await backend.run(async (ctx) => {
    for (const run of runs) {
      const id = JSON.stringify([run.workflowName, run.runId]);
      const snapshot = encodeValue({ runId: run.runId, status: run.status, context: {} });
      await ctx.db.insert("workflow_runs", { id, ...run, updatedAt: run.createdAt, snapshot });
      count(workflowCounters.workflowRuns());
      count(workflowCounters.workflowRunsOfWorkflow(run.workflowName));
      count(workflowCounters.workflowRunsOfWorkflowStatus(run.workflowName, run.status));
      count(workflowCounters.workflowRunsOfResource(run.resourceId));
      count(workflowCounters.workflowRunsOfResourceWorkflow(run.resourceId, run.workflowName));
    }
    for (const [name, value] of counts) await ctx.db.insert("counters", { name, value });
  });
  const newestFirst = [...runs].reverse();
  const failures: string[] = [];
  const check = async (label: string, budget: (n: number) => number, oneCall: boolean) => {
    const table: Record<string, unknown>[] = [];
    for (const { name, filter, match } of cases()) {
      const matching = newestFirst.filter(match);
      const page = Math.floor(matching.length / 2 / PAGE);
      calls = 0;
      const { result, usage } = await measure(() => workflows.listWorkflowRuns({ ...filter, page, perPage: PAGE }));
      const expected = matching.slice(page * PAGE, page * PAGE + PAGE).map((run) => run.runId);
      assert.deepStrictEqual(result.runs.map((run) => run.runId), expected, `${label} ${name}`);
      assert.equal(result.total, matching.length, `${label} ${name}: total`);
      const limit = budget(matching.length);
      table.push({ case: name, matches: matching.length, page, read: usage.documentsRead, limit, calls });
      if (usage.documentsRead > limit) failures.push(`${label} ${name}: ${usage.documentsRead} > ${limit}`);
      if (oneCall && calls !== 1) failures.push(`${label} ${name}: ${calls} calls`);
    }
    console.log(label);
    console.table(table);
  };
  const logBound = () => PAGE + Math.ceil(4 * Math.log2(N));
  // Unranked: exact answers by walking (not cheap).
  await check("before the rebuild (walks)", () => 4 * N, false);
  await storage.rebuildRankTrees();
  await check("rebuilt", logBound, true);
  // Writes through the API, in parallel, keep every tree and total exact: new runs, status changes, a deletion.
  const added = Array.from({ length: 30 }, (_, k) => runOf(N + k));
  runs.push(...added);
  await Promise.all(added.map((run) =>
    workflows.persistWorkflowSnapshot({
      workflowName: run.workflowName,
      runId: run.runId,
      resourceId: run.resourceId,
      snapshot: { runId: run.runId, status: run.status, context: {} } as unknown as WorkflowRunState,
      createdAt: new Date(run.createdAt),
    })
  ));
  await Promise.all([5, 700, 1500, 2401].map((i) => {
    runs[i].status = "success";
    return workflows.updateWorkflowState({
      workflowName: runs[i].workflowName,
      runId: runs[i].runId,
      opts: { status: "success" } as never,
    });
  }));
  await workflows.deleteWorkflowRunById({ workflowName: runs[999].workflowName, runId: runs[999].runId });
  runs.splice(999, 1);
  newestFirst.splice(0, newestFirst.length, ...[...runs].reverse());
  await check("after writes", logBound, true);

  // An older version writes a run (no trees; it counts in the unsharded all-runs document): lists walk again,
  // exact, until a rebuild.
  const stray = runOf(N + 100);
  runs.push(stray);
  await backend.run(async (ctx) => {
    const id = JSON.stringify([stray.workflowName, stray.runId]);
    await ctx.db.insert("workflow_runs", { id, ...stray, updatedAt: stray.createdAt });
    const name = workflowCounters.workflowRuns();
    const legacy = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
    if (legacy) await ctx.db.patch(legacy._id, { value: legacy.value + 1 });
    else await ctx.db.insert("counters", { name, value: 1 });
    for (
      const other of [
        workflowCounters.workflowRunsOfWorkflow(stray.workflowName),
        workflowCounters.workflowRunsOfWorkflowStatus(stray.workflowName, stray.status),
        workflowCounters.workflowRunsOfResource(stray.resourceId),
        workflowCounters.workflowRunsOfResourceWorkflow(stray.resourceId, stray.workflowName),
      ]
    ) {
      const row = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", other)).unique();
      if (row) await ctx.db.patch(row._id, { value: row.value + 1 });
      else await ctx.db.insert("counters", { name: other, value: 1 });
    }
  });
  newestFirst.splice(0, newestFirst.length, ...[...runs].reverse());
  await check("after an older version's write (walks)", () => 4 * N, false);
  await storage.rebuildRankTrees();
  await check("rebuilt again", logBound, true);
  assert.deepStrictEqual(failures, []);
});
