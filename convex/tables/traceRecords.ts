/**
 * Trace records in the README's shape (`saveTrace` / `getTrace` /
 * `getTraces`), kept beside Mastra's spans.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Trace-record tables, to be spread into a schema. */
export const traceRecordTables = {
  mastra_traces: defineTable({
    id: v.string(),
    threadId: v.optional(v.string()),
    transportId: v.optional(v.string()),
    runId: v.optional(v.string()),
    rootRunId: v.optional(v.string()),
    /** The rest of the record (spans, spanDurations, properties, ...), encoded or a blob reference. */
    body: v.string(),
    timestamp: v.number(),
  })
    .index("by_mastra_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_thread_timestamp", ["threadId", "timestamp", "id"])
    .index("by_run_timestamp", ["runId", "timestamp", "id"]),
};
