/**
 * `prune()` (core's retention contract) on the in-process deployment:
 * exactly the rows older than `maxAge` by the deployment's clock go (never
 * by the caller's), threads go with all their messages, caps and signals
 * stop early with `done: false`, and every memory counter and rank tree
 * equals a recount after every call.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { PruneResult, RetentionConfig } from "@mastra/core/storage";
import type { HarnessPendingItemRecord, SaveScorePayload, SessionRecord } from "../src/coreTypes.ts";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { assertMemoryRecount, DAY, seedWorld, storedIds, type World } from "./helpers/lifecycle.ts";

const MAX_AGE = 30 * DAY;

function setup(clientOffset = 0) {
  const backend = createBackend();
  let now = Date.now();
  const storage = new ConvexStorage({ client: inProcessClient(backend), now: () => now + clientOffset });
  return { backend, storage, setNow: (ms: number) => void (now = ms) };
}

/** What must survive a prune of `world` by `maxAge` at (server) time `at`. */
function survivors(world: World, at: number) {
  const cutoff = at - MAX_AGE;
  const threads = world.threads.filter((t) => t.updatedAt >= cutoff);
  const liveThreads = new Set(threads.map((t) => t.id));
  return {
    threads: threads.map((t) => t.id).sort(),
    messages: world.messages.filter((m) => m.createdAt >= cutoff && liveThreads.has(m.threadId)).map((m) => m.id)
      .sort(),
    resources: world.resources.filter((r) => r.updatedAt >= cutoff).map((r) => r.id).sort(),
    runs: world.runs.filter((r) => r.updatedAt >= cutoff).map((r) => JSON.stringify([r.workflowName, r.runId])).sort(),
    traces: world.traces.filter((t) => t.startedAt >= cutoff).map((t) => t.traceId).sort(),
  };
}

const policy: RetentionConfig = {
  memory: { messages: { maxAge: "30d" }, threads: { maxAge: "30d" }, resources: { maxAge: MAX_AGE } },
  workflows: { workflowSnapshot: { maxAge: "30d" } },
  observability: { spans: { maxAge: "30d" }, metrics: { maxAge: "1d" } },
};

Deno.test("prune deletes exactly the rows older than maxAge by the deployment's clock, a caller a year ahead notwithstanding", async () => {
  // The client's clock runs a year ahead: a prune that trusted it would delete everything.
  const { backend, storage, setNow } = setup(365 * DAY);
  await storage.init();
  const reference = Date.now();
  const world = await seedWorld(storage, (ms) => setNow(ms - 365 * DAY), { seed: 11, reference, threads: 16 });
  // A trace whose root span has not arrived (only an old child): its age is unknown, so it stays.
  await (await storage.getStore("observability"))!.batchCreateSpans({
    records: [{
      traceId: "rootless",
      spanId: "child",
      parentSpanId: "missing-root",
      name: "tool",
      spanType: "tool_call",
      isEvent: false,
      startedAt: new Date(reference - 90 * DAY),
      endedAt: new Date(reference - 90 * DAY + 5),
    }] as never,
  });
  const results = await storage.prune({ retention: policy });
  const expected = survivors(world, reference);
  assert.deepEqual(await storedIds(backend, "threads"), expected.threads);
  assert.deepEqual(await storedIds(backend, "messages"), expected.messages);
  assert.deepEqual(await storedIds(backend, "resources"), expected.resources);
  assert.deepEqual(await storedIds(backend, "workflow_runs"), expected.runs);
  assert.deepEqual(await storedIds(backend, "ai_traces"), [...expected.traces, "rootless"].sort());
  const spansLeft = (await storedIds(backend, "ai_spans", "traceId")).filter((id) =>
    !expected.traces.includes(id) && id !== "rootless"
  );
  assert.deepEqual(spansLeft, [], "every span of a pruned trace is gone");
  assert.ok(expected.threads.length > 0 && expected.threads.length < world.threads.length, "the world has both ages");
  await assertMemoryRecount(backend, world);
  // One result per managed table, core's physical names; `metrics` is not managed and skipped.
  const byTable = Object.fromEntries(results.map((r: PruneResult) => [`${r.domain}/${r.table}`, r]));
  assert.deepEqual(Object.keys(byTable).sort(), [
    "memory/mastra_messages",
    "memory/mastra_resources",
    "memory/mastra_threads",
    "observability/mastra_ai_spans",
    "workflows/mastra_workflow_snapshot",
  ]);
  assert.ok(results.every((r) => r.done));
  assert.equal(byTable["workflows/mastra_workflow_snapshot"].deleted, world.runs.length - expected.runs.length);
  assert.equal(byTable["memory/mastra_resources"].deleted, world.resources.length - expected.resources.length);
  // Through Mastra's API: totals and pages agree with the rows left.
  const memory = (await storage.getStore("memory"))!;
  for (const thread of world.threads) {
    const page = await memory.listMessages({ threadId: thread.id, perPage: false });
    const left = expected.messages.filter((id) => id.startsWith(`${thread.id}-`));
    assert.equal(page.total, left.length);
    assert.deepEqual(page.messages.map((m) => m.id).sort(), left);
  }
  const all = await memory.listThreads({ perPage: false });
  assert.equal(all.total, expected.threads.length);
  const runs = await (await storage.getStore("workflows"))!.listWorkflowRuns({});
  assert.equal(runs.total, expected.runs.length);
  const traces = await (await storage.getStore("observability"))!.listTraces({});
  assert.equal(traces.pagination?.total, expected.traces.length);
  // A second prune finds nothing.
  const again = await storage.prune({ retention: policy });
  assert.ok(again.every((r) => r.deleted === 0 && r.done));
});

Deno.test("prune honours maxRows, maxBatches and an aborted signal, and stays exact after every partial call", async () => {
  for (const seed of [3, 5, 8]) {
    const { backend, storage, setNow } = setup();
    await storage.init();
    const reference = Date.now();
    const world = await seedWorld(storage, setNow, { seed, reference, threads: 14, traces: 0 });
    const memoryPolicy: RetentionConfig = {
      memory: { messages: { maxAge: "30d", batchSize: 2 }, threads: { maxAge: "30d", batchSize: 1 } },
    };
    const aborted = new AbortController();
    aborted.abort();
    const none = await storage.prune({ retention: memoryPolicy, signal: aborted.signal });
    assert.deepEqual(none, []);
    const calls: PruneResult[][] = [];
    for (let i = 0; i < 200; i++) {
      const options = i % 2 === 0 ? { maxRows: 3 } : { maxBatches: 1 };
      const results = await storage.prune({ retention: memoryPolicy, ...options });
      calls.push(results);
      for (const result of results) {
        const cap = i % 2 === 0 ? 3 : result.table === "mastra_messages" ? 2 : 1;
        assert.ok(result.deleted <= cap, `${result.table} deleted ${result.deleted} > ${cap}`);
      }
      await assertMemoryRecount(backend, world);
      if (results.every((r) => r.done)) break;
    }
    assert.ok(calls.length > 2, "the caps made the prune take several calls");
    const expected = survivors(world, reference);
    assert.deepEqual(await storedIds(backend, "threads"), expected.threads);
    assert.deepEqual(await storedIds(backend, "messages"), expected.messages);
  }
});

Deno.test("prune refuses a bad policy with a MastraError naming the table, deleting nothing", async () => {
  const { backend, storage, setNow } = setup();
  await storage.init();
  await seedWorld(storage, setNow, { seed: 2, reference: Date.now(), threads: 4, traces: 0 });
  const before = await storedIds(backend, "messages");
  const memory = (await storage.getStore("memory"))!;
  for (
    const policies of [
      { messages: { maxAge: "30 days" } },
      { messages: { maxAge: -1 } },
      { threads: { maxAge: "1d", batchSize: 0 } },
      { messages: { maxAge: "1d" }, threads: { maxAge: "1d", batchSize: 1.5 } },
    ]
  ) {
    await assert.rejects(
      () => memory.prune(policies as never),
      (error: unknown) => {
        assert.ok(error instanceof MastraError);
        assert.match(error.message, /prune/);
        assert.match(error.message, /retention\.memory\.(messages|threads)/);
        return true;
      },
    );
  }
  assert.deepEqual(await storedIds(backend, "messages"), before);
});

Deno.test("prune of background tasks deletes finished tasks by completedAt; unfinished ones stay whatever their age", async () => {
  const { backend, storage } = setup();
  await storage.init();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const now = Date.now();
  const base = {
    toolName: "search",
    args: { q: "x" },
    agentId: "agent-1",
    runId: "run-1",
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 60_000,
  };
  const specs: [string, "pending" | "running" | "completed" | "failed", number, number | undefined][] = [
    ["old-pending", "pending", 90, undefined],
    ["old-running", "running", 90, undefined],
    ["old-done", "completed", 90, 60],
    ["old-failed", "failed", 90, 40],
    ["recent-done", "completed", 90, 5],
    ["new-done", "completed", 2, 1],
  ];
  for (const [id, status, created, completed] of specs) {
    await tasks.createTask({
      ...base,
      id,
      toolCallId: `call-${id}`,
      status,
      createdAt: new Date(now - created * DAY),
      ...(completed === undefined ? {} : { completedAt: new Date(now - completed * DAY) }),
    });
  }
  const results = await storage.prune({ retention: { backgroundTasks: { backgroundTasks: { maxAge: "30d" } } } });
  assert.deepEqual(results, [{ domain: "backgroundTasks", table: "mastra_background_tasks", deleted: 2, done: true }]);
  assert.deepEqual(await storedIds(backend, "background_tasks"), [
    "new-done",
    "old-pending",
    "old-running",
    "recent-done",
  ]);
  const listed = await tasks.listTasks({});
  assert.equal(listed.total, 4);
  assert.equal((await tasks.listTasks({ status: ["completed"] })).total, 2);
  assert.equal((await tasks.listTasks({ agentId: "agent-1" })).total, 4);
});

Deno.test("prune of schedule triggers deletes the fires older than maxAge, in batches, and keeps the schedules' history pages", async () => {
  const { backend, storage } = setup();
  await storage.init();
  const schedules = (await storage.getStore("schedules"))!;
  const now = Date.now();
  for (let i = 0; i < 30; i++) {
    await schedules.recordTrigger({
      id: `tr${i}`,
      scheduleId: i % 2 === 0 ? "a" : "b",
      runId: null,
      scheduledFireAt: now - i * 4 * DAY,
      actualFireAt: now - i * 4 * DAY,
      outcome: "published",
    });
  }
  // Ages 0, 4, ..., 116 days: the 8 fires younger than 30 days stay.
  const results = await storage.prune({
    retention: { schedules: { triggers: { maxAge: "30d", batchSize: 5 } } },
    maxBatches: 2,
  });
  assert.deepEqual(results, [{ domain: "schedules", table: "mastra_schedule_triggers", deleted: 10, done: false }]);
  const rest = await storage.prune({ retention: { schedules: { triggers: { maxAge: "30d", batchSize: 5 } } } });
  assert.deepEqual(rest, [{ domain: "schedules", table: "mastra_schedule_triggers", deleted: 12, done: true }]);
  assert.deepEqual(await storedIds(backend, "schedule_triggers"), Array.from({ length: 8 }, (_, i) => `tr${i}`).sort());
  assert.deepEqual((await schedules.listTriggers("a")).map((t) => t.id), ["tr0", "tr2", "tr4", "tr6"]);
});

Deno.test("prune of notifications deletes those last changed before maxAge by the deployment's clock", async () => {
  const { backend, storage, setNow } = setup();
  await storage.init();
  const notifications = (await storage.getStore("notifications"))!;
  const signal = { source: "ci", kind: "build", summary: "Build failed" };
  setNow(Date.now() - 40 * DAY);
  const old = await notifications.createNotification({ ...signal, threadId: "t1", dedupeKey: "old" });
  const touched = await notifications.createNotification({ ...signal, threadId: "t1", dedupeKey: "touched" });
  setNow(Date.now());
  // A status change stamps `updatedAt`: this one is recent again.
  await notifications.updateNotificationsStatus({ threadId: "t1", ids: [touched.id], status: "seen" });
  const recent = await notifications.createNotification({ ...signal, threadId: "t2", dedupeKey: "new" });
  const results = await storage.prune({ retention: { notifications: { notifications: { maxAge: "30d" } } } });
  assert.deepEqual(results, [{ domain: "notifications", table: "mastra_notifications", deleted: 1, done: true }]);
  assert.deepEqual(await storedIds(backend, "notifications"), [recent.id, touched.id].sort());
  assert.equal(await notifications.getNotification({ threadId: "t1", id: old.id }), null);
});

Deno.test("prune of scores (core's `scorers` key) deletes scores created before maxAge; every list total equals a recount", async () => {
  const { backend, storage } = setup();
  await storage.init();
  const scores = (await storage.getStore("scores"))!;
  const now = Date.now();
  // Ages in days; none near 30. Two scorers, three runs, two entities, mixed ages in each list.
  const ages = [90, 1, 45, 5, 60, 10, 40, 2, 31.5, 20, 75, 3];
  for (const [i, age] of ages.entries()) {
    await scores.saveScore({
      id: `s${i}`,
      scorerId: i % 2 === 0 ? "judge" : "critic",
      entityId: i % 3 === 0 ? "agent-a" : "agent-b",
      entityType: "AGENT",
      source: "LIVE",
      runId: `run-${i % 3}`,
      traceId: "trace-1",
      spanId: i % 2 === 0 ? "span-1" : "span-2",
      score: i,
      scorer: { id: "judge" },
      entity: { id: "agent" },
      output: "ok",
      createdAt: new Date(now - age * DAY),
    } as unknown as SaveScorePayload);
  }
  const young = ages.map((age, i) => ({ id: `s${i}`, i, age })).filter((s) => s.age < 30);
  const results = await storage.prune({ retention: { scores: { scorers: { maxAge: "30d", batchSize: 2 } } } });
  assert.deepEqual(results, [{
    domain: "scores",
    table: "mastra_scorers",
    deleted: ages.length - young.length,
    done: true,
  }]);
  assert.deepEqual(await storedIds(backend, "scores"), young.map((s) => s.id).sort());
  const ids = (page: { scores: { id: string }[] }) => page.scores.map((s) => s.id).sort();
  const expect = (keep: (i: number) => boolean) => young.filter((s) => keep(s.i)).map((s) => s.id).sort();
  const all = { page: 0, perPage: false as const };
  for (const scorerId of ["judge", "critic"]) {
    const page = await scores.listScoresByScorerId({ scorerId, pagination: all });
    const want = expect((i) => (i % 2 === 0 ? "judge" : "critic") === scorerId);
    assert.deepEqual(ids(page), want);
    assert.equal(page.pagination.total, want.length);
    const small = await scores.listScoresByScorerId({ scorerId, pagination: { page: 0, perPage: 1 } });
    assert.equal(small.pagination.total, want.length, `tree total of ${scorerId}`);
  }
  for (const run of [0, 1, 2]) {
    const page = await scores.listScoresByRunId({ runId: `run-${run}`, pagination: { page: 0, perPage: 1 } });
    assert.equal(page.pagination.total, expect((i) => i % 3 === run).length, `run-${run}`);
  }
  for (const entityId of ["agent-a", "agent-b"]) {
    const page = await scores.listScoresByEntityId({
      entityId,
      entityType: "AGENT",
      pagination: { page: 0, perPage: 1 },
    });
    assert.equal(page.pagination.total, expect((i) => (i % 3 === 0 ? "agent-a" : "agent-b") === entityId).length);
  }
  const span = await scores.listScoresBySpan({
    traceId: "trace-1",
    spanId: "span-1",
    pagination: { page: 0, perPage: 1 },
  });
  assert.equal(span.pagination.total, expect((i) => i % 2 === 0).length);
  assert.equal(await scores.getScoreById({ id: "s0" }), null);
});

Deno.test("prune of experiments deletes each completed before maxAge with all its results; in-flight ones stay whatever their age", async () => {
  const { backend, storage } = setup();
  await storage.init();
  const experiments = (await storage.getStore("experiments"))!;
  const now = Date.now();
  // [id, days since completion (undefined: in flight), results]
  const specs: [string, number | undefined, number][] = [
    ["old-done", 60, 3],
    ["old-failed", 45, 1],
    ["old-empty", 90, 0],
    ["recent-done", 5, 2],
    ["running", undefined, 2],
    ["pending", undefined, 0],
  ];
  for (const [id, age, results] of specs) {
    await experiments.createExperiment({
      id,
      datasetId: "ds",
      datasetVersion: null,
      targetType: "agent",
      targetId: "a",
      totalItems: results,
    });
    for (let r = 0; r < results; r++) {
      await experiments.addExperimentResult({
        experimentId: id,
        itemId: `item-${r}`,
        itemDatasetVersion: null,
        input: { r },
        output: { ok: true },
        groundTruth: null,
        error: null,
        startedAt: new Date(now - 100 * DAY),
        completedAt: new Date(now - 100 * DAY + 1),
        retryCount: 0,
      });
    }
    if (age !== undefined) {
      await experiments.updateExperiment({
        id,
        status: id === "old-failed" ? "failed" : "completed",
        completedAt: new Date(now - age * DAY),
      });
    } else if (id === "running") {
      await experiments.updateExperiment({ id, status: "running" });
    }
  }
  const results = await storage.prune({
    retention: { experiments: { experiments: { maxAge: "30d", batchSize: 1 } } },
  });
  assert.deepEqual(results, [{ domain: "experiments", table: "mastra_experiments", deleted: 3, done: true }]);
  assert.deepEqual(await storedIds(backend, "experiments"), ["pending", "recent-done", "running"]);
  assert.deepEqual(
    await storedIds(backend, "experiment_results", "experimentId"),
    ["recent-done", "recent-done", "running", "running"],
  );
  const listed = await experiments.listExperiments({ pagination: { page: 0, perPage: 1 } });
  assert.equal(listed.pagination.total, 3, "the experiments counter equals a recount");
  const ofDataset = await experiments.listExperiments({ datasetId: "ds", pagination: { page: 0, perPage: 1 } });
  assert.equal(ofDataset.pagination.total, 3, "the dataset's counter equals a recount");
  assert.equal(await experiments.getExperimentById({ id: "old-done" }), null);
  const kept = await experiments.listExperimentResults({
    experimentId: "recent-done",
    pagination: { page: 0, perPage: 1 },
  });
  assert.equal(kept.pagination.total, 2);
});

Deno.test("prune of harness sessions deletes those idle longer than maxAge (a change stamps activity); large records are released", async () => {
  const { backend, storage, setNow } = setup();
  await storage.init();
  const harness = (await storage.getStore("harness"))!;
  const now = Date.now();
  const session = (id: string, idleDays: number, metadata?: Record<string, unknown>): SessionRecord => ({
    id,
    ownerId: "o1",
    resourceId: "r1",
    threadId: `t-${id}`,
    origin: "top-level",
    modeId: "build",
    modelId: "m1",
    createdAt: new Date(now - 100 * DAY),
    lastActivityAt: new Date(now - idleDays * DAY),
    ...(metadata ? { metadata } : {}),
  });
  await harness.saveSession(session("old", 60));
  await harness.saveSession(session("old-large", 45, { blob: "x".repeat(2 * 1024 * 1024) }));
  await harness.saveSession(session("recent", 5));
  await harness.saveSession(session("revived", 90));
  setNow(now);
  // A change stamps its activity with now: the session is no longer idle.
  await harness.appendPendingItem("revived", {
    id: "q1",
    kind: "question",
    status: "pending",
    sessionId: "revived",
    createdAt: new Date(now),
    updatedAt: new Date(now),
    payload: { question: "?" },
  } as HarnessPendingItemRecord);
  const committedBlobs = async () =>
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) =>
      (await ctx.db.query("blobs").collect()).filter((blob: { state: string }) => blob.state === "committed").length
    );
  assert.ok(await committedBlobs() > 0, "the large record is stored as a blob");
  const results = await storage.prune({ retention: { harness: { sessions: { maxAge: "30d", batchSize: 1 } } } });
  assert.deepEqual(results, [{ domain: "harness", table: "mastra_harness_sessions", deleted: 2, done: true }]);
  assert.deepEqual(await storedIds(backend, "harness_sessions"), ["recent", "revived"]);
  assert.equal(await harness.loadSession("old"), null);
  assert.equal((await harness.loadSession("revived"))?.pending?.length, 1);
  assert.equal(await committedBlobs(), 0, "the large record's blob was released");
});

Deno.test("prune of thread state deletes the slots last set before maxAge by the deployment's clock; slots set since stay", async () => {
  const { backend, storage } = setup();
  await storage.init();
  const state = (await storage.getStore("threadState"))!;
  const realNow = Date.now;
  const at = realNow();
  try {
    // The deployment's clock, 60 days ago (the in-process deployment reads `Date.now`).
    Date.now = () => at - 60 * DAY;
    await state.setState({ threadId: "t1", type: "tasks", value: [1] });
    await state.setState({ threadId: "t1", type: "goal", value: { objective: "x".repeat(2 * 1024 * 1024) } });
    await state.setState({ threadId: "t2", type: "tasks", value: [2] });
  } finally {
    Date.now = realNow;
  }
  // Set again now: recent.
  await state.setState({ threadId: "t2", type: "tasks", value: [3] });
  await state.setState({ threadId: "t3", type: "tasks", value: [4] });
  const committedBlobs = async () =>
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) =>
      (await ctx.db.query("blobs").collect()).filter((blob: { state: string }) => blob.state === "committed").length
    );
  assert.ok(await committedBlobs() > 0, "the large value is stored as a blob");
  const results = await storage.prune({ retention: { threadState: { threadState: { maxAge: "30d", batchSize: 1 } } } });
  assert.deepEqual(results, [{ domain: "threadState", table: "mastra_thread_state", deleted: 2, done: true }]);
  assert.deepEqual(await storedIds(backend, "thread_state", "key"), [
    JSON.stringify(["t2", "tasks"]),
    JSON.stringify(["t3", "tasks"]),
  ]);
  assert.equal(await state.getState({ threadId: "t1", type: "goal" }), undefined);
  assert.deepEqual(await state.getState({ threadId: "t2", type: "tasks" }), [3]);
  assert.equal(await committedBlobs(), 0, "the large value's blob was released");
});
