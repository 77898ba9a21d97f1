/**
 * How a task list is read: the plan (which index ranges, which bound on the
 * sort column, which filters are left for a predicate, which counters hold
 * the total) and one bounded step of the walk over the merged ranges.
 *
 * The walk follows the kit's `WalkState` protocol (skip, take, count, resume
 * strictly after the last position), generalised to sort columns that may
 * be unset (a task that never started has no `startedAt`; Convex orders
 * unset values first) and to several ranges merged in `(value, id)` order
 * (one per status of a status list).
 */
import type { GenericDatabaseReader } from "convex/server";
import type { GenericId } from "convex/values";
import { compareValues } from "convex/values";
import type { DataModel, QueryCtx } from "../kit/functions.js";
import { readCounter } from "../kit/counters.js";
import { approximateSize, DEFAULT_BUDGET, type WalkBudget } from "../kit/walk.js";
import { taskCounters } from "./counterNames.js";
import {
  TASK_STATUSES,
  type TaskFilterArgs,
  type TaskPosition,
  type TaskRow,
  type TaskStatus,
  type TaskWalkState,
} from "./validators.js";

/** One equality prefix of an index. */
type Range = { index: string; eq: [string, unknown][] };

/**
 * Bounds on the sort column: `null` means none (unset values included);
 * otherwise `lower` inclusive (`-Infinity` excludes only unset values) and
 * `upper` exclusive.
 */
type Bounds = { lower: number; upper?: number } | null;

/** How a task list is read. */
export type TaskPlan = {
  ranges: Range[];
  sortField: TaskFilterArgs["orderBy"];
  bounds: Bounds;
  /** Filters no index range covers, or `null` when none are left. */
  predicate: ((row: TaskRow) => boolean) | null;
  /** Counters whose sum is the total, or `null` when the walk must count. */
  counters: string[] | null;
};

/** Plans the read of a normalised filter. */
export function planTasks(filter: TaskFilterArgs): TaskPlan {
  const col = filter.orderBy;
  const statuses = filter.statuses === undefined ? undefined : [...new Set(filter.statuses)];
  const covered = new Set<string>();
  let ranges: Range[];
  let counters: string[] | null = null;
  const single = (key: "toolCall" | "run" | "thread", field: "toolCallId" | "runId" | "threadId"): Range[] => {
    covered.add(field);
    return [{ index: `by_${key}_${col}`, eq: [[field, filter[field]]] }];
  };
  if (filter.toolCallId !== undefined) ranges = single("toolCall", "toolCallId");
  else if (filter.runId !== undefined) ranges = single("run", "runId");
  else if (filter.threadId !== undefined) ranges = single("thread", "threadId");
  else if (filter.agentId !== undefined) {
    const agentId = filter.agentId;
    covered.add("agentId");
    if (statuses !== undefined) {
      covered.add("status");
      ranges = statuses.map((status) => ({
        index: `by_agent_status_${col}`,
        eq: [["agentId", agentId], ["status", status]],
      }));
      counters = statuses.map((status) => taskCounters.tasksOfAgentInStatus(agentId, status));
    } else {
      ranges = [{ index: `by_agent_${col}`, eq: [["agentId", agentId]] }];
      counters = TASK_STATUSES.map((status) => taskCounters.tasksOfAgentInStatus(agentId, status));
    }
  } else if (statuses !== undefined) {
    covered.add("status");
    ranges = statuses.map((status) => ({ index: `by_status_${col}`, eq: [["status", status]] }));
    counters = statuses.map((status) => taskCounters.tasksInStatus(status));
  } else {
    ranges = [{ index: `by_${col}`, eq: [] }];
    counters = TASK_STATUSES.map((status) => taskCounters.tasksInStatus(status));
  }

  const checks: ((row: TaskRow) => boolean)[] = [];
  for (const field of ["toolCallId", "runId", "threadId", "agentId", "resourceId", "toolName"] as const) {
    const wanted = filter[field];
    if (wanted !== undefined && !covered.has(field)) checks.push((row) => row[field] === wanted);
  }
  if (statuses !== undefined && !covered.has("status")) {
    const set = new Set<TaskStatus>(statuses);
    checks.push((row) => set.has(row.status));
  }
  let bounds: Bounds = null;
  if (filter.from !== undefined || filter.to !== undefined) {
    if (filter.dateColumn === col) {
      bounds = { lower: filter.from ?? -Infinity, ...(filter.to !== undefined ? { upper: filter.to } : {}) };
    } else {
      const dateColumn = filter.dateColumn;
      const { from, to } = filter;
      checks.push((row) => {
        const value = row[dateColumn];
        return value !== undefined && (from === undefined || value >= from) && (to === undefined || value < to);
      });
    }
  }
  if (checks.length > 0 || bounds !== null) counters = null;
  return {
    ranges,
    sortField: col,
    bounds,
    predicate: checks.length === 0 ? null : (row) => checks.every((check) => check(row)),
    counters,
  };
}

/** The exact total of a plan from its counters, or `null` when only a walk can count it. */
export async function planTotal(ctx: QueryCtx, plan: TaskPlan): Promise<number | null> {
  if (plan.counters === null) return null;
  let total = 0;
  for (const name of plan.counters) total += await readCounter(ctx, name);
  return total;
}

/** A task document. */
export type TaskDoc = TaskRow & { _id: GenericId<"background_tasks">; _creationTime: number };
type Doc = TaskDoc;

/** Streams one range strictly after `after`, within `bounds`, in `order`. */
async function* streamRange(
  db: GenericDatabaseReader<DataModel>,
  range: Range,
  sortField: string,
  bounds: Bounds,
  after: TaskPosition | undefined,
  order: "asc" | "desc",
): AsyncGenerator<Doc> {
  // deno-lint-ignore no-explicit-any
  const prefix = (q: any) => range.eq.reduce((acc, [field, value]) => acc.eq(field, value), q);
  // deno-lint-ignore no-explicit-any
  const query = (build: (q: any) => any): AsyncIterable<Doc> =>
    // deno-lint-ignore no-explicit-any
    (db.query("background_tasks") as any).withIndex(range.index, build).order(order);
  // Upper bound (exclusive) and lower bound (inclusive) of the whole range.
  // deno-lint-ignore no-explicit-any
  const upper = (q: any) => (bounds?.upper !== undefined ? q.lt(sortField, bounds.upper) : q);
  if (after === undefined) {
    // deno-lint-ignore no-explicit-any
    yield* query((q: any) => upper(bounds === null ? prefix(q) : prefix(q).gte(sortField, bounds.lower)));
    return;
  }
  const tie = order === "asc" ? "gt" : "lt";
  // deno-lint-ignore no-explicit-any
  yield* query((q: any) => prefix(q).eq(sortField, after.value)[tie]("id", after.id));
  if (order === "asc") {
    if (after.value === undefined) {
      // Everything set comes after the unset values.
      // deno-lint-ignore no-explicit-any
      yield* query((q: any) => upper(prefix(q).gte(sortField, bounds?.lower ?? -Infinity)));
    } else {
      // deno-lint-ignore no-explicit-any
      yield* query((q: any) => upper(prefix(q).gt(sortField, after.value)));
    }
  } else if (after.value !== undefined) {
    // deno-lint-ignore no-explicit-any
    yield* query((q: any) => {
      const below = prefix(q);
      return bounds === null ? below.lt(sortField, after.value) : below.gte(sortField, bounds.lower).lt(
        sortField,
        after.value,
      );
    });
  }
}

/** Order of two rows in a plan: by sort value (unset first), then id. */
function comparePositions(a: TaskPosition, b: TaskPosition): number {
  return compareValues(a.value, b.value) || compareValues(a.id, b.id);
}

function positionOf(doc: Doc, sortField: string): TaskPosition {
  const value = (doc as Record<string, unknown>)[sortField] as number | undefined;
  return value === undefined ? { id: doc.id } : { value, id: doc.id };
}

/** Streams the merged ranges of a plan strictly after `after`, in `order`. */
export async function* streamPlan(
  db: GenericDatabaseReader<DataModel>,
  plan: TaskPlan,
  after: TaskPosition | undefined,
  order: "asc" | "desc",
): AsyncGenerator<Doc> {
  const streams = plan.ranges.map((range) => streamRange(db, range, plan.sortField, plan.bounds, after, order));
  if (streams.length === 1) {
    yield* streams[0];
    return;
  }
  const heads = await Promise.all(streams.map((stream) => stream.next()));
  const sign = order === "asc" ? 1 : -1;
  try {
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const head = heads[i];
        if (head.done) continue;
        if (
          best === -1 ||
          sign * comparePositions(
                  positionOf(head.value, plan.sortField),
                  positionOf(heads[best].value as Doc, plan.sortField),
                ) < 0
        ) best = i;
      }
      if (best === -1) return;
      yield heads[best].value as Doc;
      heads[best] = await streams[best].next();
    }
  } finally {
    await Promise.all(streams.map((stream) => stream.return(undefined)));
  }
}

/** Result of one walk step. */
export type TaskWalkResult = { rows: Doc[]; next: TaskWalkState | null; matched: number };

/**
 * One bounded step of a walk over a plan: skips, takes and (when counting)
 * counts matching rows until the budget is spent, `maxTake` rows are taken
 * or the walk is complete.
 */
export async function walkTasks(
  db: GenericDatabaseReader<DataModel>,
  plan: TaskPlan,
  state: TaskWalkState,
  options: { budget?: WalkBudget; maxTake?: number } = {},
): Promise<TaskWalkResult> {
  const budget = options.budget ?? DEFAULT_BUDGET;
  const maxTake = options.maxTake ?? Number.POSITIVE_INFINITY;
  const rows: Doc[] = [];
  let { skip, take, matched } = state;
  let docs = 0;
  let bytes = 0;
  let last = state.after;
  const stream = streamPlan(db, plan, state.after, state.order);
  try {
    for (;;) {
      if (skip === 0 && take === 0 && !state.countAll) break;
      if (docs >= budget.docs || bytes >= budget.bytes || rows.length >= maxTake) {
        return { rows, matched, next: { ...state, after: last, skip, take, matched } };
      }
      const item = await stream.next();
      if (item.done) break;
      const doc = item.value;
      docs++;
      bytes += approximateSize(doc);
      last = positionOf(doc, plan.sortField);
      if (plan.predicate && !plan.predicate(doc)) continue;
      matched++;
      if (skip > 0) skip--;
      else if (take > 0) {
        rows.push(doc);
        take--;
      }
    }
  } finally {
    await stream.return(undefined);
  }
  return { rows, matched, next: null };
}
