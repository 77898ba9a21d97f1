/**
 * Snapshot updates of the workflows domain. Concurrent step results are
 * never lost, whatever the snapshot size:
 *
 * - a snapshot that fits one Convex transaction (`IN_TRANSACTION_LIMIT`,
 *   large ones read and written as blobs inside it) is read, changed and
 *   written by one mutation, which Convex serializes;
 * - a larger one is changed here with the same rules
 *   (`convex/workflows/snapshot.ts`), uploaded, and committed with a
 *   compare-and-set on the stored value (`workflowRuns:commitSnapshot`);
 *   a concurrent change makes the commit fail without effect, and the
 *   update reads again and retries (a bounded number of times). Updates of
 *   the same run made through one `ConvexStorage` queue up here, so they do
 *   not compete with each other; other processes are handled by the
 *   compare-and-set.
 */
import { MastraError } from "@mastra/core/error";
import type { AnyStepResult, UpdateWorkflowStateOptions, WorkflowRunState } from "../coreTypes.ts";
import {
  createEmptyWorkflowSnapshot,
  deriveRunFields,
  matchesExpectedWorkflowStatus,
  mergeWorkflowStepResult,
  parseSnapshot,
  type Snapshot,
} from "../../convex/workflows/snapshot.ts";
import type { WorkflowRunRow } from "../../convex/workflows/validators.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { loadLarge, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireRecord, requireString } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";

/** A step result of any step (core's `StepResult<any, any, any, any>`). */
export type { AnyStepResult };

/** Encoded arguments larger than this skip the in-transaction attempt (Convex takes 16 MiB of arguments). */
const INLINE_ARGUMENTS = 4 * 1024 * 1024;
/** Compare-and-set attempts of one update before it gives up. */
const COMMIT_ATTEMPTS = 50;

/**
 * True when an in-transaction attempt failed only because the values were
 * too large for one transaction (our own `TOO_LARGE`, or a Convex limit:
 * sizes are checked in characters, and text of multi-byte characters may
 * still exceed Convex's byte limits). The client-side path handles those.
 */
function exceededTransaction(error: unknown): boolean {
  if (!(error instanceof MastraError)) return false;
  return error.id.endsWith("_TOO_LARGE") || /Convex limit|too much data|too many bytes/i.test(error.message);
}

/** Answer of `workflowRuns:updateResults`. */
type ResultsAnswer = { found: boolean; context?: string; tooLarge?: boolean; released?: boolean };
/** Answer of `workflowRuns:updateState` (`null`: no run, or the guard failed). */
type StateAnswer = { snapshot?: string; tooLarge?: boolean; released?: boolean };

/** Per transport, the tail of the queue of client-side updates of each run. */
const queues = new WeakMap<object, Map<string, Promise<unknown>>>();

/** Runs `fn` after the earlier client-side updates of the same run made through this transport. */
async function queued<T>(ctx: DomainContext, key: string, fn: () => Promise<T>): Promise<T> {
  let runs = queues.get(ctx.transport);
  if (!runs) queues.set(ctx.transport, runs = new Map());
  const previous = runs.get(key) ?? Promise.resolve();
  const current = previous.catch(() => undefined).then(fn);
  const tail = current.catch(() => undefined);
  runs.set(key, tail);
  try {
    return await current;
  } finally {
    if (runs.get(key) === tail) runs.delete(key);
  }
}

/**
 * Changes a run's snapshot on the client: reads it, lets `change` modify it
 * (returning its answer, or `skip` to leave the snapshot as it is), uploads
 * it and commits it if nobody changed it meanwhile; otherwise starts over.
 * Returns `missing` when the run does not exist.
 */
async function changeOnClient<T>(
  ctx: DomainContext,
  operation: string,
  workflowName: string,
  runId: string,
  change: (snapshot: Snapshot) => { answer: T; skip?: boolean },
): Promise<{ answer: T } | "missing"> {
  return await queued(ctx, JSON.stringify([workflowName, runId]), async () => {
    let released = false;
    try {
      for (let attempt = 1; attempt <= COMMIT_ATTEMPTS; attempt++) {
        const row = await ctx.transport.query<WorkflowRunRow | null>("workflows/runs:get", { workflowName, runId }, {
          operation,
          details: { workflowName, runId },
        });
        if (!row) return "missing";
        let snapshot: Snapshot;
        if (row.snapshot === undefined) {
          snapshot = createEmptyWorkflowSnapshot(runId, ctx.now());
        } else {
          let text: string;
          try {
            text = await loadLarge(ctx, row.snapshot, operation);
          } catch {
            continue; // replaced (and swept) meanwhile: read again
          }
          snapshot = parseSnapshot(decodeValue(text)) as Snapshot;
        }
        if (!snapshot || !snapshot.context) throw new InvalidInputError(`Snapshot not found for runId ${runId}`);
        const { answer, skip } = change(snapshot);
        if (skip) return { answer };
        const stored = await storeLarge(ctx, encodeValue(snapshot), operation);
        const commit = await ctx.transport.mutation<{ status: "ok" | "conflict" | "missing"; released: boolean }>(
          "workflows/runs:commitSnapshot",
          {
            workflowName,
            runId,
            ...(row.snapshot !== undefined ? { expected: row.snapshot } : {}),
            snapshot: stored,
            derived: deriveRunFields(snapshot),
            now: ctx.now(),
          },
          { operation, details: { workflowName, runId, attempt }, idempotent: true },
        );
        if (commit.released) released = true;
        if (commit.status === "ok") return { answer };
        if (commit.status === "missing") return "missing";
        // Someone else committed first: drop the unused upload now and back off a little.
        if (released) {
          await sweepBlobs(ctx, operation);
          released = false;
        }
        await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(25 * attempt, 500)));
      }
      throw new Error(
        `the snapshot of run ${runId} kept changing during ${COMMIT_ATTEMPTS} attempts to update it; try again`,
      );
    } finally {
      if (released) await sweepBlobs(ctx, operation);
    }
  });
}

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
    const args = {
      workflowName: requireString(workflowName, "workflowName"),
      runId: requireString(runId, "runId"),
      stepId: requireString(stepId, "stepId"),
      result: encodeValue(result),
      requestContext: encodeValue(requestContext),
      now: ctx.now(),
    };
    if (args.result.length + args.requestContext.length <= INLINE_ARGUMENTS) {
      const answer = await ctx.transport.mutation<ResultsAnswer>("workflows/runs:updateResults", args, {
        operation: "updateWorkflowResults",
        details,
        idempotent: true,
      }) // merging a step result twice changes nothing
        .catch((error) => {
          if (exceededTransaction(error)) return { found: true, tooLarge: true } as ResultsAnswer;
          throw error;
        });
      if (answer.released) await sweepBlobs(ctx, "updateWorkflowResults");
      if (!answer.tooLarge) {
        return answer.context === undefined ? {} : decodeValue(answer.context) as Record<string, AnyStepResult>;
      }
    }
    const outcome = await changeOnClient(ctx, "updateWorkflowResults", args.workflowName, args.runId, (snapshot) => ({
      answer: mergeWorkflowStepResult({
        snapshot,
        stepId: args.stepId,
        result: decodeValue(args.result),
        requestContext: decodeValue(args.requestContext),
      }),
    }));
    return outcome === "missing" ? {} : outcome.answer as Record<string, AnyStepResult>;
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
      // The guard makes a repeat answer differently; the server records the
      // answer under this id, so the transport may retry the call safely.
      opId: crypto.randomUUID(),
    };
    if (expectedStatus !== undefined) args.expectedStatus = expectedStatus;
    if ((args.state as string).length <= INLINE_ARGUMENTS) {
      const answer = await ctx.transport.mutation<StateAnswer | null>(
        "workflows/runs:updateState",
        args,
        { operation: "updateWorkflowState", details, idempotent: true },
      ).catch((error) => {
        if (exceededTransaction(error)) return { tooLarge: true } as StateAnswer;
        throw error;
      });
      if (answer?.released) await sweepBlobs(ctx, "updateWorkflowState");
      if (answer === null) return undefined;
      if (!answer.tooLarge) return decodeValue(answer.snapshot!) as WorkflowRunState;
    }
    const fields = decodeValue(args.state as string) as Record<string, unknown>;
    const outcome = await changeOnClient<WorkflowRunState | undefined>(
      ctx,
      "updateWorkflowState",
      workflowName,
      runId,
      (snapshot) => {
        if (!matchesExpectedWorkflowStatus(snapshot.status, expectedStatus)) return { answer: undefined, skip: true };
        Object.assign(snapshot, fields);
        return { answer: snapshot as unknown as WorkflowRunState };
      },
    );
    return outcome === "missing" ? undefined : outcome.answer;
  });
}
