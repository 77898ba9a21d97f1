/**
 * Schedules of Mastra's schedules domain. Internal functions only.
 *
 * - `due` reads the `(status = active, nextFireAt <= now)` range of one
 *   index: the scheduler's poll costs what is due, whatever the number of
 *   schedules.
 * - `advance` is the scheduler's claim: a compare-and-set of `nextFireAt`
 *   in one mutation, so of several schedulers racing on one fire exactly
 *   one wins (Convex serialises the transactions; the losers see the new
 *   value and return false).
 * - `remove` deletes the trigger history oldest first, a bounded batch per
 *   call, and the schedule row with the last batch.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { storageError } from "../kit/errors.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type IndexSpec, walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import {
  clearableScheduleFieldValidator,
  scheduleFilterValidator,
  scheduleInputValidator,
  type ScheduleRow,
  scheduleSetValidator,
} from "./validators.js";

async function findSchedule(ctx: QueryCtx, id: string) {
  return await ctx.db.query("schedules").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** `target.workflowId` of a workflow target (JSON text), else `undefined`. */
function workflowIdOf(target: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(target);
  } catch {
    throw storageError("INVALID", "schedule target is not JSON text");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw storageError("INVALID", "schedule target must be an object");
  }
  const { type, workflowId } = parsed as { type?: unknown; workflowId?: unknown };
  return type === "workflow" && typeof workflowId === "string" ? workflowId : undefined;
}

/** A schedule row with `workflowId` derived from its target. */
function withWorkflowId(row: Omit<ScheduleRow, "workflowId">): ScheduleRow {
  const { workflowId: _old, ...rest } = row as ScheduleRow;
  const workflowId = workflowIdOf(rest.target);
  return workflowId === undefined ? rest : { ...rest, workflowId };
}

/** Returns one schedule by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ScheduleRow | null> => {
    const doc = await findSchedule(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Inserts a schedule; fails with `ALREADY_EXISTS` when one with its id exists (nothing written then). */
export const create = internalMutation({
  args: { schedule: scheduleInputValidator },
  handler: async (ctx, { schedule }): Promise<ScheduleRow> => {
    const row = withWorkflowId(schedule);
    assertFitsDocument(`schedule ${row.id}`, row);
    if (await findSchedule(ctx, row.id)) throw storageError("ALREADY_EXISTS", `schedule ${row.id} already exists`);
    await ctx.db.insert("schedules", row);
    return row;
  },
});

/**
 * Sets the fields in `set` and clears those in `clear`; `updatedAt`
 * becomes `now`. Fails with `NOT_FOUND` when the schedule does not exist.
 */
export const update = internalMutation({
  args: { id: v.string(), set: scheduleSetValidator, clear: v.array(clearableScheduleFieldValidator), now: v.number() },
  handler: async (ctx, { id, set, clear, now }): Promise<ScheduleRow> => {
    const existing = await findSchedule(ctx, id);
    if (!existing) throw storageError("NOT_FOUND", `schedule ${id} not found`);
    const { _id, _creationTime, ...before } = existing;
    const merged: ScheduleRow = { ...before, ...set, updatedAt: now };
    for (const field of clear) delete merged[field];
    const row = withWorkflowId(merged);
    assertFitsDocument(`schedule ${id}`, row);
    await ctx.db.replace(_id, row);
    return row;
  },
});

/**
 * The scheduler's claim: if the schedule exists, is active and its
 * `nextFireAt` is still `expected`, sets it to `next` with `lastFireAt`,
 * `lastRunId` and `updatedAt`, and returns true; otherwise writes nothing
 * and returns false.
 */
export const advance = internalMutation({
  args: {
    id: v.string(),
    expected: v.number(),
    next: v.number(),
    lastFireAt: v.number(),
    lastRunId: v.string(),
    now: v.number(),
  },
  handler: async (ctx, { id, expected, next, lastFireAt, lastRunId, now }): Promise<boolean> => {
    const existing = await findSchedule(ctx, id);
    if (!existing || existing.nextFireAt !== expected || existing.status !== "active") return false;
    await ctx.db.patch(existing._id, { nextFireAt: next, lastFireAt, lastRunId, updatedAt: now });
    return true;
  },
});

/** Largest page a call returns (rows are small; the byte budget still applies). */
const MAX_TAKE = 1000;

/**
 * One bounded step of the due schedules: active ones with
 * `nextFireAt <= now`, soonest first (ties by id), at most `limit`.
 * Reads only the due range of `by_status_nextFireAt`.
 */
export const due = internalQuery({
  args: { now: v.number(), limit: v.number(), state: v.optional(walkStateValidator) },
  handler: async (ctx, { now, limit, state }): Promise<ListResult<ScheduleRow>> => {
    const start: WalkState = state ??
      { skip: 0, take: limit, matched: 0, order: "asc", countAll: false, reversed: false };
    const spec: IndexSpec = {
      table: "schedules",
      index: "by_status_nextFireAt",
      eq: [["status", "active"]],
      sortField: "nextFireAt",
    };
    const step = await walk<ScheduleRow & { _id: unknown; _creationTime: number }, ScheduleRow>(
      ctx.db,
      spec,
      start,
      {
        range: { upper: { value: now, inclusive: true } },
        maxTake: MAX_TAKE,
        onTake: (doc) => Promise.resolve({ row: withoutSystemFields(doc), bytes: 0 }),
      },
    );
    return { rows: step.rows, next: step.next, total: null, reversed: false };
  },
});

/**
 * One bounded step of `listSchedules`: every schedule matching the filter,
 * oldest `createdAt` first (ties by id), through the narrowest index
 * (workflow, owner, owner id, status, or all).
 */
export const list = internalQuery({
  args: { filter: scheduleFilterValidator, state: v.optional(walkStateValidator) },
  handler: async (ctx, { filter, state }): Promise<ListResult<ScheduleRow>> => {
    const rest: [keyof ScheduleRow, unknown][] = [];
    let spec: IndexSpec;
    const table = "schedules" as const;
    const sortField = "createdAt";
    const owner = (value: string | null | undefined) => value ?? undefined;
    if (filter.workflowId !== undefined) {
      spec = { table, index: "by_workflow_createdAt", eq: [["workflowId", filter.workflowId]], sortField };
      if (filter.ownerType !== undefined) rest.push(["ownerType", owner(filter.ownerType)]);
      if (filter.ownerId !== undefined) rest.push(["ownerId", owner(filter.ownerId)]);
      if (filter.status !== undefined) rest.push(["status", filter.status]);
    } else if (filter.ownerType !== undefined) {
      // The sort field must follow the equality prefix directly.
      spec = filter.ownerId !== undefined
        ? {
          table,
          index: "by_owner_createdAt",
          eq: [["ownerType", owner(filter.ownerType)], ["ownerId", owner(filter.ownerId)]],
          sortField,
        }
        : { table, index: "by_ownerType_createdAt", eq: [["ownerType", owner(filter.ownerType)]], sortField };
      if (filter.status !== undefined) rest.push(["status", filter.status]);
    } else if (filter.ownerId !== undefined) {
      spec = { table, index: "by_ownerId_createdAt", eq: [["ownerId", owner(filter.ownerId)]], sortField };
      if (filter.status !== undefined) rest.push(["status", filter.status]);
    } else if (filter.status !== undefined) {
      spec = { table, index: "by_status_createdAt", eq: [["status", filter.status]], sortField };
    } else {
      spec = { table, index: "by_createdAt", eq: [], sortField };
    }
    const start: WalkState = state ??
      { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
    const predicate = rest.length === 0
      ? undefined
      : (doc: ScheduleRow) => rest.every(([field, value]) => doc[field] === value);
    const step = await walk<ScheduleRow & { _id: unknown; _creationTime: number }>(ctx.db, spec, start, {
      predicate,
    });
    return {
      rows: step.rows.map((doc) => withoutSystemFields(doc) as ScheduleRow),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});

/** Triggers deleted per `remove` call at most. */
const DELETE_BATCH = 2000;

/**
 * One bounded step of `deleteSchedule`: deletes up to a batch of the
 * schedule's triggers, oldest first, and the schedule itself once no
 * trigger is left. Call until `done`.
 */
export const remove = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<{ done: boolean; deleted: number }> => {
    const triggers = await ctx.db
      .query("schedule_triggers")
      .withIndex("by_schedule_actualFireAt", (q) => q.eq("scheduleId", id))
      .take(DELETE_BATCH + 1);
    const batch = triggers.slice(0, DELETE_BATCH);
    for (const trigger of batch) await ctx.db.delete(trigger._id);
    if (triggers.length > DELETE_BATCH) return { done: false, deleted: batch.length };
    const existing = await findSchedule(ctx, id);
    if (existing) await ctx.db.delete(existing._id);
    return { done: true, deleted: batch.length + (existing ? 1 : 0) };
  },
});
