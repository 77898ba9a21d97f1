/**
 * Eval results in the README's record shape (`saveEval` / `getEvals`).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Eval tables, to be spread into a schema. */
export const evalTables = {
  mastra_evals: defineTable({
    id: v.string(),
    threadId: v.optional(v.string()),
    agentName: v.string(),
    type: v.union(v.literal("live"), v.literal("test")),
    /** Encoded (see `lib/codec.ts`), or a blob reference when large. */
    metadata: v.optional(v.string()),
    /** Encoded (see `lib/codec.ts`), or a blob reference when large. */
    data: v.string(),
    createdAt: v.number(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_agent_createdAt", ["agentName", "createdAt", "id"])
    .index("by_type_createdAt", ["type", "createdAt", "id"])
    .index("by_agent_type_createdAt", ["agentName", "type", "createdAt", "id"]),
};
