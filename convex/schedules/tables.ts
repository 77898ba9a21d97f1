/**
 * Tables of Mastra's schedules domain: schedules and their trigger
 * history. The scheduler's poll reads `by_status_nextFireAt` from the
 * start up to `now`, so it costs what is due, not what exists. Every
 * sorted index ends with `id` so ordering is total.
 */
import { defineTable } from "convex/server";
import { scheduleValidator, triggerValidator } from "./validators.js";

/** Schedules-domain tables, to be spread into a schema (fields: `schedules/validators.ts`). */
export const scheduleTables = {
  schedules: defineTable(scheduleValidator)
    .index("by_mastra_id", ["id"])
    .index("by_status_nextFireAt", ["status", "nextFireAt", "id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_status_createdAt", ["status", "createdAt", "id"])
    .index("by_workflow_createdAt", ["workflowId", "createdAt", "id"])
    .index("by_owner_createdAt", ["ownerType", "ownerId", "createdAt", "id"])
    .index("by_ownerType_createdAt", ["ownerType", "createdAt", "id"])
    .index("by_ownerId_createdAt", ["ownerId", "createdAt", "id"]),

  schedule_triggers: defineTable(triggerValidator)
    .index("by_schedule_id", ["scheduleId", "id"])
    .index("by_schedule_actualFireAt", ["scheduleId", "actualFireAt", "id"])
    // Retention (`lifecycle/pruners.ts`): the oldest fires of the deployment.
    .index("by_actualFireAt", ["actualFireAt", "id"]),
};
