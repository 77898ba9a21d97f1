/**
 * Items of Mastra's datasets domain, kept as SCD-2 history. Internal
 * functions only.
 *
 * Every item write (a batch insert, an update, a delete, a batch delete)
 * bumps its dataset's version by exactly one and writes one version row.
 * An update closes the item's current row (`validTo` = the new version)
 * and appends a new one; a delete appends a tombstone. The row of an item
 * valid at version V is the one with the largest `datasetVersion` <= V
 * (`by_item_version`: one index read), visible unless it is a tombstone.
 *
 * Current rows are listed through one index per order, with rank trees
 * (`kit/rankTree.ts`) and a counter, so a page at any depth costs its
 * rows plus the trees' depth. Each write also derives its version's
 * persistent trees (`versionTrees.ts`), which serve pages at any version.
 * Searches the search index cannot answer exactly (and lists at a past
 * version of a dataset whose items predate those trees) walk the dataset's
 * history in bounded steps returning only keys; the client sorts them and
 * fetches the page.
 */
import { type GenericId as Id, v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { adjustCounter, readCounter } from "../kit/counters.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { planList as planRankedList, RankBatch } from "../kit/rankTree.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { countingState, walk, walkStateValidator } from "../kit/walk.js";
import { scrubResultsOfItem } from "../experiments/results.js";
import { datasetCounters, itemSortField, itemTree, itemTreeEntries } from "./counterNames.js";
import { alreadyApplied, bumpVersion, findDataset, liveDataset } from "./datasets.js";
import { itemOrderValidator, type ItemRow, newItemValidator, tenancyValidator } from "./validators.js";
import { searchIndexColumns } from "./searchTokens.js";
import { recordVersionTrees, stopVersionTrees, treeReadBudget } from "./versionTrees.js";

type ItemDoc = DataModel["dataset_items"]["document"];

/** Items one call may insert or delete (each costs a few reads and writes inside one transaction). */
export const MAX_BATCH_ITEMS = 2000;

/** The newest row of item `id` (current or tombstone), or `null`. */
async function latestRow(ctx: QueryCtx, id: string): Promise<ItemDoc | null> {
  return await ctx.db.query("dataset_items").withIndex("by_item_version", (q) => q.eq("id", id)).order("desc")
    .first() as ItemDoc | null;
}

/** The current row of item `id`, or `null` when it has none (never inserted, or deleted). */
async function currentRow(ctx: QueryCtx, id: string): Promise<ItemDoc | null> {
  const row = await latestRow(ctx, id);
  return row && row.current ? row : null;
}

/** The row of item `id` visible at dataset version `version`, or `null`. */
async function rowAt(ctx: QueryCtx, id: string, version: number): Promise<ItemDoc | null> {
  const row = await ctx.db.query("dataset_items").withIndex(
    "by_item_version",
    (q) => q.eq("id", id).lte("datasetVersion", version),
  ).order("desc").first() as ItemDoc | null;
  return row && !row.isDeleted && (row.validTo === null || row.validTo > version) ? row : null;
}

/** Inserts an item row (adopting its large values, adding its rank-tree entries); answers its document id. */
async function insertRow(ctx: MutationCtx, row: ItemRow, ranks: RankBatch): Promise<Id<"dataset_items">> {
  assertFitsDocument(`dataset item ${row.id}`, row);
  await adoptBlobs(ctx, blobOwner("dataset_items", row.id), [row.data]);
  const id = await ctx.db.insert("dataset_items", row);
  ranks.change([], itemTreeEntries(row));
  return id;
}

/** Closes `row` at `version` (it stops being current). */
async function closeRow(ctx: MutationCtx, row: ItemDoc, version: number, ranks: RankBatch): Promise<void> {
  await ctx.db.patch(row._id, { validTo: version, current: false });
  ranks.change(itemTreeEntries(row), []);
}

/** A tombstone of `row` at `version`: its payload, marked deleted. */
function tombstone(row: ItemRow, version: number, now: number): ItemRow {
  return {
    ...withoutSystemFields(row as ItemDoc),
    datasetVersion: version,
    validTo: null,
    isDeleted: true,
    current: false,
    updatedAt: now,
    updatedDesc: -now,
  };
}

/** An identity conflict of a batch insert, as core reports it. */
export type Conflict = {
  index: number;
  externalId: string;
  existingItemId: string;
  reason: "deleted" | "payload_mismatch";
};

/**
 * Inserts a batch of items as core's in-memory store does: items with an
 * `externalId` already accepted in the dataset resolve to that item (a
 * conflict when it was deleted or its first payload differs), repeats
 * inside the batch resolve to the first; the rest are inserted under one
 * new version. Nothing is written when there are conflicts or nothing to
 * insert. Answers the current row of every item, in input order; `null`
 * when the dataset is absent.
 */
export const insertBatch = internalMutation({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    items: v.array(newItemValidator),
    versionId: v.string(),
  },
  handler: async (ctx, { datasetId, filters, items, versionId }): Promise<
    { rows: ItemRow[]; conflicts: Conflict[] } | null
  > => {
    if (items.length > MAX_BATCH_ITEMS) {
      throw storageError("INVALID", `a batch holds at most ${MAX_BATCH_ITEMS} items, got ${items.length}`);
    }
    const dataset = await liveDataset(ctx, datasetId, filters);
    if (!dataset) return null;
    if (items.length === 0) return { rows: [], conflicts: [] };
    // A retry of a call that committed: its items exist under their ids.
    const retried = await alreadyApplied(ctx, versionId);
    const conflicts: Conflict[] = [];
    const planned = new Map<string, (typeof items)[number]>();
    const plannedByExternal = new Map<string, (typeof items)[number]>();
    const resolved: { id: string; existing: ItemDoc | null }[] = [];
    for (const [index, item] of items.entries()) {
      if (!item.externalId) {
        const existing = retried ? await currentRow(ctx, item.id) : null;
        if (existing) resolved.push({ id: item.id, existing });
        else {
          planned.set(item.id, item);
          resolved.push({ id: item.id, existing: null });
        }
        continue;
      }
      const externalId = item.externalId;
      const first = await ctx.db.query("dataset_items").withIndex(
        "by_dataset_external",
        (q) => q.eq("datasetId", datasetId).eq("externalId", externalId),
      ).first() as ItemDoc | null;
      if (first) {
        const current = await currentRow(ctx, first.id);
        if (!current) conflicts.push({ index, externalId, existingItemId: first.id, reason: "deleted" });
        else if (first.digest !== item.digest) {
          conflicts.push({ index, externalId, existingItemId: first.id, reason: "payload_mismatch" });
        }
        resolved.push({ id: first.id, existing: current });
        continue;
      }
      const local = plannedByExternal.get(externalId);
      if (local) {
        if (local.digest !== item.digest) {
          conflicts.push({ index, externalId, existingItemId: local.id, reason: "payload_mismatch" });
        }
        resolved.push({ id: local.id, existing: null });
        continue;
      }
      planned.set(item.id, item);
      plannedByExternal.set(externalId, item);
      resolved.push({ id: item.id, existing: null });
    }
    if (conflicts.length > 0) return { rows: [], conflicts };
    if (planned.size === 0) return { rows: resolved.map((r) => withoutSystemFields(r.existing!)), conflicts };
    const { version, now, pastTrees } = await bumpVersion(ctx, dataset, versionId);
    const ranks = new RankBatch();
    const inserted = new Map<string, ItemRow>();
    const opened: (ItemRow & { _id: Id<"dataset_items"> })[] = [];
    for (const item of planned.values()) {
      const row: ItemRow = {
        id: item.id,
        datasetId,
        datasetVersion: version,
        validTo: null,
        isDeleted: false,
        current: true,
        externalId: item.externalId ?? null,
        organizationId: dataset.organizationId,
        projectId: dataset.projectId,
        createdAt: now,
        updatedAt: now,
        createdDesc: -now,
        updatedDesc: -now,
        data: item.data,
        digest: item.digest,
        searchText: item.searchText,
        ...searchIndexColumns(item.searchText),
      };
      opened.push({ ...row, _id: await insertRow(ctx, row, ranks) });
      inserted.set(row.id, row);
    }
    await ranks.apply(ctx);
    if (pastTrees) await recordVersionTrees(ctx, datasetId, version, [], opened);
    await adjustCounter(ctx, datasetCounters.items(datasetId), planned.size);
    return {
      rows: resolved.map((r) => inserted.get(r.id) ?? withoutSystemFields(r.existing!)),
      conflicts,
    };
  },
});

/**
 * Replaces the current row of an item with a new one holding `data` (the
 * merged payload), under one new version. `expectedVersion` is the
 * `datasetVersion` of the current row the client merged from: when the
 * item changed meanwhile the call answers `stale` and writes nothing.
 * Answers `missing` when the dataset or the item is absent.
 */
export const update = internalMutation({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    id: v.string(),
    expectedVersion: v.number(),
    data: v.string(),
    digest: v.string(),
    searchText: v.string(),
    versionId: v.string(),
  },
  handler: async (ctx, args): Promise<
    { row: ItemRow } | { missing: "dataset" | "item" | "other" | "purged" } | {
      stale: true;
    }
  > => {
    const current = await currentRow(ctx, args.id);
    if (!current || (await findDataset(ctx, current.datasetId))?.deleting) return { missing: "item" };
    if (current.datasetId !== args.datasetId) return { missing: "other" };
    if (current.purged !== undefined) return { missing: "purged" };
    const dataset = await liveDataset(ctx, args.datasetId, args.filters);
    if (!dataset) return { missing: "dataset" };
    if (await alreadyApplied(ctx, args.versionId)) return { row: withoutSystemFields(current) };
    if (current.datasetVersion !== args.expectedVersion) return { stale: true };
    const { version, now, pastTrees } = await bumpVersion(ctx, dataset, args.versionId);
    const ranks = new RankBatch();
    await closeRow(ctx, current, version, ranks);
    const { searchPartial: _, ...kept } = withoutSystemFields(current);
    const row: ItemRow = {
      ...kept,
      datasetVersion: version,
      validTo: null,
      organizationId: dataset.organizationId,
      projectId: dataset.projectId,
      updatedAt: now,
      updatedDesc: -now,
      data: args.data,
      digest: args.digest,
      searchText: args.searchText,
      ...searchIndexColumns(args.searchText),
    };
    const rowId = await insertRow(ctx, row, ranks);
    await ranks.apply(ctx);
    if (pastTrees) await recordVersionTrees(ctx, args.datasetId, version, [current], [{ ...row, _id: rowId }]);
    return { row };
  },
});

/**
 * Deletes items by appending tombstones under one new version. `single`
 * follows core's `deleteItem`: nothing happens (no version) when the item
 * has no current row, and an item of another dataset is an error
 * (`other`); otherwise (`batchDeleteItems`) the version is bumped in any
 * case and items that are absent or of another dataset are skipped.
 * Answers `missing` when the dataset is absent.
 */
export const remove = internalMutation({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    itemIds: v.array(v.string()),
    single: v.boolean(),
    versionId: v.string(),
  },
  handler: async (ctx, { datasetId, filters, itemIds, single, versionId }): Promise<
    { deleted: number } | { missing: "dataset" | "other" }
  > => {
    if (itemIds.length > MAX_BATCH_ITEMS) {
      throw storageError("INVALID", `a batch deletes at most ${MAX_BATCH_ITEMS} items, got ${itemIds.length}`);
    }
    if (await alreadyApplied(ctx, versionId)) return { deleted: 0 };
    const currents: ItemDoc[] = [];
    const seen = new Set<string>();
    for (const id of itemIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      const current = await currentRow(ctx, id);
      if (!current) continue;
      if (current.datasetId !== datasetId) {
        if (single) return { missing: "other" };
        continue;
      }
      currents.push(current);
    }
    if (single && currents.length === 0) return { deleted: 0 };
    const dataset = await liveDataset(ctx, datasetId, filters);
    if (!dataset) return { missing: "dataset" };
    const { version, now, pastTrees } = await bumpVersion(ctx, dataset, versionId);
    const ranks = new RankBatch();
    for (const current of currents) {
      await closeRow(ctx, current, version, ranks);
      await ctx.db.insert("dataset_items", tombstone(current, version, now));
    }
    await ranks.apply(ctx);
    if (pastTrees) {
      // A large delete spread over a large dataset may not update the trees within one transaction's reads.
      const budget = treeReadBudget(currents.length, await readCounter(ctx, datasetCounters.items(datasetId)));
      if (!await recordVersionTrees(ctx, datasetId, version, currents, [], budget)) {
        await stopVersionTrees(ctx, dataset);
      }
    }
    await adjustCounter(ctx, datasetCounters.items(datasetId), -currents.length);
    return { deleted: currents.length };
  },
});

/** Rows (history rows, then results) scrubbed per purge step at most. */
const PURGE_BATCH = 1000;

/** The searchable text of a purged item's rows (their input reads as `null`, as core scrubs it). */
const PURGED_SEARCH_TEXT = "null\u0000";

/** The payload every row of a purged item holds, as core's in-memory store scrubs it. */
function scrubbedPayload(metadata: unknown): string {
  return encodeValue({
    input: null,
    groundTruth: null,
    expectedTrajectory: null,
    toolMocks: null,
    unmockedToolPolicy: null,
    scorerIds: null,
    requestContext: null,
    metadata,
    source: null,
  });
}

/**
 * One bounded step of purging an item: every history row of it in
 * `datasetId` gets the scrubbed payload (metadata `{ __purged, purgedAt }`,
 * `purgedAt` from the server's clock on the first step), releasing its
 * large values; then the experiment results of the item in experiments of
 * the dataset are scrubbed the same way. Pass the returned `metadata` to
 * the next step; call until `done`.
 */
export const purge = internalMutation({
  args: { datasetId: v.string(), id: v.string(), metadata: v.optional(v.string()) },
  handler: async (ctx, args): Promise<{ done: boolean; released: boolean; metadata: string }> => {
    const metadata = args.metadata ?? encodeValue({ __purged: true, purgedAt: new Date(Date.now()).toISOString() });
    const dataset = await findDataset(ctx, args.datasetId);
    if (dataset?.deleting) return { done: true, released: false, metadata };
    const data = scrubbedPayload(decodeValue(metadata));
    let released = false;
    let count = 0;
    const rows = ctx.db.query("dataset_items").withIndex("by_item_version", (q) => q.eq("id", args.id));
    for await (const row of rows) {
      if (row.datasetId !== args.datasetId || row.purged === metadata) continue;
      if (count++ >= PURGE_BATCH) return { done: false, released, metadata };
      if (await releaseBlobs(ctx, blobOwner("dataset_items", row.id), [row.data], [data])) released = true;
      await ctx.db.patch(row._id, {
        data,
        searchText: PURGED_SEARCH_TEXT,
        ...searchIndexColumns(PURGED_SEARCH_TEXT),
        searchPartial: undefined,
        purged: metadata,
      });
    }
    const results = await scrubResultsOfItem(ctx, args.id, args.datasetId, metadata, PURGE_BATCH);
    return { done: results.done, released: released || results.released, metadata };
  },
});

/** The purge metadata of item `itemId` in dataset `datasetId` (encoded), or `null` when it was not purged. */
export async function purgeMetadataOf(ctx: QueryCtx, itemId: string, datasetId: string | null): Promise<string | null> {
  if (datasetId === null) return null;
  const row = await ctx.db.query("dataset_items").withIndex("by_item_version", (q) => q.eq("id", itemId)).first();
  return row && row.datasetId === datasetId && row.purged !== undefined ? row.purged : null;
}

/** One item: its current row, or its row at `datasetVersion`; `null` when none is visible. */
export const get = internalQuery({
  args: { id: v.string(), datasetVersion: v.optional(v.number()) },
  handler: async (ctx, { id, datasetVersion }): Promise<ItemRow | null> => {
    const row = datasetVersion === undefined ? await currentRow(ctx, id) : await rowAt(ctx, id, datasetVersion);
    if (!row || (await findDataset(ctx, row.datasetId))?.deleting) return null;
    return withoutSystemFields(row);
  },
});

/** The rows of the given items at their given versions (a page chosen from keys); absent ones are left out. */
export const getRows = internalQuery({
  args: { keys: v.array(v.object({ id: v.string(), datasetVersion: v.number() })) },
  handler: async (ctx, { keys }): Promise<ItemRow[]> => {
    const rows: ItemRow[] = [];
    for (const key of keys.slice(0, 1000)) {
      const row = await ctx.db.query("dataset_items").withIndex(
        "by_item_version",
        (q) => q.eq("id", key.id).eq("datasetVersion", key.datasetVersion),
      ).unique();
      if (row) rows.push(withoutSystemFields(row));
    }
    return rows;
  },
});

/** One bounded step of an item's history, newest version first. */
export const history = internalQuery({
  args: { id: v.string(), state: v.optional(walkStateValidator) },
  handler: async (ctx, { id, state }): Promise<ListResult<ItemRow>> => {
    const latest = await latestRow(ctx, id);
    if (!latest || (await findDataset(ctx, latest.datasetId))?.deleting) {
      return { rows: [], next: null, total: 0, reversed: false };
    }
    const walkState = state ?? countingState(0, Number.MAX_SAFE_INTEGER, "desc");
    const step = await walk<ItemDoc>(
      ctx.db,
      { table: "dataset_items", index: "by_item_version", eq: [["id", id]], sortField: "datasetVersion" },
      walkState,
    );
    return {
      rows: step.rows.map((row) => withoutSystemFields(row)),
      next: step.next,
      total: step.next === null ? step.matched : null,
      reversed: false,
    };
  },
});

/**
 * One bounded step of a page of a dataset's current items in `order`
 * (ties by ascending id). The total comes from a counter and a deep page
 * seeks through the order's rank tree. An absent dataset, or one of
 * another tenant, lists nothing.
 */
export const list = internalQuery({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    order: itemOrderValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<ItemRow> & { version: number }> => {
    const dataset = await liveDataset(ctx, args.datasetId, args.filters);
    if (!dataset) return { rows: [], next: null, total: 0, reversed: false, version: 0 };
    const field = itemSortField(args.order);
    let state = args.state;
    let total: number | null = null;
    if (state === undefined) {
      const counted = await readCounter(ctx, datasetCounters.items(args.datasetId));
      const planned = await planRankedList(
        ctx,
        itemTree(args.datasetId, field),
        counted,
        {},
        args.offset,
        args.limit,
        "asc",
      );
      total = planned.total;
      if (planned.state === null) return { rows: [], next: null, total, reversed: false, version: dataset.version };
      state = planned.state;
    }
    const step = await walk<ItemDoc>(
      ctx.db,
      {
        table: "dataset_items",
        index: `by_current_${field}`,
        eq: [["datasetId", args.datasetId], ["current", true]],
        sortField: field,
      },
      state,
    );
    return {
      rows: step.rows.map((row) => withoutSystemFields(row)),
      next: step.next,
      total,
      reversed: state.reversed,
      version: dataset.version,
    };
  },
});

/** What a list at a past version (or an exhaustive search) returns per item: enough to sort and fetch it. */
export type ItemKey = { id: string; datasetVersion: number; createdAt: number; updatedAt: number };

/** Whether `row`'s searchable text contains `term` (already lower-cased), as core's `search` checks. */
function matchesSearch(row: ItemRow, term: string | undefined): boolean {
  if (term === undefined) return true;
  const cut = row.searchText.indexOf("\u0000");
  const input = cut < 0 ? row.searchText : row.searchText.slice(0, cut);
  const truth = cut < 0 ? "" : row.searchText.slice(cut + 1);
  return input.includes(term) || truth.includes(term);
}

/**
 * One bounded step over a dataset's history up to `version`: the keys of
 * the items visible at that version (optionally matching `search`), in
 * version order. The client sorts them and fetches the page with
 * {@link getRows}. An absent dataset, or one of another tenant, has none.
 */
export const keysAt = internalQuery({
  args: {
    datasetId: v.string(),
    filters: v.optional(tenancyValidator),
    version: v.number(),
    search: v.optional(v.string()),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { datasetId, filters, version, search, state }): Promise<ListResult<ItemKey>> => {
    const dataset = await liveDataset(ctx, datasetId, filters);
    if (!dataset) return { rows: [], next: null, total: 0, reversed: false };
    const walkState = state ?? countingState(0, Number.MAX_SAFE_INTEGER, "asc");
    const step = await walk<ItemDoc, ItemKey>(
      ctx.db,
      {
        table: "dataset_items",
        index: "by_dataset_version",
        eq: [["datasetId", datasetId]],
        sortField: "datasetVersion",
      },
      walkState,
      {
        range: { upper: { value: version, inclusive: true } },
        predicate: (row) =>
          !row.isDeleted && (row.validTo === null || row.validTo > version) && matchesSearch(row, search),
        onTake: (row) =>
          Promise.resolve({
            row: { id: row.id, datasetVersion: row.datasetVersion, createdAt: row.createdAt, updatedAt: row.updatedAt },
            bytes: 0,
          }),
        maxTake: Number.POSITIVE_INFINITY,
      },
    );
    return { rows: step.rows, next: step.next, total: step.next === null ? step.matched : null, reversed: false };
  },
});

/** Candidates one search reads from the search index (and partly indexed rows) at most; more falls back to the exhaustive walk. */
export const SEARCH_CANDIDATES = 1000;

/**
 * Searches a dataset's current items through the search index: the rows
 * with a word suffix starting with the search's `token` (every row whose
 * text contains the search, see `searchTokens.ts`) and the rows indexed
 * only partly, kept when their text contains `term` exactly as core's
 * `search` matches. `complete` is false when either source returned as
 * many rows as it may: the client then walks with {@link keysAt}.
 */
export const search = internalQuery({
  args: { datasetId: v.string(), filters: v.optional(tenancyValidator), term: v.string(), token: v.string() },
  handler: async (ctx, { datasetId, filters, term, token }): Promise<
    { keys: ItemKey[]; complete: boolean; version: number }
  > => {
    const dataset = await liveDataset(ctx, datasetId, filters);
    if (!dataset) return { keys: [], complete: true, version: 0 };
    const indexed = await ctx.db.query("dataset_items").withSearchIndex(
      "search_tokens",
      (q) => q.search("searchTokens", token).eq("datasetId", datasetId).eq("current", true),
    ).take(SEARCH_CANDIDATES);
    const partial = await ctx.db.query("dataset_items").withIndex(
      "by_search_partial",
      (q) => q.eq("datasetId", datasetId).eq("current", true).eq("searchPartial", true),
    ).take(SEARCH_CANDIDATES);
    const seen = new Set<string>();
    const keys: ItemKey[] = [];
    for (const row of [...indexed, ...partial]) {
      if (seen.has(row._id) || !matchesSearch(row, term)) continue;
      seen.add(row._id);
      keys.push({ id: row.id, datasetVersion: row.datasetVersion, createdAt: row.createdAt, updatedAt: row.updatedAt });
    }
    const complete = indexed.length < SEARCH_CANDIDATES && partial.length < SEARCH_CANDIDATES;
    return { keys, complete, version: dataset.version };
  },
});
