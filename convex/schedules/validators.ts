/**
 * Wire shapes of the schedules domain, shared by our Convex functions and
 * the client so the two sides cannot drift. A schedule's `target` and
 * `metadata`, and a trigger's `metadata`, are stored as JSON text: core's
 * schedules contract is JSON (its in-memory store keeps JSON copies, SQL
 * stores keep JSON columns), so `Date`s become ISO strings and `undefined`
 * keys vanish exactly as there. Times are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** Validator of a schedule status. */
export const scheduleStatusValidator = v.union(v.literal("active"), v.literal("paused"));
/** A schedule status. */
export type ScheduleStatusValue = Infer<typeof scheduleStatusValidator>;

/** A schedule as stored (without Convex's system fields). */
export const scheduleValidator = v.object({
  id: v.string(),
  /** The target, as JSON text. */
  target: v.string(),
  /** `target.workflowId` of a workflow target, copied out for the `workflowId` filter. */
  workflowId: v.optional(v.string()),
  cron: v.string(),
  timezone: v.optional(v.string()),
  status: scheduleStatusValidator,
  nextFireAt: v.number(),
  lastFireAt: v.optional(v.number()),
  lastRunId: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
  /** Metadata, as JSON text. */
  metadata: v.optional(v.string()),
  ownerType: v.optional(v.string()),
  ownerId: v.optional(v.string()),
});
/** A schedule as stored. */
export type ScheduleRow = Infer<typeof scheduleValidator>;

/** What a schedule row holds before the server derives `workflowId`. */
export const scheduleInputValidator = v.object({
  id: v.string(),
  target: v.string(),
  cron: v.string(),
  timezone: v.optional(v.string()),
  status: scheduleStatusValidator,
  nextFireAt: v.number(),
  lastFireAt: v.optional(v.number()),
  lastRunId: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
  metadata: v.optional(v.string()),
  ownerType: v.optional(v.string()),
  ownerId: v.optional(v.string()),
});
/** A schedule as the client sends it. */
export type ScheduleInput = Infer<typeof scheduleInputValidator>;

/** Fields `updateSchedule` may set. */
export const scheduleSetValidator = v.object({
  cron: v.optional(v.string()),
  timezone: v.optional(v.string()),
  status: v.optional(scheduleStatusValidator),
  nextFireAt: v.optional(v.number()),
  metadata: v.optional(v.string()),
  target: v.optional(v.string()),
  ownerType: v.optional(v.string()),
  ownerId: v.optional(v.string()),
});
/** Fields `updateSchedule` sets. */
export type ScheduleSet = Infer<typeof scheduleSetValidator>;

/** Optional fields `updateSchedule` may clear. */
export const CLEARABLE_SCHEDULE_FIELDS = ["timezone", "ownerType", "ownerId"] as const;
/** Validator of a field `updateSchedule` may clear. */
export const clearableScheduleFieldValidator = v.union(...CLEARABLE_SCHEDULE_FIELDS.map((field) => v.literal(field)));

/**
 * Validator of a normalised schedule filter: `ownerType` / `ownerId` are
 * `null` to match schedules without one, absent for no filter.
 */
export const scheduleFilterValidator = v.object({
  status: v.optional(scheduleStatusValidator),
  workflowId: v.optional(v.string()),
  ownerType: v.optional(v.union(v.string(), v.null())),
  ownerId: v.optional(v.union(v.string(), v.null())),
});
/** A normalised schedule filter. */
export type ScheduleFilterArgs = Infer<typeof scheduleFilterValidator>;

/** A trigger as stored (without Convex's system fields). */
export const triggerValidator = v.object({
  id: v.string(),
  scheduleId: v.string(),
  runId: v.optional(v.union(v.string(), v.null())),
  scheduledFireAt: v.number(),
  actualFireAt: v.number(),
  outcome: v.string(),
  error: v.optional(v.string()),
  triggerKind: v.string(),
  parentTriggerId: v.optional(v.string()),
  /** Metadata, as JSON text. */
  metadata: v.optional(v.string()),
});
/** A trigger as stored. */
export type TriggerRow = Infer<typeof triggerValidator>;
