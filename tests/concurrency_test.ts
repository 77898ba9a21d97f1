/**
 * Concurrent writers on one record: one thread (messages and metadata
 * merges), one resource (metadata merges and working memory, some of it
 * large), one workflow run (step results and a state change), one trace
 * (spans) and one scored run (scores).
 *
 * What this proves: convex-test runs mutations one at a time, so it cannot
 * interleave two transactions the way a real deployment's optimistic
 * concurrency would (and then retry one). It proves instead that every write
 * is ONE Convex mutation that reads, changes and writes the record
 * server-side: the call log shows no client-side read before any write, so
 * there is no read-modify-write on the client that could lose an update.
 * On a real deployment such a mutation is a serializable transaction, so
 * the same results hold under true parallelism. (100 parallel step results
 * and the compare-and-set of `expectedStatus` are in
 * `workflows_concurrency_test.ts`.)
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { memoryCounters } from "../convex/memory/counterNames.ts";
import { type Backend, createTestStorage } from "./helpers/backend.ts";
import type { ConvexStorage } from "../src/storage.ts";

const WRITERS = 50;
const at = new Date(1_700_000_000_000);

type Call = { kind: "query" | "mutation"; path: string; operation: string };

/** Records every call `storage` makes (kind, function path, operation) while `fn` runs. */
async function recordCalls<T>(storage: ConvexStorage, fn: () => Promise<T>): Promise<{ result: T; calls: Call[] }> {
  const transport = storage.transport as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const originals = { query: transport.query, mutation: transport.mutation };
  const calls: Call[] = [];
  for (const kind of ["query", "mutation"] as const) {
    transport[kind] = (...args: unknown[]) => {
      const options = args[2] as { operation?: string } | undefined;
      calls.push({ kind, path: String(args[0]), operation: options?.operation ?? "?" });
      return originals[kind].apply(storage.transport, args);
    };
  }
  try {
    return { result: await fn(), calls };
  } finally {
    transport.query = originals.query;
    transport.mutation = originals.mutation;
  }
}

/** The calls one operation made, as `path` → count. */
function callsOf(calls: Call[], operation: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const call of calls) {
    if (call.operation !== operation) continue;
    const key = `${call.kind} ${call.path}`;
    out[key] = (out[key] ?? 0) + 1;
  }
  return out;
}

async function counter(backend: Backend, name: string): Promise<number> {
  // A counter's value, summed over its shards when it is sharded (kit/counters.ts).
  return await backend.run(async (ctx) => {
    const rows = await ctx.db.query("counters").withIndex("by_name", (q) => q.gte("name", name).lt("name", `${name}~`))
      .collect();
    return rows.filter((row) => row.name === name || row.name.startsWith(`${name}:shard:`))
      .reduce((sum, row) => sum + row.value, 0);
  });
}

async function blobStates(backend: Backend): Promise<Record<string, number>> {
  return await backend.run(async (ctx) => {
    const out: Record<string, number> = {};
    for (const blob of await ctx.db.query("blobs").collect()) out[blob.state] = (out[blob.state] ?? 0) + 1;
    return out;
  });
}

Deno.test(`one thread: ${WRITERS} parallel saveMessages and ${WRITERS} parallel metadata merges keep every write`, async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({
    thread: { id: "t", resourceId: "r", title: "start", metadata: { base: true }, createdAt: at, updatedAt: at },
  });
  const message = (i: number): MastraDBMessage => ({
    id: `m-${String(i).padStart(3, "0")}`,
    threadId: "t",
    resourceId: "r",
    role: i % 2 ? "assistant" : "user",
    type: "text",
    createdAt: new Date(at.getTime() + (i % 5)), // shared timestamps on purpose
    content: { format: 2, parts: [{ type: "text", text: `message ${i}` }] },
  });
  const { calls } = await recordCalls(storage, () =>
    Promise.all(
      Array.from({ length: WRITERS }, (_, i) => [
        memory.saveMessages({ messages: [message(i)] }),
        memory.updateThread({ id: "t", title: `title ${i}`, metadata: { [`key${i}`]: i } }),
      ]).flat(),
    ));

  // Every message is there, once, and every counter is exact.
  const { messages, total } = await memory.listMessages({ threadId: "t", perPage: false });
  assert.equal(total, WRITERS);
  assert.deepEqual(
    messages.map((m) => m.id).sort(),
    Array.from({ length: WRITERS }, (_, i) => message(i).id).sort(),
  );
  assert.equal(await counter(backend, memoryCounters.messagesOfThread("t")), WRITERS);
  assert.equal(await counter(backend, memoryCounters.messagesOfResource("r")), WRITERS);
  assert.equal((await memory.listThreads({})).total, 1);
  assert.equal(await counter(backend, memoryCounters.threadsOfResource("r")), 1);
  assert.equal((await memory.listThreads({ filter: { resourceId: "r" } })).total, 1);

  // Every metadata key is kept; the title is one of those written.
  const thread = await memory.getThreadById({ threadId: "t" });
  const expected: Record<string, unknown> = { base: true };
  for (let i = 0; i < WRITERS; i++) expected[`key${i}`] = i;
  assert.deepStrictEqual(thread?.metadata, expected);
  assert.match(thread?.title ?? "", /^title \d+$/);

  // Each write was one server-side read-modify-write: no client-side read first.
  assert.deepEqual(callsOf(calls, "updateThread"), { "mutation memory/threads:update": WRITERS });
  assert.deepEqual(callsOf(calls, "saveMessages"), { "mutation memory/messages:save": WRITERS });
  const kept = Object.keys(thread?.metadata ?? {}).length - 1;
  console.log(
    `one thread: ${WRITERS * 2} writers (${WRITERS} saveMessages + ${WRITERS} updateThread); ` +
      `${total}/${WRITERS} messages kept, ${kept}/${WRITERS} metadata keys kept, counters exact`,
  );
});

Deno.test(`one resource: ${WRITERS} parallel updateResource calls keep every metadata key`, async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  // Every tenth writer sets a working memory over the inline limit, so large
  // values are uploaded, adopted and released while others write.
  const workingMemory = (i: number) => i % 10 === 0 ? `wm ${i} ${"x".repeat(300 * 1024)}` : `wm ${i}`;
  const { calls } = await recordCalls(storage, () =>
    Promise.all(
      Array.from({ length: WRITERS }, (_, i) =>
        memory.updateResource({
          resourceId: "res",
          workingMemory: workingMemory(i),
          metadata: { [`key${i}`]: { i, at: new Date(i) } },
        })),
    ));
  const resource = await memory.getResourceById({ resourceId: "res" });
  const expected: Record<string, unknown> = {};
  for (let i = 0; i < WRITERS; i++) expected[`key${i}`] = { i, at: new Date(i) };
  assert.deepStrictEqual(resource?.metadata, expected);
  const written = Array.from({ length: WRITERS }, (_, i) => workingMemory(i));
  assert.ok(written.includes(resource?.workingMemory ?? ""), "the last working memory is one of the written values");

  // No read at all, before or after: uploads of large values, one update
  // each, and sweeps of released values. (Reading back a large value after
  // the update could fail: a concurrent update may have replaced and swept it.)
  const update = callsOf(calls, "updateResource");
  assert.deepEqual(update, {
    "mutation system/blobs:putChunks": WRITERS / 10,
    "mutation memory/resources:update": WRITERS,
    ...(update["mutation system/blobs:sweep"]
      ? { "mutation system/blobs:sweep": update["mutation system/blobs:sweep"] }
      : {}),
  });

  // No large value leaked: only the current working memory may remain, committed.
  const large = (resource?.workingMemory ?? "").length > 256 * 1024;
  assert.deepEqual(await blobStates(backend), large ? { committed: 1 } : {});
  console.log(
    `one resource: ${WRITERS} writers (${WRITERS / 10} with 300 KB working memory); ` +
      `${Object.keys(resource?.metadata ?? {}).length}/${WRITERS} metadata keys kept; ` +
      `working memory kept: "${resource?.workingMemory?.slice(0, 6)}..."; blobs left: ${large ? 1 : 0}`,
  );
});

Deno.test("one workflow run: parallel step results and a state change keep every write", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const snapshot = {
    runId: "run",
    status: "running",
    value: {},
    context: {},
    activePaths: [],
    activeStepsPath: {},
    serializedStepGraph: [],
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: 1,
  } as unknown as WorkflowRunState;
  await workflows.persistWorkflowSnapshot({ workflowName: "mixed", runId: "run", snapshot });
  const result = (i: number) =>
    ({ status: "success", output: { i }, payload: {}, startedAt: i, endedAt: i + 1 }) as StepResult<
      unknown,
      unknown,
      unknown,
      unknown
    >;
  const { calls } = await recordCalls(storage, () =>
    Promise.all([
      ...Array.from({ length: WRITERS }, (_, i) =>
        workflows.updateWorkflowResults({
          workflowName: "mixed",
          runId: "run",
          stepId: `step-${i}`,
          result: result(i),
          requestContext: { [`rc${i}`]: i },
        })),
      workflows.updateWorkflowState({
        workflowName: "mixed",
        runId: "run",
        opts: { status: "suspended", suspendedPaths: { "step-x": [1] } },
      }),
    ]));
  const loaded = await workflows.loadWorkflowSnapshot({ workflowName: "mixed", runId: "run" });
  assert.equal(loaded?.status, "suspended");
  assert.deepEqual(loaded?.suspendedPaths, { "step-x": [1] });
  for (let i = 0; i < WRITERS; i++) {
    assert.deepEqual((loaded?.context[`step-${i}`] as { output?: unknown }).output, { i }, `step-${i} kept`);
    assert.equal(loaded?.requestContext?.[`rc${i}`], i, `request context rc${i} kept`);
  }
  assert.equal((await workflows.listWorkflowRuns({ workflowName: "mixed", status: "suspended" })).total, 1);
  assert.equal((await workflows.listWorkflowRuns({ workflowName: "mixed", status: "running" })).total, 0);
  assert.deepEqual(callsOf(calls, "updateWorkflowResults"), { "mutation workflows/runs:updateResults": WRITERS });
  assert.deepEqual(callsOf(calls, "updateWorkflowState"), { "mutation workflows/runs:updateState": 1 });
  console.log(
    `one workflow run: ${WRITERS + 1} writers (${WRITERS} step results + 1 state change); ` +
      `${Object.keys(loaded?.context ?? {}).length}/${WRITERS} step results kept, status change kept`,
  );
});

Deno.test(`one trace and one scored run: ${WRITERS} parallel spans and ${WRITERS} parallel scores`, async () => {
  const { storage, backend } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  const scores = (await storage.getStore("scores"))!;
  await observability.createSpan({
    span: {
      traceId: "trace",
      spanId: "root",
      parentSpanId: null,
      name: "root",
      spanType: "agent_run",
      isEvent: false,
      startedAt: at,
    } as never,
  });
  await Promise.all([
    ...Array.from({ length: WRITERS }, (_, i) =>
      observability.createSpan({
        span: {
          traceId: "trace",
          spanId: `child-${i}`,
          parentSpanId: "root",
          name: `child ${i}`,
          spanType: "tool_call",
          isEvent: false,
          startedAt: new Date(at.getTime() + i),
          endedAt: new Date(at.getTime() + i + 1),
          ...(i % 10 === 0 ? { error: { message: `failed ${i}` } } : {}),
        } as never,
      })),
    ...Array.from({ length: WRITERS }, (_, i) =>
      scores.saveScore({
        id: `score-${i}`,
        scorerId: "scorer",
        entityId: "agent",
        entityType: "AGENT",
        runId: "scored-run",
        source: "LIVE",
        score: i,
        input: {},
        output: {},
        scorer: {},
        entity: {},
      } as never)),
  ]);
  const trace = await observability.getTrace({ traceId: "trace" });
  assert.equal(trace?.spans.length, WRITERS + 1);
  const errors = await backend.run(async (ctx) =>
    (await ctx.db.query("ai_traces").withIndex("by_mastra_id", (q) => q.eq("id", "trace")).unique())
      ?.errorCount
  );
  assert.equal(errors, WRITERS / 10, "error count of the trace is exact");
  const listed = await scores.listScoresByRunId({ runId: "scored-run", pagination: { page: 0, perPage: false } });
  assert.equal(listed.pagination.total, WRITERS);
  assert.equal(listed.scores.length, WRITERS);
  console.log(
    `one trace: ${WRITERS} parallel spans -> ${trace!.spans.length - 1} kept, error count ${errors}; ` +
      `one run: ${WRITERS} parallel scores -> ${listed.pagination.total} kept`,
  );
});
