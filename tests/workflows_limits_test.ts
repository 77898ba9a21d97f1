/**
 * Snapshots larger than one Convex document (1 MiB) fail with a clear
 * MastraError and write nothing; they are never truncated. (Storing them
 * in pieces is the job of the large-values work.)
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";

const big = "x".repeat(2 * 1024 * 1024);

function isTooLarge(operation: string) {
  return (error: unknown) =>
    error instanceof MastraError && error.id.endsWith("_TOO_LARGE") && error.message.includes(operation) &&
    error.message.includes("run-big");
}

Deno.test("a snapshot over 1 MiB fails with TOO_LARGE and leaves the stored run as it was", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  const small = { runId: "run-big", status: "running", context: { a: { status: "success", output: 1 } } };
  await assert.rejects(
    () =>
      workflows.persistWorkflowSnapshot({
        workflowName: "wf",
        runId: "run-big",
        snapshot: { ...small, context: { a: { status: "success", output: big } } } as unknown as WorkflowRunState,
      }),
    isTooLarge("persistWorkflowSnapshot"),
  );
  assert.equal(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), null);
  assert.equal((await workflows.listWorkflowRuns()).total, 0);

  await workflows.persistWorkflowSnapshot({
    workflowName: "wf",
    runId: "run-big",
    snapshot: small as unknown as WorkflowRunState,
  });
  await assert.rejects(
    () =>
      workflows.updateWorkflowResults({
        workflowName: "wf",
        runId: "run-big",
        stepId: "b",
        result: { status: "success", output: big } as unknown as StepResult<unknown, unknown, unknown, unknown>,
        requestContext: {},
      }),
    isTooLarge("updateWorkflowResults"),
  );
  assert.deepEqual(await workflows.loadWorkflowSnapshot({ workflowName: "wf", runId: "run-big" }), small);
});
