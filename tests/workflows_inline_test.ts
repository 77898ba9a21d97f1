/**
 * Small snapshots live in the run row, large ones in a snapshot row (a blob
 * beyond the blobs' inline limit). A snapshot growing past the limit or
 * shrinking back moves exactly: one place holds it, nothing is orphaned.
 * Runs written before inline snapshots (snapshot row beside the run row)
 * read as before and move inline on their next write. A page of 40 runs
 * reads about one document per run.
 */
import assert from "node:assert/strict";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { encodeValue } from "../src/kit/codec.ts";
import { RUN_INLINE_LIMIT } from "../convex/workflows/runs.ts";
import { workflowCounters } from "../convex/workflows/counterNames.ts";
import { PENDING_CAP } from "../convex/kit/rankPending.ts";

type Backend = ReturnType<typeof createTestStorage>["backend"];

/** Where the snapshots are: inline run rows, snapshot rows, and blob states. */
async function places(backend: Backend) {
  return await backend.run(async (ctx) => {
    const runs = await ctx.db.query("workflow_runs").collect();
    const rows = await ctx.db.query("workflow_snapshots").collect();
    const blobs = await ctx.db.query("blobs").collect();
    return {
      inline: runs.filter((run) => run.snapshot !== undefined).map((run) => run.runId).sort(),
      rows: rows.map((row) => ({ runKey: row.runKey, blob: row.snapshot.startsWith("~blob:") })),
      committedBlobs: blobs.filter((blob) => blob.state === "committed").length,
    };
  });
}

function snapshotOf(runId: string, output: unknown, status = "running"): WorkflowRunState {
  return { runId, status, context: { a: { status: "success", output } } } as unknown as WorkflowRunState;
}

const KEY = JSON.stringify(["wf", "r1"]);

Deno.test("a snapshot moves between the run row, a snapshot row and a blob as it grows and shrinks", async () => {
  const { storage, backend } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const persist = (snapshot: WorkflowRunState) =>
    workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "r1", resourceId: "u", snapshot });
  const load = () => workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "r1" });

  const small = snapshotOf("r1", "x");
  await persist(small);
  assert.deepStrictEqual(await places(backend), { inline: ["r1"], rows: [], committedBlobs: 0 });
  assert.deepStrictEqual(await load(), small);

  // Just over the inline limit: a snapshot row holding the text.
  const medium = snapshotOf("r1", "m".repeat(RUN_INLINE_LIMIT));
  await persist(medium);
  assert.deepStrictEqual(await places(backend), {
    inline: [],
    rows: [{ runKey: KEY, blob: false }],
    committedBlobs: 0,
  });
  assert.deepStrictEqual(await load(), medium);

  // Past the blobs' inline limit: the snapshot row refers to a blob.
  const large = snapshotOf("r1", "L".repeat(400 * 1024));
  await persist(large);
  assert.deepStrictEqual(await places(backend), { inline: [], rows: [{ runKey: KEY, blob: true }], committedBlobs: 1 });
  assert.deepStrictEqual(await load(), large);

  // Back to small: inline again, the snapshot row gone, the blob released.
  await persist(small);
  assert.deepStrictEqual(await places(backend), { inline: ["r1"], rows: [], committedBlobs: 0 });
  assert.deepStrictEqual(await load(), small);

  // Growth by step results inside the transaction, then shrink by a state update.
  await workflows.updateWorkflowResults({
    workflowName: "wf",
    runId: "r1",
    stepId: "b",
    // deno-lint-ignore no-explicit-any
    result: { status: "success", output: "g".repeat(RUN_INLINE_LIMIT + 10) } as any,
    requestContext: {},
  });
  assert.deepStrictEqual(await places(backend), {
    inline: [],
    rows: [{ runKey: KEY, blob: false }],
    committedBlobs: 0,
  });
  const grown = await load();
  assert.equal((grown!.context.b as { output: string }).output.length, RUN_INLINE_LIMIT + 10);
  await workflows.updateWorkflowState({
    workflowName: "wf",
    runId: "r1",
    // deno-lint-ignore no-explicit-any
    opts: { status: "success", context: { a: { status: "success", output: 1 } } } as any,
  });
  assert.deepStrictEqual(await places(backend), { inline: ["r1"], rows: [], committedBlobs: 0 });
  assert.equal((await load())!.status, "success");
  const listed = await workflows.listWorkflowRuns({ status: "success" });
  assert.equal(listed.total, 1);
  assert.equal(listed.runs[0].snapshot && (listed.runs[0].snapshot as WorkflowRunState).status, "success");

  // Deleting the run leaves nothing behind.
  await persist(large);
  await workflows.deleteWorkflowRunById({ workflowName: "wf", runId: "r1" });
  assert.deepStrictEqual(await places(backend), { inline: [], rows: [], committedBlobs: 0 });
});

Deno.test("runs stored before inline snapshots read as before and move inline on their next write", async () => {
  const { storage, backend } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const old = snapshotOf("old", 1, "suspended");
  await backend.run(async (ctx) => {
    const id = JSON.stringify(["wf", "old"]);
    await ctx.db.insert("workflow_runs", {
      id,
      workflowName: "wf",
      runId: "old",
      status: "suspended",
      createdAt: 1000,
      updatedAt: 1000,
    });
    await ctx.db.insert("workflow_snapshots", { runKey: id, snapshot: encodeValue(old) });
    // The counters of that time (the all-runs counter unsharded).
    for (
      const name of [
        workflowCounters.workflowRuns(),
        workflowCounters.workflowRunsOfWorkflow("wf"),
        workflowCounters.workflowRunsOfWorkflowStatus("wf", "suspended"),
      ]
    ) await ctx.db.insert("counters", { name, value: 1 });
  });
  assert.deepStrictEqual(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "old" }), old);
  assert.deepStrictEqual((await workflows.getWorkflowRunById({ runId: "old" }))!.snapshot, old);
  for (const filter of [{}, { workflowName: "wf" }, { status: "suspended" as const }]) {
    const listed = await workflows.listWorkflowRuns(filter);
    assert.deepStrictEqual(listed.runs.map((run) => run.snapshot), [old]);
    assert.equal(listed.total, 1);
  }

  await workflows.updateWorkflowResults({
    workflowName: "wf",
    runId: "old",
    stepId: "b",
    // deno-lint-ignore no-explicit-any
    result: { status: "success", output: 2 } as any,
    requestContext: {},
  });
  assert.deepStrictEqual(await places(backend), { inline: ["old"], rows: [], committedBlobs: 0 });
  const moved = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "old" });
  assert.deepStrictEqual(moved!.context, { ...old.context, b: { status: "success", output: 2 } });
});

Deno.test("a page of 40 runs with inline snapshots reads about 41 documents; a save writes the run row only", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  for (let i = 0; i < 200; i++) {
    await workflows.persistWorkflowSnapshot({
      workflowName: "wf",
      runId: `r${i}`,
      resourceId: `u${i % 5}`,
      snapshot: snapshotOf(`r${i}`, i),
      createdAt: new Date(1_000_000 + i),
    });
  }
  const { result, usage } = await measure(() =>
    workflows.listWorkflowRuns({ workflowName: "wf", page: 0, perPage: 40 })
  );
  assert.equal(result.runs.length, 40);
  console.log(`page of 40 (workflowName): ${usage.documentsRead} documents read`);
  assert.ok(usage.documentsRead <= 40 + 20, `${usage.documentsRead}`);
  const resource = await measure(() => workflows.listWorkflowRuns({ resourceId: "u1", page: 0, perPage: 40 }));
  console.log(`page of 40 (resourceId): ${resource.usage.documentsRead} documents read`);
  // The resource's tree gives the total: its root plus its pending rank changes (at most PENDING_CAP).
  assert.ok(resource.usage.documentsRead <= 42 + PENDING_CAP, `${resource.usage.documentsRead}`);

  // A step result that changes no indexed field writes the run row alone.
  const save = await measure(() =>
    workflows.updateWorkflowResults({
      workflowName: "wf",
      runId: "r7",
      stepId: "b",
      // deno-lint-ignore no-explicit-any
      result: { status: "success", output: 1 } as any,
      requestContext: {},
    })
  );
  console.log(`updateWorkflowResults: ${save.usage.documentsWritten} documents written`);
  assert.equal(save.usage.documentsWritten, 1);
});
