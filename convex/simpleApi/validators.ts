/**
 * Row shapes of the simple API's own records (evals, trace records) as they
 * cross the wire; both sides import them.
 */
import { type Infer, v } from "convex/values";

/** An eval result as stored (README record shape). */
export const evalValidator = v.object({
  id: v.string(),
  threadId: v.optional(v.string()),
  agentName: v.string(),
  type: v.union(v.literal("live"), v.literal("test")),
  metadata: v.optional(v.string()),
  data: v.string(),
  createdAt: v.number(),
});
/** An eval result as stored. */
export type EvalRow = Infer<typeof evalValidator>;

/** A README trace record as stored: indexed ids plus the encoded rest. */
export const traceRecordValidator = v.object({
  id: v.string(),
  threadId: v.optional(v.string()),
  transportId: v.optional(v.string()),
  runId: v.optional(v.string()),
  rootRunId: v.optional(v.string()),
  body: v.string(),
  timestamp: v.number(),
});
/** A README trace record as stored. */
export type TraceRecordRow = Infer<typeof traceRecordValidator>;
