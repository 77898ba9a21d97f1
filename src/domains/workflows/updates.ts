/**
 * Atomic snapshot updates of the workflows domain: each runs as one Convex
 * mutation that reads, changes and writes the snapshot, so concurrent step
 * results are never lost.
 */
import type { UpdateWorkflowStateOptions } from "@mastra/core/storage";
import type { StepResult, WorkflowRunState } from "@mastra/core/workflows";
import { decodeValue, encodeValue } from "../../codec.ts";
import { withErrorContext } from "../../errors.ts";
import { requireRecord, requireString } from "../../validate.ts";
import type { DomainContext } from "../context.ts";

/** A step result of any shape, as Mastra's contract types it. */
// deno-lint-ignore no-explicit-any
export type AnyStepResult = StepResult<any, any, any, any>;

/**
 * Merges one step result into a run's snapshot (and `requestContext` into
 * its request context) and returns the run's step results; `{}` when the
 * run does not exist.
 */
export function updateWorkflowResults(
  ctx: DomainContext,
  { workflowName, runId, stepId, result, requestContext }: {
    workflowName: string;
    runId: string;
    stepId: string;
    result: AnyStepResult;
    // deno-lint-ignore no-explicit-any
    requestContext: Record<string, any>;
  },
): Promise<Record<string, AnyStepResult>> {
  const details = {
    workflowName: typeof workflowName === "string" ? workflowName : null,
    runId: typeof runId === "string" ? runId : null,
    stepId: typeof stepId === "string" ? stepId : null,
  };
  return withErrorContext({ operation: "updateWorkflowResults", details }, async () => {
    const answer = await ctx.transport.mutation<{ found: boolean; context?: string }>("workflowRuns:updateResults", {
      workflowName: requireString(workflowName, "workflowName"),
      runId: requireString(runId, "runId"),
      stepId: requireString(stepId, "stepId"),
      result: encodeValue(result),
      requestContext: encodeValue(requestContext),
      now: ctx.now(),
    }, { operation: "updateWorkflowResults", details, idempotent: true }); // merging a step result twice changes nothing
    return answer.context === undefined ? {} : decodeValue(answer.context) as Record<string, AnyStepResult>;
  });
}

/**
 * Merges state fields into a run's snapshot when its status matches
 * `opts.expectedStatus` (if given); returns the new snapshot, or
 * `undefined` when the run does not exist or the guard failed.
 */
export function updateWorkflowState(
  ctx: DomainContext,
  { workflowName, runId, opts }: { workflowName: string; runId: string; opts: UpdateWorkflowStateOptions },
): Promise<WorkflowRunState | undefined> {
  const details = {
    workflowName: typeof workflowName === "string" ? workflowName : null,
    runId: typeof runId === "string" ? runId : null,
  };
  return withErrorContext({ operation: "updateWorkflowState", details }, async () => {
    const { expectedStatus, ...state } = requireRecord(opts, "opts") as unknown as UpdateWorkflowStateOptions;
    const args: Record<string, unknown> = {
      workflowName: requireString(workflowName, "workflowName"),
      runId: requireString(runId, "runId"),
      state: encodeValue(state),
      now: ctx.now(),
    };
    if (expectedStatus !== undefined) args.expectedStatus = expectedStatus;
    const answer = await ctx.transport.mutation<{ snapshot: string } | null>("workflowRuns:updateState", args, {
      operation: "updateWorkflowState",
      details,
    });
    return answer === null ? undefined : decodeValue(answer.snapshot) as WorkflowRunState;
  });
}
