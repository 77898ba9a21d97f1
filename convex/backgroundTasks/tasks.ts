/**
 * Tasks of Mastra's background-tasks domain. Internal functions only.
 *
 * Counters per status (sharded: every writer of any agent changes one) and
 * per (agent, status) are adjusted in the same mutation as every status
 * change, so `getRunningCount` and `getRunningCountByAgent` are exact under
 * concurrent updates. Rank trees per (agent, status), thread and run, and
 * sharded families of all tasks and of each status, per date column
 * (`counterNames.ts`), are kept in the same mutation too, so those lists
 * find any page and their total in O(log N) reads (`listPlan.ts`); every
 * list is a walk of the kit (`kit/walk.ts`).
 *
 * A value too large for its row (`args`, `result`, `error`,
 * `suspendPayload`) is a blob (`kit/blobs.ts`): the client uploads it
 * first, the writing mutation adopts it and releases the one it replaces,
 * and reads return the reference for the client to resolve.
 */
import { type GenericId, v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { noteInsert, treesCover } from "../kit/coverage.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { RankBatch, treeTotal } from "../kit/rankTree.js";
import { familyTrees, totalAcross } from "../kit/rankFamily.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import { taskFamilies, taskTreeEntries, taskTrees } from "./counterNames.js";
import { planFirst, planTasks } from "./listPlan.js";
import {
  clearableTaskFieldValidator,
  TASK_VALUE_FIELDS,
  taskFenceValidator,
  taskFilterValidator,
  type TaskRow,
  taskSetValidator,
  taskStatusValidator,
  taskValidator,
} from "./validators.js";

/** A task document. */
/** A stored task document. */
export type TaskDoc = TaskRow & { _id: GenericId<"background_tasks">; _creationTime: number };

async function findTask(ctx: QueryCtx, id: string) {
  return await ctx.db.query("background_tasks").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/**
 * Moves a task's tree entries from `before` to `after` (either may be
 * `null`). Tasks keep no counters: lists and running counts take their
 * totals from the trees (`listPlan.ts`, `runningCount`), so a write touches
 * no document that writes of other agents' or threads' tasks also touch,
 * besides tree nodes.
 */
async function recount(ctx: MutationCtx, before: TaskRow | null, after: TaskRow | null): Promise<void> {
  const ranks = new RankBatch();
  ranks.change(taskTreeEntries(before), taskTreeEntries(after));
  await ranks.apply(ctx);
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
      await recount(ctx, withoutSystemFields(existing) as TaskRow, task);
    } else {
      await noteInsert(ctx, "background_tasks");
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
    /** Compare-and-set on the ownership as stored (`null`: expected unset). */
    fence: v.optional(taskFenceValidator),
    now: v.number(),
  },
  handler: async (ctx, { id, set, clear, expectedStatus, fence }): Promise<{ applied: boolean; released: boolean }> => {
    const existing = await findTask(ctx, id);
    if (!existing) return { applied: false, released: false };
    if (expectedStatus !== undefined && existing.status !== expectedStatus) return { applied: false, released: false };
    if (fence?.ownerId !== undefined && (existing.ownerId ?? null) !== fence.ownerId) {
      return { applied: false, released: false };
    }
    if (fence?.leaseExpiresAt !== undefined && (existing.leaseExpiresAt ?? null) !== fence.leaseExpiresAt) {
      return { applied: false, released: false };
    }
    const { _id, _creationTime, ...before } = existing;
    const after: TaskRow = { ...before, ...set };
    for (const field of clear) delete after[field];
    assertFitsDocument(`background task ${id}`, after);
    await adoptBlobs(ctx, ownerOf(id), valueFields(set));
    await ctx.db.replace(_id, after);
    await recount(ctx, before, after);
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
    return { released: await removeTask(ctx, existing) };
  },
});

/**
 * Deletes a stored task with its counters, rank-tree entries and large
 * values (what `remove` runs; retention reuses it). True when a large value
 * was released.
 */
export async function removeTask(ctx: MutationCtx, existing: TaskDoc): Promise<boolean> {
  await ctx.db.delete(existing._id);
  await recount(ctx, withoutSystemFields(existing) as TaskRow, null);
  return await releaseBlobs(ctx, ownerOf(existing.id), valueFields(existing));
}

/**
 * One bounded step of `listTasks`: the tasks matching `filter` in its
 * order (ties by id), `offset` rows skipped and at most `limit` taken, with
 * the exact total (from trees or counters when the filter has them, else
 * counted by the walk). Resume with `state` until `next` is null.
 */
export const list = internalQuery({
  args: {
    filter: taskFilterValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<TaskRow>> => {
    const plan = planTasks(args.filter);
    if (plan.sources.length === 0) return { rows: [], next: null, total: 0, reversed: false };
    const planned = args.state !== undefined
      ? { state: args.state, total: null }
      : await planFirst(ctx, plan, args.offset, args.limit, args.filter.order);
    const state = planned.state;
    if (state === null) return { rows: [], next: null, total: planned.total ?? 0, reversed: false };
    const step = await walk<TaskDoc>(ctx.db, plan.sources, state, { range: plan.range, predicate: plan.predicate });
    return {
      rows: step.rows.map((doc) => withoutSystemFields(doc) as TaskRow),
      next: step.next,
      total: planned.total ?? (step.next === null && state.countAll ? step.matched : null),
      reversed: state.reversed,
    };
  },
});

/** Tasks deleted per `removeMatching` call at most (each adjusts counters and trees and may release blobs). */
const DELETE_BATCH = 128;

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
    state: v.optional(walkStateValidator),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ deleted: number; next: WalkState | null; released: boolean }> => {
    const plan = planTasks(args.filter);
    if (plan.sources.length === 0) return { deleted: 0, next: null, released: false };
    const state = args.state !== undefined
      ? args.state
      : (await planFirst(ctx, plan, args.offset, args.limit, args.filter.order)).state;
    if (state === null || (state.take <= 0 && !state.countAll)) return { deleted: 0, next: null, released: false };
    // Counting is not needed to delete: stop once the page is taken.
    const step = await walk<TaskDoc>(ctx.db, plan.sources, { ...state, countAll: false }, {
      range: plan.range,
      predicate: plan.predicate,
      maxTake: DELETE_BATCH,
    });
    let released = false;
    const ranks = new RankBatch();
    for (const doc of step.rows) {
      await ctx.db.delete(doc._id);
      const row = withoutSystemFields(doc) as TaskRow;
      if (await releaseBlobs(ctx, ownerOf(row.id), valueFields(row))) released = true;
      ranks.change(taskTreeEntries(row), []);
    }
    await ranks.apply(ctx);
    return { deleted: step.rows.length, next: step.next, released };
  },
});

/** Running tasks counted by walking an index (a deployment whose trees are not rebuilt yet): at most this many. */
export const RUNNING_WALK_LIMIT = 8000;

/**
 * Tasks in status `running`, across agents or of one agent: from the
 * roots of the `running` trees (the family's shards, or the agent's tree)
 * when the trees hold every task; else counted on the status index (a
 * deployment not yet rebuilt; running tasks are few), failing clearly past
 * {@link RUNNING_WALK_LIMIT}.
 */
export const runningCount = internalQuery({
  args: { agentId: v.optional(v.string()) },
  handler: async (ctx, { agentId }): Promise<number> => {
    if (await treesCover(ctx, "background_tasks")) {
      return agentId === undefined
        ? await totalAcross(ctx, familyTrees(taskFamilies.inStatus("running", "createdAt")))
        : await treeTotal(ctx, taskTrees.ofAgentStatus(agentId, "running", "createdAt"));
    }
    const running = agentId === undefined
      ? ctx.db.query("background_tasks").withIndex("by_status_createdAt", (q) => q.eq("status", "running"))
      : ctx.db.query("background_tasks").withIndex(
        "by_agent_status_createdAt",
        (q) => q.eq("agentId", agentId).eq("status", "running"),
      );
    const taken = await running.take(RUNNING_WALK_LIMIT + 1);
    if (taken.length > RUNNING_WALK_LIMIT) {
      throw storageError(
        "TOO_LARGE",
        `runningCount${agentId === undefined ? "" : ` of agent ${agentId}`}: more than ${RUNNING_WALK_LIMIT} ` +
          "running tasks to count on a deployment whose rank trees are incomplete; run rebuildRankTrees()",
      );
    }
    return taken.length;
  },
});
