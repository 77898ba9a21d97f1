/**
 * Tables of Mastra's workflows domain: one small row per run (the fields
 * Mastra filters and sorts on) and the run's snapshot in a table of its own.
 *
 * Keeping the snapshot out of the run row means a list that has to count
 * (filters without a counter, date ranges) reads only small rows, and only
 * the rows of the requested page pay for their snapshots. Every sorted
 * index ends with `id` (the run key) so ordering is total.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Workflows-domain tables, to be spread into a schema. */
export const workflowTables = {
  workflow_runs: defineTable({
    /** Run key: `JSON.stringify([workflowName, runId])`. */
    id: v.string(),
    workflowName: v.string(),
    runId: v.string(),
    resourceId: v.optional(v.string()),
    /** `snapshot.status`, kept here so it can be indexed. */
    status: v.optional(v.string()),
    /** Thread id embedded in the snapshot (Mastra's `getSnapshotMemoryInfo`), when any. */
    threadId: v.optional(v.string()),
    createdAt: v.number(),
    updatedAt: v.number(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_run_createdAt", ["runId", "createdAt", "id"])
    .index("by_workflow_createdAt", ["workflowName", "createdAt", "id"])
    .index("by_workflow_status_createdAt", ["workflowName", "status", "createdAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"])
    .index("by_resource_workflow_createdAt", ["resourceId", "workflowName", "createdAt", "id"])
    .index("by_status_createdAt", ["status", "createdAt", "id"])
    .index("by_thread_createdAt", ["threadId", "createdAt", "id"]),

  workflow_snapshots: defineTable({
    /** Key of the run this snapshot belongs to. */
    runKey: v.string(),
    /** The snapshot, encoded by `kit/codec.ts`. */
    snapshot: v.string(),
  }).index("by_run", ["runKey"]),
};
