/**
 * Tasks of Mastra's background-tasks domain. Internal functions only.
 *
 * Counters per status and per (agent, status) are adjusted in the same
 * mutation as every status change, so `getRunningCount` and
 * `getRunningCountByAgent` are one lookup each and exact under concurrent
 * updates (Convex serialises mutations touching the same counter), and
 * lists filtered only by agent and/or status get their total for free.
 * Other lists count while walking the narrowest index (`taskWalk.ts`).
 *
 * A value too large for its row (`args`, `result`, `error`,
 * `suspendPayload`) is a blob (`kit/blobs.ts`): the client uploads it
 * first, the writing mutation adopts it and releases the one it replaces,
 * and reads return the reference for the client to resolve.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { adjustCounters, readCounter } from "../kit/counters.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { firstState } from "../kit/walk.js";
import { taskCounters } from "./counterNames.js";
import { planTasks, planTotal, walkTasks } from "./taskWalk.js";
import {
  clearableTaskFieldValidator,
  TASK_VALUE_FIELDS,
  taskFilterValidator,
  type TaskRow,
  taskSetValidator,
  taskStatusValidator,
  taskValidator,
  type TaskWalkState,
  taskWalkStateValidator,
} from "./validators.js";

async function findTask(ctx: QueryCtx, id: string) {
  return await ctx.db.query("background_tasks").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** The counters a task is counted in. */
function countersOf(task: Pick<TaskRow, "agentId" | "status">): string[] {
  return [taskCounters.tasksInStatus(task.status), taskCounters.tasksOfAgentInStatus(task.agentId, task.status)];
}

/** Moves a task's counts from `before` to `after` (either may be `null`). */
async function recount(
  ctx: MutationCtx,
  before: Pick<TaskRow, "agentId" | "status"> | null,
  after: Pick<TaskRow, "agentId" | "status"> | null,
): Promise<void> {
  const deltas: [string, number][] = [];
  if (before) { for (const name of countersOf(before)) deltas.push([name, -1]); }
  if (after) { for (const name of countersOf(after)) deltas.push([name, 1]); }
  await adjustCounters(ctx, deltas);
}

/** The encoded-value fields of a row, for blob bookkeeping. */
function valueFields(row: Partial<TaskRow>): (string | undefined)[] {
  return TASK_VALUE_FIELDS.map((field) => row[field] as string | undefined);
}

/** The owner of a task's large values (see `blobOwner`). */
const ownerOf = (id: string): string => blobOwner("background_tasks", id);

/** Returns one task by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<TaskRow | null> => {
    const doc = await findTask(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/**
 * Inserts a task, or replaces the task with the same id (as core's
 * in-memory store does). Value fields may be references to uploaded blobs.
 * Returns `released` when a replaced blob became garbage (the client sweeps).
 */
export const create = internalMutation({
  args: { task: taskValidator, now: v.number() },
  handler: async (ctx, { task }): Promise<{ released: boolean }> => {
    assertFitsDocument(`background task ${task.id}`, task);
    const existing = await findTask(ctx, task.id);
    await adoptBlobs(ctx, ownerOf(task.id), valueFields(task));
    if (existing) {
      await ctx.db.replace(existing._id, task);
      await recount(ctx, existing, task);
    } else {
      await ctx.db.insert("background_tasks", task);
      await recount(ctx, null, task);
    }
    const released = await releaseBlobs(
      ctx,
      ownerOf(task.id),
      existing ? valueFields(existing) : [],
      valueFields(task),
    );
    return { released };
  },
});

/**
 * Sets the fields in `set` and clears those in `clear`, in one
 * transaction, if the task exists and (when `expectedStatus` is given)
 * still has that status. Returns whether it was applied.
 */
export const update = internalMutation({
  args: {
    id: v.string(),
    set: taskSetValidator,
    clear: v.array(clearableTaskFieldValidator),
    expectedStatus: v.optional(taskStatusValidator),
    now: v.number(),
  },
  handler: async (ctx, { id, set, clear, expectedStatus }): Promise<{ applied: boolean; released: boolean }> => {
    const existing = await findTask(ctx, id);
    if (!existing) return { applied: false, released: false };
    if (expectedStatus !== undefined && existing.status !== expectedStatus) return { applied: false, released: false };
    const { _id, _creationTime, ...before } = existing;
    const after: TaskRow = { ...before, ...set };
    for (const field of clear) delete after[field];
    assertFitsDocument(`background task ${id}`, after);
    await adoptBlobs(ctx, ownerOf(id), valueFields(set));
    await ctx.db.replace(_id, after);
    if (before.status !== after.status) await recount(ctx, before, after);
    const released = await releaseBlobs(ctx, ownerOf(id), valueFields(before), valueFields(after));
    return { applied: true, released };
  },
});

/** Deletes one task (no-op when absent). */
export const remove = internalMutation({
  args: { id: v.string(), now: v.number() },
  handler: async (ctx, { id }): Promise<{ released: boolean }> => {
    const existing = await findTask(ctx, id);
    if (!existing) return { released: false };
    await ctx.db.delete(existing._id);
    await recount(ctx, existing, null);
    return { released: await releaseBlobs(ctx, ownerOf(id), valueFields(existing)) };
  },
});

/**
 * One bounded step of `listTasks`: the tasks matching `filter` in its
 * order (ties by id), `offset` rows skipped and at most `limit` taken, with
 * the exact total (from counters when the filter is only agent and/or
 * status, else counted by the walk). Resume with `state` until `next` is null.
 */
export const list = internalQuery({
  args: {
    filter: taskFilterValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(taskWalkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<TaskRow>> => {
    const plan = planTasks(args.filter);
    const total = await planTotal(ctx, plan);
    const state = (args.state ?? firstState(total, args.offset, args.limit, args.filter.order)) as TaskWalkState | null;
    if (state === null || plan.ranges.length === 0) {
      return { rows: [], next: null, total: total ?? 0, reversed: false };
    }
    const step = await walkTasks(ctx.db, plan, state);
    return {
      rows: step.rows.map((doc) => withoutSystemFields(doc) as TaskRow),
      next: step.next as ListResult<TaskRow>["next"],
      total: total ?? (step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});

/** Tasks deleted per `removeMatching` call at most (each adjusts two counters and may release blobs). */
const DELETE_BATCH = 256;

/**
 * One bounded step of `deleteTasks`: deletes up to a batch of the tasks
 * `list` would return for the same arguments. Resume with `state` until
 * `next` is null; each step is its own transaction.
 */
export const removeMatching = internalMutation({
  args: {
    filter: taskFilterValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(taskWalkStateValidator),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ deleted: number; next: TaskWalkState | null; released: boolean }> => {
    const plan = planTasks(args.filter);
    const state: TaskWalkState | null = args.state ??
      { skip: args.offset, take: args.limit, matched: 0, order: args.filter.order, countAll: false, reversed: false };
    if (plan.ranges.length === 0 || state.take <= 0) return { deleted: 0, next: null, released: false };
    const step = await walkTasks(ctx.db, plan, state, { maxTake: DELETE_BATCH });
    let released = false;
    for (const doc of step.rows) {
      await ctx.db.delete(doc._id);
      if (await releaseBlobs(ctx, ownerOf(doc.id), valueFields(doc))) released = true;
    }
    const deltas: [string, number][] = [];
    for (const doc of step.rows) for (const name of countersOf(doc)) deltas.push([name, -1]);
    await adjustCounters(ctx, deltas);
    return { deleted: step.rows.length, next: step.next, released };
  },
});

/** Tasks in status `running`, across agents or of one agent: one counter lookup. */
export const runningCount = internalQuery({
  args: { agentId: v.optional(v.string()) },
  handler: (ctx, { agentId }): Promise<number> =>
    readCounter(
      ctx,
      agentId === undefined
        ? taskCounters.tasksInStatus("running")
        : taskCounters.tasksOfAgentInStatus(agentId, "running"),
    ),
});
