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
