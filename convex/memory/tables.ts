/**
 * Tables of Mastra's memory domain: threads, messages and resources.
 *
 * User values (metadata, message content, working memory) are stored as
 * strings made by `kit/codec.ts`; the fields Convex indexes are stored as
 * plain strings and epoch milliseconds. Every sorted index ends with `id`
 * so that ordering is total and pages never repeat or skip rows that share
 * a timestamp.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { messageValidator, resourceValidator, threadValidator } from "./validators.js";
import { observationalMemoryValidator } from "./observationalMemoryRows.js";

/** Memory-domain tables, to be spread into a schema (fields: the wire validators of `memory/validators.ts`). */
export const memoryTables = {
  threads: defineTable(threadValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_updatedAt", ["updatedAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"])
    .index("by_resource_updatedAt", ["resourceId", "updatedAt", "id"]),

  messages: defineTable(messageValidator)
    .index("by_mastra_id", ["id"])
    .index("by_thread_createdAt", ["threadId", "createdAt", "id"])
    .index("by_thread_resource_createdAt", ["threadId", "resourceId", "createdAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"])
    // Retention (`lifecycle/pruners.ts`): the oldest messages of the deployment.
    .index("by_createdAt", ["createdAt", "id"]),

  resources: defineTable(resourceValidator).index("by_mastra_id", ["id"])
    // Retention (`lifecycle/pruners.ts`): the resources untouched the longest.
    .index("by_updatedAt", ["updatedAt", "id"]),

  /**
   * Observational memory records (see `memory/observationalMemory.ts`): the
   * generations of one thread or resource are the rows of one `key`, newest
   * first by `rank`; `by_key_generation` tells an insert whether any row of
   * the key has a generation at most its own.
   */
  observational_memory: defineTable(observationalMemoryValidator)
    .index("by_mastra_id", ["id"])
    .index("by_key_rank", ["key", "rank", "id"])
    .index("by_key_generation", ["key", "generationCount"]),

  /**
   * Moves of a thread to another resource that have started and not
   * finished (see `memory/threadMove.ts`): while one is recorded, a call for
   * the thread's current resource completes (or reverts) it instead of
   * being a no-op.
   */
  thread_moves: defineTable({ threadId: v.string(), resourceId: v.string() }).index("by_thread", ["threadId"]),

  /**
   * Threads being deleted (see `memory/threadDeletion.ts`): the thread row
   * is already gone and every read skips the messages left under
   * `threadId`, which the deployment deletes in bounded scheduled steps.
   * `hidden` says how far the thread's message counts have been taken out
   * of their resources' totals: resources up to and including
   * `hiddenThrough` (all of them once `hidden` is `"all"`).
   */
  thread_deletions: defineTable({
    threadId: v.string(),
    /** The deleted thread's resource (absent when only messages named the thread, without a thread row). */
    resourceId: v.optional(v.string()),
    hidden: v.union(v.literal("all"), v.literal("some")),
    hiddenThrough: v.optional(v.string()),
  }).index("by_threadId", ["threadId"]),

  /**
   * Clones in progress (see `messages:copyStart`): while a row names a
   * thread, that thread is an unfinished copy of `sourceThreadId`, and
   * retrying the same clone resumes it instead of failing "already exists".
   */
  clone_progress: defineTable({
    threadId: v.string(),
    sourceThreadId: v.string(),
    lastMessageId: v.optional(v.string()),
  }).index("by_threadId", ["threadId"]),
};
