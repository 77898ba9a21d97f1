/**
 * Client side of the reads shared by the signal tables (logs, metric events, scores, feedback)
 * (`convex/observability/signals/signalLists.ts`): offset pages, delta polling
 * (`deltaPolls.ts`) and the bounded walks of the analytics.
 */
import type { ListResult } from "../../../convex/kit/rows.ts";
import type { WalkState } from "../../../convex/kit/walk.ts";
import type { SignalTable } from "../../../convex/observability/counterNames.ts";
import type { SignalListRow } from "../../../convex/observability/signals/signalLists.ts";
import type { SignalFilter } from "../../../convex/observability/signals/signals.ts";
import { decodeValue, encodeValue, toMillis } from "../../kit/codec.ts";
import type { DomainContext } from "../../kit/context.ts";
import { InvalidInputError } from "../../kit/errors.ts";
import { requireKey, requireRecord } from "../../kit/validate.ts";
import { runWalk } from "../../kit/walk.ts";
import { encodePosition, startPosition } from "../../../convex/observability/streams/deltaCursor.ts";
import { type DeltaEndpoints, type DeltaWindow, deltaWindow } from "../streams/deltaPolls.ts";
import { chunkBySize } from "../tracing/rows.ts";

/** The delta functions of a signal table's stream, for one filter. */
function signalEndpoints(table: SignalTable, filter: SignalFilter): DeltaEndpoints {
  return {
    after: "observability/signals/signalLists:signalDeltaAfter",
    newest: "observability/signals/signalLists:signalDeltaNewest",
    args: { table, filter },
  };
}

/** A delta poll window of decoded records. */
export type SignalDelta<Row> = DeltaWindow<Row>;

/** One delta poll: records first written after `after`, oldest first (core's `listAppendOnlyDelta`). */
export async function signalDelta<Row>(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
  after: string | undefined,
  limit: number,
): Promise<SignalDelta<Row>> {
  const window = await deltaWindow<string>(ctx, operation, signalEndpoints(table, filter), after, limit);
  return { ...window, rows: window.rows.map((data) => decodeValue(data) as Row) };
}

/**
 * One offset page in timestamp order, its total, and the page-mode delta
 * cursor: the head of the table's delta stream when the page was read (the
 * next poll answers the rows written after it; core's in-memory store
 * answers the newest *matching* row's number, which would cost a search).
 */
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
  let head: number[] | undefined;
  const { rows, total } = await runWalk(async (state: WalkState | undefined) => {
    const step = await ctx.transport.query<ListResult<SignalListRow> & { head?: number[] }>(
      "observability/signals/signalLists:listSignals",
      {
        table,
        filter,
        ...(sort === "score" ? { sort } : {}),
        order: direction === "ASC" ? "asc" : "desc",
        offset,
        limit: perPage,
        withHead: true,
        ...(state !== undefined ? { state } : {}),
      },
      { operation, details: { page, perPage } },
    );
    head ??= step.head;
    return step;
  });
  const count = total ?? 0;
  return {
    rows: rows.map((row) => decodeValue(row.data) as Row),
    pagination: { total: count, page, perPage, hasMore: offset + perPage < count },
    deltaCursor: encodePosition(head ?? startPosition()),
  };
}

/** Every row of `table` matching `filter`, in write order (bounded resumable calls, counted in `stats` if given). */
export async function walkSignals(
  ctx: DomainContext,
  operation: string,
  table: SignalTable,
  filter: SignalFilter,
  stats?: { calls: number; eventsRead: number },
): Promise<{ order: number; record: Record<string, unknown> }[]> {
  const { rows } = await runWalk((state: WalkState | undefined) => {
    if (stats) stats.calls++;
    return ctx.transport.query<ListResult<SignalListRow>>("observability/signals/signalLists:listSignals", {
      table,
      filter,
      order: "asc",
      offset: 0,
      limit: Number.MAX_SAFE_INTEGER,
      ...(state !== undefined ? { state } : {}),
    }, { operation });
  });
  if (stats) stats.eventsRead += rows.length;
  return rows.map((row) => ({ order: row.order, record: decodeValue(row.data) as Record<string, unknown> }))
    .sort((a, b) => a.order - b.order);
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
