/**
 * Tables of the data lifecycle: the retention policy the deployment runs by
 * itself, the state of its runs, and resource erasure jobs.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { walkCursorValidator } from "../vector/validators.js";

/** One table's policy: `<domain>.<table key>`, maximum age and rows per batch. */
export const tablePolicyValidator = v.object({
  key: v.string(),
  maxAgeMs: v.number(),
  batchSize: v.optional(v.number()),
});

/** What a run or job did to one table. */
export const tableTallyValidator = v.object({ key: v.string(), deleted: v.number(), done: v.boolean() });

/** Where the vectors phase of an erasure stands (see `lifecycle/erase.ts`). */
export const eraseVectorsPositionValidator = v.object({
  after: v.optional(v.string()),
  index: v.optional(v.string()),
  cursor: v.optional(walkCursorValidator),
});

/** Lifecycle tables, spread into the schema. */
export const lifecycleTables = {
  /** The standing retention policy (at most one row, `name: "retention"`); absent: nothing runs. */
  lifecycle_policy: defineTable({
    name: v.string(),
    tables: v.array(tablePolicyValidator),
    /** Server time the policy was set. */
    setAt: v.number(),
  }).index("by_name", ["name"]),

  /**
   * Runs of the standing policy (one row per run; the newest is the status).
   * `cutoffs[i]` is `startedAt - maxAgeMs` of `tables[i]`, fixed at the start
   * by the server's clock; `position` is the table being pruned.
   */
  lifecycle_runs: defineTable({
    startedAt: v.number(),
    /** Server time of the last step (a run whose steps stopped is restarted by the next tick). */
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
    policy: v.array(tablePolicyValidator),
    cutoffs: v.array(v.number()),
    position: v.number(),
    batches: v.number(),
    tables: v.array(tableTallyValidator),
  }).index("by_startedAt", ["startedAt"]),

  /** Erasure of everything of one resource (see `lifecycle/erase.ts`). */
  erase_jobs: defineTable({
    jobId: v.string(),
    resourceId: v.string(),
    startedAt: v.number(),
    updatedAt: v.number(),
    finishedAt: v.optional(v.number()),
    /** Index of the phase being run (`ERASE_PHASES`). */
    phase: v.number(),
    /** Traces whose deletion a step started and did not finish (they left the resource's index already). */
    pendingTraces: v.array(v.string()),
    /**
     * Position of the vectors phase: the last vector index (by name) it
     * finished or skipped, and the index it is walking with its cursor.
     * Absent on jobs recorded by an older release (they start from the first index).
     */
    vectors: v.optional(eraseVectorsPositionValidator),
    steps: v.number(),
    tables: v.array(tableTallyValidator),
  })
    .index("by_jobId", ["jobId"])
    .index("by_resource_startedAt", ["resourceId", "startedAt"]),
};
