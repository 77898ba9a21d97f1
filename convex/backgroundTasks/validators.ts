/**
 * Wire shapes of the background-tasks domain, shared by our Convex functions
 * and the client so the two sides cannot drift. User values (`args`,
 * `result`, `error`, `suspendPayload`) travel encoded by `kit/codec.ts`
 * (or as blob references when large); dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** Every status a task can have. */
export const TASK_STATUSES = [
  "pending",
  "running",
  "suspended",
  "completed",
  "failed",
  "cancelled",
  "timed_out",
] as const;
/** A task status. */
export type TaskStatus = (typeof TASK_STATUSES)[number];
/** Validator of a task status. */
export const taskStatusValidator = v.union(...TASK_STATUSES.map((status) => v.literal(status)));

/** The date columns tasks are filtered and ordered by. */
export const TASK_DATE_COLUMNS = ["createdAt", "startedAt", "suspendedAt", "completedAt"] as const;
/** A date column of a task. */
export type TaskDateColumn = (typeof TASK_DATE_COLUMNS)[number];
/** Validator of a date column. */
export const taskDateColumnValidator = v.union(...TASK_DATE_COLUMNS.map((column) => v.literal(column)));

/** Fields `updateTask` may set (or clear, when optional). */
export const taskUpdateFields = {
  status: v.optional(taskStatusValidator),
  result: v.optional(v.string()),
  error: v.optional(v.string()),
  startedAt: v.optional(v.number()),
  suspendedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
  retryCount: v.optional(v.number()),
  maxRetries: v.optional(v.number()),
  timeoutMs: v.optional(v.number()),
  suspendPayload: v.optional(v.string()),
  ownerId: v.optional(v.string()),
  leaseExpiresAt: v.optional(v.number()),
};
/** Validator of the fields an update sets. */
export const taskSetValidator = v.object(taskUpdateFields);
/** The fields an update sets. */
export type TaskSet = Infer<typeof taskSetValidator>;

/** Optional fields an update may clear (the required ones cannot be). */
export const CLEARABLE_TASK_FIELDS = [
  "result",
  "error",
  "startedAt",
  "suspendedAt",
  "completedAt",
  "suspendPayload",
  "ownerId",
  "leaseExpiresAt",
] as const;
/** A field an update may clear. */
export type ClearableTaskField = (typeof CLEARABLE_TASK_FIELDS)[number];
/** Validator of a field an update may clear. */
export const clearableTaskFieldValidator = v.union(...CLEARABLE_TASK_FIELDS.map((field) => v.literal(field)));

/**
 * Compare-and-set fences of `updateTask` on the task's ownership as stored:
 * `null` expects the field unset (an unowned task, no lease).
 */
export const taskFenceValidator = v.object({
  ownerId: v.optional(v.union(v.string(), v.null())),
  leaseExpiresAt: v.optional(v.union(v.number(), v.null())),
});
/** The fences of an update. */
export type TaskFence = Infer<typeof taskFenceValidator>;

/** Fields holding encoded user values (possibly blob references). */
export const TASK_VALUE_FIELDS = ["args", "result", "error", "suspendPayload"] as const;

/** A task as stored (without Convex's system fields). */
export const taskValidator = v.object({
  id: v.string(),
  status: taskStatusValidator,
  toolName: v.string(),
  toolCallId: v.string(),
  agentId: v.string(),
  threadId: v.optional(v.string()),
  resourceId: v.optional(v.string()),
  runId: v.string(),
  createdAt: v.number(),
  startedAt: v.optional(v.number()),
  suspendedAt: v.optional(v.number()),
  completedAt: v.optional(v.number()),
  retryCount: v.number(),
  maxRetries: v.number(),
  timeoutMs: v.number(),
  /** The tool's arguments, encoded (or a blob reference). */
  args: v.string(),
  /** The result, encoded (or a blob reference); absent when none. */
  result: v.optional(v.string()),
  /** The error `{ message, stack? }`, encoded (or a blob reference). */
  error: v.optional(v.string()),
  /** The last `suspend()` payload, encoded (or a blob reference). */
  suspendPayload: v.optional(v.string()),
  /** Who holds the task's lease (durable execution); absent when unowned. */
  ownerId: v.optional(v.string()),
  /** When that lease expires (epoch ms); absent when none. */
  leaseExpiresAt: v.optional(v.number()),
});
/** A task as stored. */
export type TaskRow = Infer<typeof taskValidator>;

/**
 * Validator of a normalised task filter (see the client's `taskFilterToArgs`):
 * empty strings already dropped, `statuses` absent for "any status" (an
 * empty array matches nothing), dates as epoch milliseconds.
 */
export const taskFilterValidator = v.object({
  toolCallId: v.optional(v.string()),
  statuses: v.optional(v.array(taskStatusValidator)),
  agentId: v.optional(v.string()),
  threadId: v.optional(v.string()),
  resourceId: v.optional(v.string()),
  toolName: v.optional(v.string()),
  runId: v.optional(v.string()),
  /** Inclusive lower bound on `dateColumn`. */
  from: v.optional(v.number()),
  /** Exclusive upper bound on `dateColumn`. */
  to: v.optional(v.number()),
  dateColumn: taskDateColumnValidator,
  orderBy: taskDateColumnValidator,
  order: v.union(v.literal("asc"), v.literal("desc")),
});
/** A normalised task filter. */
export type TaskFilterArgs = Infer<typeof taskFilterValidator>;
