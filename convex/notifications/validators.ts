/**
 * Wire shapes of the notifications domain, shared by our Convex functions
 * and the client. Times are epoch milliseconds; `payload`, `attributes`
 * and `metadata` are codec text (`kit/codec.ts`). `dueAt` is derived by
 * the server: the earlier of `deliverAt` and `summaryAt` while the record
 * is pending, unset otherwise, so the due index holds only what may
 * become due.
 */
import { type Infer, v } from "convex/values";

/** Validator of a notification status. */
export const notificationStatusValidator = v.union(
  v.literal("pending"),
  v.literal("delivered"),
  v.literal("seen"),
  v.literal("dismissed"),
  v.literal("archived"),
  v.literal("discarded"),
  v.literal("failed"),
);
/** A notification status. */
export type NotificationStatusValue = Infer<typeof notificationStatusValidator>;

/** Validator of a notification priority. */
export const notificationPriorityValidator = v.union(
  v.literal("low"),
  v.literal("medium"),
  v.literal("high"),
  v.literal("urgent"),
);

/** Fields a create may carry (besides thread, id and times the server decides). */
const createFields = {
  threadId: v.string(),
  source: v.string(),
  kind: v.string(),
  summary: v.string(),
  priority: v.optional(notificationPriorityValidator),
  payload: v.optional(v.string()),
  resourceId: v.optional(v.string()),
  agentId: v.optional(v.string()),
  sourceId: v.optional(v.string()),
  dedupeKey: v.optional(v.string()),
  coalesceKey: v.optional(v.string()),
  attributes: v.optional(v.string()),
  deliverAt: v.optional(v.number()),
  summaryAt: v.optional(v.number()),
  deliveryReason: v.optional(v.string()),
  metadata: v.optional(v.string()),
};

/** What `createNotification` sends: the input, its id when given, and its creation time when given. */
export const createInputValidator = v.object({
  ...createFields,
  id: v.optional(v.string()),
  createdAt: v.optional(v.number()),
});
/** What `createNotification` sends. */
export type CreateInput = Infer<typeof createInputValidator>;

/** A notification as stored (without Convex's system fields). */
export const notificationValidator = v.object({
  ...createFields,
  id: v.string(),
  priority: notificationPriorityValidator,
  status: notificationStatusValidator,
  coalescedCount: v.optional(v.number()),
  createdAt: v.number(),
  updatedAt: v.number(),
  deliveredAt: v.optional(v.number()),
  seenAt: v.optional(v.number()),
  dismissedAt: v.optional(v.number()),
  archivedAt: v.optional(v.number()),
  discardedAt: v.optional(v.number()),
  deliveryAttempts: v.optional(v.number()),
  lastDeliveryAttemptAt: v.optional(v.number()),
  lastDeliveryError: v.optional(v.string()),
  deliveredSignalId: v.optional(v.string()),
  summarySignalId: v.optional(v.string()),
  /** Derived: when the pending record is due (see the module comment). */
  dueAt: v.optional(v.number()),
});
/** A notification as stored. */
export type NotificationRow = Infer<typeof notificationValidator>;

/** What `updateNotification` may set (`null` clears `deliverAt` / `summaryAt`). */
export const notificationSetValidator = v.object({
  status: v.optional(notificationStatusValidator),
  summary: v.optional(v.string()),
  payload: v.optional(v.string()),
  attributes: v.optional(v.string()),
  metadata: v.optional(v.string()),
  deliverAt: v.optional(v.union(v.number(), v.null())),
  summaryAt: v.optional(v.union(v.number(), v.null())),
  deliveryReason: v.optional(v.string()),
  deliveryAttempts: v.optional(v.number()),
  lastDeliveryAttemptAt: v.optional(v.number()),
  lastDeliveryError: v.optional(v.string()),
  deliveredSignalId: v.optional(v.string()),
  summarySignalId: v.optional(v.string()),
});
/** What `updateNotification` sets. */
export type NotificationSet = Infer<typeof notificationSetValidator>;

/** Validator of the filters of `listNotifications`, normalised by the client (lists never empty). */
export const notificationFilterValidator = v.object({
  status: v.optional(v.array(notificationStatusValidator)),
  priority: v.optional(v.array(notificationPriorityValidator)),
  source: v.optional(v.string()),
  resourceId: v.optional(v.string()),
  agentId: v.optional(v.string()),
  /** Lower-cased search text. */
  search: v.optional(v.string()),
});
/** Normalised filters of `listNotifications`. */
export type NotificationFilter = Infer<typeof notificationFilterValidator>;

/** Where a list resumes: a sort position plus the creation time of the last row read at it. */
export const resumeValidator = v.object({ keys: v.array(v.number()), creationTime: v.number() });
/** Where a list resumes. */
export type Resume = Infer<typeof resumeValidator>;
