/**
 * Tables of tracing: spans and one row per trace.
 *
 * `ai_spans` keeps each span record whole (encoded by `kit/codec.ts`)
 * plus the fields its indexes need. `ai_traces` keeps, per trace,
 * the bookkeeping that core's in-memory store derives on the fly (root span,
 * error count, status) and a copy of the root span's filterable fields, so
 * trace lists are served from indexes over small rows. Every sorted index
 * ends with `id` so that ordering is total. The trace-list indexes are the
 * families of `TRACE_FAMILIES` in `validators.ts`, each sorted by
 * `startedAt` and by `endedSort` (end time, "not ended" sorting last).
 */
import { defineTable } from "convex/server";
import { spanRowValidator, traceRowValidator } from "./validators.js";

/** Tracing tables, to be spread into the observability tables (fields: the row validators of `validators.ts`). */
export const tracingTables = {
  ai_spans: defineTable(spanRowValidator)
    .index("by_trace_span", ["traceId", "spanId"])
    .index("by_trace_startedAt", ["traceId", "startedAt", "id"])
    .index("by_branch_startedAt", ["branch", "startedAt", "id"])
    .index("by_branch_endedSort", ["branch", "endedSort", "id"]),

  ai_traces: defineTable(traceRowValidator)
    .index("by_mastra_id", ["id"])
    .index("by_listed_startedAt", ["listed", "startedAt", "id"])
    .index("by_listed_endedSort", ["listed", "endedSort", "id"])
    .index("by_entityType_startedAt", ["listed", "entityType", "startedAt", "id"])
    .index("by_entityType_endedSort", ["listed", "entityType", "endedSort", "id"])
    .index("by_entityType_entityName_startedAt", ["listed", "entityType", "entityName", "startedAt", "id"])
    .index("by_entityType_entityName_endedSort", ["listed", "entityType", "entityName", "endedSort", "id"])
    .index("by_entityName_startedAt", ["listed", "entityName", "startedAt", "id"])
    .index("by_entityName_endedSort", ["listed", "entityName", "endedSort", "id"])
    .index("by_entityName_startedAt", ["listed", "entityName", "startedAt", "id"])
    .index("by_entityName_endedSort", ["listed", "entityName", "endedSort", "id"])
    .index("by_entityId_startedAt", ["listed", "entityId", "startedAt", "id"])
    .index("by_entityId_endedSort", ["listed", "entityId", "endedSort", "id"])
    .index("by_resourceId_startedAt", ["listed", "resourceId", "startedAt", "id"])
    .index("by_resourceId_endedSort", ["listed", "resourceId", "endedSort", "id"])
    .index("by_threadId_startedAt", ["listed", "threadId", "startedAt", "id"])
    .index("by_threadId_endedSort", ["listed", "threadId", "endedSort", "id"])
    .index("by_userId_startedAt", ["listed", "userId", "startedAt", "id"])
    .index("by_userId_endedSort", ["listed", "userId", "endedSort", "id"])
    .index("by_sessionId_startedAt", ["listed", "sessionId", "startedAt", "id"])
    .index("by_sessionId_endedSort", ["listed", "sessionId", "endedSort", "id"])
    .index("by_runId_startedAt", ["listed", "runId", "startedAt", "id"])
    .index("by_runId_endedSort", ["listed", "runId", "endedSort", "id"])
    .index("by_organizationId_startedAt", ["listed", "organizationId", "startedAt", "id"])
    .index("by_organizationId_endedSort", ["listed", "organizationId", "endedSort", "id"])
    .index("by_environment_startedAt", ["listed", "environment", "startedAt", "id"])
    .index("by_environment_endedSort", ["listed", "environment", "endedSort", "id"])
    .index("by_status_startedAt", ["listed", "status", "startedAt", "id"])
    .index("by_status_endedSort", ["listed", "status", "endedSort", "id"]),
};
