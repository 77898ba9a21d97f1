/**
 * Results of Mastra's experiments domain. Internal functions only.
 *
 * A result is identified by `id` and, for upserts, by its natural key
 * (experiment, item, attempt). Each experiment's results are listed
 * through one index per order with rank trees and a counter, so a page at
 * any depth costs its rows plus the trees' depth. The review summary is
 * kept in counters (total / needs review / reviewed / complete per
 * experiment) updated in the same mutation as the results, and read as
 * one range of the counters index: O(experiments), never O(results).
 * Results live in generations (`generations.ts`): only the current one of
 * an experiment is read, so deleting every result is one mutation and the
 * old rows are reclaimed afterwards without being seen.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { planList as planRankedList, RankBatch } from "../kit/rankTree.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { walk, walkStateValidator } from "../kit/walk.js";
import { recordAnswer, recordedAnswer } from "../kit/operations.js";
import { purgeMetadataOf } from "../datasets/items.js";
import {
  experimentCounters,
  resultTree,
  resultTreeEntries,
  REVIEW_PREFIX,
  type ReviewKind,
  reviewKinds,
} from "./counterNames.js";
import { findExperiment } from "./experiments.js";
import { currentGeneration, reclaimResults, startResultGeneration } from "./generations.js";
import {
  matchesTenancy,
  resultInputValidator,
  type ResultRow,
  type ReviewCounts,
  tenancyValidator,
} from "./validators.js";

type ResultDoc = DataModel["experiment_results"]["document"];

async function findResult(ctx: QueryCtx, id: string): Promise<ResultDoc | null> {
  return await ctx.db.query("experiment_results").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique() as
    | ResultDoc
    | null;
}

/** Whether `row` is a live result: of its experiment's current generation. */
async function isLive(ctx: QueryCtx, row: ResultDoc): Promise<boolean> {
  return row.generation === await currentGeneration(ctx, row.experimentId);
}

/** The live result `id` (`null` when absent or of an older generation). */
async function findLiveResult(ctx: QueryCtx, id: string): Promise<ResultDoc | null> {
  const row = await findResult(ctx, id);
  return row && await isLive(ctx, row) ? row : null;
}

/** Whether the experiment of a result is being deleted (its results then read as absent). */
async function experimentDeleting(ctx: QueryCtx, experimentId: string): Promise<boolean> {
  return (await findExperiment(ctx, experimentId))?.deleting === true;
}

/** The scrubbed user values of a result whose item was purged. */
function scrubbedData(metadata: string): string {
  return encodeValue({
    input: null,
    output: null,
    groundTruth: null,
    metadata: decodeValue(metadata),
    error: null,
    toolMockReport: null,
  });
}

/** Writes `after` in place of `before` (either may be null), keeping trees, counters and blobs exact. */
async function writeResult(ctx: MutationCtx, before: ResultDoc | null, after: ResultRow | null): Promise<boolean> {
  if (before && !await isLive(ctx, before)) {
    // A deleted result still waiting to be reclaimed: remove it now, outside the counters and trees.
    const released = await releaseBlobs(ctx, blobOwner("experiment_results", before.id), [before.data]);
    await ctx.db.delete(before._id);
    return await writeResult(ctx, null, after) || released;
  }
  const deltas: [string, number][] = [];
  if (before) {
    deltas.push([experimentCounters.results(before.experimentId), -1]);
    for (const kind of reviewKinds(before.status)) {
      deltas.push([experimentCounters.review(before.experimentId, kind), -1]);
    }
  }
  if (after) {
    assertFitsDocument(`experiment result ${after.id}`, after);
    await adoptBlobs(ctx, blobOwner("experiment_results", after.id), [after.data]);
    deltas.push([experimentCounters.results(after.experimentId), 1]);
    for (const kind of reviewKinds(after.status)) deltas.push([experimentCounters.review(after.experimentId, kind), 1]);
  }
  if (before && after) await ctx.db.replace(before._id, after);
  else if (before) await ctx.db.delete(before._id);
  else if (after) await ctx.db.insert("experiment_results", after);
  await adjustCounters(ctx, deltas);
  const ranks = new RankBatch();
  ranks.change(resultTreeEntries(before), resultTreeEntries(after));
  await ranks.apply(ctx);
  if (!before) return false;
  return await releaseBlobs(ctx, blobOwner("experiment_results", before.id), [before.data], after ? [after.data] : []);
}

/** A result row from the client's fields, scrubbed when its item was purged. */
async function rowFrom(
  ctx: QueryCtx,
  id: string,
  input: Omit<ResultRow, "id" | "comment" | "createdAt" | "createdDesc" | "startedDesc" | "purged" | "generation">,
  createdAt: number,
  comment: string | null,
): Promise<ResultRow> {
  const experiment = await findExperiment(ctx, input.experimentId);
  const purged = await purgeMetadataOf(ctx, input.itemId, experiment?.datasetId ?? null);
  return {
    ...input,
    id,
    comment: purged ? null : comment,
    tags: purged ? null : input.tags,
    data: purged ? scrubbedData(purged) : input.data,
    createdAt,
    createdDesc: -createdAt,
    startedDesc: -input.startedAt,
    generation: await currentGeneration(ctx, input.experimentId),
    ...(purged ? { purged } : {}),
  };
}

/**
 * Adds a result under `id` (a result with that id is replaced whole, as
 * core's in-memory store does). Returns the stored row and whether a
 * replaced large value became garbage.
 */
export const add = internalMutation({
  args: { id: v.string(), result: resultInputValidator },
  handler: async (ctx, { id, result }): Promise<{ row: ResultRow; released: boolean }> => {
    const existing = await findResult(ctx, id);
    const row = await rowFrom(ctx, id, result, Date.now(), null);
    const released = await writeResult(ctx, existing, row);
    return { row, released };
  },
});

/**
 * Inserts or replaces the result with the natural key (experiment, item,
 * attempt): a replaced result keeps its `id`, `createdAt` and reviewer's
 * `comment`. `id` is used when the key is new.
 */
export const upsert = internalMutation({
  args: { id: v.string(), result: resultInputValidator },
  handler: async (ctx, { id, result }): Promise<{ row: ResultRow; released: boolean }> => {
    const generation = await currentGeneration(ctx, result.experimentId);
    const existing = await ctx.db.query("experiment_results").withIndex(
      "by_key",
      (q) =>
        q.eq("experimentId", result.experimentId).eq("generation", generation).eq("itemId", result.itemId).eq(
          "attempt",
          result.attempt,
        ),
    ).first() as ResultDoc | null;
    const row = existing
      ? await rowFrom(ctx, existing.id, result, existing.createdAt, existing.comment)
      : await rowFrom(ctx, id, result, Date.now(), null);
    const released = await writeResult(ctx, existing, row);
    return { row, released };
  },
});

/**
 * Sets a result's review fields (`status`, `tags`, `comment`; each only
 * when given). Answers `missing` when the result is absent and `other`
 * when it belongs to another experiment than `experimentId`.
 */
export const update = internalMutation({
  args: {
    id: v.string(),
    experimentId: v.optional(v.string()),
    status: v.optional(v.union(v.string(), v.null())),
    tags: v.optional(v.union(v.array(v.string()), v.null())),
    comment: v.optional(v.union(v.string(), v.null())),
  },
  handler: async (ctx, args): Promise<{ row: ResultRow } | { missing: "result" | "other" }> => {
    const existing = await findLiveResult(ctx, args.id);
    if (!existing || await experimentDeleting(ctx, existing.experimentId)) return { missing: "result" };
    if (args.experimentId && existing.experimentId !== args.experimentId) return { missing: "other" };
    const experiment = await findExperiment(ctx, existing.experimentId);
    const purged = await purgeMetadataOf(ctx, existing.itemId, experiment?.datasetId ?? null);
    const row: ResultRow = {
      ...withoutSystemFields(existing),
      status: args.status !== undefined ? args.status : existing.status,
      tags: purged ? null : args.tags !== undefined ? args.tags : existing.tags,
      comment: purged ? null : args.comment !== undefined ? args.comment : existing.comment,
    };
    await writeResult(ctx, existing, row);
    return { row };
  },
});

/** One result (`null` when absent, of an experiment being deleted, or of another tenant). */
export const get = internalQuery({
  args: { id: v.string(), filters: v.optional(tenancyValidator) },
  handler: async (ctx, { id, filters }): Promise<ResultRow | null> => {
    const row = await findLiveResult(ctx, id);
    if (!row || !matchesTenancy(row, filters) || await experimentDeleting(ctx, row.experimentId)) return null;
    return withoutSystemFields(row);
  },
});

/** Filters of `listExperimentResults` that no index covers, applied while walking. */
const resultFiltersValidator = v.object({
  traceId: v.optional(v.string()),
  status: v.optional(v.string()),
  tags: v.optional(v.array(v.string())),
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
});

/**
 * One bounded step of a page of an experiment's results in `field` order
 * (`startedAt` or `createdAt`, ties by ascending id). Unfiltered, the total
 * comes from a counter and a deep page seeks through the order's rank
 * tree; filters are applied while walking, counting the matches.
 */
export const list = internalQuery({
  args: {
    experimentId: v.string(),
    field: v.union(v.literal("startedAt"), v.literal("createdAt")),
    direction: v.union(v.literal("ASC"), v.literal("DESC")),
    filters: resultFiltersValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<ResultRow>> => {
    if (await experimentDeleting(ctx, args.experimentId)) return { rows: [], next: null, total: 0, reversed: false };
    const sortField = args.direction === "ASC"
      ? args.field
      : args.field === "startedAt"
      ? "startedDesc"
      : "createdDesc";
    const { tags, traceId, status } = args.filters;
    const filtered = Object.values(args.filters).some((value) => value !== undefined);
    const predicate = (row: ResultRow) =>
      matchesTenancy(row, args.filters) && (traceId === undefined || row.traceId === traceId) &&
      (status === undefined || row.status === status) &&
      (tags === undefined || tags.every((tag) => row.tags?.includes(tag)));
    const generation = await currentGeneration(ctx, args.experimentId);
    let state = args.state;
    let total: number | null = null;
    if (state === undefined) {
      const counted = filtered ? null : await readCounter(ctx, experimentCounters.results(args.experimentId));
      const planned = await planRankedList(
        ctx,
        resultTree(args.experimentId, sortField, generation),
        counted,
        {},
        args.offset,
        args.limit,
        "asc",
      );
      total = planned.total;
      if (planned.state === null) return { rows: [], next: null, total, reversed: false };
      state = planned.state;
    }
    const step = await walk<ResultDoc>(
      ctx.db,
      {
        table: "experiment_results",
        index: `by_experiment_${sortField}`,
        eq: [["experimentId", args.experimentId], ["generation", generation]],
        sortField,
      },
      state,
      filtered ? { predicate } : {},
    );
    return {
      rows: step.rows.map((row) => withoutSystemFields(row)),
      next: step.next,
      total: total ?? (state.countAll && step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});

/**
 * Deletes every result of an experiment at once (a new generation, see
 * {@link startResultGeneration}); the client then calls `reclaim` until
 * done. With `filters`, a silent no-op unless the experiment exists and
 * matches them. `opId` makes a retried call (after a lost answer) apply
 * once: a second generation would also delete results added meanwhile.
 */
export const clear = internalMutation({
  args: { experimentId: v.string(), filters: v.optional(tenancyValidator), opId: v.string() },
  handler: async (ctx, { experimentId, filters, opId }): Promise<boolean> => {
    const recorded = await recordedAnswer(ctx, opId);
    if (recorded !== undefined) return JSON.parse(recorded.answer ?? "false") as boolean;
    let applied = true;
    if (filters && (filters.organizationId !== undefined || filters.projectId !== undefined)) {
      const parent = await findExperiment(ctx, experimentId);
      if (!parent || !matchesTenancy(parent, filters)) applied = false;
    }
    if (applied) await startResultGeneration(ctx, experimentId);
    await recordAnswer(ctx, opId, applied);
    return applied;
  },
});

/**
 * One bounded step of reclaiming an experiment's deleted results (older
 * generations: rows, large values, rank trees). Call until `done`.
 */
export const reclaim = internalMutation({
  args: { experimentId: v.string() },
  handler: (ctx, { experimentId }): Promise<{ done: boolean; released: boolean }> => reclaimResults(ctx, experimentId),
});

/** Review counters read per summary call at most (four per experiment). */
const SUMMARY_BATCH = 4000;

/**
 * One bounded step of the review summary: the review counters after
 * `after` (a counter name), grouped per experiment. Pass the returned
 * `next` until it is `null`.
 */
export const reviewSummary = internalQuery({
  args: { after: v.optional(v.string()) },
  handler: async (ctx, { after }): Promise<{ counts: ReviewCounts[]; next: string | null }> => {
    const rows = await ctx.db.query("counters").withIndex(
      "by_name",
      (q) =>
        after === undefined ? q.gte("name", REVIEW_PREFIX).lt("name", `${REVIEW_PREFIX}\uffff`) : q.gt("name", after)
          .lt("name", `${REVIEW_PREFIX}\uffff`),
    ).take(SUMMARY_BATCH);
    // A page ends on a whole experiment: drop a trailing partial group unless it is all that was read.
    let cut = rows.length;
    if (rows.length === SUMMARY_BATCH) {
      const lastKey = rows[rows.length - 1].name.slice(0, rows[rows.length - 1].name.lastIndexOf("|"));
      while (cut > 0 && rows[cut - 1].name.startsWith(`${lastKey}|`)) cut--;
      if (cut === 0) cut = rows.length;
    }
    const byExperiment = new Map<string, ReviewCounts>();
    for (const row of rows.slice(0, cut)) {
      const bar = row.name.lastIndexOf("|");
      const experimentId = JSON.parse(row.name.slice(REVIEW_PREFIX.length, bar)) as string;
      const kind = row.name.slice(bar + 1) as ReviewKind;
      let entry = byExperiment.get(experimentId);
      if (!entry) {
        entry = { experimentId, total: 0, needsReview: 0, reviewed: 0, complete: 0 };
        byExperiment.set(experimentId, entry);
      }
      entry[kind] = row.value;
    }
    const counts = [...byExperiment.values()].filter((entry) => entry.total > 0);
    return { counts, next: rows.length === SUMMARY_BATCH ? rows[cut - 1].name : null };
  },
});

/**
 * Scrubs up to `limit` results of item `itemId` in experiments of dataset
 * `datasetId` with the purge metadata (encoded); answers `done` once none
 * is left and whether large values were released.
 */
export async function scrubResultsOfItem(
  ctx: MutationCtx,
  itemId: string,
  datasetId: string,
  metadata: string,
  limit: number,
): Promise<{ done: boolean; released: boolean }> {
  const datasets = new Map<string, string | null>();
  let count = 0;
  let released = false;
  for await (const row of ctx.db.query("experiment_results").withIndex("by_item", (q) => q.eq("itemId", itemId))) {
    if (row.purged === metadata || !await isLive(ctx, row as ResultDoc)) continue;
    if (!datasets.has(row.experimentId)) {
      datasets.set(row.experimentId, (await findExperiment(ctx, row.experimentId))?.datasetId ?? null);
    }
    if (datasets.get(row.experimentId) !== datasetId) continue;
    if (count++ >= limit) return { done: false, released };
    const after: ResultRow = {
      ...withoutSystemFields(row as ResultDoc),
      tags: null,
      comment: null,
      data: scrubbedData(metadata),
      purged: metadata,
    };
    if (await writeResult(ctx, row as ResultDoc, after)) released = true;
  }
  return { done: true, released };
}
