/**
 * Bounded walks (see `pagination.ts`) over a sorted index restricted to a
 * range of the sort field, so that date-range filters on the sort field
 * are served by the index instead of by reading and dropping rows.
 *
 * Same resumable `WalkState`, same budget rules, same `(sortValue, id)`
 * positions as `pagination.ts`'s `walk`, which this mirrors.
 */
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "./functions.js";
import {
  approximateSize,
  DEFAULT_BUDGET,
  type IndexSpec,
  type Order,
  type SortKey,
  type WalkBudget,
  type WalkResult,
  type WalkState,
} from "./walk.js";

/** One end of a range on the sort field. */
export type Bound = { value: number; inclusive: boolean };

/** Range on the sort field; either end may be open. */
export type SortRange = { lower?: Bound; upper?: Bound };

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

/** Streams the rows of `spec` inside `range`, strictly after `after`, in `order`. */
export async function* streamRange(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  range: SortRange,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<Record<string, unknown>> {
  const prefix = (q: Q) => spec.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
  const table = () => db.query(spec.table) as Q;
  const field = spec.sortField;
  if (after === undefined) {
    yield* table().withIndex(
      spec.index,
      (q: Q) => applyUpper(applyLower(prefix(q), field, range.lower), field, range.upper),
    )
      .order(order);
    return;
  }
  const tie = order === "asc" ? "gt" : "lt";
  yield* table().withIndex(spec.index, (q: Q) => prefix(q).eq(field, after.value)[tie]("id", after.id)).order(order);
  const rest = order === "asc"
    ? (q: Q) => applyUpper(prefix(q).gt(field, after.value), field, range.upper)
    : (q: Q) => applyLower(prefix(q), field, range.lower).lt(field, after.value);
  yield* table().withIndex(spec.index, rest).order(order);
}

/**
 * Runs one bounded step of a walk over `range`: skips, takes and
 * (optionally) counts matching rows until the budget is spent or the walk
 * is complete.
 */
export async function walkRange<Doc extends Record<string, unknown>>(
  db: GenericDatabaseReader<DataModel>,
  spec: IndexSpec,
  range: SortRange,
  state: WalkState,
  options: { predicate?: (doc: Doc) => boolean; budget?: WalkBudget } = {},
): Promise<WalkResult<Doc>> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const rows: Doc[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last: SortKey | undefined = state.after;
  for await (const doc of streamRange(db, spec, range, state.after, state.order)) {
    if (skip === 0 && take === 0 && !state.countAll) break;
    if (docs >= budget.docs || bytes >= budget.bytes) {
      return { rows, matched, next: { ...state, after: last, skip, take, matched } };
    }
    docs++;
    bytes += approximateSize(doc);
    last = { value: doc[spec.sortField] as number | string, id: doc.id as string };
    if (options.predicate && !options.predicate(doc as Doc)) continue;
    matched++;
    if (skip > 0) skip--;
    else if (take > 0) {
      rows.push(doc as Doc);
      take--;
    }
  }
  return { rows, matched, next: null };
}
