/**
 * The read of Mastra's workflow runs that the app mounting our component may
 * call from its own functions, behind its own auth: the runs waiting for a
 * user's input (suspended, e.g. for an approval), with what each suspended
 * step asked for, for a "waiting for your approval" prompt.
 *
 * ```ts
 * const waiting = await ctx.runQuery(components.mastra.workflows.appReads.suspendedRuns, { threadId, limit: 10 });
 * ```
 *
 * A run is on a thread when its snapshot names the thread (Mastra's agent
 * runs do, see `snapshot.ts`); runs started for a user (`resourceId`) are
 * found by resource. Suspend payloads stay encoded by `kit/codec.ts`
 * (decode them with `decodeValue`).
 */
import { type Infer, v } from "convex/values";
import { readField, storedLength } from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { appQuery } from "../kit/functions.js";
import { checkAppLimit } from "../kit/appPages.js";
import { parseSnapshot, type Snapshot } from "./snapshot.js";
import { storedSnapshot } from "./runs.js";

/** Largest `limit` of {@link suspendedRuns}. */
export const MAX_SUSPENDED_RUNS = 20;

/** Bytes of large snapshots one call assembles at most; runs past it come without their payloads. */
export const SNAPSHOT_READ_BUDGET = 8 * 1024 * 1024;

/** A step waiting for input. */
export const appSuspendedStepValidator = v.object({
  /** The step's id in the workflow. */
  stepId: v.string(),
  /** What the step passed to `suspend()` (Mastra's internal `__`-prefixed keys removed), encoded by the codec. */
  payload: v.string(),
});

/** A run waiting for input, as the app sees it. */
export const appSuspendedRunValidator = v.object({
  runId: v.string(),
  workflowName: v.string(),
  resourceId: v.optional(v.string()),
  threadId: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
  /** The suspended steps and their payloads; `null` when the snapshot was too large to assemble in this read. */
  steps: v.union(v.array(appSuspendedStepValidator), v.null()),
});
/** A run waiting for input, as the app sees it. */
export type AppSuspendedRun = Infer<typeof appSuspendedRunValidator>;

/** A suspend payload without Mastra's internal keys (`__streamState` and the like). */
function publicPayload(payload: unknown): unknown {
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) return payload;
  return Object.fromEntries(Object.entries(payload).filter(([key]) => !key.startsWith("__")));
}

/** The suspended steps of a snapshot, in the order of its context. */
function suspendedSteps(snapshot: unknown): { stepId: string; payload: string }[] {
  const context = (snapshot as Snapshot | null)?.context;
  if (!context || typeof context !== "object") return [];
  const steps: { stepId: string; payload: string }[] = [];
  for (const [stepId, result] of Object.entries(context)) {
    const step = result as { status?: unknown; suspendPayload?: unknown } | null;
    if (step && typeof step === "object" && step.status === "suspended") {
      steps.push({ stepId, payload: encodeValue(publicPayload(step.suspendPayload) ?? null) });
    }
  }
  return steps;
}

type RunDoc = {
  id: string;
  runId: string;
  workflowName: string;
  resourceId?: string;
  threadId?: string;
  createdAt: number;
  updatedAt: number;
  snapshot?: string;
};

/**
 * The runs waiting for input of a thread or of a resource (exactly one of
 * `threadId` / `resourceId`), newest first: one index range of at most
 * `limit` (≤ 20) runs, plus each run's snapshot row when it is not inline;
 * large snapshots are assembled up to {@link SNAPSHOT_READ_BUDGET} bytes in
 * total.
 */
export const suspendedRuns = appQuery({
  args: { threadId: v.optional(v.string()), resourceId: v.optional(v.string()), limit: v.number() },
  returns: v.array(appSuspendedRunValidator),
  handler: async (ctx, { threadId, resourceId, limit }): Promise<AppSuspendedRun[]> => {
    checkAppLimit(limit, MAX_SUSPENDED_RUNS);
    if ((threadId === undefined) === (resourceId === undefined)) {
      throw storageError("INVALID", "suspendedRuns needs exactly one of threadId and resourceId");
    }
    const runs: RunDoc[] = threadId !== undefined
      ? await ctx.db.query("workflow_runs")
        .withIndex("by_thread_status_createdAt", (q) => q.eq("threadId", threadId).eq("status", "suspended"))
        .order("desc").take(limit)
      : await ctx.db.query("workflow_runs")
        .withIndex("by_resource_status_createdAt", (q) => q.eq("resourceId", resourceId).eq("status", "suspended"))
        .order("desc").take(limit);
    let budget = SNAPSHOT_READ_BUDGET;
    const result: AppSuspendedRun[] = [];
    for (const run of runs) {
      const stored = await storedSnapshot(ctx, run);
      let steps: AppSuspendedRun["steps"] = [];
      if (stored !== undefined) {
        const length = await storedLength(ctx, stored);
        if (length === null || length > budget) steps = null;
        else {
          budget -= length;
          steps = suspendedSteps(parseSnapshot(decodeValue(await readField(ctx, stored))));
        }
      }
      const item: AppSuspendedRun = {
        runId: run.runId,
        workflowName: run.workflowName,
        createdAt: run.createdAt,
        updatedAt: run.updatedAt,
        steps,
      };
      if (run.resourceId !== undefined) item.resourceId = run.resourceId;
      if (run.threadId !== undefined) item.threadId = run.threadId;
      result.push(item);
    }
    return result;
  },
});
