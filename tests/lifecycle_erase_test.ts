/**
 * `eraseResource`: everything of one resource goes, in bounded steps the
 * deployment schedules itself; the call returns a receipt; nothing of the
 * resource is readable through Mastra's API afterwards; nothing of other
 * resources changes (rows compared, counters and trees recounted). A caller
 * that fails half-way does not stop the job: the deployment finishes it.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MastraDBMessage } from "@mastra/core/memory";
import { ConvexStorage } from "../src/storage.ts";
import type { EraseStatus } from "../src/lifecycle/erase.ts";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { FakeClock } from "./helpers/fakeClock.ts";
import { assertMemoryRecount, seedWorld, type World } from "./helpers/lifecycle.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import type { SaveScorePayload } from "../src/coreTypes.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import { random } from "./helpers/traceFixtures.ts";

/** Every stored row of the tables an erasure touches, keyed by table, as JSON (small worlds only). */
async function snapshot(backend: Backend): Promise<Record<string, string[]>> {
  const tables = [
    "threads",
    "messages",
    "resources",
    "observational_memory",
    "thread_state",
    "workflow_runs",
    "ai_traces",
    "ai_spans",
    "notifications",
    "background_tasks",
    "harness_sessions",
    "scores",
  ];
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) => {
    const out: Record<string, string[]> = {};
    for (const table of tables) {
      const rows = await ctx.db.query(table).collect();
      out[table] = rows.map(({ _id, _creationTime, ...row }: Record<string, unknown>) => JSON.stringify(row)).sort();
    }
    return out;
  });
}

/** A world of three resources, plus r1's thread state, observational memory and a message in r2's thread. */
async function world(storage: ConvexStorage): Promise<World> {
  let now = Date.now();
  const seeded = await seedWorld(storage, (ms) => void (now = ms), {
    seed: 17,
    reference: Date.now(),
    threads: 12,
    traces: 9,
  });
  void now;
  const memory = (await storage.getStore("memory"))!;
  const r1Thread = seeded.threads.find((t) => t.resourceId === "r1")!;
  const r2Thread = seeded.threads.find((t) => t.resourceId === "r2")!;
  await (await storage.getStore("threadState"))!.setState({ threadId: r1Thread.id, type: "tasks", value: [1, 2] });
  await (await storage.getStore("threadState"))!.setState({ threadId: r2Thread.id, type: "tasks", value: [3] });
  await memory.initializeObservationalMemory({ threadId: null, resourceId: "r1", scope: "resource", config: {} });
  await memory.initializeObservationalMemory({ threadId: r1Thread.id, resourceId: "r1", scope: "thread", config: {} });
  await memory.initializeObservationalMemory({ threadId: null, resourceId: "r2", scope: "resource", config: {} });
  const stray = {
    id: "stray",
    threadId: r2Thread.id,
    resourceId: "r1",
    role: "user",
    createdAt: new Date(1_000),
    content: { format: 2, parts: [{ type: "text", text: "r1 wrote in r2's thread" }] },
  } as MastraDBMessage;
  await memory.saveMessages({ messages: [stray] });
  const notifications = (await storage.getStore("notifications"))!;
  const note = { source: "ci", kind: "build", summary: "Build failed" };
  await notifications.createNotification({ ...note, threadId: r1Thread.id });
  await notifications.createNotification({ ...note, threadId: r2Thread.id, resourceId: "r1", coalesceKey: "x" });
  await notifications.createNotification({ ...note, threadId: r2Thread.id, resourceId: "r2" });
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const task = { toolName: "search", args: {}, agentId: "a", runId: "run", retryCount: 0, maxRetries: 0 };
  const taskSpecs: [string, string | undefined, string | undefined][] = [
    ["task-of-r1-thread", r1Thread.id, undefined],
    ["task-naming-r1", undefined, "r1"],
    ["task-of-r2", r2Thread.id, "r2"],
    ["task-of-nobody", undefined, undefined],
  ];
  for (const [id, threadId, resourceId] of taskSpecs) {
    await tasks.createTask({
      ...task,
      id,
      toolCallId: `call-${id}`,
      status: "running",
      timeoutMs: 60_000,
      createdAt: new Date(),
      ...(threadId ? { threadId } : {}),
      ...(resourceId ? { resourceId } : {}),
    });
  }
  const harness = (await storage.getStore("harness"))!;
  for (const [id, resourceId] of [["session-r1", "r1"], ["session-r1-b", "r1"], ["session-r2", "r2"]]) {
    await harness.saveSession({
      id,
      ownerId: "o",
      resourceId,
      threadId: "t",
      origin: "top-level",
      modeId: "build",
      modelId: "m",
      createdAt: new Date(),
      lastActivityAt: new Date(),
    });
  }
  const scores = (await storage.getStore("scores"))!;
  const scoreSpecs: [string, string | undefined, string | undefined][] = [
    ["score-of-r1", "r1", r1Thread.id],
    ["score-naming-r1", "r1", undefined],
    ["score-of-r1-thread", undefined, r1Thread.id],
    ["score-of-r2", "r2", r2Thread.id],
    ["score-of-nobody", undefined, undefined],
  ];
  for (const [id, resourceId, threadId] of scoreSpecs) {
    await scores.saveScore({
      id,
      scorerId: "judge",
      entityId: "agent",
      entityType: "AGENT",
      runId: "run",
      score: 1,
      scorer: { id: "judge" },
      entity: { id: "agent" },
      output: "ok",
      ...(resourceId ? { resourceId } : {}),
      ...(threadId ? { threadId } : {}),
    } as unknown as SaveScorePayload);
  }
  seeded.messages.push({ id: "stray", threadId: r2Thread.id, resourceId: "r1", createdAt: 1_000 });
  return seeded;
}

/** What must be deleted for r1, per table of the receipt. */
function expectedReceipt(w: World): Record<string, number> {
  const threads = w.threads.filter((t) => t.resourceId === "r1");
  const ids = new Set(threads.map((t) => t.id));
  return {
    mastra_threads: threads.length,
    mastra_messages: w.messages.filter((m) => m.resourceId === "r1" || ids.has(m.threadId)).length,
    mastra_observational_memory: 2,
    mastra_resources: 1,
    mastra_workflow_snapshot: w.runs.filter((r) => r.resourceId === "r1").length,
    mastra_ai_spans: w.traces.filter((t) => t.resourceId === "r1").reduce((sum, t) => sum + t.spans, 0),
    mastra_notifications: 2,
    mastra_background_tasks: 2,
    mastra_harness_sessions: 2,
    mastra_scorers: 3,
    // Observability scores and feedback: their own test below.
    scores: 0,
    feedback: 0,
    // Vectors: their own test below.
    vectors: 0,
  };
}

function receiptOf(status: EraseStatus): Record<string, number> {
  return Object.fromEntries(status.counts.map((c) => [c.table, c.deleted]));
}

/** Rows of other resources must be untouched: every row not of r1 (or of r1's threads) is still there, unchanged. */
function othersOf(rows: Record<string, string[]>, w: World): Record<string, string[]> {
  const r1Threads = new Set(w.threads.filter((t) => t.resourceId === "r1").map((t) => t.id));
  const ofR1 = (json: string) => {
    const row = JSON.parse(json);
    return row.resourceId === "r1" || row.id === "r1" || r1Threads.has(row.threadId) ||
      (typeof row.data === "string" && row.data.includes('"resourceId":"r1"')) ||
      (row.rootResourceId ?? undefined) === "r1";
  };
  return Object.fromEntries(Object.entries(rows).map(([table, list]) => [table, list.filter((json) => !ofR1(json))]));
}

async function assertNothingOfR1(storage: ConvexStorage, w: World): Promise<void> {
  const memory = (await storage.getStore("memory"))!;
  for (const thread of w.threads.filter((t) => t.resourceId === "r1")) {
    assert.equal(await memory.getThreadById({ threadId: thread.id }), null);
    assert.equal((await memory.listMessages({ threadId: thread.id })).total, 0);
    assert.equal(
      await (await storage.getStore("threadState"))!.getState({ threadId: thread.id, type: "tasks" }),
      undefined,
    );
    assert.equal(await memory.getObservationalMemory(thread.id, "r1"), null);
  }
  assert.equal((await memory.listThreads({ filter: { resourceId: "r1" } })).total, 0);
  assert.equal((await memory.listMessagesByResourceId({ resourceId: "r1" })).total, 0);
  assert.equal(await memory.getResourceById({ resourceId: "r1" }), null);
  const notifications = (await storage.getStore("notifications"))!;
  for (const thread of w.threads) {
    const notes = await notifications.listNotifications({ threadId: thread.id });
    assert.ok(notes.every((n) => n.resourceId !== "r1" && thread.resourceId !== "r1"), `notifications of ${thread.id}`);
  }
  assert.equal(await memory.getObservationalMemory(null, "r1"), null);
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const left = await tasks.listTasks({});
  assert.deepEqual(left.tasks.map((t) => t.id).sort(), ["task-of-nobody", "task-of-r2"]);
  assert.equal(left.total, 2);
  assert.equal(await tasks.getRunningCount(), 2, "running counter equals a recount");
  const harness = (await storage.getStore("harness"))!;
  assert.deepEqual((await harness.listSessions()).map((session) => session.id), ["session-r2"]);
  const scores = (await storage.getStore("scores"))!;
  const judged = await scores.listScoresByScorerId({ scorerId: "judge", pagination: { page: 0, perPage: 1 } });
  assert.equal(judged.pagination.total, 2, "the scorer's tree total equals a recount");
  const ofRun = await scores.listScoresByRunId({ runId: "run", pagination: { page: 0, perPage: false } });
  assert.deepEqual(ofRun.scores.map((score) => score.id).sort(), ["score-of-nobody", "score-of-r2"]);
  assert.equal((await (await storage.getStore("workflows"))!.listWorkflowRuns({ resourceId: "r1" })).total, 0);
  const traces = await (await storage.getStore("observability"))!.listTraces({ filters: { resourceId: "r1" } });
  assert.equal(traces.pagination?.total, 0);
  for (const trace of w.traces.filter((t) => t.resourceId === "r1")) {
    assert.equal(await (await storage.getStore("observability"))!.getTrace({ traceId: trace.traceId }), null);
  }
}

/**
 * Waits for `promise` while the deployment's scheduler runs on fake timers
 * (convex-test runs a scheduled function correctly only when its timer fires
 * outside the scheduling mutation's async context, as `runAll` does); the
 * caller's poll sleeps are fake timers too and fire in the same sweep.
 */
async function driveUntil<T>(backend: Backend, clock: FakeClock, realTimeout: typeof setTimeout, promise: Promise<T>) {
  let settled = false;
  const watched = promise.finally(() => void (settled = true));
  while (!settled) {
    clock.runAll();
    await backend.finishInProgressScheduledFunctions();
    await new Promise((resolve) => realTimeout(resolve, 1));
  }
  return await watched;
}

Deno.test("eraseResource deletes everything of the resource and returns a receipt; other resources are untouched", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    await eraseHappyPath(clock, realTimeout);
  } finally {
    clock.restore();
  }
});

async function eraseHappyPath(clock: FakeClock, realTimeout: typeof setTimeout): Promise<void> {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  await storage.init();
  const w = await world(storage);
  const before = othersOf(await snapshot(backend), w);
  const progress: EraseStatus[] = [];
  const receipt = await driveUntil(
    backend,
    clock,
    realTimeout,
    storage.eraseResource("r1", { onProgress: (status) => progress.push(status) }),
  );
  assert.ok(progress.length > 1 && !progress[0].done, "progress was readable while the job ran");
  assert.ok(receipt.done && receipt.finishedAt);
  assert.deepEqual(receiptOf(receipt), expectedReceipt(w));
  assert.ok(receipt.steps > ERASE_PHASE_COUNT, `the job ran in several steps (${receipt.steps})`);
  await assertNothingOfR1(storage, w);
  assert.deepEqual(othersOf(await snapshot(backend), w), before);
  const after = await snapshot(backend);
  assert.ok(after.messages.every((json) => JSON.parse(json).resourceId !== "r1"));
  await assertMemoryRecount(backend, w);
  // r2 keeps its observational memory and thread state.
  const memory = (await storage.getStore("memory"))!;
  assert.ok(await memory.getObservationalMemory(null, "r2"));
  // Erasing again finds nothing.
  const again = await driveUntil(backend, clock, realTimeout, storage.eraseResource("r1"));
  assert.ok(again.counts.every((c) => c.deleted === 0));
  assert.notEqual(again.jobId, receipt.jobId);
}

const ERASE_PHASE_COUNT = 6;

Deno.test("eraseResource: a caller that fails half-way does not stop the job; the deployment finishes it", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const inner = inProcessClient(backend);
    // The caller's connection breaks on its first look at the job.
    const client: ConvexClientLike = {
      ...inner,
      query: (path, args) =>
        path === "lifecycle/erase:status" ? Promise.reject(new Error("the caller crashed")) : inner.query(path, args),
    };
    const storage = new ConvexStorage({ client });
    await storage.init();
    const w = await world(storage);
    const before = othersOf(await snapshot(backend), w);
    await assert.rejects(() => storage.eraseResource("r1"), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, /eraseResource.*r1.*the caller crashed/s);
      return true;
    });
    const reader = new ConvexStorage({ client: inner });
    // deno-lint-ignore no-explicit-any
    const [{ jobId }] = await backend.run((ctx: any) => ctx.db.query("erase_jobs").collect()) as { jobId: string }[];
    // Progress is readable while the job runs: two steps by the deployment's scheduler.
    for (let i = 0; i < 2; i++) {
      clock.advance(1000);
      clock.runDue();
      await new Promise((resolve) => realTimeout(resolve, 1));
      await backend.finishInProgressScheduledFunctions();
    }
    const halfway = (await reader.eraseStatus(jobId))!;
    assert.equal(halfway.done, false);
    assert.equal(halfway.steps, 2);
    assert.ok(halfway.counts.some((c) => c.deleted > 0));
    // Nobody calls again: the deployment's own steps finish it.
    await backend.finishAllScheduledFunctions(() => clock.runAll(), 1000);
    const receipt = (await reader.eraseStatus(jobId))!;
    assert.ok(receipt.done);
    assert.deepEqual(receiptOf(receipt), expectedReceipt(w));
    await assertNothingOfR1(reader, w);
    assert.deepEqual(othersOf(await snapshot(backend), w), before);
    await assertMemoryRecount(backend, w);
  } finally {
    clock.restore();
  }
});

Deno.test("eraseResource refuses an empty resource id with a MastraError, starting nothing", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  await storage.init();
  await assert.rejects(() => storage.eraseResource(""), /eraseResource.*resourceId/s);
  // deno-lint-ignore no-explicit-any
  assert.deepEqual(await backend.run((ctx: any) => ctx.db.query("erase_jobs").collect()), []);
});

/** Observability scores and feedback of r1 and r2, written into `storage`. */
async function seedSignals(storage: ConvexStorage): Promise<{ scoreIds: string[]; feedbackIds: string[] }> {
  const observability = (await storage.getStore("observability"))!;
  const at = new Date("2026-01-01T00:00:00.000Z");
  const r1 = { scoreIds: [] as string[], feedbackIds: [] as string[] };
  for (let i = 0; i < 12; i++) {
    const resourceId = ["r1", "r2", "r1", undefined][i % 4];
    const common = {
      timestamp: new Date(at.getTime() + i * 60_000),
      entityType: "agent",
      entityName: i % 2 === 0 ? "a" : "b",
      ...(resourceId ? { resourceId } : {}),
    };
    await observability.createScore(
      { score: { ...common, scoreId: `os${i}`, scorerId: "relevance", score: i } } as never,
    );
    await observability.createFeedback({
      feedback: { ...common, feedbackId: `of${i}`, feedbackType: "thumbs", value: i % 3 },
    } as never);
    if (resourceId === "r1") {
      r1.scoreIds.push(`os${i}`);
      r1.feedbackIds.push(`of${i}`);
    }
  }
  return r1;
}

/** Aggregates and breakdowns of the scores and feedback, as the rollups answer them. */
async function signalReads(storage: ConvexStorage): Promise<unknown> {
  const observability = (await storage.getStore("observability"))!;
  const out: Record<string, unknown> = {};
  for (const aggregation of ["sum", "count", "max"] as const) {
    out[`score ${aggregation}`] = await observability.getScoreAggregate(
      { scorerId: "relevance", aggregation } as never,
    );
    out[`feedback ${aggregation}`] = await observability.getFeedbackAggregate(
      { feedbackType: "thumbs", aggregation } as never,
    );
    out[`score ${aggregation} by resource`] = await observability.getScoreBreakdown(
      { scorerId: "relevance", aggregation, groupBy: ["resourceId"] } as never,
    );
  }
  out.scores = (await observability.listScores({ pagination: { page: 0, perPage: 100 } } as never)).pagination;
  out.feedback = (await observability.listFeedback({ pagination: { page: 0, perPage: 100 } } as never)).pagination;
  return out;
}

Deno.test("eraseResource deletes the resource's observability scores and feedback; every rollup equals the domain's own delete", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const storage = new ConvexStorage({ client: inProcessClient(backend) });
    await storage.init();
    const twin = new ConvexStorage({ client: inProcessClient(createBackend()) });
    await twin.init();
    const r1 = await seedSignals(storage);
    await seedSignals(twin);
    const receipt = await driveUntil(backend, clock, realTimeout, storage.eraseResource("r1"));
    const counts = receiptOf(receipt);
    assert.equal(counts.scores, r1.scoreIds.length);
    assert.equal(counts.feedback, r1.feedbackIds.length);
    // The twin deletes the same rows through the domain's own deletes.
    const observability = (await twin.getStore("observability"))!;
    await observability.deleteScores({ scoreIds: r1.scoreIds } as never);
    await observability.deleteFeedback({ feedbackIds: r1.feedbackIds } as never);
    const ours = await signalReads(storage);
    assert.deepEqual(ours, await signalReads(twin));
    const sum = ours as Record<string, { value: number }>;
    // r1 wrote the scores i with i % 4 in {0, 2}: the others remain, recounted here.
    const kept = Array.from({ length: 12 }, (_, i) => i).filter((i) => i % 4 !== 0 && i % 4 !== 2);
    assert.equal(sum["score sum"].value, kept.reduce((a, b) => a + b, 0));
    assert.equal(sum["score count"].value, kept.length);
  } finally {
    clock.restore();
  }
});

/** One seeded vector: its index, id, values and metadata. */
type SeedVector = { index: string; id: string; vector: number[]; metadata: Record<string, unknown> };

/**
 * Vectors of r1, r2 and nobody in two indexes with the default filter keys
 * (`resource_id`, `thread_id`) and one keyed on `kind` only (fixed seed).
 */
function seedVectors(): SeedVector[] {
  const next = random(30);
  const out: SeedVector[] = [];
  for (const index of ["memory-a", "memory-b", "by-kind"]) {
    for (let i = 0; i < 40; i++) {
      const resource = ["r1", "r2", "r1", undefined, "r10"][i % 5];
      out.push({
        index,
        id: `${index}-${i}`,
        vector: [next() - 0.5, next() - 0.5, next() + 0.01],
        metadata: {
          kind: i % 2 === 0 ? "message" : "note",
          ...(resource ? { resource_id: resource, thread_id: `${resource}-t${i % 3}` } : {}),
        },
      });
    }
  }
  return out;
}

/** A ConvexVector on `backend` with the three indexes and `vectors` in them. */
async function vectorStore(backend: Backend, vectors: SeedVector[]): Promise<ConvexVector> {
  const client = inProcessClient(backend);
  const memory = new ConvexVector({ client });
  await memory.createIndex({ indexName: "memory-a", dimension: 3 });
  await memory.createIndex({ indexName: "memory-b", dimension: 3 });
  await new ConvexVector({ client, filterKeys: ["kind"] }).createIndex({ indexName: "by-kind", dimension: 3 });
  for (const index of ["memory-a", "memory-b", "by-kind"]) {
    const mine = vectors.filter((vector) => vector.index === index);
    if (mine.length === 0) continue;
    await memory.upsert({
      indexName: index,
      ids: mine.map((vector) => vector.id),
      vectors: mine.map((vector) => vector.vector),
      metadata: mine.map((vector) => vector.metadata),
    });
  }
  return memory;
}

/** Counts and query results of every index, as `ConvexVector` answers them. */
async function vectorReads(store: ConvexVector): Promise<unknown> {
  const out: Record<string, unknown> = {};
  for (const indexName of ["memory-a", "memory-b", "by-kind"]) {
    out[`${indexName} count`] = (await store.describeIndex({ indexName })).count;
    for (const [name, filter] of [["all", undefined], ["r1", { resource_id: "r1" }], ["r2", { resource_id: "r2" }]]) {
      const hits = await store.query({ indexName, queryVector: [0.3, -0.2, 0.5], topK: 50, filter: filter as never });
      out[`${indexName} ${name}`] = hits.map((hit) => [hit.id, hit.score, hit.metadata]);
    }
    const every = { kind: { $in: ["message", "note"] } };
    const listed = await store.query({ indexName, queryVector: undefined as never, filter: every, topK: 200 });
    out[`${indexName} listed`] = listed.map((hit) => hit.id).sort();
  }
  return out;
}

Deno.test("eraseResource deletes the resource's vectors in indexes that push resource_id down; reads equal a store that never had them", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const storage = new ConvexStorage({ client: inProcessClient(backend) });
    await storage.init();
    const vectors = seedVectors();
    const store = await vectorStore(backend, vectors);
    const erased = vectors.filter((vector) => vector.index !== "by-kind" && vector.metadata.resource_id === "r1");
    // The comparison: a fresh store that never had r1's vectors in the resource-keyed indexes.
    const fresh = await vectorStore(createBackend(), vectors.filter((vector) => !erased.includes(vector)));
    assert.notDeepEqual(await vectorReads(store), await vectorReads(fresh));
    const receipt = await driveUntil(backend, clock, realTimeout, storage.eraseResource("r1"));
    const counts = receipt.counts.filter((count) => count.domain === "vector");
    assert.deepEqual(counts, [{ domain: "vector", table: "vectors", deleted: erased.length }]);
    assert.equal(erased.length, 32);
    const reads = await vectorReads(store) as Record<string, unknown[]>;
    assert.deepEqual(reads, await vectorReads(fresh));
    assert.deepEqual(reads["memory-a r1"], []);
    // The index without resource_id as a filter key keeps r1's vectors (delete them with deleteVectors and a filter).
    assert.equal(reads["by-kind r1"].length, 16);
    assert.equal(reads["memory-a count"], 24);
    // Erasing again finds nothing more.
    const again = await driveUntil(backend, clock, realTimeout, storage.eraseResource("r1"));
    assert.ok(again.counts.every((count) => count.deleted === 0));
    assert.deepEqual(await vectorReads(store), reads);
  } finally {
    clock.restore();
  }
});

Deno.test("eraseResource: the vectors phase runs in bounded steps (many indexes without the key, more vectors than one step deletes)", async () => {
  const realTimeout = globalThis.setTimeout;
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const client = inProcessClient(backend);
    const storage = new ConvexStorage({ client });
    await storage.init();
    // 102 indexes keyed on `kind` only (more than one step looks at), named before the resource-keyed one.
    const byKind = new ConvexVector({ client, filterKeys: ["kind"] });
    for (let i = 0; i < 102; i++) {
      const indexName = `a${String(i).padStart(3, "0")}`;
      await byKind.createIndex({ indexName, dimension: 3 });
      await byKind.upsert({ indexName, ids: ["v"], vectors: [[1, 0, 0]], metadata: [{ resource_id: "r1" }] });
    }
    // 4,100 vectors of r1 (more than one delete step's 4,000 rows) and 100 of r2 in a resource-keyed index.
    const memory = new ConvexVector({ client });
    await memory.createIndex({ indexName: "z-memory", dimension: 3 });
    const next = random(31);
    const ids = Array.from({ length: 4200 }, (_, i) => `m${i}`);
    await memory.upsert({
      indexName: "z-memory",
      ids,
      vectors: ids.map(() => [next() - 0.5, next() - 0.5, next() + 0.01]),
      metadata: ids.map((_, i) => ({ resource_id: i < 4100 ? "r1" : "r2" })),
    });
    // Erasing a resource with no vectors walks the same indexes: the difference in steps is r1's second delete step.
    const nobody = await driveUntil(backend, clock, realTimeout, storage.eraseResource("nobody"));
    const receipt = await driveUntil(backend, clock, realTimeout, storage.eraseResource("r1"));
    assert.deepEqual(receipt.counts.filter((count) => count.domain === "vector"), [
      { domain: "vector", table: "vectors", deleted: 4100 },
    ]);
    assert.equal(receipt.steps - nobody.steps, 1);
    assert.equal((await memory.describeIndex({ indexName: "z-memory" })).count, 100);
    const left = await memory.query({ indexName: "z-memory", filter: { resource_id: "r2" }, topK: 200 });
    assert.equal((await memory.query({ indexName: "z-memory", filter: { resource_id: "r1" }, topK: 10 })).length, 0);
    assert.deepEqual(left.map((hit) => hit.id).sort(), ids.slice(4100).sort());
    for (const indexName of ["a000", "a101"]) assert.equal((await byKind.describeIndex({ indexName })).count, 1);
  } finally {
    clock.restore();
  }
});
