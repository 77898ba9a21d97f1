/**
 * Wire shapes of the workflows domain, shared by our Convex functions and
 * the client so the two sides cannot drift. Snapshots travel encoded by
 * `codec.ts`; dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** A workflow run as returned to the client. */
export const workflowRunValidator = v.object({
  workflowName: v.string(),
  runId: v.string(),
  resourceId: v.optional(v.string()),
  /** Encoded snapshot, or a `~blob:` reference when large; absent when the run was persisted without one. */
  snapshot: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A workflow run as returned to the client. */
export type WorkflowRunRow = Infer<typeof workflowRunValidator>;

/** Validator of the run fields derived from a snapshot (see `deriveRunFields`). */
export const derivedFieldsValidator = v.object({ status: v.optional(v.string()), threadId: v.optional(v.string()) });

/** Validator of `expectedStatus` (one status or several). */
export const expectedStatusValidator = v.union(v.string(), v.array(v.string()));

/**
 * Key of a run: Mastra identifies a run by (workflow name, run id). The
 * JSON form is unambiguous whatever characters the two contain.
 */
export function runKey(workflowName: string, runId: string): string {
  return JSON.stringify([workflowName, runId]);
}
