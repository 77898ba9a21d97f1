/**
 * Reads shared by the signal tables (logs, metric events, scores,
 * feedback): offset pages in timestamp order (`listLogs`, `listMetrics`...),
 * delta polling in write order (each table's sharded stream,
 * `signalStream.ts`), and the bounded walks over a timestamp range that the
 * analytics use outside their rollups.
 *
 * Index choice: a `traceId` filter uses `by_trace_timestamp`; one level
 * (logs) or one metric name (metrics) uses the table's second index;
 * otherwise `by_timestamp`. The timestamp range is an index range. Other
 * conditions are checked on the decoded record as the walk goes (bounded,
 * resumable calls); totals come from counters when the index answers the
 * whole filter without a range, and from a counting walk otherwise.
 */
import { v } from "convex/values";
import { decodeValue } from "../../kit/codec.js";
import { readShardedCounter } from "../../kit/counters.js";
import { internalQuery } from "../../kit/functions.js";
import type { ListResult } from "../../kit/rows.js";
import { type IndexSpec, orderValidator, planPage, type SortRange, walk, walkStateValidator } from "../../kit/walk.js";
import { signalCounters, type SignalTable } from "../counterNames.js";
import { deltaAfter, deltaNewest, type DeltaStep, type NewestStep, type Visit } from "../streams/deltaPolls.js";
import { hasConditions, matchesSignal, type SignalFilter, signalFilterValidator } from "./signals.js";
import { type SignalEntry, signalHead, signalStream, writeOrder } from "./signalStream.js";

/** Validator of a signal table name. */
export const signalTableValidator = v.union(
  v.literal("obs_logs"),
  v.literal("obs_metrics"),
  v.literal("obs_scores"),
  v.literal("obs_feedback"),
);

/** A stored signal row as the lists return it: its write order (`signalStream.ts:writeOrder`) and the record. */
export type SignalListRow = { order: number; data: string };

type SignalDoc = {
  _creationTime: number;
  id: string;
  seq?: number;
  timestamp: number;
  traceId: string | null;
  data: string;
};

/** Index, range and residual conditions of a timestamp-ordered walk. */
export function planSignalWalk(
  table: SignalTable,
  filter: SignalFilter,
  sort: "timestamp" | "score" = "timestamp",
): { spec: IndexSpec; range: SortRange; residual: boolean; key?: string } {
  if (sort === "score") {
    return {
      spec: { table, index: "by_score", eq: [], sortField: "score" },
      range: {},
      residual: hasConditions(filter) || filter.from !== undefined || filter.to !== undefined,
    };
  }
  const traceEq = filter.eq.find(({ field }) => field === "traceId");
  const range: SortRange = {
    ...(filter.from !== undefined ? { lower: { value: filter.from, inclusive: true } } : {}),
    ...(filter.to !== undefined ? { upper: { value: filter.to, inclusive: true } } : {}),
  };
  if (traceEq) {
    return {
      spec: { table, index: "by_trace_timestamp", eq: [["traceId", traceEq.value]], sortField: "timestamp" },
      range,
      residual: true,
    };
  }
  const keyField = { obs_logs: "levels", obs_metrics: "names", obs_scores: "scorerIds", obs_feedback: "feedbackTypes" }[
    table
  ] as "levels" | "names" | "scorerIds" | "feedbackTypes";
  const field = { obs_logs: "level", obs_metrics: "name", obs_scores: "scorerId", obs_feedback: "feedbackType" }[table];
  const keyList = filter[keyField];
  const keyless: SignalFilter = { ...filter, [keyField]: undefined };
  const rest = hasConditions(keyless);
  if (keyList && keyList.length === 1) {
    return {
      spec: { table, index: `by_${field}_timestamp`, eq: [[field, keyList[0]]], sortField: "timestamp" },
      range,
      residual: rest,
      key: keyList[0],
    };
  }
  return {
    spec: { table, index: "by_timestamp", eq: [], sortField: "timestamp" },
    range,
    residual: rest || keyList !== undefined,
  };
}

function predicateOf(filter: SignalFilter, residual: boolean) {
  return residual
    ? (doc: SignalDoc) => matchesSignal(decodeValue(doc.data) as Record<string, unknown>, filter)
    : undefined;
}

/**
 * One bounded step of an offset page of a signal table in timestamp order
 * (ties by row id). Returns encoded records; with `withHead`, the first
 * step also answers the head of the table's delta stream (a page's delta cursor).
 */
export const listSignals = internalQuery({
  args: {
    table: signalTableValidator,
    filter: signalFilterValidator,
    sort: v.optional(v.union(v.literal("timestamp"), v.literal("score"))),
    order: orderValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
    /** True for a page: the first step also answers the stream's head (its delta cursor). */
    withHead: v.optional(v.boolean()),
  },
  handler: async (ctx, args): Promise<ListResult<SignalListRow> & { head?: number[] }> => {
    const { table, filter, order, offset, limit } = args;
    const head = args.state === undefined && args.withHead ? await signalHead(ctx, table) : undefined;
    const { spec, range, residual, key } = planSignalWalk(table, filter, args.sort);
    const predicate = predicateOf(filter, residual);
    let total: number | null = null;
    let state = args.state;
    const byTrace = spec.index === "by_trace_timestamp";
    if (!residual && !byTrace && range.lower === undefined && range.upper === undefined) {
      total = await readShardedCounter(
        ctx,
        key === undefined ? signalCounters.rows(table) : signalCounters.rowsOfKey(table, key),
      );
      if (state === undefined) {
        if (offset >= total || limit <= 0) return { rows: [], next: null, total, reversed: false, head };
        state = planPage(total, offset, limit, order);
      }
    } else {
      state ??= { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
    }
    const step = await walk<SignalDoc & { _id: unknown }>(ctx.db, spec, state, { range, predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return {
      rows: step.rows.map((doc) => ({ order: writeOrder(doc), data: doc.data })),
      next: step.next,
      total,
      reversed: state.reversed,
      head,
    };
  },
});

/** Validator of a position in a delta stream (`deltaCursor.ts`). */
const positionValidator = v.array(v.number());

/** The record of a stream entry when it matches `filter`. */
function signalVisit(filter: SignalFilter): Visit<SignalEntry, string> {
  const conditional = hasConditions(filter) || filter.from !== undefined || filter.to !== undefined;
  return ({ doc }) =>
    Promise.resolve(
      !conditional || matchesSignal(decodeValue(doc.data) as Record<string, unknown>, filter) ? doc.data : null,
    );
}

/**
 * One bounded step of delta polling over a signal table, in the order rows
 * were first written: up to `want` encoded records matching `filter`
 * written after position `after`, oldest first.
 */
export const signalDeltaAfter = internalQuery({
  args: { table: signalTableValidator, filter: signalFilterValidator, after: positionValidator, want: v.number() },
  handler: async (ctx, { table, filter, after, want }): Promise<DeltaStep<string>> =>
    await deltaAfter(signalStream(ctx, table), after, want, signalVisit(filter)),
});

/** One bounded step of the search for the newest row of a signal table matching `filter` (see {@link NewestStep}). */
export const signalDeltaNewest = internalQuery({
  args: {
    table: signalTableValidator,
    filter: signalFilterValidator,
    before: v.optional(v.array(v.union(v.number(), v.null()))),
  },
  handler: async (ctx, { table, filter, before }): Promise<NewestStep> =>
    await deltaNewest(signalStream(ctx, table), before, signalVisit(filter)),
});
