/**
 * Table of the trace-query discovery dictionary (`traceDictionary.ts`): one row per
 * `(level, slot, value)` ever observed on an eligible trace, written once when first seen.
 * The counts live in rank trees (`rank_nodes`) named after the row.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Trace dictionary tables, spread into `observabilityTables`. */
export const traceDictionaryTables = {
  obs_trace_dictionary: defineTable({
    /** Tenant level: `*`, `o:[org]` or `r:[org,resource]`. */
    level: v.string(),
    /** `f` (observed metadata fields) or `v:<path>` (values of a trace field). */
    slot: v.string(),
    value: v.string(),
  }).index("by_entry", ["level", "slot", "value"]),
};
