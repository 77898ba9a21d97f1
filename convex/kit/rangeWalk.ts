/**
 * Bounded walks (see `pagination.ts`) restricted to a range of the sort
 * field, with an optional per-row lookup for the rows a page returns.
 *
 * - `range` bounds the sort field inclusively, in the index range itself, so
 *   a date-filtered list never reads rows outside the dates.
 * - `onTake` loads what a returned row needs besides itself (a run's
 *   snapshot lives in another table); its bytes count against the budget,
 *   and at most `maxTake` rows are returned per call so the `db.query`
 *   calls of one transaction stay far below Convex's 4,096.
 */
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "./functions.js";
import {
  approximateSize,
  DEFAULT_BUDGET,
  type IndexSpec,
  type Order,
  planPage,
  type SortKey,
  type WalkBudget,
  type WalkState,
} from "./walk.js";

/** Inclusive bounds on the sort field (either may be absent). */
export type SortRange = { lower?: number; upper?: number };

/** Rows returned per call at most (each may cost one extra lookup). */
export const DEFAULT_MAX_TAKE = 1000;

/** Streams the rows of `spec` within `range`, strictly after `after`, in `order`. */
export async function* streamRange(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  range: SortRange,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<Record<string, unknown>> {
  // deno-lint-ignore no-explicit-any
  const prefix = (q: any) => spec.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
  // deno-lint-ignore no-explicit-any
  const bounded = (q: any) => {
    let r = prefix(q);
    if (order === "asc" && after !== undefined) r = r.gt(spec.sortField, after.value);
    else if (range.lower !== undefined) r = r.gte(spec.sortField, range.lower);
    if (order === "desc" && after !== undefined) r = r.lt(spec.sortField, after.value);
    else if (range.upper !== undefined) r = r.lte(spec.sortField, range.upper);
    return r;
  };
  if (after !== undefined) {
    const tie = order === "asc" ? "gt" : "lt";
    // deno-lint-ignore no-explicit-any
    yield* (db.query(spec.table) as any)
      // deno-lint-ignore no-explicit-any
      .withIndex(spec.index, (q: any) => prefix(q).eq(spec.sortField, after.value)[tie]("id", after.id))
      .order(order);
  }
  // deno-lint-ignore no-explicit-any
  yield* (db.query(spec.table) as any).withIndex(spec.index, bounded).order(order);
}

/** Result of one range-walk call. */
export type RangeWalkResult<Row> = {
  /** Rows taken by this call, in walk order. */
  rows: Row[];
  /** State to resume from, or `null` when the walk is complete. */
  next: WalkState | null;
  /** Matching rows seen so far; the exact total once `next` is null and `countAll` was set. */
  matched: number;
};

/** Options of {@link walkRange}. */
export type RangeWalkOptions<Doc, Row> = {
  /** Keeps only matching rows. */
  predicate?: (doc: Doc) => boolean;
  /** Per-call budget (default {@link DEFAULT_BUDGET}). */
  budget?: WalkBudget;
  /** Rows returned per call at most (default {@link DEFAULT_MAX_TAKE}). */
  maxTake?: number;
  /** Turns a taken document into the returned row, reporting the extra bytes it read. */
  onTake: (doc: Doc) => Promise<{ row: Row; bytes: number }>;
};

/**
 * Runs one bounded step of a walk over `range`: skips, takes and
 * (optionally) counts matching rows until the budget is spent or the walk
 * is complete. Stops reading as soon as the page is full unless counting.
 */
export async function walkRange<Doc extends Record<string, unknown>, Row>(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  range: SortRange,
  state: WalkState,
  options: RangeWalkOptions<Doc, Row>,
): Promise<RangeWalkResult<Row>> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const maxTake = options.maxTake ?? DEFAULT_MAX_TAKE;
  const rows: Row[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last: SortKey | undefined = state.after;
  const stream = streamRange(db, spec, range, state.after, state.order);
  try {
    for (;;) {
      if (skip === 0 && take === 0 && !state.countAll) break;
      if (docs >= budget.docs || bytes >= budget.bytes || rows.length >= maxTake) {
        return { rows, matched, next: { ...state, after: last, skip, take, matched } };
      }
      const item = await stream.next();
      if (item.done) break;
      const doc = item.value as Doc;
      docs++;
      bytes += approximateSize(doc);
      last = { value: doc[spec.sortField] as number | string, id: doc.id as string };
      if (options.predicate && !options.predicate(doc)) continue;
      matched++;
      if (skip > 0) skip--;
      else if (take > 0) {
        const taken = await options.onTake(doc);
        rows.push(taken.row);
        bytes += taken.bytes;
        take--;
      }
    }
  } finally {
    await stream.return(undefined);
  }
  return { rows, matched, next: null };
}

/**
 * The first state of an offset page: from the nearer end when the total is
 * known (`planPage`), or a counting walk from the start when it is not.
 * Returns `null` when a known total says the page is empty.
 */
export function firstState(total: number | null, offset: number, limit: number, order: Order): WalkState | null {
  if (total === null) return { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
  if (offset >= total || limit <= 0) return null;
  return planPage(total, offset, limit, order);
}
