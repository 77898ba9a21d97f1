/**
 * Tables of the README's simple API records: eval results (`saveEval` /
 * `getEvals`) and trace records (`saveTrace` / `getTrace` / `getTraces`).
 * Values are encoded by the codec (`kit/codec.ts`), or large-value references.
 */
import { defineTable } from "convex/server";
import { evalValidator, traceRecordValidator } from "./validators.js";

/** The simple API's tables, to be spread into the component's schema. */
export const simpleApiTables = {
  evals: defineTable(evalValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_agent_createdAt", ["agentName", "createdAt", "id"])
    .index("by_type_createdAt", ["type", "createdAt", "id"])
    .index("by_agent_type_createdAt", ["agentName", "type", "createdAt", "id"]),
  /** `body` holds the rest of a trace record (spans, spanDurations, properties, ...). */
  traces: defineTable(traceRecordValidator)
    .index("by_mastra_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_thread_timestamp", ["threadId", "timestamp", "id"])
    .index("by_run_timestamp", ["runId", "timestamp", "id"])
    .index("by_thread_run_timestamp", ["threadId", "runId", "timestamp", "id"]),
};
