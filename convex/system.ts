/**
 * System utilities: what is deployed, and batched maintenance.
 * Internal functions only.
 */
import { v } from "convex/values";
import { mutation, query } from "./lib/functions.ts";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "./lib/version.ts";
import { mastraTables } from "./schema.ts";

/** Rows deleted per `clearTable` call. */
const CLEAR_BATCH = 2000;

/** Names of our tables. */
const tableNames = Object.keys(mastraTables) as (keyof typeof mastraTables)[];

/** Describes the deployed function layer: package, version and tables. */
export const info = query({
  args: {},
  handler: (): Promise<{ name: string; version: string; tables: string[] }> =>
    Promise.resolve({ name: PACKAGE_NAME, version: FUNCTIONS_VERSION, tables: [...tableNames] }),
});

/**
 * Deletes up to one batch of rows of one of our tables; call until
 * `done`. Used by `dangerouslyClearAll`, never by normal operation.
 */
export const clearTable = mutation({
  args: { table: v.union(...tableNames.map((name) => v.literal(name))) },
  handler: async (ctx, { table }): Promise<{ done: boolean; deleted: number }> => {
    const rows = await ctx.db.query(table).take(CLEAR_BATCH);
    for (const row of rows) await ctx.db.delete(row._id);
    return { done: rows.length < CLEAR_BATCH, deleted: rows.length };
  },
});

/**
 * Deletes up to one batch of counters whose name starts with `prefix`; call
 * until `done`. Used when one domain is cleared.
 */
export const clearCounters = mutation({
  args: { prefix: v.string() },
  handler: async (ctx, { prefix }): Promise<{ done: boolean; deleted: number }> => {
    const rows = await ctx.db
      .query("mastra_counters")
      .withIndex("by_name", (q) => q.gte("name", prefix).lt("name", `${prefix}\uffff`))
      .take(CLEAR_BATCH);
    for (const row of rows) await ctx.db.delete(row._id);
    return { done: rows.length < CLEAR_BATCH, deleted: rows.length };
  },
});
