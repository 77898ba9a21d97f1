/**
 * The write side shared by observability scores and feedback: upserts by
 * id, deletions by id (within an optional tenant scope) and of the rows
 * linked to deleted traces, each keeping the row counters and the rollups
 * (`signalCells.ts`, `cellStore.ts`) in the same mutation.
 *
 * Every row written here is counted in the cells of the shard its write
 * call picked (recorded in the row's `shard`); rows written before rollups
 * existed have no shard, are counted in no cell, and make the readers of
 * their scorer or feedback type walk the events (see `readCells`' `complete`).
 */
import { v } from "convex/values";
import { decodeValue } from "../../kit/codec.js";
import { adjustCounters, counterShard } from "../../kit/counters.js";
import { storageError } from "../../kit/errors.js";
import type { MutationCtx } from "../../kit/functions.js";
import { assertFitsDocument } from "../../kit/limits.js";
import { cellShard, ROLLUP_INTERVALS, type RollupInterval, valueStats } from "./cells.js";
import { CellCache, type CellKey, SIGNAL_TABLES } from "./cellStore.js";
import { signalCounters } from "../counterNames.js";
import { recordEntries } from "../discovery.js";
import { SIGNAL_FAMILIES, signalDims, type SignalKind, signalNameOf, signalValueOf } from "./signalCells.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";
import { keptStreamFields, SignalStreamWriter, writeOrder } from "./signalStream.js";

/** Per-signal shape: id field and index, the row's extra fields, and what a record must have. */
const SPECS = {
  score: {
    idField: "scoreId",
    idIndex: "by_score_id",
    check(record: Record<string, unknown>, id: string): Record<string, unknown> {
      if (typeof record.scorerId !== "string") throw storageError("INVALID", `score ${id} has no scorerId`);
      if (typeof record.score !== "number" || !Number.isFinite(record.score)) {
        throw storageError("INVALID", `score ${id} has no finite score`);
      }
      return { scorerId: record.scorerId, score: record.score };
    },
  },
  feedback: {
    idField: "feedbackId",
    idIndex: "by_feedback_id",
    check(record: Record<string, unknown>, id: string): Record<string, unknown> {
      if (typeof record.feedbackType !== "string") throw storageError("INVALID", `feedback ${id} has no feedbackType`);
      return { feedbackType: record.feedbackType };
    },
  },
} as const;

/** A stored score or feedback row, as far as this module reads it. */
type SignalDoc = {
  _id: unknown;
  _creationTime: number;
  id: string;
  seq?: number;
  deltaShard?: number;
  deltaSeq?: number;
  data: string;
  shard?: number;
};

/** Validators of the optional tenant scope of deletions. */
export const scopeArgs = { organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) };
/** The optional tenant scope of deletions. */
export type Scope = { organizationId?: string; resourceId?: string };

function inScope(record: Record<string, unknown>, scope: Scope): boolean {
  if (scope.organizationId !== undefined && record.organizationId !== scope.organizationId) return false;
  if (scope.resourceId !== undefined && record.resourceId !== scope.resourceId) return false;
  return true;
}

/** The cells of one record in one shard: one per family and bucket size. */
function signalCellKeys(kind: SignalKind, record: Record<string, unknown>, shard: number): CellKey[] {
  const timestamp = timestampOf(record);
  const name = signalNameOf(kind, record);
  const out: CellKey[] = [];
  for (const family of Object.keys(SIGNAL_FAMILIES)) {
    const id = JSON.stringify([...signalDims(kind, record, family), [String(shard), null]]);
    for (const interval of Object.keys(ROLLUP_INTERVALS) as RollupInterval[]) {
      const size = ROLLUP_INTERVALS[interval];
      out.push({ name, family, interval, bucket: Math.floor(timestamp / size) * size, id });
    }
  }
  return out;
}

/** Adds or removes one row's contribution (none for non-numeric feedback) to or from its cells. */
async function applySignal(
  cells: CellCache,
  kind: SignalKind,
  record: Record<string, unknown>,
  order: number,
  shard: number,
  sign: 1 | -1,
): Promise<void> {
  const value = signalValueOf(kind, record);
  if (value === null) return;
  const stats = valueStats(value, order, timestampOf(record));
  for (const key of signalCellKeys(kind, record, shard)) await cells.apply(key, stats, sign);
}

function keyOf(kind: SignalKind, record: Record<string, unknown>): string {
  return signalNameOf(kind, record);
}

/** The untyped index query this module runs over either table. */
type AnyQuery = { eq(field: string, value: unknown): AnyQuery };
type AnyDb = {
  query(
    table: string,
  ): {
    withIndex(
      index: string,
      range: (q: AnyQuery) => AnyQuery,
    ): AsyncIterable<SignalDoc> & { first(): Promise<SignalDoc | null> };
  };
};

async function findById(ctx: MutationCtx, kind: SignalKind, id: string): Promise<SignalDoc | null> {
  const db = ctx.db as unknown as AnyDb;
  return await db.query(SIGNAL_TABLES[kind]).withIndex(SPECS[kind].idIndex, (q) => q.eq("id", id)).first();
}

/** Deletes one row, removing it from its cells and counters. */
async function removeRow(
  ctx: MutationCtx,
  cells: CellCache,
  kind: SignalKind,
  doc: SignalDoc,
  record: Record<string, unknown>,
  deltas: [string, number][],
): Promise<void> {
  const table = SIGNAL_TABLES[kind];
  const key = keyOf(kind, record);
  // deno-lint-ignore no-explicit-any
  await ctx.db.delete(doc._id as any);
  // Any shard of a sharded counter will do: readers sum them.
  deltas.push(
    [counterShard(signalCounters.rows(table), doc.id), -1],
    [counterShard(signalCounters.rowsOfKey(table, key), doc.id), -1],
  );
  if (doc.shard !== undefined) {
    await applySignal(cells, kind, record, writeOrder(doc), doc.shard, -1);
    deltas.push([counterShard(signalCounters.celledOfKey(table, key), doc.id), -1]);
  }
}

/**
 * Upserts scores or feedback (encoded records) by id. A replaced row keeps
 * its place in the delta stream and its write order; writing an identical
 * record again changes nothing.
 */
export async function upsertSignals(ctx: MutationCtx, kind: SignalKind, encoded: string[]): Promise<void> {
  const spec = SPECS[kind];
  const table = SIGNAL_TABLES[kind];
  const deltas: [string, number][] = [];
  const entries: DictionaryEntry[] = [];
  const cells = new CellCache(ctx, { signal: kind });
  const stream = new SignalStreamWriter(ctx, table);
  let batchKey: string | null = null;
  let shard: number | null = null;
  const count = (name: string, delta: number) => deltas.push([counterShard(name, batchKey!), delta]);
  for (const data of encoded) {
    const record = decodeValue(data) as Record<string, unknown>;
    const id = record[spec.idField];
    if (typeof id !== "string" || id === "") throw storageError("INVALID", `a ${kind} record has no ${spec.idField}`);
    batchKey ??= id;
    shard ??= cellShard(id);
    const row = {
      id,
      timestamp: timestampOf(record),
      traceId: typeof record.traceId === "string" ? record.traceId : null,
      ...spec.check(record, id),
      data,
      shard,
      ...(typeof record.resourceId === "string" ? { resourceId: record.resourceId } : {}),
    };
    if (!Number.isFinite(row.timestamp)) throw storageError("INVALID", `${kind} ${id} has no valid timestamp`);
    assertFitsDocument(`${kind} ${id}`, row);
    entries.push(...dictionaryEntries(record, false));
    const key = keyOf(kind, record);
    const existing = await findById(ctx, kind, id);
    if (existing) {
      if (existing.data === data && existing.shard !== undefined) continue;
      const before = decodeValue(existing.data) as Record<string, unknown>;
      const beforeKey = keyOf(kind, before);
      const order = writeOrder(existing);
      if (existing.shard !== undefined) {
        await applySignal(cells, kind, before, order, existing.shard, -1);
        count(signalCounters.celledOfKey(table, beforeKey), -1);
      }
      await applySignal(cells, kind, record, order, shard, 1);
      // deno-lint-ignore no-explicit-any
      await ctx.db.replace(existing._id as any, { ...row, ...keptStreamFields(existing) } as any);
      count(signalCounters.rowsOfKey(table, beforeKey), -1);
      count(signalCounters.rowsOfKey(table, key), 1);
      count(signalCounters.celledOfKey(table, key), 1);
      continue;
    }
    // deno-lint-ignore no-explicit-any
    const inserted = await ctx.db.insert(table, { ...row, ...await stream.next(batchKey) } as any);
    // deno-lint-ignore no-explicit-any
    const order = (await ctx.db.get(inserted as any))!._creationTime;
    await applySignal(cells, kind, record, order, shard, 1);
    count(signalCounters.rows(table), 1);
    count(signalCounters.rowsOfKey(table, key), 1);
    count(signalCounters.celledOfKey(table, key), 1);
  }
  await cells.flush();
  await stream.flush();
  await adjustCounters(ctx, deltas);
  await recordEntries(ctx, entries);
}

/** Deletes scores or feedback by id, only those within the tenant scope. */
export async function deleteSignalsById(ctx: MutationCtx, kind: SignalKind, ids: string[], scope: Scope) {
  const cells = new CellCache(ctx, { signal: kind });
  const deltas: [string, number][] = [];
  for (const id of new Set(ids)) {
    const doc = await findById(ctx, kind, id);
    if (!doc) continue;
    const record = decodeValue(doc.data) as Record<string, unknown>;
    if (!inScope(record, scope)) continue;
    await removeRow(ctx, cells, kind, doc, record, deltas);
  }
  await cells.flush();
  await adjustCounters(ctx, deltas);
}

/** Rows deleted per call of {@link deleteSignalsOfTraces} (each touches up to 8 cells). */
const DELETE_BATCH = 500;

/**
 * Deletes up to one batch of the scores or feedback that name `resourceId`
 * (erasure), taking each out of its rollup cells and counters as a delete
 * by id does; `done` once none is left.
 */
export async function deleteSignalsOfResource(
  ctx: MutationCtx,
  kind: SignalKind,
  resourceId: string,
): Promise<{ deleted: number; done: boolean }> {
  const cells = new CellCache(ctx, { signal: kind });
  const deltas: [string, number][] = [];
  const db = ctx.db as unknown as AnyDb;
  let deleted = 0;
  let done = true;
  const docs = db.query(SIGNAL_TABLES[kind]).withIndex("by_resource", (q) => q.eq("resourceId", resourceId));
  for await (const doc of docs) {
    if (deleted >= DELETE_BATCH) {
      done = false;
      break;
    }
    await removeRow(ctx, cells, kind, doc, decodeValue(doc.data) as Record<string, unknown>, deltas);
    deleted++;
  }
  await cells.flush();
  await adjustCounters(ctx, deltas);
  return { deleted, done };
}

/** Deletes the scores or feedback linked to the given traces (within the scope), in bounded steps. */
export async function deleteSignalsOfTraces(
  ctx: MutationCtx,
  kind: SignalKind,
  traceIds: string[],
  scope: Scope,
): Promise<{ remaining: string[] }> {
  const cells = new CellCache(ctx, { signal: kind });
  const deltas: [string, number][] = [];
  let deleted = 0;
  let remaining: string[] = [];
  const db = ctx.db as unknown as AnyDb;
  outer: for (let i = 0; i < traceIds.length; i++) {
    const docs = db.query(SIGNAL_TABLES[kind]).withIndex("by_trace_timestamp", (q) => q.eq("traceId", traceIds[i]));
    for await (const doc of docs) {
      if (deleted >= DELETE_BATCH) {
        remaining = traceIds.slice(i);
        break outer;
      }
      const record = decodeValue(doc.data) as Record<string, unknown>;
      if (!inScope(record, scope)) continue;
      await removeRow(ctx, cells, kind, doc, record, deltas);
      deleted++;
    }
  }
  await cells.flush();
  await adjustCounters(ctx, deltas);
  return { remaining };
}
