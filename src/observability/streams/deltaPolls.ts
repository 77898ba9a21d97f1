/**
 * Client side of delta polling over the sharded delta streams
 * (`convex/observability/streams/deltaPolls.ts`), shared by traces, branch-anchor
 * spans, logs, metric events, scores and feedback: one poll window in
 * bounded calls, and the cursor of an empty answer.
 */
import { ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import {
  decodePosition,
  type DeltaPosition,
  encodePosition,
  startPosition,
} from "../../../convex/observability/streams/deltaCursor.ts";
import type { DeltaStep, NewestStep } from "../../../convex/observability/streams/deltaPolls.ts";
import type { DomainContext } from "../../kit/context.ts";

/** Rows of a delta poll window, as core's stores answer it. */
export type DeltaWindow<Row> = { rows: Row[]; delta: { limit: number; hasMore: boolean }; deltaCursor: string };

/**
 * The two functions of one stream: `after` (one step of a poll) and
 * `newest` (one step of the search for the newest match), and the
 * arguments both take besides their position (the filter, the table).
 */
export type DeltaEndpoints = {
  after: `${string}:${string}`;
  newest: `${string}:${string}`;
  args: Record<string, unknown>;
};

/**
 * Calls the search for the newest match makes before the newest entry stands
 * in (each reads a bounded number of entries): an empty answer's cursor costs
 * a bounded number of calls even when nothing matches.
 */
const MAX_SEARCH_CALLS = 4;

/** The error core's stores raise for a cursor they did not hand out. */
export function invalidCursor(): MastraError {
  return new MastraError({
    id: "OBSERVABILITY_INVALID_DELTA_CURSOR",
    domain: ErrorDomain.MASTRA_OBSERVABILITY,
    category: ErrorCategory.USER,
    text: "Invalid observability delta cursor",
  });
}

/** Parses a delta cursor (a position in the sharded delta streams, `convex/observability/streams/deltaCursor.ts`). */
export function parseCursor(cursor: string): DeltaPosition {
  const position = decodePosition(cursor);
  if (position === null) throw invalidCursor();
  return position;
}

/**
 * Position just after the newest matching row, else after every row: the
 * cursor core's stores answer when a poll finds nothing. Filters no index
 * answers search newest first, in bounded calls; after
 * {@link MAX_SEARCH_CALLS} calls without a match the position after every
 * entry stands in (what follows it is newer than every row, so the next poll
 * answers the same, except for a row written before it and rewritten to
 * match later). `within`: the position a poll read up to; the search then
 * looks only at what that poll saw, so a row committed meanwhile is never
 * jumped over.
 */
export async function newestCursor(
  ctx: DomainContext,
  operation: string,
  endpoints: DeltaEndpoints,
  within?: DeltaPosition,
): Promise<string> {
  // Only entries a poll has already read count: one written since comes after the cursor, never before it.
  let before: (number | null)[] | undefined = within?.map((seq) => seq + 1);
  let head: number[] | null = within ?? null;
  for (let call = 0;; call++) {
    const step: NewestStep = await ctx.transport.query<NewestStep>(endpoints.newest, {
      ...endpoints.args,
      ...(before !== undefined ? { before } : {}),
    }, { operation });
    head ??= step.head;
    if (step.found !== null) return encodePosition(step.found);
    if (step.before === null || call + 1 >= MAX_SEARCH_CALLS) return encodePosition(head ?? startPosition());
    before = step.before;
  }
}

/** One delta poll window: rows first written after `after`, oldest first (core's `listAppendOnlyDelta`). */
export async function deltaWindow<Row>(
  ctx: DomainContext,
  operation: string,
  endpoints: DeltaEndpoints,
  after: string | undefined,
  limit: number,
): Promise<DeltaWindow<Row>> {
  if (after === undefined) {
    return {
      rows: [],
      delta: { limit, hasMore: false },
      deltaCursor: await newestCursor(ctx, operation, endpoints),
    };
  }
  let position = parseCursor(after);
  const rows: Row[] = [];
  const positions: number[][] = [];
  for (;;) {
    const step: DeltaStep<Row> = await ctx.transport.query<DeltaStep<Row>>(endpoints.after, {
      ...endpoints.args,
      after: position,
      want: limit + 1 - rows.length,
    }, { operation });
    rows.push(...step.rows);
    positions.push(...step.positions);
    position = step.scanned;
    if (step.done || rows.length > limit) break;
  }
  const visible = rows.slice(0, limit);
  const deltaCursor = visible.length > 0
    ? encodePosition(positions[visible.length - 1])
    : await newestCursor(ctx, operation, endpoints, position);
  return { rows: visible, delta: { limit, hasMore: rows.length > limit }, deltaCursor };
}
