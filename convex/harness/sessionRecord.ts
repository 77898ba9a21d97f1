/**
 * What a harness session record becomes when stored and changed, exactly
 * as core's in-memory harness does it: the copy it keeps (dates as `Date`,
 * absent optional parts as `undefined`), and the four changes (session
 * update, append, update and removal of a pending item). Shared by the
 * client (which stores records) and our mutation (which changes them), so
 * the two cannot drift. Imports nothing.
 */
import { storageError } from "../kit/errors.js";

/** A session record, as far as this module needs to know it. */
export type SessionRecordValue = Record<string, unknown> & { id: string; pending?: PendingItemValue[] };
/** A pending item of a session. */
export type PendingItemValue = Record<string, unknown> & { id: string };

function date(value: unknown): Date {
  return new Date(value as string | number | Date);
}

function optionalDate(value: unknown): unknown {
  return value ? date(value) : value;
}

/** The copy of a pending item a store keeps (core's `clonePendingItemRecord`). */
export function normalizePendingItem(item: PendingItemValue): PendingItemValue {
  return {
    ...item,
    createdAt: date(item.createdAt),
    updatedAt: date(item.updatedAt),
    payload: item.payload ? item.payload : undefined,
    response: item.response ? item.response : undefined,
  };
}

/** The columns a session row copies from its record (for retention and erasure). */
export type SessionColumns = { resourceId?: string; lastActivityAt?: number };

/** The {@link SessionColumns} of a record (a field of the wrong type is left out). */
export function sessionColumns(record: Record<string, unknown>): SessionColumns {
  const at = record.lastActivityAt instanceof Date ? record.lastActivityAt.getTime() : Number.NaN;
  return {
    ...(typeof record.resourceId === "string" ? { resourceId: record.resourceId } : {}),
    ...(Number.isFinite(at) ? { lastActivityAt: at } : {}),
  };
}

/** The copy of a session record a store keeps (core's `cloneSessionRecord`). */
export function normalizeSession(record: SessionRecordValue): SessionRecordValue {
  return {
    ...record,
    source: record.source ? { ...(record.source as Record<string, unknown>) } : undefined,
    metadata: record.metadata ? record.metadata : undefined,
    state: record.state ? record.state : undefined,
    pending: record.pending ? record.pending.map(normalizePendingItem) : undefined,
    createdAt: date(record.createdAt),
    lastActivityAt: date(record.lastActivityAt),
    closingAt: optionalDate(record.closingAt),
    closeDeadlineAt: optionalDate(record.closeDeadlineAt),
    closedAt: optionalDate(record.closedAt),
    deletedAt: optionalDate(record.deletedAt),
  };
}

/** `updateSession`: `updates` over the record; id and creation kept; activity stamped `now` unless given. */
export function updateSession(
  record: SessionRecordValue,
  updates: Record<string, unknown>,
  now: number,
): SessionRecordValue {
  return normalizeSession({
    ...record,
    ...updates,
    id: record.id,
    createdAt: record.createdAt,
    lastActivityAt: updates.lastActivityAt ?? new Date(now),
  });
}

/** `appendPendingItem`: refused when an item with the same id is pending already. */
export function appendPendingItem(record: SessionRecordValue, item: PendingItemValue, now: number): SessionRecordValue {
  if (record.pending?.some((existing) => existing.id === item.id)) {
    throw storageError("ALREADY_EXISTS", `pending item ${item.id} already exists on session ${record.id}`);
  }
  return updateSession(record, { pending: [...(record.pending ?? []), item] }, now);
}

/** `updatePendingItem`: `updates` over the item (id, session and creation kept, `updatedAt` = now). */
export function updatePendingItem(
  record: SessionRecordValue,
  itemId: string,
  updates: Record<string, unknown>,
  now: number,
): SessionRecordValue {
  let found = false;
  const pending = (record.pending ?? []).map((item) => {
    if (item.id !== itemId) return item;
    found = true;
    return {
      ...item,
      ...updates,
      id: item.id,
      sessionId: item.sessionId,
      createdAt: item.createdAt,
      updatedAt: new Date(now),
    };
  });
  if (!found) throw storageError("NOT_FOUND", `pending item ${itemId} was not found on session ${record.id}`);
  return updateSession(record, { pending }, now);
}

/** `removePendingItem`: the item goes if present; the session's activity is stamped either way. */
export function removePendingItem(record: SessionRecordValue, itemId: string, now: number): SessionRecordValue {
  return updateSession(record, { pending: (record.pending ?? []).filter((item) => item.id !== itemId) }, now);
}
