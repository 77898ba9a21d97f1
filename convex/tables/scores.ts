/**
 * Table of Mastra's scores domain. The whole score is stored encoded in
 * `data`; the fields Mastra filters and sorts on are copied into columns so
 * they can be indexed. Every sorted index ends with `id` so ordering is
 * total.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Scores-domain tables, to be spread into a schema. */
export const scoreTables = {
  mastra_scores: defineTable({
    id: v.string(),
    scorerId: v.string(),
    entityId: v.string(),
    entityType: v.optional(v.string()),
    runId: v.string(),
    source: v.optional(v.string()),
    traceId: v.optional(v.string()),
    spanId: v.optional(v.string()),
    organizationId: v.optional(v.union(v.string(), v.null())),
    projectId: v.optional(v.union(v.string(), v.null())),
    createdAt: v.number(),
    updatedAt: v.number(),
    /** When the score was first saved; orders the lists Mastra returns in insertion order. */
    insertedAt: v.number(),
    /** The score without `id`, `createdAt` and `updatedAt`, encoded by `lib/codec.ts`. */
    data: v.string(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_scorer_createdAt", ["scorerId", "createdAt", "id"])
    .index("by_scorer_entity_createdAt", ["scorerId", "entityId", "createdAt", "id"])
    .index("by_run_insertedAt", ["runId", "insertedAt", "id"])
    .index("by_entity_insertedAt", ["entityId", "entityType", "insertedAt", "id"])
    .index("by_span_createdAt", ["traceId", "spanId", "createdAt", "id"]),
};
