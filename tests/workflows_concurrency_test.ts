/**
 * Concurrent updates of one workflow run: each step result and state
 * change is one Convex mutation that reads, changes and writes the
 * snapshot, so parallel callers never lose each other's writes.
 */
import assert from "node:assert/strict";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";

function emptySnapshot(runId: string): WorkflowRunState {
  return {
    runId,
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
}

Deno.test("100 parallel step results on one run are all kept", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  await workflows.persistWorkflowSnapshot({ workflowName: "fanout", runId: "run-1", snapshot: emptySnapshot("run-1") });
  const results = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      workflows.updateWorkflowResults({
        workflowName: "fanout",
        runId: "run-1",
        stepId: `step-${i}`,
        result: { status: "success", output: { i }, payload: {}, startedAt: i, endedAt: i + 1 } as StepResult<
          unknown,
          unknown,
          unknown,
          unknown
        >,
        requestContext: { [`key${i}`]: i },
      })),
  );
  // Every call saw its own result merged.
  results.forEach((context, i) => assert.deepEqual((context[`step-${i}`] as { output?: unknown })?.output, { i }));
  const snapshot = await workflows.loadWorkflowSnapshot({ workflowName: "fanout", runId: "run-1" });
  assert.ok(snapshot);
  assert.equal(Object.keys(snapshot.context).length, 100);
  for (let i = 0; i < 100; i++) {
    assert.deepEqual((snapshot.context[`step-${i}`] as { output?: unknown }).output, { i }, `step-${i} kept`);
    assert.equal(snapshot.requestContext?.[`key${i}`], i, `request context key${i} kept`);
  }
});

Deno.test("100 parallel foreach iterations merge into one output array", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  await workflows.persistWorkflowSnapshot({ workflowName: "loop", runId: "run-2", snapshot: emptySnapshot("run-2") });
  await Promise.all(
    Array.from({ length: 100 }, (_, i) => {
      const output: (number | null)[] = Array(100).fill(null);
      output[i] = i * 10;
      return workflows.updateWorkflowResults({
        workflowName: "loop",
        runId: "run-2",
        stepId: "each",
        result: { status: "running", output, payload: {}, startedAt: 0 } as StepResult<
          unknown,
          unknown,
          unknown,
          unknown
        >,
        requestContext: {},
      });
    }),
  );
  const snapshot = await workflows.loadWorkflowSnapshot({ workflowName: "loop", runId: "run-2" });
  assert.deepEqual(
    (snapshot?.context.each as { output?: unknown }).output,
    Array.from({ length: 100 }, (_, i) => i * 10),
  );
});

Deno.test("expectedStatus is a compare-and-set: of 20 parallel transitions exactly one wins", async () => {
  const { storage } = createTestStorage();
  const workflows = (await storage.getStore("workflows"))!;
  await workflows.persistWorkflowSnapshot({
    workflowName: "cas",
    runId: "run-3",
    snapshot: { ...emptySnapshot("run-3"), status: "suspended" } as WorkflowRunState,
  });
  const answers = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      workflows.updateWorkflowState({
        workflowName: "cas",
        runId: "run-3",
        opts: { status: "running", expectedStatus: "suspended", activePaths: [i] },
      })),
  );
  const winners = answers.filter((answer) => answer !== undefined);
  assert.equal(winners.length, 1);
  const snapshot = await workflows.loadWorkflowSnapshot({ workflowName: "cas", runId: "run-3" });
  assert.equal(snapshot?.status, "running");
  assert.deepEqual(snapshot?.activePaths, winners[0]!.activePaths);
  assert.equal((await workflows.listWorkflowRuns({ workflowName: "cas", status: "running" })).total, 1);
  assert.equal((await workflows.listWorkflowRuns({ workflowName: "cas", status: "suspended" })).total, 0);
});
