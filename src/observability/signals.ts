/**
 * Client side of the reads shared by logs and metric events
 * (`convex/observability/signalLists.ts`): offset pages, delta polling and
 * the delta cursors core's in-memory store hands out.
 */
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { SignalTable } from "../../convex/observability/counterNames.ts";
import type { SignalListRow } from "../../convex/observability/signalLists.ts";
import type { SignalFilter } from "../../convex/observability/signals.ts";
import { decodeValue, encodeValue, toMillis } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError } from "../kit/errors.ts";
import { requireKey, requireRecord } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import { chunkBySize } from "./rows.ts";

/** Calls made by the search for the newest matching row before the newest row stands in. */
const MAX_SEARCH_CALLS = 4;

function invalidCursor(): MastraError {
  return new MastraError({
    id: "OBSERVABILITY_INVALID_DELTA_CURSOR",
    domain: ErrorDomain.MASTRA_OBSERVABILITY,
    category: ErrorCategory.USER,
    text: "Invalid observability delta cursor",
  });
}

function parseCursor(cursor: string): number {
  if (!/^\d+$/.test(cursor)) throw invalidCursor();
  const value = Number.parseInt(cursor, 10);
  if (!Number.isSafeInteger(value) || value < 0) throw invalidCursor();
  return value;
}

/**
 * Sequence number of the newest row matching `filter` (`null` if none).
 * The search is bounded: after {@link MAX_SEARCH_CALLS} calls without a
 * match, the newest row of the table stands in (no newer row matches).
 */
async function newestMatching(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
): Promise<number | null> {
  let state: WalkState | undefined;
  for (let call = 0; call < MAX_SEARCH_CALLS; call++) {
    const result: ListResult<SignalListRow> = await ctx.transport.query("observability/signalLists:signalDelta", {
      table,
      filter,
      mode: "max",
      limit: 1,
      ...(state !== undefined ? { state } : {}),
    }, { operation });
    if (result.rows.length > 0) return result.rows[0].seq;
    if (result.next === null) return null;
    state = result.next;
  }
  return newestMatching(ctx, operation, table, { eq: [] });
}

/** Delta cursor when no row is returned: newest matching row, else newest row, else 0. */
async function fallbackCursor(ctx: DomainContext, operation: string, table: SignalTable, filter: SignalFilter) {
  const matching = await newestMatching(ctx, operation, table, filter);
  if (matching !== null) return matching;
  return (await newestMatching(ctx, operation, table, { eq: [] })) ?? 0;
}

/** A delta poll window of decoded records. */
export type SignalDelta<Row> = { rows: Row[]; delta: { limit: number; hasMore: boolean }; deltaCursor: string };

/** One delta poll: records first written after `after`, oldest first (core's `listAppendOnlyDelta`). */
export async function signalDelta<Row>(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
  after: string | undefined,
  limit: number,
): Promise<SignalDelta<Row>> {
  if (after === undefined) {
    return {
      rows: [],
      delta: { limit, hasMore: false },
      deltaCursor: String(await fallbackCursor(ctx, operation, table, filter)),
    };
  }
  const from = parseCursor(after);
  const { rows } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<SignalListRow>>("observability/signalLists:signalDelta", {
      table,
      filter,
      mode: "after",
      after: from,
      limit: limit + 1,
      ...(state !== undefined ? { state } : {}),
    }, { operation })
  );
  const visible = rows.slice(0, limit);
  const deltaCursor = visible.length > 0
    ? String(visible[visible.length - 1].seq)
    : String(await fallbackCursor(ctx, operation, table, filter));
  return {
    rows: visible.map((row) => decodeValue(row.data) as Row),
    delta: { limit, hasMore: rows.length > limit },
    deltaCursor,
  };
}

/** One offset page in timestamp order, its total, and the page-mode delta cursor (newest matching row, else 0). */
export async function signalPage<Row>(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
  page: number,
  perPage: number,
  direction: "ASC" | "DESC",
  sort: "timestamp" | "score" = "timestamp",
): Promise<
  { rows: Row[]; pagination: { total: number; page: number; perPage: number; hasMore: boolean }; deltaCursor: string }
> {
  const offset = page * perPage;
  const { rows, total } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<SignalListRow>>("observability/signalLists:listSignals", {
      table,
      filter,
      ...(sort === "score" ? { sort } : {}),
      order: direction === "ASC" ? "asc" : "desc",
      offset,
      limit: perPage,
      ...(state !== undefined ? { state } : {}),
    }, { operation, details: { page, perPage } })
  );
  const count = total ?? 0;
  return {
    rows: rows.map((row) => decodeValue(row.data) as Row),
    pagination: { total: count, page, perPage, hasMore: offset + perPage < count },
    deltaCursor: String((await newestMatching(ctx, operation, table, filter)) ?? 0),
  };
}

/** Every row of `table` matching `filter`, in write order (bounded resumable calls, counted in `stats` if given). */
export async function walkSignals(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
  stats?: { calls: number; eventsRead: number },
): Promise<{ seq: number; record: Record<string, unknown> }[]> {
  const { rows } = await runWalk((state: WalkState | undefined) => {
    if (stats) stats.calls++;
    return ctx.transport.query<ListResult<SignalListRow>>("observability/signalLists:listSignals", {
      table,
      filter,
      order: "asc",
      offset: 0,
      limit: Number.MAX_SAFE_INTEGER,
      ...(state !== undefined ? { state } : {}),
    }, { operation });
  });
  if (stats) stats.eventsRead += rows.length;
  return rows.map((row) => ({ seq: row.seq, record: decodeValue(row.data) as Record<string, unknown> }))
    .sort((a, b) => a.seq - b.seq);
}

/**
 * Checks and encodes signal records for writing: each must be an object
 * with a string id in `idField` and a valid `timestamp`.
 */
export function encodeSignals(records: unknown, idField: string, operation: string): string[] {
  if (!Array.isArray(records)) throw new InvalidInputError(`${operation}: records must be an array`);
  return records.map((input, i) => {
    const record = requireRecord(input, `records[${i}]`);
    if (record[idField] == null) {
      throw new InvalidInputError(`records[${i}]: Observability record is missing required id field '${idField}'`);
    }
    requireKey(record[idField], `records[${i}].${idField}`);
    if (record[idField] === "") throw new InvalidInputError(`records[${i}].${idField} must not be empty`);
    toMillis(record.timestamp, `records[${i}].timestamp`);
    if (!(record.timestamp instanceof Date)) {
      throw new InvalidInputError(`records[${i}].timestamp must be a Date`);
    }
    return encodeValue(record);
  });
}

/** Splits encoded records into write calls bounded by count and bytes. */
export function writeChunks(encoded: string[], perCall: number): string[][] {
  return chunkBySize(encoded, (text) => text.length, perCall, 4 * 1024 * 1024);
}
