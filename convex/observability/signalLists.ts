/**
 * Reads shared by the log and metric-event tables: offset pages in
 * timestamp order (`listLogs`, `listMetrics`), delta polling in write
 * order, and the bounded walks over a timestamp range that the metric
 * queries use outside their rollups.
 *
 * Index choice: a `traceId` filter uses `by_trace_timestamp`; one level
 * (logs) or one metric name (metrics) uses the table's second index;
 * otherwise `by_timestamp`. The timestamp range is an index range. Other
 * conditions are checked on the decoded record as the walk goes (bounded,
 * resumable calls); totals come from counters when the index answers the
 * whole filter without a range, and from a counting walk otherwise.
 */
import { v } from "convex/values";
import { decodeValue } from "../kit/codec.js";
import { readCounter } from "../kit/counters.js";
import { internalQuery } from "../kit/functions.js";
import type { ListResult } from "../kit/rows.js";
import { type SortRange, walkRange } from "../kit/spanWalk.js";
import { type IndexSpec, orderValidator, planPage, type WalkState, walkStateValidator } from "../kit/walk.js";
import { signalCounters, type SignalTable } from "./counterNames.js";
import { hasConditions, matchesSignal, type SignalFilter, signalFilterValidator } from "./signals.js";

/** Validator of a signal table name. */
export const signalTableValidator = v.union(
  v.literal("obs_logs"),
  v.literal("obs_metrics"),
  v.literal("obs_scores"),
  v.literal("obs_feedback"),
);

/** A stored signal row as the lists return it. */
export type SignalListRow = { seq: number; data: string };

type SignalDoc = { id: string; seq: number; timestamp: number; traceId: string | null; data: string };

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
 * (ties by row id). Returns encoded records.
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
  },
  handler: async (ctx, args): Promise<ListResult<SignalListRow>> => {
    const { table, filter, order, offset, limit } = args;
    const { spec, range, residual, key } = planSignalWalk(table, filter, args.sort);
    const predicate = predicateOf(filter, residual);
    let total: number | null = null;
    let state = args.state;
    const byTrace = spec.index === "by_trace_timestamp";
    if (!residual && !byTrace && range.lower === undefined && range.upper === undefined) {
      total = await readCounter(
        ctx,
        key === undefined ? signalCounters.rows(table) : signalCounters.rowsOfKey(table, key),
      );
      if (state === undefined) {
        if (offset >= total || limit <= 0) return { rows: [], next: null, total, reversed: false };
        state = planPage(total, offset, limit, order);
      }
    } else {
      state ??= { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
    }
    const step = await walkRange<SignalDoc & { _id: unknown }>(ctx.db, spec, range, state, { predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return {
      rows: step.rows.map((doc) => ({ seq: doc.seq, data: doc.data })),
      next: step.next,
      total,
      reversed: state.reversed,
    };
  },
});

/** Budget of the search for the newest matching row (one call; clients then fall back). */
const MAX_SEARCH_BUDGET = { docs: 1000, bytes: 2 * 1024 * 1024 };

/**
 * One bounded step of delta polling over a signal table in write order
 * (`seq`). `max` finds the newest matching row; `after` returns up to
 * `limit` matching rows written after sequence number `after`, oldest first.
 */
export const signalDelta = internalQuery({
  args: {
    table: signalTableValidator,
    filter: signalFilterValidator,
    mode: v.union(v.literal("max"), v.literal("after")),
    after: v.optional(v.number()),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { table, filter, mode, after, limit, state }): Promise<ListResult<SignalListRow>> => {
    const spec: IndexSpec = { table, index: "by_seq", eq: [], sortField: "seq" };
    const range: SortRange = mode === "after" && after !== undefined
      ? { lower: { value: after, inclusive: false } }
      : {};
    const start: WalkState = state ?? {
      skip: 0,
      take: mode === "max" ? 1 : limit,
      matched: 0,
      order: mode === "max" ? "desc" : "asc",
      countAll: false,
      reversed: false,
    };
    const predicate = predicateOf(
      filter,
      hasConditions(filter) || filter.from !== undefined || filter.to !== undefined,
    );
    const budget = mode === "max" ? MAX_SEARCH_BUDGET : undefined;
    const step = await walkRange<SignalDoc & { _id: unknown }>(ctx.db, spec, range, start, { predicate, budget });
    return {
      rows: step.rows.map((doc) => ({ seq: doc.seq, data: mode === "max" ? "" : doc.data })),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});
