/**
 * Datasets of Mastra's datasets domain. Internal functions only.
 *
 * A dataset's fields are stored encoded in `data` exactly as core's
 * in-memory store keeps them; the fields Mastra filters and sorts on are
 * copied into columns. Datasets are few per deployment: lists walk the
 * index of their order (bounded steps), with the total from a counter
 * when unfiltered. A delete marks the dataset first (it and its items read
 * as absent from then on) and then removes its rows in bounded steps.
 */
import { v } from "convex/values";
import { adjustCounter, adjustCounters, readCounter } from "../kit/counters.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { dropTree } from "../kit/rankTree.js";
import { blobOwner, releaseBlobs } from "../kit/blobs.js";
import { countingState, planPage, walk, walkStateValidator } from "../kit/walk.js";
import { detachExperiments } from "../experiments/experiments.js";
import { datasetCounters, ITEM_SORT_FIELDS, itemTree } from "./counterNames.js";
import { dropVersionTrees } from "./versionTrees.js";
import { type DatasetRow, matchesTenancy, tenancyValidator } from "./validators.js";

type DatasetDoc = DataModel["datasets"]["document"];

/** The fields of a dataset that never change once it exists. */
const IMMUTABLE = ["organizationId", "projectId", "candidateKey", "candidateId"] as const;

/** The dataset row `id` (deleting or not), or `null`. */
export async function findDataset(ctx: QueryCtx, id: string): Promise<DatasetDoc | null> {
  return await ctx.db.query("datasets").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** The dataset `id` when it exists, is not being deleted and matches `filters`; else `null`. */
export async function liveDataset(
  ctx: QueryCtx,
  id: string,
  filters?: { organizationId?: string; projectId?: string },
): Promise<DatasetDoc | null> {
  const row = await findDataset(ctx, id);
  return row && !row.deleting && matchesTenancy(row, filters) ? row : null;
}

/** Whether the item write that carries version id `versionId` already committed (a retried call). */
export async function alreadyApplied(ctx: QueryCtx, versionId: string): Promise<boolean> {
  return (await ctx.db.query("dataset_versions").withIndex("by_mastra_id", (q) => q.eq("id", versionId)).first()) !==
    null;
}

/**
 * Bumps a dataset's version by one and writes its version row; returns the
 * new version and whether the dataset keeps persistent item trees per
 * version (every dataset whose first item write is this one or came later).
 */
export async function bumpVersion(
  ctx: MutationCtx,
  dataset: DatasetDoc,
  versionId: string,
): Promise<{ version: number; now: number; pastTrees: boolean }> {
  const version = dataset.version + 1;
  const now = Date.now();
  const pastTrees = dataset.pastTrees === true || dataset.version === 0;
  await ctx.db.patch(dataset._id, pastTrees ? { version, pastTrees } : { version });
  const seq = await readCounter(ctx, datasetCounters.versions(dataset.id));
  await ctx.db.insert("dataset_versions", { id: versionId, datasetId: dataset.id, version, createdAt: now, seq });
  await adjustCounter(ctx, datasetCounters.versions(dataset.id), 1);
  return { version, now, pastTrees };
}

/** Returns one dataset by id (`null` when absent, being deleted or of another tenant). */
export const get = internalQuery({
  args: { id: v.string(), filters: v.optional(tenancyValidator) },
  handler: async (ctx, { id, filters }): Promise<DatasetRow | null> => {
    const row = await liveDataset(ctx, id, filters);
    return row ? withoutSystemFields(row) : null;
  },
});

/**
 * Creates a dataset, or returns the one that already owns `id` when its
 * immutable fields (tenancy, candidate identity) agree; answers
 * `conflict` when they differ. `data` is the encoded record.
 */
export const create = internalMutation({
  args: {
    id: v.string(),
    name: v.string(),
    organizationId: v.union(v.string(), v.null()),
    projectId: v.union(v.string(), v.null()),
    candidateKey: v.union(v.string(), v.null()),
    candidateId: v.union(v.string(), v.null()),
    targetType: v.union(v.string(), v.null()),
    targetIds: v.array(v.string()),
    data: v.string(),
  },
  handler: async (ctx, args): Promise<{ row: DatasetRow; conflict: boolean }> => {
    const existing = await findDataset(ctx, args.id);
    if (existing) {
      if (existing.deleting) {
        throw storageError("ALREADY_EXISTS", `dataset ${args.id} is being deleted; create it again once that finished`);
      }
      const conflict = IMMUTABLE.some((field) => existing[field] !== args[field]);
      return { row: withoutSystemFields(existing), conflict };
    }
    const now = Date.now();
    const row: DatasetRow = {
      ...args,
      version: 0,
      createdAt: now,
      updatedAt: now,
      createdDesc: -now,
      updatedDesc: -now,
    };
    assertFitsDocument(`dataset ${args.id}`, row);
    await ctx.db.insert("datasets", row);
    await adjustCounter(ctx, datasetCounters.datasets, 1);
    return { row, conflict: false };
  },
});

/**
 * Updates a dataset as core's in-memory store does: `name`, `description`
 * and `metadata` keep their value when the patch has none (or `null`),
 * the other fields when the patch does not set them. `patch` is encoded.
 * Answers `null` when the dataset is absent (or of another tenant).
 */
export const update = internalMutation({
  args: { id: v.string(), filters: v.optional(tenancyValidator), patch: v.string() },
  handler: async (ctx, { id, filters, patch }): Promise<DatasetRow | null> => {
    const existing = await liveDataset(ctx, id, filters);
    if (!existing) return null;
    const before = decodeValue(existing.data) as Record<string, unknown>;
    const change = decodeValue(patch) as Record<string, unknown>;
    const after: Record<string, unknown> = { ...before };
    for (const field of ["name", "description", "metadata"]) after[field] = change[field] ?? before[field];
    for (
      const field of [
        "inputSchema",
        "groundTruthSchema",
        "requestContextSchema",
        "tags",
        "targetType",
        "targetIds",
        "scorerIds",
      ]
    ) {
      if (change[field] !== undefined) after[field] = change[field];
    }
    const now = Date.now();
    const targetIds = after.targetIds;
    const row: DatasetRow = {
      ...withoutSystemFields(existing),
      name: String(after.name),
      targetType: typeof after.targetType === "string" ? after.targetType : null,
      targetIds: Array.isArray(targetIds) ? targetIds.filter((t): t is string => typeof t === "string") : [],
      updatedAt: now,
      updatedDesc: -now,
      data: encodeValue(after),
    };
    assertFitsDocument(`dataset ${id}`, row);
    await ctx.db.replace(existing._id, row);
    return row;
  },
});

/** Filters of `listDatasets`. */
const listFiltersValidator = v.object({
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
  candidateKey: v.optional(v.string()),
  candidateId: v.optional(v.string()),
  targetType: v.optional(v.string()),
  targetIds: v.optional(v.array(v.string())),
  name: v.optional(v.string()),
});

/**
 * One bounded step of the datasets list in `orderBy` order (ties by
 * ascending id; by name descending, ties by descending id). Filters no
 * index covers are applied while walking (datasets are few), and the walk
 * counts the matches; unfiltered lists take their total from a counter.
 */
export const list = internalQuery({
  args: {
    filters: listFiltersValidator,
    field: v.union(v.literal("createdAt"), v.literal("updatedAt"), v.literal("name")),
    direction: v.union(v.literal("ASC"), v.literal("DESC")),
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { filters, field, direction, offset, limit, state }): Promise<ListResult<DatasetRow>> => {
    const targetIds = filters.targetIds && filters.targetIds.length > 0 ? new Set(filters.targetIds) : undefined;
    const name = filters.name?.toLowerCase();
    const filtered = Object.entries(filters).some(([key, value]) =>
      value !== undefined && (key !== "targetIds" || targetIds !== undefined)
    );
    const predicate = (row: DatasetRow) =>
      !row.deleting && matchesTenancy(row, filters) &&
      (filters.candidateKey === undefined || row.candidateKey === filters.candidateKey) &&
      (filters.candidateId === undefined || row.candidateId === filters.candidateId) &&
      (filters.targetType === undefined || row.targetType === filters.targetType) &&
      (targetIds === undefined || row.targetIds.some((target) => targetIds.has(target))) &&
      (name === undefined || row.name.toLowerCase().includes(name));
    const index = field === "name"
      ? { index: "by_name", sortField: "name", order: direction === "ASC" ? "asc" as const : "desc" as const }
      : direction === "ASC"
      ? { index: `by_${field}`, sortField: field, order: "asc" as const }
      : { index: `by_${field === "createdAt" ? "createdDesc" : "updatedDesc"}`, sortField: "", order: "asc" as const };
    const sortField = index.sortField || (field === "createdAt" ? "createdDesc" : "updatedDesc");
    let total: number | null = null;
    if (state === undefined) {
      if (filtered) state = countingState(offset, limit, index.order);
      else {
        total = await readCounter(ctx, datasetCounters.datasets);
        if (offset >= total || limit <= 0) return { rows: [], next: null, total, reversed: false };
        state = planPage(total, offset, limit, index.order);
      }
    }
    const step = await walk<DatasetRow & { _id: unknown }>(
      ctx.db,
      { table: "datasets", index: index.index, eq: [], sortField },
      state,
      { predicate },
    );
    return {
      rows: step.rows.map(withoutSystemFields) as DatasetRow[],
      next: step.next,
      total: total ?? (state.countAll && step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});

/** Item rows (or version rows, or tree nodes) removed per delete step at most. */
const DELETE_BATCH = 1000;

/**
 * One bounded step of deleting a dataset: the first step marks it deleted
 * (from then on it and its items read as absent) and detaches its
 * experiments; later steps remove its item rows (releasing their large
 * values), version rows, rank trees and counters, and finally the dataset
 * row. A tenancy mismatch or an absent dataset is a silent no-op. Call
 * until `done`.
 */
export const remove = internalMutation({
  args: { id: v.string(), filters: v.optional(tenancyValidator) },
  handler: async (ctx, { id, filters }): Promise<{ done: boolean; released: boolean }> => {
    const dataset = await findDataset(ctx, id);
    if (!dataset || !matchesTenancy(dataset, filters)) return { done: true, released: false };
    if (!dataset.deleting) {
      await ctx.db.patch(dataset._id, { deleting: true });
      await adjustCounter(ctx, datasetCounters.datasets, -1);
    }
    if (!await detachExperiments(ctx, id, DELETE_BATCH)) return { done: false, released: false };
    const items = await ctx.db.query("dataset_items").withIndex("by_dataset_version", (q) => q.eq("datasetId", id))
      .take(DELETE_BATCH);
    let released = false;
    for (const item of items) {
      if (await releaseBlobs(ctx, blobOwner("dataset_items", item.id), [item.data])) released = true;
      await ctx.db.delete(item._id);
    }
    if (items.length === DELETE_BATCH) return { done: false, released };
    const versions = await ctx.db.query("dataset_versions").withIndex(
      "by_dataset_version",
      (q) => q.eq("datasetId", id),
    )
      .take(DELETE_BATCH);
    for (const version of versions) await ctx.db.delete(version._id);
    if (versions.length === DELETE_BATCH) return { done: false, released };
    for (const field of ITEM_SORT_FIELDS) {
      if (!await dropTree(ctx, itemTree(id, field))) return { done: false, released };
    }
    if (!await dropVersionTrees(ctx, id)) return { done: false, released };
    await adjustCounters(ctx, [
      [datasetCounters.items(id), -await readCounter(ctx, datasetCounters.items(id))],
      [datasetCounters.versions(id), -await readCounter(ctx, datasetCounters.versions(id))],
      [datasetCounters.extraVersions(id), -await readCounter(ctx, datasetCounters.extraVersions(id))],
    ]);
    await ctx.db.delete(dataset._id);
    return { done: true, released };
  },
});
