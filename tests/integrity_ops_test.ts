/**
 * Integrity class 7: a write whose answer is lost after commit is retried
 * safely (a client operation id checked by the server), and a write that
 * cannot be retried says its outcome is unknown instead of a plain network
 * failure. Recorded answers expire on the deployment's own schedule.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { FakeClock } from "./helpers/fakeClock.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type ConvexClientLike, TransientError } from "../src/transport.ts";
import { makeFunctionReference } from "convex/server";
import { OPERATION_TTL_MS } from "../convex/kit/operations.ts";
import { SWEEP_BATCH } from "../convex/system/operations.ts";
import crons from "../convex/crons.ts";
import { type Backend, componentHandle } from "./helpers/backend.ts";
import { measureDetail } from "./helpers/metrics.ts";

/** Runs what the component's cron runs: one sweep of expired operation records. */
async function sweep(backend: Backend): Promise<{ deleted: number; more: boolean }> {
  // deno-lint-ignore no-explicit-any
  return await (backend.raw as any).mutation(componentHandle("system/operations:sweep"), {});
}

/** Operation ids of the records the backend holds. */
async function recordIds(backend: Backend): Promise<string[]> {
  return (await backend.run((ctx) => ctx.db.query("operations").collect())).map((r) => r.opId).sort();
}

const snapshot = {
  runId: "run",
  status: "running",
  value: {},
  context: {},
  serializedStepGraph: [],
  activePaths: [],
  activeStepsPath: {},
  suspendedPaths: {},
  resumeLabels: {},
  waitingPaths: {},
  timestamp: 1,
};

Deno.test("integrity 7: a guarded workflow state change whose answer was lost is retried and answers as applied", async () => {
  const clock = new FakeClock();
  clock.install(1000);
  try {
    const backend = createBackend();
    const inner = inProcessClient(backend);
    let lost = 0;
    const client: ConvexClientLike = {
      ...inner,
      mutation: async (path, args, options) => {
        const result = await inner.mutation(path, args, options);
        if (path === "workflows/runs:updateState" && lost++ === 0) {
          throw new TransientError("request to Convex failed: fetch failed (answer lost after commit)");
        }
        return result;
      },
    };
    const storage = new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 0 } });
    const workflows = (await storage.getStore("workflows"))!;
    await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run", snapshot: snapshot as never });
    const updated = await workflows.updateWorkflowState({
      workflowName: "wf",
      runId: "run",
      opts: { status: "success", expectedStatus: "running" } as never,
    });
    assert.equal(lost, 2, "sent twice");
    assert.equal(updated?.status, "success", "the retry answers with the applied change, not a failed guard");
    const loaded = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run" });
    assert.equal(loaded?.status, "success");
    assert.equal((await backend.run((ctx) => ctx.db.query("operations").collect())).length, 1);
    // The record expires on the deployment's own schedule: the cron's sweep deletes it once 24 h have passed.
    await sweep(backend);
    assert.equal((await backend.run((ctx) => ctx.db.query("operations").collect())).length, 1, "not yet expired");
    clock.advance(OPERATION_TTL_MS);
    await sweep(backend);
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    assert.equal((await backend.run((ctx) => ctx.db.query("operations").collect())).length, 0);
  } finally {
    clock.restore();
  }
});

Deno.test("integrity 7: a write that is not retried says its outcome is unknown", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    mutation: () => Promise.reject(new TransientError("request to Convex failed: fetch failed")),
  };
  const storage = new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 0 } });
  const error = await storage.transport.mutation("system/blobs:sweep", {}, { operation: "someWrite" }).catch((e) => e);
  assert.ok(error instanceof MastraError);
  assert.match(
    error.message,
    /ConvexStorage\.someWrite failed \(outcome="unknown"\): .*fetch failed.*outcome is unknown/,
  );
});

/** A client over `backend` that loses the answer of the first `updateState` call after it committed. */
function losingFirstAnswer(backend: Backend): { client: ConvexClientLike; sent: () => number } {
  const inner = inProcessClient(backend);
  let sent = 0;
  return {
    client: {
      ...inner,
      mutation: async (path, args, options) => {
        const result = await inner.mutation(path, args, options);
        if (path === "workflows/runs:updateState" && sent++ === 0) {
          throw new TransientError("request to Convex failed: fetch failed (answer lost after commit)");
        }
        return result;
      },
    },
    sent: () => sent,
  };
}

Deno.test("integrity 7: a guarded change refused by its guard answers the same refusal on retry", async () => {
  const backend = createBackend();
  const { client, sent } = losingFirstAnswer(backend);
  const storage = new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 0 } });
  const workflows = (await storage.getStore("workflows"))!;
  await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run", snapshot: snapshot as never });
  const updated = await workflows.updateWorkflowState({
    workflowName: "wf",
    runId: "run",
    opts: { status: "success", expectedStatus: "suspended" } as never,
  });
  assert.equal(sent(), 2, "sent twice");
  assert.equal(updated, undefined, "the guard refused, and the retry says so");
  assert.equal((await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run" }))?.status, "running");
});

Deno.test("integrity 7: an operation record is the id and a small answer, and a write schedules no function", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const workflows = (await storage.getStore("workflows"))!;
  const big = { ...snapshot, context: { input: { text: "x".repeat(20_000) } } };
  await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run", snapshot: big as never });
  const { result, detail } = await measureDetail(() =>
    workflows.updateWorkflowState({
      workflowName: "wf",
      runId: "run",
      opts: { status: "success", expectedStatus: "running" } as never,
    })
  );
  assert.equal(result?.status, "success");
  assert.deepEqual(detail.scheduled, [], "no _scheduled_functions document per write");
  const records = detail.writes.filter((w) => w.table === "operations");
  assert.equal(records.length, 1);
  assert.ok(records[0].bytes! < 200, `the record does not copy the 20 kB snapshot (${records[0].bytes} B)`);
});

Deno.test("integrity 7: the sweep deletes expired records in bounded batches on the server's clock", async () => {
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const now = Date.now();
    const total = SWEEP_BATCH * 2 + 7;
    await backend.run(async (ctx) => {
      for (let i = 0; i < total; i++) {
        await ctx.db.insert("operations", { opId: `old-${i}`, answer: "null", expiresAt: now - 1 - i });
      }
      await ctx.db.insert("operations", { opId: "live", answer: "1", expiresAt: now + 60_000 });
    });
    const first = await sweep(backend);
    assert.deepEqual(first, { deleted: SWEEP_BATCH, more: true }, "one batch per transaction");
    // The sweep goes on by itself until no expired record is left.
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    assert.deepEqual(await recordIds(backend), ["live"], "only the unexpired record is left");
    assert.deepEqual(await sweep(backend), { deleted: 0, more: false }, "running again changes nothing");
    clock.advance(60_000);
    assert.deepEqual(await sweep(backend), { deleted: 1, more: false });
    assert.deepEqual(await recordIds(backend), []);
  } finally {
    clock.restore();
  }
});

Deno.test("integrity 7: the component's cron runs the sweep every hour", () => {
  const jobs = (crons as unknown as { crons: Record<string, { name: string; schedule: unknown }> }).crons;
  const job = jobs["expire operation records"];
  assert.ok(job, "the cron job is registered");
  assert.equal(job.name, "system/operations:sweep");
  assert.deepEqual(job.schedule, { type: "interval", hours: 1 });
});

Deno.test("integrity 7: records an older version scheduled for expiry one by one still expire", async () => {
  const clock = new FakeClock();
  clock.install(1000);
  try {
    const backend = createBackend();
    const expire = makeFunctionReference<"mutation", { opId: string }>("system/operations:expire");
    await backend.run(async (ctx) => {
      await ctx.db.insert("operations", { opId: "legacy", answer: "null", expiresAt: Date.now() + OPERATION_TTL_MS });
      await ctx.scheduler.runAfter(OPERATION_TTL_MS, expire, { opId: "legacy" });
    });
    assert.deepEqual(await recordIds(backend), ["legacy"]);
    clock.advance(OPERATION_TTL_MS);
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    assert.deepEqual(await recordIds(backend), [], "the queued expire call deleted it");
  } finally {
    clock.restore();
  }
});
