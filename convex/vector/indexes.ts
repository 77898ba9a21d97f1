/**
 * The registry of Mastra vector indexes: create, list, describe and delete
 * (in bounded, resumable batches). Counts come from a counter kept in the
 * same mutations as the vectors.
 */
import { v } from "convex/values";
import { adjustCounter, readCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { vectorCounters } from "./counterNames.js";
import { findIndex, rowBytes, tableOf } from "./store.js";
import {
  MAX_DIMENSION,
  MAX_FILTER_KEYS,
  type Metric,
  metricValidator,
  MIN_DIMENSION,
  VECTOR_WIDTHS,
  type VectorIndexRow,
  type VectorRow,
  widthFor,
} from "./validators.js";

/** Most indexes `list` returns. */
export const MAX_LISTED_INDEXES = 1000;

/**
 * Creates a Mastra index, or, when it exists with the same dimension,
 * leaves it as it is (`created: false`, its metric returned so the client
 * can warn). A different dimension fails with ALREADY_EXISTS.
 */
export const create = internalMutation({
  args: { name: v.string(), dimension: v.number(), metric: metricValidator, filterKeys: v.array(v.string()) },
  handler: async (
    ctx,
    { name, dimension, metric, filterKeys },
  ): Promise<{ created: boolean; dimension: number; metric: Metric }> => {
    if (name.length === 0) throw storageError("INVALID", "index name must be a non-empty string");
    const width = widthFor(dimension);
    if (width === undefined) {
      throw storageError(
        "INVALID",
        `dimension ${dimension} is not supported: Convex vector indexes take integer dimensions from ${MIN_DIMENSION} ` +
          `to ${MAX_DIMENSION} (stored in tables of width ${VECTOR_WIDTHS.join(", ")})`,
      );
    }
    if (filterKeys.length > MAX_FILTER_KEYS || new Set(filterKeys).size !== filterKeys.length) {
      throw storageError("INVALID", `filterKeys takes at most ${MAX_FILTER_KEYS} distinct metadata keys`);
    }
    const existing = await findIndex(ctx.db, name);
    if (existing?.deleting) {
      throw storageError(
        "ALREADY_EXISTS",
        `vector index ${JSON.stringify(name)} is being deleted; call deleteIndex to finish before creating it again`,
      );
    }
    if (existing) {
      if (existing.dimension !== dimension) {
        throw storageError(
          "ALREADY_EXISTS",
          `vector index ${JSON.stringify(name)} already exists with ${existing.dimension} dimensions, ` +
            `but ${dimension} were requested`,
        );
      }
      return { created: false, dimension: existing.dimension, metric: existing.metric };
    }
    const row: VectorIndexRow = {
      name,
      dimension,
      metric,
      width,
      filterKeys,
      deleting: false,
      createdAt: Date.now(),
    };
    await ctx.db.insert("vector_indexes", row);
    return { created: true, dimension, metric };
  },
});

/** Names of the existing indexes (at most {@link MAX_LISTED_INDEXES}), by name. */
export const list = internalQuery({
  args: {},
  handler: async (ctx): Promise<string[]> => {
    const rows = await ctx.db.query("vector_indexes").withIndex("by_name").take(MAX_LISTED_INDEXES);
    return rows.filter((row) => !row.deleting).map((row) => row.name);
  },
});

/** Dimension, metric and vector count (from its counter) of an index; NOT_FOUND when it does not exist. */
export const describe = internalQuery({
  args: { name: v.string() },
  handler: async (ctx, { name }): Promise<{ dimension: number; metric: Metric; count: number }> => {
    const info = await findIndex(ctx.db, name);
    if (!info || info.deleting) {
      throw storageError("NOT_FOUND", `vector index ${JSON.stringify(name)} does not exist`);
    }
    const count = await readCounter(ctx, vectorCounters.vectorsOfIndex(name));
    return { dimension: info.dimension, metric: info.metric, count };
  },
});

/** The registry row of an index, or `null` (for the search action). */
export const info = internalQuery({
  args: { name: v.string() },
  handler: async (ctx, { name }): Promise<VectorIndexRow | null> => {
    const row = await findIndex(ctx.db, name);
    if (!row) return null;
    const { _id, _creationTime, ...rest } = row as VectorIndexRow & { _id: string; _creationTime?: number };
    void _id, _creationTime;
    return rest;
  },
});

/** Most vectors one `drop` call deletes. */
export const DROP_BATCH_ROWS = 2000;
/** Most bytes of vectors one `drop` call deletes (each is read twice: by the scan and by the delete). */
export const DROP_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Deletes an index: marks it as being deleted (queries and writes then fail
 * with NOT_FOUND), deletes one bounded batch of its vectors, and removes the
 * registry row once none is left. Call until `done`; a crashed client resumes
 * by calling again. Deleting a missing index is done at once.
 */
export const drop = internalMutation({
  args: { name: v.string() },
  handler: async (ctx, { name }): Promise<{ done: boolean; deleted: number }> => {
    const info = await findIndex(ctx.db, name);
    if (!info) return { done: true, deleted: 0 };
    if (!info.deleting) await ctx.db.patch(info._id as never, { deleting: true });
    const table = tableOf(info);
    const batch: { _id: string }[] = [];
    let bytes = 0;
    let more = false;
    // deno-lint-ignore no-explicit-any
    const rows = (ctx.db.query(table) as any).withIndex("by_index_id", (q: any) => q.eq("index", name));
    for await (const row of rows as AsyncIterable<VectorRow & { _id: string }>) {
      if (batch.length >= DROP_BATCH_ROWS || bytes >= DROP_BATCH_BYTES) {
        more = true;
        break;
      }
      batch.push(row);
      bytes += rowBytes(row);
    }
    for (const row of batch) await ctx.db.delete(row._id as never);
    const counter = vectorCounters.vectorsOfIndex(name);
    await adjustCounter(ctx, counter, -batch.length);
    if (more) return { done: false, deleted: batch.length };
    const left = await readCounter(ctx, counter);
    if (left !== 0) await adjustCounter(ctx, counter, -left);
    await ctx.db.delete(info._id as never);
    return { done: true, deleted: batch.length };
  },
});
