/**
 * Wire shapes of the harness domain, shared by our Convex functions and
 * the client.
 */
import { type Infer, v } from "convex/values";

/** A harness session as stored (without Convex's system fields). */
export const sessionValidator = v.object({
  id: v.string(),
  /** The whole `SessionRecord`, as codec text or a blob reference when large. */
  record: v.string(),
  /** The record's `resourceId`, copied for erasure (absent on rows written before it was kept). */
  resourceId: v.optional(v.string()),
  /** The record's `lastActivityAt` (epoch ms), copied for retention (absent on rows written before it was kept). */
  lastActivityAt: v.optional(v.number()),
});
/** A harness session as stored. */
export type SessionRow = Infer<typeof sessionValidator>;

/** Large-value fields of a session row. */
export const SESSION_LARGE_FIELDS = ["record"] as const;

/** Validator of a change of one session, applied atomically by `sessions:change`. */
export const sessionChangeValidator = v.union(
  /** `updateSession(id, updates)`: `updates` as codec text. */
  v.object({ kind: v.literal("update"), updates: v.string() }),
  /** `appendPendingItem(id, item)`: `item` as codec text. */
  v.object({ kind: v.literal("append"), item: v.string() }),
  /** `updatePendingItem(id, itemId, updates)`: `updates` as codec text. */
  v.object({ kind: v.literal("updateItem"), itemId: v.string(), updates: v.string() }),
  /** `removePendingItem(id, itemId)`. */
  v.object({ kind: v.literal("removeItem"), itemId: v.string() }),
);
/** A change of one session. */
export type SessionChange = Infer<typeof sessionChangeValidator>;
