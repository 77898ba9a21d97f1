/**
 * `dangerouslyClearAll` of each domain with more rows than one Convex
 * transaction may touch (16,000 writes, 32,000 reads, 16 MiB read), on the
 * in-process backend with Convex's transaction limits on: every call stays
 * within limits, the domain's rows, counters and large values are all gone,
 * and the other domains' rows, counters and large values are untouched.
 *
 * (`deleteThread` of a 100,000-message thread is in `messages_scale_test.ts`.)
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { encodeValue } from "../../convex/kit/codec.ts";
import { memoryCounters } from "../../convex/memory/counterNames.ts";
import { scoreCounters } from "../../convex/scores/counterNames.ts";
import { workflowCounters } from "../../convex/workflows/counterNames.ts";
import { messagesOfThreadResource } from "../../convex/memory/messageStore.ts";
import { mastraTables } from "../../convex/schema.ts";
import type { ConvexStorage } from "../../src/storage.ts";
import { type Backend, createTestStorage } from "../helpers/backend.ts";
import { measure, type Usage } from "../helpers/metrics.ts";

const THREADS = 20_000;
const MESSAGES = 25_000;
const RESOURCES = 100;
const BULK = 3_000; // workflow runs, scores and spans each
const at = 1_700_000_000_000;

const pad = (i: number) => String(i).padStart(5, "0");
const tableNames = Object.keys(mastraTables) as (keyof typeof mastraTables)[];

/** Rows of a table, counted in pages that each fit one transaction (rows here are small). */
async function countRows(backend: Backend, table: string): Promise<number> {
  let cursor: string | null = null;
  let count = 0;
  for (;;) {
    const page: { page: unknown[]; isDone: boolean; continueCursor: string } = await backend.run((ctx) =>
      // deno-lint-ignore no-explicit-any
      ctx.db.query(table as any).paginate({ cursor, numItems: table === "blob_chunks" ? 8 : 8000 })
    );
    count += page.page.length;
    if (page.isDone) return count;
    cursor = page.continueCursor;
  }
}

async function tableCounts(backend: Backend): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const table of tableNames) out[table] = await countRows(backend, table);
  return out;
}

/**
 * Counters a clear keeps on purpose: coverage marks (an emptied table's trees still cover it) and the delta streams'
 * per-shard sequence numbers (a poller's cursor from before the clear must stay valid, so numbers never restart).
 */
const KEPT_COUNTERS = /^(coverage:|obsdelta:)/;

async function counters(backend: Backend): Promise<Map<string, number>> {
  const rows = await backend.run(async (ctx) => await ctx.db.query("counters").collect());
  return new Map(rows.filter((row) => !KEPT_COUNTERS.test(row.name)).map((row) => [row.name, row.value]));
}

async function blobStates(backend: Backend): Promise<Record<string, number>> {
  return await backend.run(async (ctx) => {
    const out: Record<string, number> = {};
    for (const blob of await ctx.db.query("blobs").collect()) out[blob.state] = (out[blob.state] ?? 0) + 1;
    return out;
  });
}

/** Runs a clear and reports its calls and the most any one call read and wrote. */
async function clearMeasured(storage: ConvexStorage, clear: () => Promise<void>) {
  const transport = storage.transport as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const original = transport.mutation;
  const calls: Record<string, number> = {};
  const max: Pick<Usage, "documentsRead" | "documentsWritten" | "bytesRead"> = {
    documentsRead: 0,
    documentsWritten: 0,
    bytesRead: 0,
  };
  transport.mutation = async (...args: unknown[]) => {
    const path = String(args[0]);
    calls[path] = (calls[path] ?? 0) + 1;
    const { result, usage } = await measure(() => original.apply(storage.transport, args));
    for (const key of Object.keys(max) as (keyof typeof max)[]) max[key] = Math.max(max[key], usage[key]);
    return result;
  };
  const started = performance.now();
  try {
    await clear();
  } finally {
    transport.mutation = original;
  }
  return { calls, max, ms: Math.round(performance.now() - started) };
}

/** Counter names of a domain, by the prefixes its `dangerouslyClearAll` clears. */
const domainCounterPrefixes = {
  memory: ["threads", "messages:"],
  workflows: ["workflowRuns:"],
  scores: ["scores:"],
  observability: ["observability:"],
};
const domainTables = {
  memory: ["threads", "messages", "resources"],
  workflows: ["workflow_runs", "workflow_snapshots"],
  scores: ["scores"],
  observability: [
    "ai_spans",
    "ai_traces",
    "obs_deltas",
    "obs_dictionary",
    "obs_feedback",
    "obs_logs",
    "obs_metric_cells",
    "obs_metrics",
    "obs_scores",
    "obs_signal_cells",
    "obs_trace_dictionary",
  ],
};
type Domain = keyof typeof domainTables;
const ownedBy = (domain: Domain, name: string) => domainCounterPrefixes[domain].some((p) => name.startsWith(p));

/**
 * Seeds every domain: bulk rows inserted directly (with exact counters),
 * some through the API. Returns how many large values (blobs) memory and
 * workflows hold.
 */
async function seed(storage: ConvexStorage, backend: Backend): Promise<{ memory: number; workflows: number }> {
  const resourceOf = (i: number) => `res-${i % RESOURCES}`;
  // Memory: 20,000 threads over 100 resources, 25,000 messages over 50 threads.
  for (let start = 0; start < THREADS; start += 10_000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < start + 10_000; i++) {
        await ctx.db.insert("threads", {
          id: `thread-${pad(i)}`,
          resourceId: resourceOf(i),
          title: `thread ${i}`,
          createdAt: at + i,
          updatedAt: at + i,
        });
      }
    });
  }
  const content = encodeValue({ format: 2, parts: [{ type: "text", text: "hello" }] });
  for (let start = 0; start < MESSAGES; start += 10_000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < Math.min(MESSAGES, start + 10_000); i++) {
        const thread = i % 50;
        await ctx.db.insert("messages", {
          id: `msg-${pad(i)}`,
          threadId: `thread-${pad(thread)}`,
          resourceId: resourceOf(thread),
          role: "user",
          type: "text",
          content,
          createdAt: at + i,
        });
      }
    });
  }
  await backend.run(async (ctx) => {
    const put = (name: string, value: number) => ctx.db.insert("counters", { name, value });
    await put(memoryCounters.threads(), THREADS);
    for (let r = 0; r < RESOURCES; r++) await put(memoryCounters.threadsOfResource(`res-${r}`), THREADS / RESOURCES);
    for (let t = 0; t < 50; t++) {
      await put(memoryCounters.messagesOfThread(`thread-${pad(t)}`), MESSAGES / 50);
      await put(messagesOfThreadResource(`thread-${pad(t)}`, resourceOf(t)), MESSAGES / 50);
      await put(memoryCounters.messagesOfResource(resourceOf(t)), MESSAGES / 50);
      await ctx.db.insert("resources", { id: resourceOf(t), createdAt: at, updatedAt: at });
    }
  });
  // Memory through the API, with large values in chunked storage.
  const memory = (await storage.getStore("memory"))!;
  for (let i = 0; i < 3; i++) {
    await memory.saveThread({
      thread: {
        id: `large-${i}`,
        resourceId: "res-large",
        metadata: { big: "m".repeat(400 * 1024), i },
        createdAt: new Date(at),
        updatedAt: new Date(at),
      },
    });
    await memory.updateResource({ resourceId: `large-res-${i}`, workingMemory: "w".repeat(1024 * 1024 + i) });
  }
  await memory.saveMessages({
    messages: [{
      id: "large-message",
      threadId: "large-0",
      resourceId: "res-large",
      role: "user",
      type: "text",
      createdAt: new Date(at),
      content: { format: 2, parts: [{ type: "text", text: "p".repeat(600 * 1024) }] },
    } as MastraDBMessage],
  });

  const memoryBlobs = await countRows(backend, "blobs");

  // Workflows: 20 runs through the API (one with a 2 MiB snapshot), 3,000 inserted directly.
  const workflows = (await storage.getStore("workflows"))!;
  await workflows.persistWorkflowSnapshot({
    workflowName: "api-flow",
    runId: "large-run",
    snapshot: { runId: "large-run", status: "success", context: {}, result: "s".repeat(2 * 1024 * 1024) } as never,
  });
  const workflowBlobs = (await countRows(backend, "blobs")) - memoryBlobs;
  for (let i = 0; i < 20; i++) {
    await workflows.persistWorkflowSnapshot({
      workflowName: "api-flow",
      runId: `api-run-${i}`,
      resourceId: "res-0",
      snapshot: { runId: `api-run-${i}`, status: "success", context: {} } as unknown as WorkflowRunState,
    });
  }
  await backend.run(async (ctx) => {
    const snapshot = encodeValue({ status: "success", context: { step: { status: "success", output: 1 } } });
    for (let i = 0; i < BULK; i++) {
      const id = JSON.stringify(["bulk-flow", `run-${i}`]);
      await ctx.db.insert("workflow_runs", {
        id,
        workflowName: "bulk-flow",
        runId: `run-${i}`,
        status: "success",
        createdAt: at + i,
        updatedAt: at + i,
      });
      await ctx.db.insert("workflow_snapshots", { runKey: id, snapshot });
    }
    // The all-runs counter is sharded; the unsharded document (as a deployment from before sharding has) adds in.
    await ctx.db.insert("counters", { name: workflowCounters.workflowRuns(), value: BULK });
    await ctx.db.insert("counters", { name: workflowCounters.workflowRunsOfWorkflow("bulk-flow"), value: BULK });
    await ctx.db.insert("counters", {
      name: workflowCounters.workflowRunsOfWorkflowStatus("bulk-flow", "success"),
      value: BULK,
    });
  });

  // Scores: 20 through the API, 3,000 inserted directly.
  const scores = (await storage.getStore("scores"))!;
  for (let i = 0; i < 20; i++) {
    await scores.saveScore({
      id: `api-score-${i}`,
      scorerId: "api-scorer",
      entityId: "agent",
      entityType: "AGENT",
      runId: "api-run",
      source: "LIVE",
      score: i,
      input: {},
      output: {},
      scorer: {},
      entity: {},
    } as never);
  }
  await backend.run(async (ctx) => {
    const data = encodeValue({ score: 1, source: "LIVE", scorer: {}, entity: {}, input: {}, output: {} });
    for (let i = 0; i < BULK; i++) {
      await ctx.db.insert("scores", {
        id: `score-${i}`,
        scorerId: "bulk-scorer",
        entityId: "agent",
        runId: `bulk-run-${i % 10}`,
        createdAt: at + i,
        updatedAt: at + i,
        insertedAt: at + i,
        data,
      });
    }
    await ctx.db.insert("counters", { name: scoreCounters.scoresOfScorer("bulk-scorer"), value: BULK });
    for (let r = 0; r < 10; r++) {
      await ctx.db.insert("counters", { name: scoreCounters.scoresOfRun(`bulk-run-${r}`), value: BULK / 10 });
    }
  });

  // Observability: 3,000 spans in 30 traces, through the API (batched).
  const observability = (await storage.getStore("observability"))!;
  for (let trace = 0; trace < 30; trace++) {
    await observability.batchCreateSpans({
      records: Array.from({ length: BULK / 30 }, (_, i) => ({
        traceId: `trace-${trace}`,
        spanId: i === 0 ? "root" : `span-${i}`,
        parentSpanId: i === 0 ? null : "root",
        name: `span ${i}`,
        spanType: i === 0 ? "agent_run" : "tool_call",
        isEvent: false,
        startedAt: new Date(at + i),
        endedAt: new Date(at + i + 1),
      })) as never,
    });
  }
  return { memory: memoryBlobs, workflows: workflowBlobs };
}

Deno.test("dangerouslyClearAll of each domain past one transaction: within limits, complete, contained", async (t) => {
  const { storage, backend } = createTestStorage({ now: () => at + 10_000_000 });
  const seedStarted = performance.now();
  const blobs = await seed(storage, backend);
  const seeded = await tableCounts(backend);
  console.log(`seeded in ${Math.round(performance.now() - seedStarted)} ms:`, seeded, "large values:", blobs);
  assert.equal(seeded.threads, THREADS + 3);
  assert.equal(seeded.messages, MESSAGES + 1);
  assert.ok(blobs.memory >= 6, `${blobs.memory} large values seeded in memory`);
  assert.equal(blobs.workflows, 1, "the 2 MiB snapshot is a large value");

  const memory = (await storage.getStore("memory"))!;
  const figures: Record<string, unknown> = {};
  const cleared = new Set<Domain>();
  for (const domain of ["scores", "workflows", "observability", "memory"] as const) {
    await t.step(`clear ${domain}`, async () => {
      const beforeTables = await tableCounts(backend);
      const beforeCounters = await counters(backend);
      const store = (await storage.getStore(domain))!;
      const { calls, max, ms } = await clearMeasured(storage, () => store.dangerouslyClearAll());
      cleared.add(domain);

      const afterTables = await tableCounts(backend);
      const afterCounters = await counters(backend);
      // The domain's rows and counters are gone.
      for (const table of domainTables[domain]) assert.equal(afterTables[table], 0, `${table} emptied`);
      for (const name of afterCounters.keys()) assert.ok(!ownedBy(domain, name), `counter ${name} left behind`);
      // Other domains' rows and counters are untouched.
      for (const table of tableNames) {
        if ((domainTables[domain] as string[]).includes(table)) continue;
        if (
          table === "blobs" || table === "blob_chunks" || table === "counters" || table === "rank_nodes" ||
          table === "rank_pending"
        ) continue;
        assert.equal(afterTables[table], beforeTables[table], `${table} untouched`);
      }
      // Rank trees are named like counters: the domain's are gone, the others' untouched.
      const trees = await backend.run(async (ctx) =>
        (await ctx.db.query("rank_nodes").collect()).map((node: { tree: string }) => node.tree)
      );
      for (const tree of trees) assert.ok(!ownedBy(domain, tree), `rank tree ${tree} left behind`);
      // Their pending changes (convex/kit/rankPending.ts) go with them.
      const pendingTrees = await backend.run(async (ctx) =>
        (await ctx.db.query("rank_pending").collect()).map((row: { tree: string }) => row.tree)
      );
      for (const tree of pendingTrees) assert.ok(!ownedBy(domain, tree), `pending changes of ${tree} left behind`);
      for (const [name, value] of beforeCounters) {
        if (!ownedBy(domain, name)) assert.equal(afterCounters.get(name), value, `counter ${name} untouched`);
      }
      // Large values: the memory domain's stay until memory is cleared, then none is left.
      if (domain === "memory") {
        assert.equal(afterTables.blobs, 0, "no blob left");
        assert.equal(afterTables.blob_chunks, 0, "no chunk left");
      } else {
        const expected = blobs.memory + (cleared.has("workflows") ? 0 : blobs.workflows);
        assert.deepEqual(await blobStates(backend), { committed: expected }, "other domains' large values kept");
        const large = await memory.getThreadById({ threadId: "large-1" });
        assert.equal((large?.metadata as { big: string }).big.length, 400 * 1024, "memory's large value readable");
      }
      const rows = domainTables[domain].reduce((sum, table) => sum + beforeTables[table], 0);
      figures[domain] = { rows, calls, maxPerCall: max, ms };
    });
  }
  const left = await tableCounts(backend);
  left.counters = (await counters(backend)).size;
  assert.deepEqual(Object.values(left).reduce((a, b) => a + b, 0), 0, `left: ${JSON.stringify(left)}`);
  assert.equal((await memory.listThreads({})).total, 0);
  console.log("big deletes:", JSON.stringify(figures, null, 1));
});

Deno.test("dangerouslyClearAll bounds its batches by bytes: 150 messages of 200 KB each", async () => {
  const { storage, backend } = createTestStorage();
  const text = "b".repeat(200 * 1024);
  const content = encodeValue({ format: 2, parts: [{ type: "text", text }] });
  for (let start = 0; start < 150; start += 50) {
    await backend.run(async (ctx) => {
      for (let i = start; i < start + 50; i++) {
        await ctx.db.insert("messages", {
          id: `fat-${i}`,
          threadId: "fat",
          role: "user",
          content,
          createdAt: at + i,
        });
      }
    });
  }
  await backend.run(async (ctx) => {
    await ctx.db.insert("counters", { name: memoryCounters.messagesOfThread("fat"), value: 150 });
  });
  const memory = (await storage.getStore("memory"))!;
  const { calls, max } = await clearMeasured(storage, () => memory.dangerouslyClearAll());
  assert.ok(max.bytesRead < 16 * 1024 * 1024, `read ${max.bytesRead} bytes in one call`);
  assert.equal(await countRows(backend, "messages"), 0);
  assert.equal((await counters(backend)).size, 0);
  console.log(
    `150 messages of 200 KB (${Math.round(150 * content.length / 1024 / 1024)} MiB): cleared in ` +
      `${calls["system/info:clearTable"]} clearTable calls, at most ${max.bytesRead} bytes read per call`,
  );
});
