/**
 * Tables of Mastra's memory domain: threads, messages and resources.
 *
 * User values (metadata, message content, working memory) are stored as
 * strings made by `lib/codec.ts`; the fields Convex indexes are stored as
 * plain strings and epoch milliseconds. Every sorted index ends with `id`
 * so that ordering is total and pages never repeat or skip rows that share
 * a timestamp.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Memory-domain tables, to be spread into a schema. */
export const memoryTables = {
  mastra_threads: defineTable({
    id: v.string(),
    resourceId: v.string(),
    title: v.optional(v.string()),
    metadata: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_updatedAt", ["updatedAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"])
    .index("by_resource_updatedAt", ["resourceId", "updatedAt", "id"]),

  mastra_messages: defineTable({
    id: v.string(),
    threadId: v.string(),
    resourceId: v.optional(v.string()),
    role: v.string(),
    type: v.optional(v.string()),
    content: v.string(),
    createdAt: v.number(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_thread_createdAt", ["threadId", "createdAt", "id"])
    .index("by_thread_resource_createdAt", ["threadId", "resourceId", "createdAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"]),

  mastra_resources: defineTable({
    id: v.string(),
    workingMemory: v.optional(v.string()),
    metadata: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  }).index("by_mastra_id", ["id"]),
};
