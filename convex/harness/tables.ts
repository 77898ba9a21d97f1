/**
 * Table of Mastra's harness domain: one document per session, its whole
 * record (pending items included) as codec text or, when large, a blob
 * reference. Sessions list in the order they were first saved (Convex's
 * creation time), as core's in-memory store lists them.
 */
import { defineTable } from "convex/server";
import { sessionValidator } from "./validators.js";

/** Harness tables, to be spread into a schema (fields: `harness/validators.ts`). */
export const harnessTables = {
  harness_sessions: defineTable(sessionValidator)
    .index("by_mastra_id", ["id"])
    // Retention and erasure (`lifecycle/`): sessions by last activity, and a resource's sessions.
    .index("by_lastActivityAt", ["lastActivityAt"])
    .index("by_resource", ["resourceId"]),
};
