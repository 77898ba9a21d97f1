/**
 * Bounded walks over messages in `(createdAt, id)` order, merged from one
 * or more index ranges (one per thread when listing several threads), and
 * optionally restricted to a `createdAt` range.
 *
 * It follows `pagination.ts`: each call reads at most a budget of
 * documents and bytes and returns a resumable {@link WalkState}. Because all
 * sources are ordered by the same total key `(createdAt, id)` and message ids
 * are unique, "strictly after the last key read" resumes every source at
 * once, so a merged walk never repeats or skips a row across calls.
 */
import { compareValues, type Infer, v } from "convex/values";
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "../kit/functions.js";
import {
  approximateSize,
  DEFAULT_BUDGET,
  type Order,
  type SortKey,
  type WalkBudget,
  type WalkState,
} from "../kit/walk.js";
import type { MessageRow } from "./validators.js";

/** Validator of a `createdAt` range (epoch ms; bounds inclusive unless marked exclusive). */
export const createdAtRangeValidator = v.object({
  start: v.optional(v.number()),
  startExclusive: v.optional(v.boolean()),
  end: v.optional(v.number()),
  endExclusive: v.optional(v.boolean()),
});
/** A `createdAt` range. */
export type CreatedAtRange = Infer<typeof createdAtRangeValidator>;

/** One ordered source of messages: an index of `messages` and its equality prefix. */
export type MessageSource = {
  index: "by_thread_createdAt" | "by_thread_resource_createdAt" | "by_resource_createdAt";
  eq: [string, string][];
};

/** A stored message document. */
export type MessageDoc = MessageRow & { _id: unknown; _creationTime: number };

// deno-lint-ignore no-explicit-any
type RangeBuilder = any;

function withPrefix(q: RangeBuilder, source: MessageSource): RangeBuilder {
  return source.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
}

function lowerBound(q: RangeBuilder, range: CreatedAtRange | undefined): RangeBuilder {
  if (range?.start === undefined) return q;
  return range.startExclusive ? q.gt("createdAt", range.start) : q.gte("createdAt", range.start);
}

function upperBound(q: RangeBuilder, range: CreatedAtRange | undefined): RangeBuilder {
  if (range?.end === undefined) return q;
  return range.endExclusive ? q.lt("createdAt", range.end) : q.lte("createdAt", range.end);
}

/** Streams one source strictly after `after` (in `order`), within `range`. */
export async function* streamMessages(
  db: GenericDatabaseReader<DataModel>,
  source: MessageSource,
  range: CreatedAtRange | undefined,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<MessageDoc> {
  const table = () => db.query("messages") as RangeBuilder;
  if (after !== undefined) {
    const tie = order === "asc" ? "gt" : "lt";
    yield* table()
      .withIndex(
        source.index,
        (q: RangeBuilder) => withPrefix(q, source).eq("createdAt", after.value)[tie]("id", after.id),
      )
      .order(order);
    if (order === "asc") {
      yield* table()
        .withIndex(
          source.index,
          (q: RangeBuilder) => upperBound(withPrefix(q, source).gt("createdAt", after.value), range),
        )
        .order(order);
    } else {
      yield* table()
        .withIndex(
          source.index,
          (q: RangeBuilder) => lowerBound(withPrefix(q, source), range).lt("createdAt", after.value),
        )
        .order(order);
    }
    return;
  }
  yield* table()
    .withIndex(source.index, (q: RangeBuilder) => upperBound(lowerBound(withPrefix(q, source), range), range))
    .order(order);
}

/** Compares two messages by `(createdAt, id)` with Convex's own value order. */
export function compareMessages(
  a: Pick<MessageRow, "createdAt" | "id">,
  b: Pick<MessageRow, "createdAt" | "id">,
): number {
  return compareValues(a.createdAt, b.createdAt) || compareValues(a.id, b.id);
}

/** Merges several sources into one stream in `(createdAt, id)` order. */
export async function* mergeMessages(
  db: GenericDatabaseReader<DataModel>,
  sources: MessageSource[],
  range: CreatedAtRange | undefined,
  after: SortKey | undefined,
  order: Order,
): AsyncGenerator<MessageDoc> {
  if (sources.length === 1) {
    yield* streamMessages(db, sources[0], range, after, order);
    return;
  }
  const iterators = sources.map((source) => streamMessages(db, source, range, after, order));
  const heads: (MessageDoc | undefined)[] = [];
  for (const iterator of iterators) heads.push((await iterator.next()).value ?? undefined);
  const sign = order === "asc" ? 1 : -1;
  for (;;) {
    let best = -1;
    for (let i = 0; i < heads.length; i++) {
      const head = heads[i];
      if (head === undefined) continue;
      if (best === -1 || sign * compareMessages(head, heads[best]!) < 0) best = i;
    }
    if (best === -1) return;
    const doc = heads[best]!;
    yield doc;
    heads[best] = (await iterators[best].next()).value ?? undefined;
  }
}

/** Result of one step of a message walk. */
export type MessageWalkResult = { rows: MessageDoc[]; next: WalkState | null; matched: number };

/**
 * Runs one bounded step of a walk over merged message sources: skips, takes
 * and (optionally) counts matching rows until the budget is spent or the
 * walk is complete.
 */
export async function walkMessages(
  db: GenericDatabaseReader<DataModel>,
  sources: MessageSource[],
  range: CreatedAtRange | undefined,
  state: WalkState,
  options: {
    predicate?: (doc: MessageDoc) => boolean | Promise<boolean>;
    /** Extra bytes the predicate will read for `doc` (e.g. large content); checked against the budget first. */
    cost?: (doc: MessageDoc) => number | Promise<number>;
    budget?: WalkBudget;
  } = {},
): Promise<MessageWalkResult> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const rows: MessageDoc[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last: SortKey | undefined = state.after;
  if (take === 0 && !state.countAll) return { rows, matched, next: null };
  for await (const doc of mergeMessages(db, sources, range, state.after, state.order)) {
    const extra = options.cost ? await options.cost(doc) : 0;
    if (docs >= budget.docs || bytes >= budget.bytes || (docs > 0 && bytes + extra > budget.bytes)) {
      return { rows, matched, next: { ...state, after: last, skip, take, matched } };
    }
    docs++;
    bytes += approximateSize(doc) + extra;
    last = { value: doc.createdAt, id: doc.id };
    if (!options.predicate || await options.predicate(doc)) {
      matched++;
      if (skip > 0) skip--;
      else if (take > 0) {
        rows.push(doc);
        take--;
      }
    }
    if (skip === 0 && take === 0 && !state.countAll) break;
  }
  return { rows, matched, next: null };
}
