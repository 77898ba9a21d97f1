/**
 * Tables of Mastra's workflows domain: one row per run (the fields Mastra
 * filters and sorts on, and the snapshot when it is small) and, for a
 * snapshot too large to sit in the run row, a row of its own.
 *
 * Small snapshots inline mean a page of runs reads one document per run;
 * large ones apart keep run rows small (see `RUN_INLINE_LIMIT` in
 * `runs.ts`). Every sorted index ends with `id` (the run key) so ordering
 * is total.
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
    /**
     * The snapshot encoded by `kit/codec.ts`, when at most `RUN_INLINE_LIMIT`
     * bytes (never a blob reference); otherwise absent and the snapshot, if
     * any, is in `workflow_snapshots`.
     */
    snapshot: v.optional(v.string()),
  })
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    // Retention (`lifecycle/pruners.ts`): the runs untouched the longest.
    .index("by_updatedAt", ["updatedAt", "id"])
    .index("by_run_createdAt", ["runId", "createdAt", "id"])
    .index("by_workflow_createdAt", ["workflowName", "createdAt", "id"])
    .index("by_workflow_status_createdAt", ["workflowName", "status", "createdAt", "id"])
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"])
    .index("by_resource_workflow_createdAt", ["resourceId", "workflowName", "createdAt", "id"])
    .index("by_resource_status_createdAt", ["resourceId", "status", "createdAt", "id"])
    .index("by_resource_workflow_status_createdAt", ["resourceId", "workflowName", "status", "createdAt", "id"])
    .index("by_status_createdAt", ["status", "createdAt", "id"])
    .index("by_thread_createdAt", ["threadId", "createdAt", "id"])
    // The app's live view of the runs waiting for input on a thread (`appReads.ts`).
    .index("by_thread_status_createdAt", ["threadId", "status", "createdAt", "id"]),

  /** Snapshots larger than `RUN_INLINE_LIMIT` (and those of runs written before inline snapshots). */
  workflow_snapshots: defineTable({
    /** Key of the run this snapshot belongs to. */
    runKey: v.string(),
    /** The snapshot, encoded by `kit/codec.ts`. */
    snapshot: v.string(),
  }).index("by_run", ["runKey"]),
};
