/**
 * Writes and filter walks of the vector domain: upsert, update and delete by
 * id, and bounded, resumable walks that update, delete or list the vectors
 * matching a Mastra filter. Counts are adjusted in the same mutations.
 */
import type { GenericDatabaseReader } from "convex/server";
import { v } from "convex/values";
import { adjustCounter } from "../kit/counters.js";
import { storageError } from "../kit/errors.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { vectorCounters } from "./counterNames.js";
import { type Filter, findPushdown, matchesFilter } from "./filter.js";
import {
  checkVector,
  parseFilterArg,
  parseMetadata,
  requireIndex,
  rowBytes,
  slotsOf,
  tableOf,
  type VectorTable,
} from "./store.js";
import {
  SLOT_FIELDS,
  upsertItemValidator,
  type VectorIndexRow,
  type VectorMatch,
  type VectorRow,
  type WalkCursor,
  walkCursorValidator,
} from "./validators.js";

/** Most vectors one upsert call may carry. */
export const MAX_UPSERT_ITEMS = 1000;
/** Most ids one delete-by-ids call may carry. */
export const MAX_DELETE_IDS = 1000;

type StoredRow = VectorRow & { _id: string };

// deno-lint-ignore no-explicit-any
type AnyQuery = any;

function byId(
  db: GenericDatabaseReader<DataModel>,
  table: VectorTable,
  index: string,
  id: string,
): Promise<StoredRow | null> {
  return (db.query(table) as AnyQuery).withIndex("by_index_id", (q: AnyQuery) => q.eq("index", index).eq("id", id))
    .unique();
}

function buildRow(info: VectorIndexRow, id: string, vector: number[], metadataText: string, what: string): VectorRow {
  if (id.length === 0) throw storageError("INVALID", `${what}: ids must be non-empty strings`);
  const padded = checkVector(info, vector, what);
  const metadata = parseMetadata(metadataText, what);
  const row: VectorRow = { index: info.name, id, vector: padded, metadata: metadataText, ...slotsOf(info, metadata) };
  assertFitsDocument(what, { metadata: metadataText, vector: "x".repeat(padded.length * 8), id });
  return row;
}

/** Inserts or replaces rows (`fresh` ones are inserted without a lookup); returns how many were new. */
async function writeRows(
  ctx: MutationCtx,
  info: VectorIndexRow,
  rows: { row: VectorRow; fresh: boolean }[],
): Promise<number> {
  const table = tableOf(info);
  let inserted = 0;
  for (const { row, fresh } of rows) {
    const existing = fresh ? null : await byId(ctx.db, table, info.name, row.id);
    if (existing) await ctx.db.replace(existing._id as never, row as never);
    else {
      await ctx.db.insert(table, row as never);
      inserted++;
    }
  }
  return inserted;
}

/**
 * Inserts or replaces up to {@link MAX_UPSERT_ITEMS} vectors of an index in
 * one transaction (all or nothing). With `deleteFilter`, first deletes the
 * vectors matching it in the same transaction; when they are too many for
 * one transaction it fails with TOO_LARGE and writes nothing (the client
 * then deletes in batches first).
 */
export const upsert = internalMutation({
  args: { name: v.string(), items: v.array(upsertItemValidator), deleteFilter: v.optional(v.string()) },
  handler: async (ctx, { name, items, deleteFilter }): Promise<{ inserted: number; deleted: number }> => {
    if (items.length > MAX_UPSERT_ITEMS) {
      throw storageError("TOO_LARGE", `one upsert call takes at most ${MAX_UPSERT_ITEMS} vectors, got ${items.length}`);
    }
    const info = await requireIndex(ctx.db, name);
    const byIdMap = new Map<string, { row: VectorRow; fresh: boolean }>();
    items.forEach((item, i) => {
      const row = buildRow(info, item.id, item.vector, item.metadata, `vector ${i} (id ${JSON.stringify(item.id)})`);
      byIdMap.set(item.id, { row, fresh: item.fresh === true });
    });
    let deleted = 0;
    if (deleteFilter !== undefined) {
      const filter = requireFilter(deleteFilter);
      const walk = await walkMatches(ctx.db, info, filter, undefined, DELETE_BUDGET);
      if (!walk.done) {
        throw storageError(
          "TOO_LARGE",
          `deleteFilter: the vectors to scan exceed one transaction (${DELETE_BUDGET.rows} rows); delete them in batches first`,
        );
      }
      for (const row of walk.matches) await ctx.db.delete(row._id as never);
      deleted = walk.matches.length;
    }
    const inserted = await writeRows(ctx, info, [...byIdMap.values()]);
    await adjustCounter(ctx, vectorCounters.vectorsOfIndex(name), inserted - deleted);
    return { inserted, deleted };
  },
});

/** Replaces the vector and/or the metadata of one vector; NOT_FOUND when the id does not exist. */
export const updateById = internalMutation({
  args: {
    name: v.string(),
    id: v.string(),
    vector: v.optional(v.array(v.float64())),
    metadata: v.optional(v.string()),
  },
  handler: async (ctx, { name, id, vector, metadata }): Promise<null> => {
    const info = await requireIndex(ctx.db, name);
    const existing = await byId(ctx.db, tableOf(info), name, id);
    if (!existing) {
      throw storageError("NOT_FOUND", `vector ${JSON.stringify(id)} does not exist in index ${JSON.stringify(name)}`);
    }
    await ctx.db.replace(existing._id as never, updatedRow(info, existing, vector, metadata) as never);
    return null;
  },
});

function updatedRow(
  info: VectorIndexRow,
  row: StoredRow,
  vector: number[] | undefined,
  metadata: string | undefined,
): VectorRow {
  const what = `vector ${JSON.stringify(row.id)}`;
  const next: VectorRow = {
    index: row.index,
    id: row.id,
    vector: vector === undefined ? row.vector : checkVector(info, vector, what),
    metadata: metadata ?? row.metadata,
  };
  Object.assign(next, slotsOf(info, parseMetadata(next.metadata, what)));
  assertFitsDocument(what, { metadata: next.metadata, vector: "x".repeat(next.vector.length * 8) });
  return next;
}

/** Deletes up to {@link MAX_DELETE_IDS} vectors by id (missing ids are skipped); returns how many existed. */
export const deleteByIds = internalMutation({
  args: { name: v.string(), ids: v.array(v.string()) },
  handler: async (ctx, { name, ids }): Promise<{ deleted: number }> => {
    if (ids.length > MAX_DELETE_IDS) {
      throw storageError("TOO_LARGE", `one delete call takes at most ${MAX_DELETE_IDS} ids, got ${ids.length}`);
    }
    const info = await requireIndex(ctx.db, name);
    const table = tableOf(info);
    let deleted = 0;
    for (const id of new Set(ids)) {
      const existing = await byId(ctx.db, table, name, id);
      if (existing) {
        await ctx.db.delete(existing._id as never);
        deleted++;
      }
    }
    await adjustCounter(ctx, vectorCounters.vectorsOfIndex(name), -deleted);
    return { deleted };
  },
});

// ---------------------------------------------------------------------------
// Filter walks
// ---------------------------------------------------------------------------

/** Bounds of one walk step: rows scanned and bytes read. */
export type WalkBudget = { rows: number; bytes: number };

/** Budget of one read-only walk step: well under Convex's 32,000 scanned documents and 16 MiB read per transaction. */
export const WALK_BUDGET: WalkBudget = { rows: 4000, bytes: 8 * 1024 * 1024 };
/** Budget of a walk step that deletes what it finds (a delete reads the document again). */
export const DELETE_BUDGET: WalkBudget = { rows: 4000, bytes: 4 * 1024 * 1024 };
/** Budget of a walk step that rewrites what it finds (read, read again, write). */
export const UPDATE_BUDGET: WalkBudget = { rows: 2000, bytes: 3 * 1024 * 1024 };

/** One step of a filter walk: the matching rows, and where to continue. */
export type WalkStep = { matches: StoredRow[]; scanned: number; done: boolean; cursor?: WalkCursor };

/**
 * Scans the rows of an index that may match `filter` (the push-down range
 * when the filter has one, else the whole index) in id order from `cursor`,
 * within `budget`, and returns those that match.
 */
export async function walkMatches(
  db: GenericDatabaseReader<DataModel>,
  info: VectorIndexRow,
  filter: Filter | undefined,
  cursor: WalkCursor | undefined,
  budget: WalkBudget,
): Promise<WalkStep> {
  const table = tableOf(info);
  const pushdown = findPushdown(info.name, filter, info.filterKeys);
  const ranges = pushdown ? pushdown.values.length : 1;
  const matches: StoredRow[] = [];
  let scanned = 0;
  let bytes = 0;
  for (let value = cursor?.value ?? 0; value < ranges; value++) {
    const after = value === cursor?.value ? cursor.after : undefined;
    const query = pushdown
      ? (db.query(table) as AnyQuery).withIndex(`by_f${pushdown.slot}`, (q: AnyQuery) => {
        const eq = q.eq(SLOT_FIELDS[pushdown.slot], pushdown.values[value]);
        return after === undefined ? eq : eq.gt("id", after);
      })
      : (db.query(table) as AnyQuery).withIndex("by_index_id", (q: AnyQuery) => {
        const eq = q.eq("index", info.name);
        return after === undefined ? eq : eq.gt("id", after);
      });
    let last: string | undefined;
    for await (const row of query as AsyncIterable<StoredRow>) {
      if (scanned >= budget.rows || bytes >= budget.bytes) {
        return { matches, scanned, done: false, cursor: { value, after: last } };
      }
      scanned++;
      bytes += rowBytes(row);
      last = row.id;
      if (!filter || matchesFilter(JSON.parse(row.metadata), filter)) matches.push(row);
    }
  }
  return { matches, scanned, done: true };
}

const walkArgs = { name: v.string(), filter: v.string(), cursor: v.optional(walkCursorValidator) };

/** What one bounded delete step did: vectors deleted, and where to continue unless `done`. */
export type DeleteStep = { deleted: number; done: boolean; cursor?: WalkCursor };

/**
 * Deletes one bounded step ({@link DELETE_BUDGET}) of the vectors of index
 * `info` matching `filter`, from `cursor`, and adjusts the index's count in
 * the same mutation. Used by `deleteWhere` and by resource erasure.
 */
export async function deleteMatchesStep(
  ctx: MutationCtx,
  info: VectorIndexRow,
  filter: Filter,
  cursor: WalkCursor | undefined,
): Promise<DeleteStep> {
  const step = await walkMatches(ctx.db, info, filter, cursor, DELETE_BUDGET);
  for (const row of step.matches) await ctx.db.delete(row._id as never);
  await adjustCounter(ctx, vectorCounters.vectorsOfIndex(info.name), -step.matches.length);
  return { deleted: step.matches.length, done: step.done, cursor: step.cursor };
}

/** Deletes the vectors matching a filter, one bounded step per call; call again with `cursor` until `done`. */
export const deleteWhere = internalMutation({
  args: walkArgs,
  handler: async (ctx, { name, filter, cursor }): Promise<DeleteStep> => {
    const info = await requireIndex(ctx.db, name);
    return await deleteMatchesStep(ctx, info, requireFilter(filter), cursor);
  },
});

/** Updates the vector and/or metadata of the vectors matching a filter, one bounded step per call. */
export const updateWhere = internalMutation({
  args: { ...walkArgs, vector: v.optional(v.array(v.float64())), metadata: v.optional(v.string()) },
  handler: async (
    ctx,
    { name, filter, cursor, vector, metadata },
  ): Promise<{ updated: number; done: boolean; cursor?: WalkCursor }> => {
    const info = await requireIndex(ctx.db, name);
    const step = await walkMatches(ctx.db, info, requireFilter(filter), cursor, UPDATE_BUDGET);
    for (const row of step.matches) {
      await ctx.db.replace(row._id as never, updatedRow(info, row, vector, metadata) as never);
    }
    return { updated: step.matches.length, done: step.done, cursor: step.cursor };
  },
});

/** Lists the vectors matching a filter (a query without a query vector), one bounded step per call. */
export const scan = internalQuery({
  args: { ...walkArgs, limit: v.number(), includeVector: v.boolean() },
  handler: async (
    ctx,
    { name, filter, cursor, limit, includeVector },
  ): Promise<{ matches: VectorMatch[]; scanned: number; done: boolean; cursor?: WalkCursor }> => {
    const info = await requireIndex(ctx.db, name);
    const step = await walkMatches(ctx.db, info, parseFilterArg(filter), cursor, WALK_BUDGET);
    const matches = step.matches.slice(0, limit).map((row) => toMatch(info, row, 0, includeVector));
    return { matches, scanned: step.scanned, done: step.done, cursor: step.cursor };
  },
});

function requireFilter(text: string): Filter {
  const filter = parseFilterArg(text);
  if (!filter) throw storageError("INVALID", "an empty filter would match every vector; use deleteIndex instead");
  return filter;
}

/** A stored row as a query result (vector cut back to the index dimension). */
export function toMatch(info: VectorIndexRow, row: VectorRow, score: number, includeVector: boolean): VectorMatch {
  const match: VectorMatch = { id: row.id, score, metadata: row.metadata };
  if (includeVector) match.vector = row.vector.slice(0, info.dimension);
  return match;
}

/**
 * Loads the candidates of a vector search and keeps those matching the
 * filter (for the search action: `ctx.vectorSearch` returns only ids and
 * scores). Rows deleted since the search are skipped.
 */
export const loadCandidates = internalQuery({
  args: {
    name: v.string(),
    ids: v.array(v.string()),
    filter: v.optional(v.string()),
    withVector: v.boolean(),
  },
  handler: async (ctx, { name, ids, filter, withVector }): Promise<{ position: number; row: VectorMatch }[]> => {
    const info = await requireIndex(ctx.db, name);
    const parsed = parseFilterArg(filter);
    const table = tableOf(info);
    const out: { position: number; row: VectorMatch }[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ctx.db.normalizeId(table, ids[i]);
      if (id === null) continue;
      const row = await ctx.db.get(id) as StoredRow | null;
      if (!row || row.index !== name) continue;
      if (parsed && !matchesFilter(JSON.parse(row.metadata), parsed)) continue;
      out.push({ position: i, row: toMatch(info, row, 0, withVector) });
    }
    return out;
  },
});
