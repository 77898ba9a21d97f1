/**
 * Workflow snapshots of any size: stored in chunks, read back
 * byte-identical, and updated without losing concurrent step results —
 * inside one Convex transaction up to 12 MiB, with a client-side
 * compare-and-set beyond.
 */
import assert from "node:assert/strict";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { InMemoryStore } from "@mastra/core/storage";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { sweepAll } from "../helpers/blobs.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { ConvexStorage } from "../../src/storage.ts";

/** `size` characters of ASCII, 2-, 3- and 4-byte UTF-8 text. */
function mixedText(size: number): string {
  const unit = "abcé€𝄞 ключ $schema _id\n";
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

function snapshotOf(runId: string, payload: string, status = "running"): WorkflowRunState {
  return {
    runId,
    status,
    value: {},
    context: {
      input: { messageListState: { memoryInfo: { threadId: "thread-1" } } },
      big: { status: "success", output: payload, payload: {}, startedAt: 1, endedAt: 2 },
    },
    serializedStepGraph: [],
    activePaths: [],
    activeStepsPath: {},
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: 1,
  } as unknown as WorkflowRunState;
}

const step = (i: number) =>
  ({ status: "success", output: { i }, payload: {}, startedAt: i, endedAt: i + 1 }) as unknown as StepResult<
    unknown,
    unknown,
    unknown,
    unknown
  >;

async function blobStates(backend: ReturnType<typeof createBackend>): Promise<string[]> {
  return (await backend.run((ctx) => ctx.db.query("blobs").collect())).map((blob) => blob.state).sort();
}

Deno.test("a 64 MB snapshot round-trips through persist, load, get, list, state/result updates and delete", async () => {
  const started = performance.now();
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const workflows = (await storage.getStore("workflows"))!;
  const payload = mixedText(46 * 1024 * 1024);
  const snapshot = snapshotOf("run-1", payload);
  const bytes = new TextEncoder().encode(JSON.stringify(snapshot)).length;
  assert.ok(bytes >= 64 * 1024 * 1024, `${bytes} bytes`);
  await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run-1", resourceId: "r1", snapshot });
  const loaded = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-1" });
  assert.ok((loaded!.context.big as { output: string }).output === payload, "byte-identical");
  assert.deepEqual(loaded, snapshot);
  const run = await workflows.getWorkflowRunById({ runId: "run-1" });
  assert.deepEqual(run!.snapshot, snapshot);
  // The fields Convex indexes are derived from the large snapshot too.
  const listed = await workflows.listWorkflowRuns({ status: "running", threadId: "thread-1", resourceId: "r1" });
  assert.equal(listed.total, 1);
  assert.ok((listed.runs[0].snapshot as WorkflowRunState).context.big, "listed with its snapshot");

  // Too large for a transaction: changed on the client with a compare-and-set.
  const refused = await workflows.updateWorkflowState({
    workflowName: "wf",
    runId: "run-1",
    opts: { status: "success", expectedStatus: "suspended" } as never,
  });
  assert.equal(refused, undefined, "the expectedStatus guard holds");
  const context = await workflows.updateWorkflowResults({
    workflowName: "wf",
    runId: "run-1",
    stepId: "next",
    result: step(1),
    requestContext: { user: "u" },
  });
  assert.deepEqual(Object.keys(context).sort(), ["big", "input", "next"]);
  const state = await workflows.updateWorkflowState({
    workflowName: "wf",
    runId: "run-1",
    opts: { status: "success", expectedStatus: "running" } as never,
  });
  assert.equal(state!.status, "success");
  assert.equal((await workflows.listWorkflowRuns({ status: "success" })).total, 1);
  const after = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-1" });
  assert.deepEqual(after, { ...snapshot, status: "success", requestContext: { user: "u" }, context: context });
  assert.deepEqual(await blobStates(backend), ["committed"], "replaced snapshots are swept");

  await workflows.deleteWorkflowRunById({ workflowName: "wf", runId: "run-1" });
  assert.equal(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-1" }), null);
  assert.deepEqual(await blobStates(backend), []);
  assert.equal((await backend.run((ctx) => ctx.db.query("blob_chunks").collect())).length, 0);
  console.log(`64 MB snapshot (${bytes} UTF-8 bytes): ${Math.round(performance.now() - started)} ms`);
});

Deno.test("20 concurrent step results on a 15 MB snapshot, from four processes, are all kept", async () => {
  const started = performance.now();
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let commits = 0;
  let conflicts = 0;
  const client: ConvexClientLike = {
    ...inner,
    mutation: async (ref, args, options) => {
      const answer = await inner.mutation(ref, args, options);
      if (ref === "workflows/runs:commitSnapshot") {
        commits++;
        if ((answer as { status: string }).status === "conflict") conflicts++;
      }
      return answer;
    },
  };
  const storages = Array.from({ length: 4 }, () => new ConvexStorage({ client }));
  const stores = await Promise.all(storages.map(async (storage) => (await storage.getStore("workflows"))!));
  const snapshot = snapshotOf("run-2", "z".repeat(15 * 1024 * 1024));
  await stores[0].persistWorkflowSnapshot({ workflowName: "wf", runId: "run-2", snapshot });
  await Promise.all(Array.from({ length: 20 }, (_, i) =>
    stores[i % 4].updateWorkflowResults({
      workflowName: "wf",
      runId: "run-2",
      stepId: `s${i}`,
      result: step(i),
      requestContext: { [`k${i}`]: i },
    })));
  const loaded = await stores[1].loadWorkflowSnapshot({ workflowName: "wf", runId: "run-2" });
  for (let i = 0; i < 20; i++) {
    assert.deepEqual(loaded!.context[`s${i}`], step(i), `step s${i} kept`);
    assert.equal((loaded as unknown as { requestContext: Record<string, number> }).requestContext[`k${i}`], i);
  }
  assert.ok((loaded!.context.big as { output: string }).output.length === 15 * 1024 * 1024);
  await sweepAll(storages[0]);
  assert.deepEqual(await blobStates(backend), ["committed"]);
  assert.ok(conflicts > 0, "the processes did compete");
  console.log(
    `20 concurrent updates of a 15 MB snapshot: ${commits} commits, ${conflicts} refused; ${
      Math.round(performance.now() - started)
    } ms`,
  );
});

Deno.test("snapshots up to 12 MiB are updated inside one transaction, like core's in-memory store", async () => {
  const started = performance.now();
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const workflows = (await storage.getStore("workflows"))!;
  const reference = (await new InMemoryStore().getStore("workflows"))!;
  const snapshot = snapshotOf("run-3", mixedText(3 * 1024 * 1024));
  for (const store of [workflows, reference]) {
    await store.persistWorkflowSnapshot({ workflowName: "wf", runId: "run-3", snapshot });
  }
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
    workflows.updateWorkflowResults({
      workflowName: "wf",
      runId: "run-3",
      stepId: `s${i}`,
      result: step(i),
      requestContext: {},
    })));
  for (let i = 0; i < 20; i++) {
    await reference.updateWorkflowResults({
      workflowName: "wf",
      runId: "run-3",
      stepId: `s${i}`,
      result: step(i),
      requestContext: {},
    });
  }
  assert.deepEqual(
    results[19],
    await reference.updateWorkflowResults({
      workflowName: "wf",
      runId: "run-3",
      stepId: "s19",
      result: step(19),
      requestContext: {},
    }),
  );
  const opts = { status: "success", expectedStatus: "running" } as never;
  assert.deepEqual(
    await workflows.updateWorkflowState({ workflowName: "wf", runId: "run-3", opts }),
    await reference.updateWorkflowState({ workflowName: "wf", runId: "run-3", opts }),
  );
  assert.deepEqual(
    await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-3" }),
    await reference.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-3" }),
  );
  // The last change happened in a transaction; the blobs it replaced are swept.
  assert.deepEqual(await blobStates(backend), ["committed"]);
  const bytes = new TextEncoder().encode(JSON.stringify(snapshot)).length;
  console.log(
    `20 concurrent in-transaction updates of a ${bytes}-byte snapshot: ${Math.round(performance.now() - started)} ms`,
  );
});

Deno.test("a large snapshot commit that lost to another writer leaves no trace", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const workflows = (await storage.getStore("workflows"))!;
  const snapshot = snapshotOf("run-4", "y".repeat(13 * 1024 * 1024));
  await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run-4", snapshot });
  const row = await storage.transport.query<{ snapshot: string }>("workflows/runs:get", {
    workflowName: "wf",
    runId: "run-4",
  }, { operation: "test" });
  // Someone else commits; a commit based on the old value is refused and its upload released.
  await workflows.updateWorkflowResults({
    workflowName: "wf",
    runId: "run-4",
    stepId: "a",
    result: step(1),
    requestContext: {},
  });
  await storage.transport.mutation("system/blobs:putChunks", {
    blobId: "stale",
    chunkCount: 1,
    length: 3,
    chunks: [{ index: 0, data: "{} " }],
  }, { operation: "test" });
  const commit = await storage.transport.mutation<{ status: string }>("workflows/runs:commitSnapshot", {
    workflowName: "wf",
    runId: "run-4",
    expected: row.snapshot,
    snapshot: "~blob:stale",
    derived: {},
    now: Date.now(),
  }, { operation: "test" });
  assert.equal(commit.status, "conflict");
  await sweepAll(storage);
  assert.deepEqual(await blobStates(backend), ["committed"]);
  const loaded = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-4" });
  assert.deepEqual(loaded!.context.a, step(1));
});
