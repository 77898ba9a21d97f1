/**
 * Table of Mastra's scores domain. The whole score is stored encoded in
 * `data`; the fields Mastra filters and sorts on are copied into columns so
 * they can be indexed. Every sorted index ends with `id` so ordering is
 * total.
 */
import { defineTable } from "convex/server";
import { scoreValidator } from "./validators.js";

/** Scores-domain tables, to be spread into a schema (fields: `scoreValidator` of `scores/validators.ts`). */
export const scoreTables = {
  scores: defineTable(scoreValidator)
    .index("by_mastra_id", ["id"])
    // Retention (`lifecycle/pruners.ts`): oldest scores first, whatever their scorer.
    .index("by_createdAt", ["createdAt", "id"])
    // Erasure of a resource (`lifecycle/erase.ts`): its scores, and those of its threads.
    .index("by_resource", ["resourceId", "id"])
    .index("by_thread", ["threadId", "id"])
    .index("by_scorer_createdAt", ["scorerId", "createdAt", "id"])
    .index("by_scorer_entity_createdAt", ["scorerId", "entityId", "createdAt", "id"])
    .index("by_scorer_type_createdAt", ["scorerId", "entityType", "createdAt", "id"])
    .index("by_scorer_source_createdAt", ["scorerId", "source", "createdAt", "id"])
    .index("by_scorer_entity_type_createdAt", ["scorerId", "entityId", "entityType", "createdAt", "id"])
    .index("by_scorer_entity_source_createdAt", ["scorerId", "entityId", "source", "createdAt", "id"])
    .index("by_scorer_type_source_createdAt", ["scorerId", "entityType", "source", "createdAt", "id"])
    .index("by_scorer_entity_type_source_createdAt", [
      "scorerId",
      "entityId",
      "entityType",
      "source",
      "createdAt",
      "id",
    ])
    .index("by_run_insertedAt", ["runId", "insertedAt", "id"])
    .index("by_entity_insertedAt", ["entityId", "entityType", "insertedAt", "id"])
    .index("by_span_createdAt", ["traceId", "spanId", "createdAt", "id"]),
};
