/**
 * Tables of Mastra's observability domain (tracing): spans and one row per
 * trace.
 *
 * `ai_spans` keeps each span record whole (encoded by `kit/codec.ts`)
 * plus the fields its indexes need. `ai_traces` keeps, per trace,
 * the bookkeeping that core's in-memory store derives on the fly (root span,
 * error count, status) and a copy of the root span's filterable fields, so
 * trace lists are served from indexes over small rows. Every sorted index
 * ends with `id` so that ordering is total. The trace-list indexes are the
 * families of `TRACE_FAMILIES` in `observability/tracing/validators.ts`, each sorted by
 * `startedAt` and by `endedSort` (end time, "not ended" sorting last).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { spanRowValidator, traceRowValidator } from "./tracing/validators.js";
import { signalTables } from "./signals/signalTables.js";
import { traceDictionaryTables } from "./tracing/traceDictionaryTables.js";

/** Observability tables, to be spread into a schema (fields: the row validators of `observability/tracing/validators.ts`). */
export const observabilityTables = {
  ai_spans: defineTable(spanRowValidator)
    .index("by_trace_span", ["traceId", "spanId"])
    .index("by_trace_startedAt", ["traceId", "startedAt", "id"])
    .index("by_branch_startedAt", ["branch", "startedAt", "id"])
    .index("by_branch_endedSort", ["branch", "endedSort", "id"]),

  /** Entries of the sharded delta streams (`deltaStreams.ts`): one per listed trace, branch span and root write. */
  obs_deltas: defineTable({
    stream: v.union(v.literal("trace"), v.literal("branch"), v.literal("root")),
    shard: v.number(),
    seq: v.number(),
    traceId: v.string(),
    /** The branch span; `""` for trace and root entries. */
    spanId: v.string(),
  })
    .index("by_stream_shard_seq", ["stream", "shard", "seq"])
    .index("by_trace", ["traceId", "stream", "spanId"]),

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

  ...signalTables,
  ...traceDictionaryTables,
};
