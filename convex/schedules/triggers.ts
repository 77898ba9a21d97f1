/**
 * Trigger history of Mastra's schedules domain. Internal functions only.
 * Read newest first through `by_schedule_actualFireAt`, bounded per call.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type IndexSpec, walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import { type TriggerRow, triggerValidator } from "./validators.js";

/**
 * Records a trigger. The id is the row's identity within its schedule: a
 * retried call with the same id replaces the row instead of duplicating it.
 */
export const record = internalMutation({
  args: { trigger: triggerValidator },
  handler: async (ctx, { trigger }): Promise<null> => {
    assertFitsDocument(`trigger ${trigger.id} of schedule ${trigger.scheduleId}`, trigger);
    const existing = await ctx.db
      .query("schedule_triggers")
      .withIndex("by_schedule_id", (q) => q.eq("scheduleId", trigger.scheduleId).eq("id", trigger.id))
      .first();
    if (existing) await ctx.db.replace(existing._id, trigger);
    else await ctx.db.insert("schedule_triggers", trigger);
    return null;
  },
});

/** Largest page a call returns. */
const MAX_TAKE = 1000;

/**
 * One bounded step of a schedule's trigger history, newest `actualFireAt`
 * first (ties by id, descending), `from` inclusive, `to` exclusive, at
 * most `limit` rows.
 */
export const list = internalQuery({
  args: {
    scheduleId: v.string(),
    from: v.optional(v.number()),
    to: v.optional(v.number()),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { scheduleId, from, to, limit, state }): Promise<ListResult<TriggerRow>> => {
    const start: WalkState = state ??
      { skip: 0, take: limit, matched: 0, order: "desc", countAll: false, reversed: false };
    const spec: IndexSpec = {
      table: "schedule_triggers",
      index: "by_schedule_actualFireAt",
      eq: [["scheduleId", scheduleId]],
      sortField: "actualFireAt",
    };
    const step = await walk<TriggerRow & { _id: unknown; _creationTime: number }, TriggerRow>(
      ctx.db,
      spec,
      start,
      {
        // `from` is inclusive, `to` exclusive.
        range: {
          ...(from !== undefined ? { lower: { value: from, inclusive: true } } : {}),
          ...(to !== undefined ? { upper: { value: to, inclusive: false } } : {}),
        },
        maxTake: MAX_TAKE,
        onTake: (doc) => Promise.resolve({ row: withoutSystemFields(doc), bytes: 0 }),
      },
    );
    return { rows: step.rows, next: step.next, total: null, reversed: false };
  },
});
