/**
 * Bounded walks over sorted indexes: the one mechanism every list uses.
 *
 * Every list in Mastra is "page `p` of `perPage` rows in some order". Convex
 * cannot skip rows without reading them, and one transaction may read only
 * so much, so a list is served as a *walk*: each call reads at most a fixed
 * budget of documents and bytes, and returns either the rows (done) or a
 * {@link WalkState} from which the client resumes with another call. Cost
 * per call is bounded whatever the table size; the client loops
 * (`src/kit/walk.ts`).
 *
 * A walk reads one or more *sources*: index ranges of one table, each an
 * equality prefix on an index ending in `[..., sortField, "id"]`. All
 * sources are ordered by the same total key `(sortValue, id)`, so several
 * are merged into one stream, and "strictly after the last key read"
 * resumes every source at once: resuming never repeats or skips a row, even
 * when many rows share a timestamp. Optionally the sort field is restricted
 * to a range (inclusive or exclusive ends) inside the index range itself, so
 * rows outside it are never read; a predicate keeps only matching rows, a
 * `cost` hook charges bytes a row's predicate reads elsewhere, and an
 * `onTake` hook turns a returned row into what the caller returns (loading
 * what it needs from other tables, within the byte budget).
 *
 * A sort field may be unset on some rows (a task that never started has no
 * `startedAt`): Convex orders unset values before every other value, and so
 * does {@link compareKeys}, so such rows come first in ascending order and
 * their key has no `value`. A range on the sort field never includes them.
 */
import { compareValues, type Infer, v } from "convex/values";
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "./functions.js";

/** Validator of a position in a sorted index (`value` absent: the sort field is unset on that row). */
export const sortKeyValidator = v.object({ value: v.optional(v.union(v.number(), v.string())), id: v.string() });
/** A position in a sorted index: the sort field's value (absent when unset) and the row id. */
export type SortKey = Infer<typeof sortKeyValidator>;

/** Validator of a sort order. */
export const orderValidator = v.union(v.literal("asc"), v.literal("desc"));
/** A sort order. */
export type Order = Infer<typeof orderValidator>;

/** Validator of the resumable state of a walk. */
export const walkStateValidator = v.object({
  /** Last position read; the walk continues strictly after it. */
  after: v.optional(sortKeyValidator),
  /** Matching rows still to skip before taking. */
  skip: v.number(),
  /** Matching rows still to take. */
  take: v.number(),
  /** Matching rows seen so far (skipped + taken + counted). */
  matched: v.number(),
  /** Walk order. */
  order: orderValidator,
  /** Keep counting matches after the page is full (needed when no counter holds the total). */
  countAll: v.boolean(),
  /** True when the walk runs against the requested order (the client reverses the rows). */
  reversed: v.boolean(),
});
/** The resumable state of a walk. */
export type WalkState = Infer<typeof walkStateValidator>;

/** Per-call limits of a walk, far below Convex's transaction limits. */
export type WalkBudget = { docs: number; bytes: number };

/** Default budget: well inside 32,000 documents / 16 MiB per transaction. */
export const DEFAULT_BUDGET: WalkBudget = { docs: 4000, bytes: 8 * 1024 * 1024 };

/** Rows returned per call at most when each costs an `onTake` lookup (keeps `db` calls far below 4,096). */
export const DEFAULT_MAX_TAKE = 1000;

/** One source of a walk: table, index name, equality prefix and sort field. */
export type IndexSpec = {
  table: keyof DataModel & string;
  index: string;
  eq: [string, unknown][];
  sortField: string;
};

/** The sources of a walk: one index range, or several over the same table and sort field (merged). */
export type WalkSources = IndexSpec | IndexSpec[];

/** One end of a range on the sort field. */
export type Bound = { value: number | string; inclusive: boolean };

/** Range on the sort field; either end may be open. */
export type SortRange = { lower?: Bound; upper?: Bound };

/** Validator of a range on a numeric sort field (epoch ms; bounds inclusive unless marked exclusive). */
export const dateRangeValidator = v.object({
  start: v.optional(v.number()),
  startExclusive: v.optional(v.boolean()),
  end: v.optional(v.number()),
  endExclusive: v.optional(v.boolean()),
});
/** A range on a numeric sort field, as list calls receive it. */
export type DateRange = Infer<typeof dateRangeValidator>;

/**
 * The range as read from an index: a range with only an upper end gets the
 * lower end `-Infinity`, below every set number and string but above unset
 * values, so a range never includes rows whose sort field is unset.
 */
export function effectiveRange(range: SortRange): SortRange {
  if (range.upper === undefined || range.lower !== undefined) return range;
  return { lower: { value: -Infinity, inclusive: true }, upper: range.upper };
}

/** The {@link SortRange} of a {@link DateRange} (or of none). */
export function sortRange(range: DateRange | undefined): SortRange {
  const out: SortRange = {};
  if (range?.start !== undefined) out.lower = { value: range.start, inclusive: !range.startExclusive };
  if (range?.end !== undefined) out.upper = { value: range.end, inclusive: !range.endExclusive };
  return out;
}

/** Options of one {@link walk} step. */
export type WalkOptions<Doc, Row> = {
  /** Only rows whose sort value lies in this range are read. */
  range?: SortRange;
  /** Keeps only matching rows. */
  predicate?: (doc: Doc) => boolean | Promise<boolean>;
  /** Extra bytes the predicate will read for `doc` (e.g. large content); checked against the budget first. */
  cost?: (doc: Doc) => number | Promise<number>;
  /** Turns a taken document into the returned row, reporting the extra bytes it read. */
  onTake?: (doc: Doc) => Promise<{ row: Row; bytes: number }>;
  /** Rows returned per call at most (default {@link DEFAULT_MAX_TAKE} with `onTake`, unbounded without). */
  maxTake?: number;
  /** Per-call budget (default {@link DEFAULT_BUDGET}). */
  budget?: WalkBudget;
};

/** Result of one walk call. */
export type WalkResult<Row> = {
  /** Rows taken by this call, in walk order. */
  rows: Row[];
  /** State to resume from, or `null` when the walk is complete. */
  next: WalkState | null;
  /** Matching rows seen so far; the exact total once `next` is null and `countAll` was set. */
  matched: number;
};

/**
 * Stored size of a document in bytes, counted the way Convex counts it:
 * strings (values and field names) by their UTF-8 length, numbers 8 bytes,
 * nested objects and arrays by their contents. A string of 400,000 "€" is
 * 1.2 MB here, not 400,000.
 */
export function approximateSize(doc: Record<string, unknown>): number {
  let size = 0;
  for (const key of Object.keys(doc)) size += utf8Length(key) + valueSize(doc[key]);
  return size;
}

function valueSize(value: unknown): number {
  if (typeof value === "string") return utf8Length(value) + 2;
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  if (typeof value === "number" || typeof value === "bigint") return 8;
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (Array.isArray(value)) return value.reduce((sum: number, item) => sum + valueSize(item), 2);
  if (typeof value === "object") return approximateSize(value as Record<string, unknown>) + 2;
  return 8;
}

/** UTF-8 length of a string, without allocating it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

// deno-lint-ignore no-explicit-any
type Q = any;

function applyLower(q: Q, field: string, bound: Bound | undefined): Q {
  if (!bound) return q;
  return bound.inclusive ? q.gte(field, bound.value) : q.gt(field, bound.value);
}

function applyUpper(q: Q, field: string, bound: Bound | undefined): Q {
  if (!bound) return q;
  return bound.inclusive ? q.lte(field, bound.value) : q.lt(field, bound.value);
}

/** Streams one source within `range`, strictly after `after`, in `order`. */
async function* streamSource(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  range: SortRange,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<Record<string, unknown>> {
  const prefix = (q: Q) => spec.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
  const table = () => db.query(spec.table) as Q;
  const field = spec.sortField;
  const { lower, upper } = effectiveRange(range);
  if (after === undefined) {
    yield* table()
      .withIndex(spec.index, (q: Q) => applyUpper(applyLower(prefix(q), field, lower), field, upper))
      .order(order);
    return;
  }
  const tie = order === "asc" ? "gt" : "lt";
  yield* table().withIndex(spec.index, (q: Q) => prefix(q).eq(field, after.value)[tie]("id", after.id)).order(order);
  if (after.value === undefined) {
    // After an unset value: ascending, every set value follows; descending, nothing does.
    if (order === "asc") {
      const set = lower ?? { value: -Infinity, inclusive: true };
      yield* table().withIndex(spec.index, (q: Q) => applyUpper(applyLower(prefix(q), field, set), field, upper))
        .order(order);
    }
    return;
  }
  const rest = order === "asc"
    ? (q: Q) => applyUpper(prefix(q).gt(field, after.value), field, upper)
    : (q: Q) => applyLower(prefix(q), field, lower).lt(field, after.value);
  yield* table().withIndex(spec.index, rest).order(order);
}

/** Compares two rows by `(sortField, id)` with Convex's own value order. */
export function compareKeys(a: SortKey, b: SortKey): number {
  return compareValues(a.value, b.value) || compareValues(a.id, b.id);
}

/** The position of `doc` in an index sorted by `sortField` (no `value` when the field is unset). */
export function keyOf(doc: Record<string, unknown>, sortField: string): SortKey {
  const value = doc[sortField] as number | string | undefined;
  return value === undefined ? { id: doc.id as string } : { value, id: doc.id as string };
}

/**
 * Streams the rows of `sources` (merged in `(sortField, id)` order when
 * several) within `range`, strictly after `after`, in `order`. Close it with
 * `return()` when stopping early.
 */
export async function* streamAfter(
  db: GenericDatabaseReader<DataModel>,
  sources: WalkSources,
  after: SortKey | undefined,
  order: Order,
  range: SortRange = {},
): AsyncGenerator<Record<string, unknown>> {
  const specs = Array.isArray(sources) ? sources : [sources];
  if (specs.length === 1) {
    yield* streamSource(db, specs[0], range, after, order);
    return;
  }
  const iterators = specs.map((spec) => streamSource(db, spec, range, after, order));
  try {
    const heads: (Record<string, unknown> | undefined)[] = [];
    for (const iterator of iterators) heads.push((await iterator.next()).value ?? undefined);
    const sign = order === "asc" ? 1 : -1;
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head === undefined) continue;
        const field = specs[i].sortField;
        if (best === -1 || sign * compareKeys(keyOf(head, field), keyOf(heads[best]!, field)) < 0) best = i;
      }
      if (best === -1) return;
      yield heads[best]!;
      heads[best] = (await iterators[best].next()).value ?? undefined;
    }
  } finally {
    for (const iterator of iterators) await iterator.return(undefined);
  }
}

/**
 * Runs one bounded step of a walk: skips, takes and (optionally) counts
 * matching rows until the budget is spent or the walk is complete. Stops
 * reading as soon as the page is full unless counting.
 */
export async function walk<Doc extends Record<string, unknown>, Row = Doc>(
  db: GenericDatabaseReader<DataModel>,
  sources: WalkSources,
  state: WalkState,
  options: WalkOptions<Doc, Row> = {},
): Promise<WalkResult<Row>> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const maxTake = options.maxTake ?? (options.onTake ? DEFAULT_MAX_TAKE : Number.POSITIVE_INFINITY);
  const sortField = (Array.isArray(sources) ? sources[0] : sources).sortField;
  const rows: Row[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last: SortKey | undefined = state.after;
  const suspend = (): WalkResult<Row> => ({ rows, matched, next: { ...state, after: last, skip, take, matched } });
  if (take === 0 && !state.countAll) return { rows, matched, next: null };
  const stream = streamAfter(db, sources, state.after, state.order, options.range);
  try {
    for (;;) {
      if (skip === 0 && take === 0 && !state.countAll) break;
      if (docs >= budget.docs || bytes >= budget.bytes || rows.length >= maxTake) return suspend();
      const item = await stream.next();
      if (item.done) break;
      const doc = item.value as Doc;
      const extra = options.cost ? await options.cost(doc) : 0;
      if (docs > 0 && bytes + extra > budget.bytes) return suspend();
      docs++;
      bytes += approximateSize(doc) + extra;
      last = keyOf(doc, sortField);
      if (options.predicate && !(await options.predicate(doc))) continue;
      matched++;
      if (skip > 0) skip--;
      else if (take > 0) {
        if (options.onTake) {
          const taken = await options.onTake(doc);
          rows.push(taken.row);
          bytes += taken.bytes;
        } else {
          rows.push(doc as unknown as Row);
        }
        take--;
      }
    }
  } finally {
    await stream.return(undefined);
  }
  return { rows, matched, next: null };
}

/**
 * Plans the first step of an offset page when the total is known: reads
 * from whichever end of the index is nearer, so the first and the last
 * pages of a huge list both cost about one page.
 */
export function planPage(total: number, offset: number, limit: number, order: Order): WalkState {
  const inRange = Math.max(0, Math.min(limit, total - offset));
  const fromEnd = total - offset - inRange;
  if (fromEnd < offset) {
    return {
      skip: fromEnd,
      take: inRange,
      matched: 0,
      order: order === "asc" ? "desc" : "asc",
      countAll: false,
      reversed: true,
    };
  }
  return { skip: offset, take: inRange, matched: 0, order, countAll: false, reversed: false };
}

/**
 * The first state of an offset page: from the nearer end when the total is
 * known ({@link planPage}), or a counting walk from the start when it is not.
 * Returns `null` when a known total says the page is empty.
 */
export function firstState(total: number | null, offset: number, limit: number, order: Order): WalkState | null {
  if (total === null) return countingState(offset, limit, order);
  if (offset >= total || limit <= 0) return null;
  return planPage(total, offset, limit, order);
}

/** The first state of a walk that counts every match (no counter holds the total). */
export function countingState(offset: number, limit: number, order: Order): WalkState {
  return { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
}
