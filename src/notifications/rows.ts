/**
 * Conversions between core's notification records and our rows: dates to
 * epoch milliseconds and back, `payload` / `attributes` / `metadata`
 * through the codec, and the checks that make bad input fail before
 * anything is sent.
 */
import type { CreateNotificationInput, NotificationRecord, UpdateNotificationInput } from "../coreTypes.ts";
import type {
  CreateInput,
  NotificationFilter,
  NotificationRow,
  NotificationSet,
  NotificationStatusValue,
} from "../../convex/notifications/validators.ts";
import { decodeOptional, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import { InvalidInputError } from "../kit/errors.ts";
import { describeValue, optionalString, requireId, requireKey, requireRecord, requireString } from "../kit/validate.ts";

/** Every notification status. */
export const STATUSES: readonly NotificationStatusValue[] = [
  "pending",
  "delivered",
  "seen",
  "dismissed",
  "archived",
  "discarded",
  "failed",
];
/** Every notification priority. */
export const PRIORITIES = ["low", "medium", "high", "urgent"] as const;

const DATE_FIELDS = [
  "createdAt",
  "updatedAt",
  "deliveredAt",
  "seenAt",
  "dismissedAt",
  "archivedAt",
  "discardedAt",
  "deliverAt",
  "summaryAt",
  "lastDeliveryAttemptAt",
] as const;

/** A stored row as core's record (dates as `Date`, values decoded). */
export function rowToRecord(row: NotificationRow): NotificationRecord {
  const { dueAt: _dueAt, payload, attributes, metadata, ...rest } = row;
  const out: Record<string, unknown> = { ...rest };
  for (const field of DATE_FIELDS) {
    const value = row[field];
    if (value !== undefined) out[field] = toDate(value);
  }
  if (payload !== undefined) out.payload = decodeOptional(payload);
  if (attributes !== undefined) out.attributes = decodeOptional(attributes);
  if (metadata !== undefined) out.metadata = decodeOptional(metadata);
  return out as NotificationRecord;
}

/** A status, or an {@link InvalidInputError}. */
export function requireStatus(value: unknown, name: string): NotificationStatusValue {
  if (!STATUSES.includes(value as NotificationStatusValue)) {
    throw new InvalidInputError(`${name} must be one of ${STATUSES.join(", ")}, got ${describeValue(value)}`);
  }
  return value as NotificationStatusValue;
}

function optionalPriority(value: unknown, name: string): CreateInput["priority"] {
  if (value === undefined) return undefined;
  if (!(PRIORITIES as readonly unknown[]).includes(value)) {
    throw new InvalidInputError(`${name} must be one of ${PRIORITIES.join(", ")}, got ${describeValue(value)}`);
  }
  return value as CreateInput["priority"];
}

/** A date given as `Date` (or epoch ms / date text), absent when `undefined` or `null`. */
function optionalTime(value: unknown, name: string): number | undefined {
  return value === undefined || value === null ? undefined : toMillis(value, name);
}

function optionalKey(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireKey(value, name);
}

/** An object (attributes, metadata) as codec text; absent when `undefined`, `null` kept as such. */
function optionalObject(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (value !== null) requireRecord(value, name);
  return encodeValue(value);
}

function defined<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** The create input we send, with the id decided here (a retried call then writes the same record). */
export function createToArgs(input: CreateNotificationInput): CreateInput & { id: string } {
  const checked = requireRecord(input, "input");
  return defined({
    id: checked.id === undefined ? crypto.randomUUID() : requireId(checked.id, "input.id"),
    threadId: requireId(checked.threadId, "input.threadId"),
    source: requireString(checked.source, "input.source"),
    kind: requireString(checked.kind, "input.kind"),
    summary: requireString(checked.summary, "input.summary"),
    priority: optionalPriority(checked.priority, "input.priority"),
    payload: checked.payload === undefined ? undefined : encodeValue(checked.payload),
    resourceId: optionalKey(checked.resourceId, "input.resourceId"),
    agentId: optionalKey(checked.agentId, "input.agentId"),
    sourceId: optionalString(checked.sourceId, "input.sourceId"),
    dedupeKey: optionalKey(checked.dedupeKey, "input.dedupeKey"),
    coalesceKey: optionalKey(checked.coalesceKey, "input.coalesceKey"),
    attributes: optionalObject(checked.attributes, "input.attributes"),
    deliverAt: optionalTime(checked.deliverAt, "input.deliverAt"),
    summaryAt: optionalTime(checked.summaryAt, "input.summaryAt"),
    deliveryReason: optionalString(checked.deliveryReason, "input.deliveryReason"),
    metadata: optionalObject(checked.metadata, "input.metadata"),
    createdAt: optionalTime(checked.createdAt, "input.createdAt"),
  });
}

/** The fields `updateNotification` sets (`null` clears `deliverAt` / `summaryAt`). */
export function updateToSet(input: UpdateNotificationInput): NotificationSet {
  const checked = requireRecord(input, "input");
  const clearable = (value: unknown, name: string) => value === null ? null : optionalTime(value, name);
  return defined({
    status: checked.status === undefined ? undefined : requireStatus(checked.status, "input.status"),
    summary: optionalString(checked.summary, "input.summary"),
    payload: checked.payload === undefined ? undefined : encodeValue(checked.payload),
    attributes: optionalObject(checked.attributes, "input.attributes"),
    metadata: optionalObject(checked.metadata, "input.metadata"),
    deliverAt: clearable(checked.deliverAt, "input.deliverAt"),
    summaryAt: clearable(checked.summaryAt, "input.summaryAt"),
    deliveryReason: optionalString(checked.deliveryReason, "input.deliveryReason"),
    deliveryAttempts: checked.deliveryAttempts === undefined
      ? undefined
      : requireCount(checked.deliveryAttempts, "input.deliveryAttempts"),
    lastDeliveryAttemptAt: optionalTime(checked.lastDeliveryAttemptAt, "input.lastDeliveryAttemptAt"),
    lastDeliveryError: optionalString(checked.lastDeliveryError, "input.lastDeliveryError"),
    deliveredSignalId: optionalString(checked.deliveredSignalId, "input.deliveredSignalId"),
    summarySignalId: optionalString(checked.summarySignalId, "input.summarySignalId"),
  });
}

function requireCount(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidInputError(`${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

/** A list limit: `undefined` for all, else a non-negative count (fractions cut as `slice` cuts them). */
export function optionalLimit(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new InvalidInputError(`${name} must be a non-negative number, got ${describeValue(value)}`);
  }
  return Math.floor(value);
}

/**
 * A status or priority filter as a list of known values: `undefined` for no
 * filter (absent or empty text), `[]` when nothing can match.
 */
function valueFilter<T extends string>(value: unknown, known: readonly T[], name: string): T[] | undefined {
  if (value === undefined || value === null || value === "") return undefined;
  const values = Array.isArray(value) ? value : [value];
  for (const item of values) requireString(item, name);
  return known.filter((item) => values.includes(item));
}

/** The normalised filters of `listNotifications`; `null` when nothing can match. */
export function listFilter(input: Record<string, unknown>): NotificationFilter | null {
  const status = valueFilter(input.status, STATUSES, "input.status");
  const priority = valueFilter(input.priority, PRIORITIES, "input.priority");
  if (status?.length === 0 || priority?.length === 0) return null;
  const text = (value: unknown, name: string) => optionalString(value, name) || undefined;
  return defined({
    status,
    priority,
    source: text(input.source, "input.source"),
    resourceId: text(input.resourceId, "input.resourceId"),
    agentId: text(input.agentId, "input.agentId"),
    search: text(input.search, "input.search")?.toLowerCase(),
  });
}
