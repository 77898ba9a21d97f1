/**
 * Table of Mastra's background-tasks domain.
 *
 * Every list of `listTasks` is a walk over one index ordered by the
 * requested date column: the equality prefix is the most selective filter
 * given (tool call, run, thread, agent and status, agent, status, or none),
 * and every sorted index ends with `id` so ordering is total. A list over
 * several statuses merges one range per status (`listPlan.ts`). A date
 * column may be unset: such tasks sort first (the kit's walk handles unset
 * sort values). 29 sorted indexes (one for the app reads) plus the id lookup: within Convex's 32 per
 * table.
 */
import { defineTable } from "convex/server";
import { taskValidator } from "./validators.js";

/** Background-tasks tables, to be spread into a schema (fields: `taskValidator` of `backgroundTasks/validators.ts`). */
export const backgroundTaskTables = {
  background_tasks: defineTable(taskValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_startedAt", ["startedAt", "id"])
    .index("by_suspendedAt", ["suspendedAt", "id"])
    .index("by_completedAt", ["completedAt", "id"])
    .index("by_status_createdAt", ["status", "createdAt", "id"])
    .index("by_status_startedAt", ["status", "startedAt", "id"])
    .index("by_status_suspendedAt", ["status", "suspendedAt", "id"])
    .index("by_status_completedAt", ["status", "completedAt", "id"])
    .index("by_agent_createdAt", ["agentId", "createdAt", "id"])
    .index("by_agent_startedAt", ["agentId", "startedAt", "id"])
    .index("by_agent_suspendedAt", ["agentId", "suspendedAt", "id"])
    .index("by_agent_completedAt", ["agentId", "completedAt", "id"])
    .index("by_agent_status_createdAt", ["agentId", "status", "createdAt", "id"])
    .index("by_agent_status_startedAt", ["agentId", "status", "startedAt", "id"])
    .index("by_agent_status_suspendedAt", ["agentId", "status", "suspendedAt", "id"])
    .index("by_agent_status_completedAt", ["agentId", "status", "completedAt", "id"])
    .index("by_thread_createdAt", ["threadId", "createdAt", "id"])
    .index("by_thread_startedAt", ["threadId", "startedAt", "id"])
    .index("by_thread_suspendedAt", ["threadId", "suspendedAt", "id"])
    .index("by_thread_completedAt", ["threadId", "completedAt", "id"])
    // The app's live view of a thread's active tasks (`appReads.ts`).
    .index("by_thread_status_createdAt", ["threadId", "status", "createdAt", "id"])
    .index("by_run_createdAt", ["runId", "createdAt", "id"])
    .index("by_run_startedAt", ["runId", "startedAt", "id"])
    .index("by_run_suspendedAt", ["runId", "suspendedAt", "id"])
    .index("by_run_completedAt", ["runId", "completedAt", "id"])
    .index("by_toolCall_createdAt", ["toolCallId", "createdAt", "id"])
    .index("by_toolCall_startedAt", ["toolCallId", "startedAt", "id"])
    .index("by_toolCall_suspendedAt", ["toolCallId", "suspendedAt", "id"])
    .index("by_toolCall_completedAt", ["toolCallId", "completedAt", "id"])
    // Erasure of a resource (`lifecycle/erase.ts`).
    .index("by_resource_createdAt", ["resourceId", "createdAt", "id"]),
};
