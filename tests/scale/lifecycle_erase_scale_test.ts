/**
 * `eraseResource` of a resource with 20,000 rows (threads with 14,000
 * messages, 2,000 traces of 2 spans, 1,000 workflow runs, observational
 * memory) on the in-process backend with Convex's transaction limits on:
 * every step stays inside one transaction's limits, a caller that fails
 * half-way does not stop the job (the deployment's scheduler finishes it),
 * the receipt counts every row, nothing of the resource is readable after,
 * and another resource's rows, counters and trees are untouched.
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { type Backend, createBackend, inProcessClient } from "../helpers/backend.ts";
import { FakeClock } from "../helpers/fakeClock.ts";
import { assertMemoryRecount, type World } from "../helpers/lifecycle.ts";

const THREADS = 100;
const MESSAGES_PER_THREAD = 140;
const TRACES = 2_000;
const RUNS = 1_000;

async function seed(storage: ConvexStorage, resourceId: string, scale: number, world: World): Promise<void> {
  const memory = (await storage.getStore("memory"))!;
  await memory.saveResource({
    resource: { id: resourceId, workingMemory: "wm", metadata: {}, createdAt: new Date(1), updatedAt: new Date(1) },
  });
  await memory.initializeObservationalMemory({ threadId: null, resourceId, scope: "resource", config: {} });
  for (let t = 0; t < THREADS * scale; t++) {
    const id = `${resourceId}-t${t}`;
    await memory.saveThread({ thread: { id, resourceId, createdAt: new Date(t), updatedAt: new Date(t) } });
    world.threads.push({ id, resourceId, updatedAt: t });
    const messages = Array.from({ length: MESSAGES_PER_THREAD * scale }, (_, m) => ({
      id: `${id}-m${m}`,
      threadId: id,
      resourceId,
      role: "user",
      createdAt: new Date(1000 + m),
      content: { format: 2, parts: [{ type: "text", text: `message ${m}` }] },
    })) as unknown as MastraDBMessage[];
    await memory.saveMessages({ messages });
    for (const m of messages) world.messages.push({ id: m.id, threadId: id, resourceId, createdAt: 0 });
  }
  const observability = (await storage.getStore("observability"))!;
  for (let start = 0; start < TRACES * scale; start += 250) {
    const records = [];
    for (let i = start; i < Math.min(start + 250, TRACES * scale); i++) {
      const root = {
        traceId: `${resourceId}-trace${i}`,
        spanId: "root",
        name: "root",
        spanType: "agent_run",
        isEvent: false,
        startedAt: new Date(10_000 + i),
        endedAt: new Date(10_010 + i),
        parentSpanId: null,
        entityType: "agent",
        entityName: "a",
        resourceId,
      };
      records.push(root, { ...root, spanId: "tool", name: "tool", spanType: "tool_call", parentSpanId: "root" });
    }
    await observability.batchCreateSpans({ records: records as never });
  }
  const workflows = (await storage.getStore("workflows"))!;
  for (let i = 0; i < RUNS * scale; i++) {
    await workflows.persistWorkflowSnapshot({
      workflowName: "wf",
      runId: `${resourceId}-run${i}`,
      resourceId,
      snapshot: { runId: `${resourceId}-run${i}`, status: "success", context: {} } as unknown as WorkflowRunState,
    });
  }
}

async function count(backend: Backend, table: string, field: string, value: string): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) => {
    let n = 0;
    for await (const row of ctx.db.query(table)) if (row[field] === value) n++;
    return n;
  });
}

Deno.test("erase scale: 20,000 rows of one resource, a caller failing half-way, under transaction limits", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const inner = inProcessClient(backend);
    let polls = 0;
    const client: ConvexClientLike = {
      ...inner,
      query: (path, args) =>
        path === "lifecycle/erase:status" && ++polls === 3
          ? Promise.reject(new Error("the caller crashed"))
          : inner.query(path, args),
    };
    const storage = new ConvexStorage({ client });
    await storage.init();
    const world: World = { threads: [], messages: [], resources: [], runs: [], traces: [] };
    await seed(storage, "big", 1, world);
    await seed(storage, "other", 0.05, world);
    const otherBefore = {
      messages: await count(backend, "messages", "resourceId", "other"),
      threads: await count(backend, "threads", "resourceId", "other"),
      runs: await count(backend, "workflow_runs", "resourceId", "other"),
      traces: await count(backend, "ai_traces", "resourceId", "other"),
    };

    // The caller polls twice while the deployment runs steps, then crashes.
    const call = storage.eraseResource("big", { pollMs: 1 });
    let failed: unknown;
    call.catch((error) => void (failed = error));
    while (failed === undefined) {
      clock.advance(1000);
      clock.runDue();
      await new Promise((resolve) => realTimeout(resolve, 1));
      await backend.finishInProgressScheduledFunctions();
    }
    assert.match(String(failed), /the caller crashed/);
    // deno-lint-ignore no-explicit-any
    const [job] = await backend.run((ctx: any) => ctx.db.query("erase_jobs").collect()) as { jobId: string }[];
    const reader = new ConvexStorage({ client: inner });
    const halfway = (await reader.eraseStatus(job.jobId))!;
    assert.equal(halfway.done, false, "the caller failed before the job finished");
    await backend.finishAllScheduledFunctions(() => clock.runAll(), 100_000);
    const receipt = (await reader.eraseStatus(job.jobId))!;
    assert.ok(receipt.done);
    const counts = Object.fromEntries(receipt.counts.map((c) => [c.table, c.deleted]));
    assert.deepEqual(counts, {
      mastra_threads: THREADS,
      mastra_messages: THREADS * MESSAGES_PER_THREAD,
      mastra_observational_memory: 1,
      mastra_resources: 1,
      mastra_workflow_snapshot: RUNS,
      mastra_ai_spans: TRACES * 2,
      mastra_notifications: 0,
      // Tables this resource has no rows in are reported too, with 0.
      mastra_background_tasks: 0,
      mastra_harness_sessions: 0,
      mastra_scorers: 0,
      scores: 0,
      feedback: 0,
      vectors: 0,
    });
    console.log("erase of 20,000 rows:", { steps: receipt.steps, counts });

    const memory = (await reader.getStore("memory"))!;
    assert.equal((await memory.listThreads({ filter: { resourceId: "big" } })).total, 0);
    assert.equal((await memory.listMessagesByResourceId({ resourceId: "big" })).total, 0);
    assert.equal(await memory.getResourceById({ resourceId: "big" }), null);
    assert.equal((await (await reader.getStore("workflows"))!.listWorkflowRuns({ resourceId: "big" })).total, 0);
    const traces = await (await reader.getStore("observability"))!.listTraces({ filters: { resourceId: "big" } });
    assert.equal(traces.pagination?.total, 0);
    assert.equal(await count(backend, "ai_spans", "traceId", "big-trace0"), 0);
    assert.deepEqual({
      messages: await count(backend, "messages", "resourceId", "other"),
      threads: await count(backend, "threads", "resourceId", "other"),
      runs: await count(backend, "workflow_runs", "resourceId", "other"),
      traces: await count(backend, "ai_traces", "resourceId", "other"),
    }, otherBefore);
    assert.equal((await memory.listMessagesByResourceId({ resourceId: "other" })).total, otherBefore.messages);
    await assertMemoryRecount(backend, { ...world, messages: world.messages.slice(-otherBefore.messages) });
  } finally {
    clock.restore();
  }
});
