/**
 * Experiments of Mastra's experiments domain. Internal functions only.
 *
 * An experiment is stored encoded whole in `data` (as core's in-memory
 * store keeps it) with the fields Mastra filters and sorts on copied into
 * columns. Lists walk the index of their order in bounded steps (a
 * dataset's experiments have their own index); unfiltered lists take their
 * total from a counter. A delete marks the experiment first (it and its
 * results read as absent from then on) and removes its results in bounded
 * steps.
 */
import { v } from "convex/values";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { countingState, planPage, walk, walkStateValidator } from "../kit/walk.js";
import { experimentCounters } from "./counterNames.js";
import { startResultGeneration } from "./generations.js";
import { EXPERIMENT_STATUSES, type ExperimentRow, matchesTenancy, tenancyValidator } from "./validators.js";

/** An experiment document as stored. */
export type ExperimentDoc = DataModel["experiments"]["document"];

/** The experiment row `id` (deleting or not), or `null`. */
export async function findExperiment(ctx: QueryCtx, id: string): Promise<ExperimentDoc | null> {
  return await ctx.db.query("experiments").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique() as
    | ExperimentDoc
    | null;
}

/** The experiment `id` when it exists and is not being deleted, else `null`. */
export async function liveExperiment(ctx: QueryCtx, id: string): Promise<ExperimentDoc | null> {
  const row = await findExperiment(ctx, id);
  return row && !row.deleting ? row : null;
}

function statusRank(status: string): number {
  const rank = (EXPERIMENT_STATUSES as readonly string[]).indexOf(status);
  return rank < 0 ? EXPERIMENT_STATUSES.length : rank;
}

/** The columns of an experiment, from its decoded record. */
function columnsOf(record: Record<string, unknown>): Omit<ExperimentRow, "id" | "data" | "deleting"> {
  const text = (value: unknown) => typeof value === "string" ? value : null;
  const status = String(record.status);
  const createdAt = (record.createdAt as Date).getTime();
  const completedAt = record.completedAt instanceof Date ? record.completedAt.getTime() : undefined;
  return {
    ...(completedAt === undefined || Number.isNaN(completedAt) ? {} : { completedAt }),
    datasetId: text(record.datasetId),
    status,
    statusRank: statusRank(status),
    statusDesc: -statusRank(status),
    targetType: text(record.targetType),
    targetId: text(record.targetId),
    agentVersion: text(record.agentVersion),
    experimentSetId: text(record.experimentSetId),
    comparisonId: text(record.comparisonId),
    variantId: text(record.variantId),
    trialIndex: typeof record.trialIndex === "number" ? record.trialIndex : null,
    organizationId: text(record.organizationId),
    projectId: text(record.projectId),
    createdAt,
    createdDesc: -createdAt,
  };
}

/** Writes an experiment row for `record` (replacing `existing`), keeping the counters exact. */
async function writeExperiment(
  ctx: MutationCtx,
  id: string,
  record: Record<string, unknown>,
  existing: ExperimentDoc | null,
): Promise<ExperimentRow> {
  const row: ExperimentRow = { id, ...columnsOf(record), data: encodeValue(record) };
  assertFitsDocument(`experiment ${id}`, row);
  const deltas: [string, number][] = [];
  if (existing) {
    await ctx.db.replace(existing._id, row);
    if (existing.datasetId !== null) deltas.push([experimentCounters.ofDataset(existing.datasetId), -1]);
  } else {
    await ctx.db.insert("experiments", row);
    deltas.push([experimentCounters.experiments, 1]);
  }
  if (row.datasetId !== null) deltas.push([experimentCounters.ofDataset(row.datasetId), 1]);
  await adjustCounters(ctx, deltas);
  return row;
}

/**
 * Creates an experiment from `record` (encoded; the server sets its dates,
 * status `pending` and zero counts as core does). An existing experiment
 * with the same id is replaced, as core's in-memory store does.
 */
export const create = internalMutation({
  args: { id: v.string(), record: v.string() },
  handler: async (ctx, { id, record }): Promise<ExperimentRow> => {
    const existing = await findExperiment(ctx, id);
    const now = new Date(Date.now());
    const fields = decodeValue(record) as Record<string, unknown>;
    const full = { id, ...fields, createdAt: now, updatedAt: now };
    return await writeExperiment(ctx, id, full, existing?.deleting ? null : existing);
  },
});

/**
 * Updates an experiment as core's in-memory store does (each field keeps
 * its value when the patch has none). Answers `null` when it is absent.
 */
export const update = internalMutation({
  args: { id: v.string(), patch: v.string() },
  handler: async (ctx, { id, patch }): Promise<ExperimentRow | null> => {
    const existing = await liveExperiment(ctx, id);
    if (!existing) return null;
    const before = decodeValue(existing.data) as Record<string, unknown>;
    const change = decodeValue(patch) as Record<string, unknown>;
    const after: Record<string, unknown> = { ...before };
    for (
      const field of [
        "status",
        "totalItems",
        "succeededCount",
        "failedCount",
        "skippedCount",
        "startedAt",
        "completedAt",
        "name",
        "description",
        "metadata",
      ]
    ) {
      after[field] = change[field] ?? before[field];
    }
    after.updatedAt = new Date(Date.now());
    return await writeExperiment(ctx, id, after, existing);
  },
});

/** One experiment (`null` when absent, being deleted or of another tenant). */
export const get = internalQuery({
  args: { id: v.string(), filters: v.optional(tenancyValidator) },
  handler: async (ctx, { id, filters }): Promise<ExperimentRow | null> => {
    const row = await liveExperiment(ctx, id);
    return row && matchesTenancy(row, filters) ? withoutSystemFields(row) : null;
  },
});

/** Filters of `listExperiments` (as core applies them). */
const listFiltersValidator = v.object({
  datasetId: v.optional(v.string()),
  targetType: v.optional(v.string()),
  targetId: v.optional(v.string()),
  agentVersion: v.optional(v.string()),
  status: v.optional(v.string()),
  experimentSetId: v.optional(v.union(v.string(), v.null())),
  comparisonId: v.optional(v.union(v.string(), v.null())),
  variantId: v.optional(v.union(v.string(), v.null())),
  trialIndex: v.optional(v.union(v.number(), v.null())),
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
});

/**
 * One bounded step of the experiments list in `orderBy` order (ties by
 * ascending id). A dataset's experiments in creation order come from
 * their own index; other filters are applied while walking, counting the
 * matches.
 */
export const list = internalQuery({
  args: {
    filters: listFiltersValidator,
    field: v.union(v.literal("createdAt"), v.literal("status")),
    direction: v.union(v.literal("ASC"), v.literal("DESC")),
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { filters, field, direction, offset, limit, state }): Promise<ListResult<ExperimentRow>> => {
    const sortField = field === "createdAt"
      ? (direction === "ASC" ? "createdAt" : "createdDesc")
      : (direction === "ASC" ? "statusRank" : "statusDesc");
    const byDataset = filters.datasetId !== undefined && field === "createdAt";
    const spec = byDataset
      ? {
        table: "experiments" as const,
        index: `by_dataset_${sortField}`,
        eq: [["datasetId", filters.datasetId]] as [string, unknown][],
        sortField,
      }
      : { table: "experiments" as const, index: `by_${sortField}`, eq: [], sortField };
    const rest = Object.entries(filters).filter(([key, value]) =>
      value !== undefined && !(byDataset && key === "datasetId")
    ) as [keyof ExperimentRow, unknown][];
    const predicate = (row: ExperimentRow) => !row.deleting && rest.every(([key, value]) => row[key] === value);
    let total: number | null = null;
    if (state === undefined) {
      if (rest.length > 0) state = countingState(offset, limit, "asc");
      else {
        total = await readCounter(
          ctx,
          byDataset ? experimentCounters.ofDataset(filters.datasetId!) : experimentCounters.experiments,
        );
        if (offset >= total || limit <= 0) return { rows: [], next: null, total, reversed: false };
        state = planPage(total, offset, limit, "asc");
      }
    }
    const step = await walk<ExperimentDoc>(ctx.db, spec, state, { predicate });
    return {
      rows: step.rows.map((row) => withoutSystemFields(row)),
      next: step.next,
      total: total ?? (state.countAll && step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});

/**
 * Detaches up to `limit` experiments from dataset `datasetId` (their
 * dataset id and version become null, as core does when a dataset is
 * deleted); answers true once none is left.
 */
export async function detachExperiments(ctx: MutationCtx, datasetId: string, limit: number): Promise<boolean> {
  const rows = await ctx.db.query("experiments").withIndex("by_dataset_createdAt", (q) => q.eq("datasetId", datasetId))
    .take(limit) as ExperimentDoc[];
  for (const row of rows) {
    const record = decodeValue(row.data) as Record<string, unknown>;
    await writeExperiment(ctx, row.id, { ...record, datasetId: null, datasetVersion: null }, row);
  }
  return rows.length < limit;
}

/**
 * Marks an experiment deleted (unless it is already): it and its results
 * read as absent from now on and leave every counter; its results are
 * then reclaimed in bounded steps (`reclaimResults` of `generations.ts`)
 * before its row is removed.
 */
export async function markExperimentDeleted(ctx: MutationCtx, row: ExperimentDoc): Promise<void> {
  if (row.deleting) return;
  await ctx.db.patch(row._id, { deleting: true });
  const deltas: [string, number][] = [[experimentCounters.experiments, -1]];
  if (row.datasetId !== null) deltas.push([experimentCounters.ofDataset(row.datasetId), -1]);
  await adjustCounters(ctx, deltas);
  await startResultGeneration(ctx, row.id);
}

/**
 * First step of deleting an experiment: marks it deleted (it reads as
 * absent from then on) and deletes its results at once (a new result
 * generation: they leave the totals and the review summary now). Answers
 * false (a silent no-op) when it is absent or of another tenant. The
 * client then reclaims the old results (`results:reclaim`) and removes
 * the row (`finishRemove`).
 */
export const beginRemove = internalMutation({
  args: { id: v.string(), filters: v.optional(tenancyValidator) },
  handler: async (ctx, { id, filters }): Promise<boolean> => {
    const row = await findExperiment(ctx, id);
    if (!row || !matchesTenancy(row, filters)) return false;
    await markExperimentDeleted(ctx, row);
    return true;
  },
});

/** Last step of deleting an experiment: removes its row once its results are gone. */
export const finishRemove = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<void> => {
    const row = await findExperiment(ctx, id);
    if (row?.deleting) await ctx.db.delete(row._id);
  },
});
