/**
 * Shapes of the records that cross the wire between `ConvexStorage` and our
 * Convex functions. Both sides import them, so they cannot drift. User
 * values are strings made by `codec.ts`; dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** A thread as stored. */
export const threadValidator = v.object({
  id: v.string(),
  resourceId: v.string(),
  title: v.optional(v.string()),
  metadata: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A thread as stored. */
export type ThreadRow = Infer<typeof threadValidator>;

/** A resource (working memory owner) as stored. */
export const resourceValidator = v.object({
  id: v.string(),
  workingMemory: v.optional(v.string()),
  metadata: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A resource as stored. */
export type ResourceRow = Infer<typeof resourceValidator>;

/** A message as stored. */
export const messageValidator = v.object({
  id: v.string(),
  threadId: v.string(),
  resourceId: v.optional(v.string()),
  role: v.string(),
  type: v.optional(v.string()),
  content: v.string(),
  createdAt: v.number(),
});
/** A message as stored. */
export type MessageRow = Infer<typeof messageValidator>;

/** Fields every list returns besides its rows. */
export type ListResult<Row> = {
  rows: Row[];
  /** Resume state when the call ran out of budget; `null` when done. */
  next: import("./pagination.ts").WalkState | null;
  /** Exact total when known (from a counter or a completed count). */
  total: number | null;
  /** True when the rows come in the opposite of the requested order. */
  reversed: boolean;
};

/** Removes Convex's system fields from a document. */
export function withoutSystemFields<T extends { _id?: unknown; _creationTime?: unknown }>(
  doc: T,
): Omit<T, "_id" | "_creationTime"> {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}

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
