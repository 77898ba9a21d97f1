/**
 * Trace records in the README's shape (`saveTrace` / `getTrace` /
 * `getTraces`), kept beside Mastra's spans.
 */
import { defineTable } from "convex/server";
import { traceRecordValidator } from "../lib/types.ts";

/**
 * Trace-record tables, to be spread into a schema. `body` holds the rest of
 * the record (spans, spanDurations, properties, ...), encoded or a blob
 * reference.
 */
export const traceRecordTables = {
  mastra_traces: defineTable(traceRecordValidator)
    .index("by_mastra_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_thread_timestamp", ["threadId", "timestamp", "id"])
    .index("by_run_timestamp", ["runId", "timestamp", "id"]),
};
