/**
 * How notifications change, exactly as core's in-memory store changes
 * them: the record a create makes, what coalescing onto a pending record
 * merges, what an update sets, and the timestamp each status stamps.
 */
import { decodeValue, encodeValue } from "../kit/codec.js";
import type { CreateInput, NotificationRow, NotificationSet, NotificationStatusValue } from "./validators.js";

/** The timestamp field a status change stamps, if any. */
const STATUS_STAMPS: Partial<Record<NotificationStatusValue, keyof NotificationRow>> = {
  delivered: "deliveredAt",
  seen: "seenAt",
  dismissed: "dismissedAt",
  archived: "archivedAt",
  discarded: "discardedAt",
};

/** `row` with `dueAt` derived: the earlier of `deliverAt` and `summaryAt` while pending, else unset. */
export function withDueAt(row: NotificationRow): NotificationRow {
  const { dueAt: _old, ...rest } = row;
  if (rest.status !== "pending") return rest;
  const times = [rest.deliverAt, rest.summaryAt].filter((time): time is number => time !== undefined);
  return times.length === 0 ? rest : { ...rest, dueAt: Math.min(...times) };
}

/** The record a create makes (no coalescing), with `id` decided by the client. */
export function createdRow(input: CreateInput & { id: string }, now: number): NotificationRow {
  const { createdAt, priority, ...fields } = input;
  const at = createdAt ?? now;
  return withDueAt({
    ...fields,
    priority: priority ?? "medium",
    status: "pending",
    coalescedCount: 1,
    createdAt: at,
    updatedAt: at,
    deliveryAttempts: 0,
  });
}

/** Codec text of `null`: a `null` given to a coalescing create counts as not given (core's `??`). */
const NULL_TEXT = encodeValue(null);

/** Present and not `null`, as `??` and truthiness tests see values. */
function given(text: string | undefined): text is string {
  return text !== undefined && text !== NULL_TEXT;
}

function mergeRecords(current: string | undefined, patch: string | undefined): string | undefined {
  if (!given(patch)) return current;
  const base = current === undefined ? {} : decodeValue(current) as Record<string, unknown>;
  return encodeValue({ ...base, ...(decodeValue(patch) as Record<string, unknown>) });
}

/** A pending record after a matching create coalesced onto it. */
export function coalescedRow(existing: NotificationRow, input: CreateInput, now: number): NotificationRow {
  return withDueAt({
    ...existing,
    summary: input.summary,
    payload: given(input.payload) ? input.payload : existing.payload,
    priority: input.priority ?? existing.priority,
    attributes: mergeRecords(existing.attributes, input.attributes),
    updatedAt: now,
    deliverAt: input.deliverAt ?? existing.deliverAt,
    summaryAt: input.summaryAt ?? existing.summaryAt,
    deliveryReason: input.deliveryReason ?? existing.deliveryReason,
    coalescedCount: (existing.coalescedCount ?? 1) + 1,
    metadata: mergeRecords(existing.metadata, input.metadata),
  });
}

/** A record after `updateNotification` (`null` clears `deliverAt` / `summaryAt`). */
export function updatedRow(existing: NotificationRow, set: NotificationSet, now: number): NotificationRow {
  const { status, deliverAt, summaryAt, ...rest } = set;
  const next: NotificationRow = { ...existing, ...(status ? statusChange(status, now) : {}), ...rest, updatedAt: now };
  if (deliverAt !== undefined) next.deliverAt = deliverAt ?? undefined;
  if (summaryAt !== undefined) next.summaryAt = summaryAt ?? undefined;
  return withDueAt(dropUndefined(next));
}

/** The fields a status change sets: the status and its timestamp. */
export function statusChange(status: NotificationStatusValue, now: number): Partial<NotificationRow> {
  const stamp = STATUS_STAMPS[status];
  return stamp ? { status, [stamp]: now } : { status };
}

function dropUndefined(row: NotificationRow): NotificationRow {
  for (const key of Object.keys(row) as (keyof NotificationRow)[]) {
    if (row[key] === undefined) delete row[key];
  }
  return row;
}
