/**
 * Bookkeeping tables shared by all domains.
 *
 * `mastra_counters` holds the totals that list calls return, updated in the
 * same mutation as the rows they count, so no read ever scans to count.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** System tables, to be spread into a schema. */
export const systemTables = {
  mastra_counters: defineTable({
    name: v.string(),
    value: v.number(),
  }).index("by_name", ["name"]),
};
