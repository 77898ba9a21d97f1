/**
 * Snapshots larger than one Convex document (1 MiB) are stored in pieces
 * and read back whole, never truncated; a write that fails after its
 * upload leaves the stored run as it was, and the upload is swept.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { sweepLater } from "./helpers/blobs.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";

const big = "x".repeat(2 * 1024 * 1024);

Deno.test("a snapshot over 1 MiB round-trips; a failed write changes nothing and its upload is swept", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let failing: string | null = "workflows/runs:persist";
  const client: ConvexClientLike = {
    ...inner,
    mutation: (ref, args, options) =>
      ref === failing ? Promise.reject(new Error("deployment went away")) : inner.mutation(ref, args, options),
  };
  const storage = new ConvexStorage({ client });
  const workflows = (await storage.getStore("workflows"))!;
  const small = { runId: "run-big", status: "running", context: { a: { status: "success", output: 1 } } };
  const large = { ...small, context: { a: { status: "success", output: big } } } as unknown as WorkflowRunState;

  // The upload happened, the commit did not: nothing is visible.
  await assert.rejects(
    () => workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run-big", snapshot: large }),
    (error: unknown) => error instanceof MastraError && error.message.includes("persistWorkflowSnapshot"),
  );
  assert.equal(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), null);
  assert.equal((await workflows.listWorkflowRuns()).total, 0);
  failing = null;

  await workflows.persistWorkflowSnapshot({ workflowName: "wf", runId: "run-big", snapshot: large });
  assert.deepEqual(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), large);
  await workflows.persistWorkflowSnapshot({
    workflowName: "wf",
    runId: "run-big",
    snapshot: small as unknown as WorkflowRunState,
  });
  assert.deepEqual(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), small);

  // A step result over 1 MiB is merged; a failed commit leaves the snapshot as it was.
  const result = { status: "success", output: big } as unknown as StepResult<unknown, unknown, unknown, unknown>;
  failing = "workflows/runs:updateResults";
  await assert.rejects(() =>
    workflows.updateWorkflowResults({ workflowName: "wf", runId: "run-big", stepId: "b", result, requestContext: {} })
  );
  assert.deepEqual(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), small);
  failing = null;
  const context = await workflows.updateWorkflowResults({
    workflowName: "wf",
    runId: "run-big",
    stepId: "b",
    result,
    requestContext: {},
  });
  assert.deepEqual(context, { ...small.context, b: result });
  const stored = await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" });
  assert.equal((stored!.context.b as { output: string }).output.length, big.length, "never truncated");

  // The abandoned upload is swept an hour later; only the live snapshot's blob remains.
  await sweepLater(storage, backend);
  const blobs = await backend.run((ctx) => ctx.db.query("blobs").collect());
  assert.deepEqual(blobs.map((blob) => blob.state), ["committed"]);
  await workflows.deleteWorkflowRunById({ workflowName: "wf", runId: "run-big" });
  assert.equal((await backend.run((ctx) => ctx.db.query("blob_chunks").collect())).length, 0);
});
