/**
 * Bounded walks over sorted indexes.
 *
 * Every list in Mastra is "page `p` of `perPage` rows in some order". Convex
 * cannot skip rows without reading them, and one transaction may read only
 * so much, so a list is served as a *walk*: each call reads at most a fixed
 * budget of documents and bytes, and returns either the rows (done) or a
 * {@link WalkState} from which the client resumes with another call. Cost
 * per call is bounded whatever the table size; the client loops.
 *
 * Positions are keys `(sortValue, id)` of indexes that end in
 * `[..., sortField, "id"]`, so ordering is total and resuming never repeats
 * or skips a row even when many rows share a timestamp.
 */
import { type Infer, v } from "convex/values";
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "./functions.js";

/** Validator of a position in a sorted index. */
export const sortKeyValidator = v.object({ value: v.union(v.number(), v.string()), id: v.string() });
/** A position in a sorted index: the sort field's value and the row id. */
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

/** Which index to walk: table, index name, equality prefix and sort field. */
export type IndexSpec = {
  table: keyof DataModel & string;
  index: string;
  eq: [string, unknown][];
  sortField: string;
};

/** Result of one walk call. */
export type WalkResult<Doc> = {
  /** Rows taken by this call, in walk order. */
  rows: Doc[];
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

/** Streams the rows of `spec` strictly after `after`, in `order`. */
export async function* streamAfter(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<Record<string, unknown>> {
  // deno-lint-ignore no-explicit-any
  const prefix = (q: any) => spec.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
  // deno-lint-ignore no-explicit-any
  const table = db.query(spec.table) as any;
  if (after === undefined) {
    yield* table.withIndex(spec.index, prefix).order(order);
    return;
  }
  const tie = order === "asc" ? "gt" : "lt";
  // deno-lint-ignore no-explicit-any
  yield* table.withIndex(spec.index, (q: any) => prefix(q).eq(spec.sortField, after.value)[tie]("id", after.id)).order(
    order,
  );
  // deno-lint-ignore no-explicit-any
  yield* (db.query(spec.table) as any).withIndex(spec.index, (q: any) => prefix(q)[tie](spec.sortField, after.value))
    .order(order);
}

/**
 * Runs one bounded step of a walk: skips, takes and (optionally) counts
 * matching rows until the budget is spent or the walk is complete.
 */
export async function walk<Doc extends Record<string, unknown>>(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  state: WalkState,
  options: { predicate?: (doc: Doc) => boolean | Promise<boolean>; budget?: WalkBudget } = {},
): Promise<WalkResult<Doc>> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const rows: Doc[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last: SortKey | undefined = state.after;
  const pageDone = () => skip === 0 && take === 0 && !state.countAll;
  if (pageDone()) return { rows, matched, next: null };
  for await (const doc of streamAfter(db, spec, state.after, state.order)) {
    if (docs >= budget.docs || bytes >= budget.bytes) {
      return { rows, matched, next: { ...state, after: last, skip, take, matched } };
    }
    docs++;
    bytes += approximateSize(doc);
    last = { value: doc[spec.sortField] as number | string, id: doc.id as string };
    if (options.predicate && !(await options.predicate(doc as Doc))) continue;
    matched++;
    if (skip > 0) skip--;
    else if (take > 0) {
      rows.push(doc as Doc);
      take--;
    }
    if (pageDone()) break;
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
