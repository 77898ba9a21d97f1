/**
 * A real suspending Mastra workflow on ConvexStorage: start it on one
 * `Mastra` instance, let it suspend, then resume it from storage on a
 * second `Mastra` instance that shares only the Convex backend, and check
 * what was persisted at each point.
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core";
import { createStep, createWorkflow } from "@mastra/core/workflows";
import { z } from "zod";
import { ConvexStorage } from "../src/storage.ts";
import { createTestStorage, inProcessClient } from "./helpers/backend.ts";

/** Builds the approval workflow (fresh objects per Mastra instance, as separate processes would have). */
function approvalWorkflow() {
  const draft = createStep({
    id: "draft",
    inputSchema: z.object({ amount: z.number() }),
    outputSchema: z.object({ amount: z.number(), memo: z.string() }),
    execute: ({ inputData }) => Promise.resolve({ amount: inputData.amount, memo: `pay ${inputData.amount}` }),
  });
  const approve = createStep({
    id: "approve",
    inputSchema: z.object({ amount: z.number(), memo: z.string() }),
    outputSchema: z.object({ memo: z.string(), approvedBy: z.string() }),
    resumeSchema: z.object({ approver: z.string() }),
    suspendSchema: z.object({ reason: z.string() }),
    execute: async ({ inputData, resumeData, suspend }) => {
      if (!resumeData?.approver) return await suspend({ reason: `approve ${inputData.memo}?` });
      return { memo: inputData.memo, approvedBy: resumeData.approver };
    },
  });
  return createWorkflow({
    id: "approval",
    inputSchema: z.object({ amount: z.number() }),
    outputSchema: z.object({ memo: z.string(), approvedBy: z.string() }),
  }).then(draft).then(approve).commit();
}

Deno.test("a suspended workflow resumes from Convex storage on another Mastra instance", async () => {
  const { storage, backend } = createTestStorage();
  const first = new Mastra({ storage, workflows: { approval: approvalWorkflow() }, logger: false });
  const run = await first.getWorkflow("approval").createRun({ resourceId: "user-1" });
  const started = await run.start({ inputData: { amount: 42 } });
  assert.equal(started.status, "suspended");

  const workflows = (await storage.getStore("workflows"))!;
  const suspended = await workflows.getWorkflowRunById({ runId: run.runId, workflowName: "approval" });
  assert.ok(suspended, "the suspended run is persisted");
  assert.equal(suspended.resourceId, "user-1");
  const snapshot = suspended.snapshot as { status: string; context: Record<string, { status: string }> };
  assert.equal(snapshot.status, "suspended");
  assert.equal(snapshot.context.draft.status, "success");
  assert.equal(snapshot.context.approve.status, "suspended");
  const listed = await workflows.listWorkflowRuns({ workflowName: "approval", status: "suspended" });
  assert.equal(listed.total, 1);
  assert.equal(listed.runs[0].runId, run.runId);

  // A second process: new storage object, new Mastra, same Convex backend.
  const storage2 = new ConvexStorage({ client: inProcessClient(backend) });
  const second = new Mastra({ storage: storage2, workflows: { approval: approvalWorkflow() }, logger: false });
  const resumedRun = await second.getWorkflow("approval").createRun({ runId: run.runId });
  const resumed = await resumedRun.resume({ step: "approve", resumeData: { approver: "alice" } });
  assert.equal(resumed.status, "success");
  assert.deepEqual((resumed as { result?: unknown }).result, { memo: "pay 42", approvedBy: "alice" });

  const workflows2 = (await storage2.getStore("workflows"))!;
  const done = await workflows2.loadWorkflowSnapshot({ workflowName: "approval", runId: run.runId });
  assert.ok(done);
  assert.equal(done.status, "success");
  assert.deepEqual(done.result, { memo: "pay 42", approvedBy: "alice" });
  assert.equal((done.context.approve as { status: string }).status, "success");
  const runs = await workflows2.listWorkflowRuns({ workflowName: "approval" });
  assert.equal(runs.total, 1);
  assert.equal((await workflows2.listWorkflowRuns({ workflowName: "approval", status: "suspended" })).total, 0);
  assert.equal((await workflows2.listWorkflowRuns({ workflowName: "approval", status: "success" })).total, 1);
  assert.equal((await workflows2.getWorkflowRunById({ runId: run.runId }))?.resourceId, "user-1");
});
