/**
 * Version rows of Mastra's datasets domain. Internal functions only.
 *
 * Item writes number a dataset's versions 1, 2, ... with one row each, so
 * while no version row was added by hand (`createDatasetVersion`, counted
 * apart) the row at any offset of the newest-first list is known without
 * reading: a page is one index range, at any depth.
 */
import { v } from "convex/values";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { countingState, walk, walkStateValidator } from "../kit/walk.js";
import { datasetCounters } from "./counterNames.js";
import { findDataset } from "./datasets.js";
import type { VersionRow } from "./validators.js";

/** Largest page read as one index range. */
const FAST_PAGE = 1000;

/** Adds a version row to a dataset (core's `createDatasetVersion`; the dataset's own version does not move). */
export const create = internalMutation({
  args: { id: v.string(), datasetId: v.string(), version: v.number() },
  handler: async (ctx, { id, datasetId, version }): Promise<VersionRow> => {
    const seq = await readCounter(ctx, datasetCounters.versions(datasetId));
    const row: VersionRow = { id, datasetId, version, createdAt: Date.now(), seq };
    await ctx.db.insert("dataset_versions", row);
    await adjustCounters(ctx, [[datasetCounters.versions(datasetId), 1], [
      datasetCounters.extraVersions(datasetId),
      1,
    ]]);
    return row;
  },
});

/**
 * One bounded step of a page of a dataset's version rows, newest version
 * first, with the exact total. While the versions are 1..N (none added by
 * hand) the page is one index range; otherwise every row is returned
 * (`all`, in bounded steps) for the client to order and page.
 */
export const list = internalQuery({
  args: { datasetId: v.string(), offset: v.number(), limit: v.number(), state: v.optional(walkStateValidator) },
  handler: async (ctx, { datasetId, offset, limit, state }): Promise<ListResult<VersionRow> & { all?: boolean }> => {
    const spec = {
      table: "dataset_versions" as const,
      index: "by_dataset_version",
      eq: [["datasetId", datasetId]] as [string, unknown][],
      sortField: "version",
    };
    const found = await findDataset(ctx, datasetId);
    if (found?.deleting) return { rows: [], next: null, total: 0, reversed: false };
    const dataset = found;
    const total = await readCounter(ctx, datasetCounters.versions(datasetId));
    if (state === undefined) {
      if (offset >= total || limit <= 0) return { rows: [], next: null, total, reversed: false };
      const extras = await readCounter(ctx, datasetCounters.extraVersions(datasetId));
      if (dataset && extras === 0 && total === dataset.version && limit <= FAST_PAGE) {
        // Versions 1..N, one row each: the page is the range below N - offset.
        const top = dataset.version - offset;
        const rows = await ctx.db.query("dataset_versions").withIndex(
          "by_dataset_version",
          (q) => q.eq("datasetId", datasetId).gt("version", top - limit).lte("version", top),
        ).order("desc").take(limit);
        return { rows: rows.map(withoutSystemFields), next: null, total, reversed: false };
      }
    }
    // Version numbers may repeat when added by hand, and core keeps equal ones in insertion
    // order: every row is returned (bounded steps) for the client to order by (version, seq).
    const step = await walk<VersionRow & { _id: unknown }>(
      ctx.db,
      spec,
      state ?? countingState(0, Number.MAX_SAFE_INTEGER, "asc"),
    );
    return {
      rows: step.rows.map(withoutSystemFields) as VersionRow[],
      next: step.next,
      total,
      reversed: false,
      all: true,
    };
  },
});
