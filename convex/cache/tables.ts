/**
 * Tables of the server cache: entries by key, list items by
 * (generation, position).
 */
import { defineTable } from "convex/server";
import { entryValidator, itemValidator } from "./validators.js";

/** Server-cache tables, to be spread into a schema. */
export const cacheTables = {
  cache_entries: defineTable(entryValidator).index("by_key", ["key"]),
  cache_items: defineTable(itemValidator).index("by_gen_pos", ["gen", "pos"]),
};
