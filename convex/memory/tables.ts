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
import { messageValidator, resourceValidator, threadValidator } from "./validators.js";

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
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"]),

  resources: defineTable(resourceValidator).index("by_mastra_id", ["id"]),
};
