/**
 * System utilities: what is deployed, and batched maintenance.
 * Internal functions only.
 */
import { TASK_VALUE_FIELDS } from "../backgroundTasks/validators.js";
import { OM_LARGE_FIELDS } from "../memory/observationalMemoryRows.js";
import { v } from "convex/values";
import { blobOwner, isBlobRef, releaseBlobs } from "../kit/blobs.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { approximateSize } from "../kit/walk.js";
import { FUNCTIONS_VERSION, PACKAGE_NAME } from "../kit/version.js";
import { mastraTables } from "../schema.js";

/** Rows deleted per `clearTable` call at most. */
const CLEAR_BATCH = 2000;
/**
 * Approximate bytes (string lengths, see `approximateSize`) read per
 * `clearTable` call: even at 3 UTF-8 bytes per character plus one last
 * 1 MiB row, well inside Convex's 16 MiB read per transaction.
 */
const CLEAR_BYTES = 4 * 1024 * 1024;
/** Blob references released per `clearTable` call (one lookup each; Convex allows 4,096). */
const CLEAR_REFS = 1000;
/**
 * The tables whose rows may hold large values: the row's key field (the
 * owner of its blobs, see `blobOwner`) and the fields that can be large.
 * No other field is ever read as a reference (a title that merely looks
 * like one is data).
 */
const LARGE_FIELDS: Record<string, { key: string; fields: string[] }> = {
  threads: { key: "id", fields: ["metadata"] },
  resources: { key: "id", fields: ["workingMemory", "metadata"] },
  messages: { key: "id", fields: ["content"] },
  workflow_snapshots: { key: "runKey", fields: ["snapshot"] },
  scores: { key: "id", fields: ["data"] },
  evals: { key: "id", fields: ["data", "metadata"] },
  traces: { key: "id", fields: ["body"] },
  observational_memory: { key: "id", fields: [...OM_LARGE_FIELDS] },
  background_tasks: { key: "id", fields: [...TASK_VALUE_FIELDS] },
  cache_entries: { key: "key", fields: ["value"] },
  cache_items: { key: "gen", fields: ["value"] },
  thread_state: { key: "key", fields: ["value"] },
  harness_sessions: { key: "id", fields: ["record"] },
  dataset_items: { key: "id", fields: ["data"] },
  experiment_results: { key: "id", fields: ["data"] },
};

/** The large-value fields of `row` of `table`. */
function largeValues(table: string, row: Record<string, unknown>): (string | undefined)[] {
  return (LARGE_FIELDS[table]?.fields ?? []).map((field) => row[field] as string | undefined);
}

/** Names of our tables. */
const tableNames = Object.keys(mastraTables) as (keyof typeof mastraTables)[];

/** Describes the deployed function layer: package, version and tables. */
export const info = internalQuery({
  args: {},
  handler: (): Promise<{ name: string; version: string; tables: string[] }> =>
    Promise.resolve({ name: PACKAGE_NAME, version: FUNCTIONS_VERSION, tables: [...tableNames] }),
});

/**
 * Deletes up to one batch of rows of one of our tables, bounded by count,
 * bytes read and blob references; call until `done`. Large values the
 * deleted rows referred to are released (`released: true` then: the caller
 * sweeps them with `blobs:sweep`). Used by `dangerouslyClearAll`, never by
 * normal operation.
 */
export const clearTable = internalMutation({
  args: { table: v.union(...tableNames.map((name) => v.literal(name))), now: v.optional(v.number()) },
  handler: async (ctx, { table }): Promise<{ done: boolean; deleted: number; released: boolean }> => {
    const spec = LARGE_FIELDS[table];
    const rows = [];
    let bytes = 0;
    let refs = 0;
    let more = false;
    for await (const row of ctx.db.query(table)) {
      if (rows.length >= CLEAR_BATCH || bytes >= CLEAR_BYTES || refs >= CLEAR_REFS) {
        more = true;
        break;
      }
      rows.push(row);
      bytes += approximateSize(row);
      refs += largeValues(table, row).filter(isBlobRef).length;
    }
    let released = false;
    for (const row of rows) {
      if (spec !== undefined) {
        const owner = blobOwner(table, String((row as Record<string, unknown>)[spec.key]));
        if (await releaseBlobs(ctx, owner, largeValues(table, row))) released = true;
      }
      await ctx.db.delete(row._id);
    }
    return { done: !more, deleted: rows.length, released };
  },
});

/**
 * Deletes up to one batch of counters, then of rank-tree nodes, pending
 * rank changes and persistent rank-tree nodes, whose name (or forest)
 * starts with `prefix` (trees are named like counters); call until `done`.
 * Used when one domain is cleared.
 */
export const clearCounters = internalMutation({
  args: { prefix: v.string() },
  handler: async (ctx, { prefix }): Promise<{ done: boolean; deleted: number }> => {
    const rows = await ctx.db
      .query("counters")
      .withIndex("by_name", (q) => q.gte("name", prefix).lt("name", `${prefix}\uffff`))
      .take(CLEAR_BATCH);
    for (const row of rows) await ctx.db.delete(row._id);
    if (rows.length >= CLEAR_BATCH) return { done: false, deleted: rows.length };
    const nodes = await ctx.db
      .query("rank_nodes")
      .withIndex("by_tree_root", (q) => q.gte("tree", prefix).lt("tree", `${prefix}\uffff`))
      .take(CLEAR_BATCH - rows.length);
    for (const node of nodes) await ctx.db.delete(node._id);
    if (rows.length + nodes.length >= CLEAR_BATCH) return { done: false, deleted: rows.length + nodes.length };
    // Pending rank changes (`kit/rankPending.ts`) of those trees go with them.
    const pending = await ctx.db
      .query("rank_pending")
      .withIndex("by_tree_key", (q) => q.gte("tree", prefix).lt("tree", `${prefix}\uffff`))
      .take(CLEAR_BATCH - rows.length - nodes.length);
    for (const row of pending) await ctx.db.delete(row._id);
    if (rows.length + nodes.length + pending.length >= CLEAR_BATCH) {
      return { done: false, deleted: rows.length + nodes.length + pending.length };
    }
    const versionNodes = await ctx.db
      .query("persistent_rank_nodes")
      .withIndex("by_forest", (q) => q.gte("forest", prefix).lt("forest", `${prefix}\uffff`))
      .take(CLEAR_BATCH - rows.length - nodes.length - pending.length);
    for (const node of versionNodes) await ctx.db.delete(node._id);
    const deleted = rows.length + nodes.length + pending.length + versionNodes.length;
    return { done: deleted < CLEAR_BATCH, deleted };
  },
});
