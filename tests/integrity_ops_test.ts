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
import { OPERATION_TTL_MS } from "../convex/kit/operations.ts";

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
    // The record expires on the deployment's own schedule.
    clock.advance(OPERATION_TTL_MS);
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
