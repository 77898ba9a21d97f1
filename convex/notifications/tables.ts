/**
 * Table of Mastra's notifications domain. A notification is identified by
 * `(threadId, id)`. Lists of a thread read `by_thread_updated` newest
 * first; the dispatcher's due list reads the `dueAt <= now` range of
 * `by_due` (or of its agent or resource variant), so it costs what is due,
 * never a scan over threads. Coalescing finds the oldest pending match
 * through `by_dedupe` / `by_coalesce` in the creating mutation. Convex
 * ends every index with the creation time, which orders ties exactly as
 * core's in-memory store (insertion order).
 */
import { defineTable } from "convex/server";
import { notificationValidator } from "./validators.js";

/** Notifications tables, to be spread into a schema (fields: `notifications/validators.ts`). */
export const notificationTables = {
  notifications: defineTable(notificationValidator)
    .index("by_thread_id", ["threadId", "id"])
    .index("by_thread_updated", ["threadId", "updatedAt"])
    .index("by_due", ["dueAt", "updatedAt"])
    .index("by_agent_due", ["agentId", "dueAt", "updatedAt"])
    .index("by_resource_due", ["resourceId", "dueAt", "updatedAt"])
    .index("by_dedupe", ["threadId", "status", "source", "kind", "agentId", "resourceId", "dedupeKey"])
    .index("by_coalesce", ["threadId", "status", "source", "kind", "agentId", "resourceId", "coalesceKey"])
    // Retention (`lifecycle/pruners.ts`): the notifications untouched the longest.
    .index("by_updatedAt", ["updatedAt"]),
};
