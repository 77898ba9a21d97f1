/**
 * Table of Mastra's thread-state domain: one document per
 * `(threadId, type)` pair, found through `by_thread_type` (a get or a set
 * reads exactly that document). Deleting a thread walks the same index
 * with the thread as prefix.
 */
import { defineTable } from "convex/server";
import { threadStateValidator } from "./validators.js";

/** Thread-state tables, to be spread into a schema (fields: `threadState/validators.ts`). */
export const threadStateTables = {
  thread_state: defineTable(threadStateValidator)
    .index("by_thread_type", ["threadId", "type"])
    // Retention (`lifecycle/pruners.ts`): slots by the server time of their last `set`.
    .index("by_updatedAt", ["updatedAt"]),
};
