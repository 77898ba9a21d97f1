/**
 * Retention the deployment runs by itself: the policy set by
 * `ConvexStorage`'s `retention` option at `init()` is stored in the
 * component; the component's cron (its function called as the cron calls
 * it) prunes in bounded steps that schedule their own continuation, on the
 * deployment's clock (fake timers here), and reports what it did through
 * `retentionStatus()`. Nothing runs without a policy.
 */
import assert from "node:assert/strict";
import type { RetentionConfig } from "@mastra/core/storage";
import crons from "../convex/crons.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, componentHandle, createBackend, inProcessClient } from "./helpers/backend.ts";
import { FakeClock } from "./helpers/fakeClock.ts";
import { assertMemoryRecount, DAY, seedWorld, storedIds } from "./helpers/lifecycle.ts";

const TICK = "lifecycle/retention:tick";

// deno-lint-ignore no-explicit-any
const tick = (backend: Backend): Promise<string | null> => (backend.raw as any).mutation(componentHandle(TICK), {});

const retention: RetentionConfig = {
  memory: { messages: { maxAge: "30d", batchSize: 5 }, threads: { maxAge: "30d", batchSize: 2 } },
  workflows: { workflowSnapshot: { maxAge: "30d" } },
  observability: { spans: { maxAge: "30d" } },
};

Deno.test("retention: the component's cron runs lifecycle/retention:tick every hour", () => {
  const entry = (crons as unknown as { crons: Record<string, { name: string; schedule: unknown }> }).crons[
    "mastra retention"
  ];
  assert.equal(entry.name, TICK);
  assert.deepEqual(entry.schedule, { type: "interval", hours: 1 });
});

Deno.test("retention: without a policy the cron's tick does nothing", async () => {
  const backend = createBackend();
  let now = Date.now();
  const storage = new ConvexStorage({ client: inProcessClient(backend), now: () => now });
  await storage.init();
  const reference = Date.now();
  await seedWorld(storage, (ms) => void (now = ms), { seed: 4, reference, threads: 6 });
  const before = await storedIds(backend, "messages");
  assert.equal(await tick(backend), null);
  assert.deepEqual(await storedIds(backend, "messages"), before);
  assert.deepEqual(await storage.retentionStatus(), { policy: null, lastRun: null });
});

Deno.test("retention: the policy set at init() is pruned by the deployment on its own clock, in self-scheduled steps", async () => {
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    let clientNow = clock.now;
    const storage = new ConvexStorage({ client: inProcessClient(backend), now: () => clientNow, retention });
    await storage.init();
    const status0 = await storage.retentionStatus();
    assert.deepEqual(status0.policy?.map((p) => `${p.domain}/${p.table}/${p.maxAgeMs}/${p.batchSize}`), [
      `memory/mastra_messages/${30 * DAY}/5`,
      `memory/mastra_threads/${30 * DAY}/2`,
      `workflows/mastra_workflow_snapshot/${30 * DAY}/1000`,
      `observability/mastra_ai_spans/${30 * DAY}/1000`,
    ]);
    assert.equal(status0.lastRun, null);
    const world = await seedWorld(storage, (ms) => void (clientNow = ms), {
      seed: 21,
      reference: clock.now,
      threads: 14,
    });
    // The deployment's clock moves 15 days on; the client's stays 1000 days behind (never consulted).
    clock.advance(15 * DAY);
    clientNow = clock.now - 1000 * DAY;
    const cutoff = clock.now - 30 * DAY;
    const tickedAt = clock.now;
    const runId = await tick(backend);
    assert.ok(runId);
    // A second tick while the run is in progress starts nothing.
    assert.equal(await tick(backend), null);
    await backend.finishAllScheduledFunctions(() => clock.runAll());

    const threads = world.threads.filter((t) => t.updatedAt >= cutoff);
    const live = new Set(threads.map((t) => t.id));
    const messages = world.messages.filter((m) => m.createdAt >= cutoff && live.has(m.threadId));
    const runs = world.runs.filter((r) => r.updatedAt >= cutoff);
    const traces = world.traces.filter((t) => t.startedAt >= cutoff);
    assert.deepEqual(await storedIds(backend, "threads"), threads.map((t) => t.id).sort());
    assert.deepEqual(await storedIds(backend, "messages"), messages.map((m) => m.id).sort());
    assert.deepEqual(await storedIds(backend, "ai_traces"), traces.map((t) => t.traceId).sort());
    assert.equal((await storedIds(backend, "workflow_runs")).length, runs.length);
    assert.ok(threads.length > 0 && threads.length < world.threads.length, "the world has both ages");
    await assertMemoryRecount(backend, world);

    const status = await storage.retentionStatus();
    const run = status.lastRun!;
    assert.ok(run.finishedAt, "the run finished");
    assert.equal(run.startedAt.getTime(), tickedAt, "the run is stamped by the deployment's clock");
    assert.ok(run.batches > 4, `steps scheduled themselves (${run.batches} batches)`);
    const deleted = Object.fromEntries(run.tables.map((t) => [t.table, t.deleted]));
    assert.ok(run.tables.every((t) => t.done));
    // Messages: the old ones of live threads and those of pruned threads that were old on their own (pruned first).
    assert.equal(deleted.mastra_messages, world.messages.filter((m) => m.createdAt < cutoff).length);
    assert.equal(deleted.mastra_threads, world.threads.length - threads.length);
    assert.equal(deleted.mastra_workflow_snapshot, world.runs.length - runs.length);
    assert.equal(deleted.mastra_ai_spans, (world.traces.length - traces.length) * 2);

    // Removing the policy stops the cron.
    await storage.setRetentionPolicy(null);
    assert.equal(await tick(backend), null);
    assert.equal((await storage.retentionStatus()).policy, null);
  } finally {
    clock.restore();
  }
});

Deno.test("retention: a bad policy is refused with a MastraError naming the table, storing nothing", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  await storage.init();
  await assert.rejects(
    () => storage.setRetentionPolicy({ memory: { messages: { maxAge: "soon" as never } } }),
    /setRetentionPolicy.*retention\.memory\.messages\.maxAge/s,
  );
  assert.equal((await storage.retentionStatus()).policy, null);
});
