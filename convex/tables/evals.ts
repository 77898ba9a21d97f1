/**
 * Eval results in the README's record shape (`saveEval` / `getEvals`).
 */
import { defineTable } from "convex/server";
import { evalValidator } from "../lib/types.ts";

/**
 * Eval tables, to be spread into a schema. `metadata` and `data` are encoded
 * (see `lib/codec.ts`), or blob references when large.
 */
export const evalTables = {
  mastra_evals: defineTable(evalValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_agent_createdAt", ["agentName", "createdAt", "id"])
    .index("by_type_createdAt", ["type", "createdAt", "id"])
    .index("by_agent_type_createdAt", ["agentName", "type", "createdAt", "id"]),
};
