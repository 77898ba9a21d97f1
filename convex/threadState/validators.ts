/**
 * Wire shapes of the thread-state domain, shared by our Convex functions
 * and the client. A value is stored as codec text (`kit/codec.ts`: any
 * value `structuredClone` keeps, exactly) or, when large, as a blob
 * reference (`kit/blobs.ts`).
 */
import { type Infer, v } from "convex/values";

/** A thread-state value as stored (without Convex's system fields). */
export const threadStateValidator = v.object({
  threadId: v.string(),
  type: v.string(),
  /** Owner key of the value's large-value blobs (see {@link threadStateKey}). */
  key: v.string(),
  /** The value: codec text, or a blob reference when large. */
  value: v.string(),
  /**
   * Server time of the last `set` (retention anchor); absent on slots set
   * before it was kept, which are then never pruned until set again.
   */
  updatedAt: v.optional(v.number()),
});
/** A thread-state value as stored. */
export type ThreadStateRow = Infer<typeof threadStateValidator>;

/** The key of one `(threadId, type)` slot: unambiguous whatever characters either holds. */
export function threadStateKey(threadId: string, type: string): string {
  return JSON.stringify([threadId, type]);
}

/** Large-value fields of a thread-state row. */
export const THREAD_STATE_LARGE_FIELDS = ["value"] as const;
