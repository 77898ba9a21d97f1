/**
 * Conversions between Mastra's background tasks and the rows our Convex
 * functions store (see `convex/backgroundTasks/validators.ts`), with the
 * argument checks that make bad input fail before anything is written.
 */
import type { BackgroundTask, TaskFilter, UpdateBackgroundTask } from "../coreTypes.ts";
import {
  CLEARABLE_TASK_FIELDS,
  type ClearableTaskField,
  TASK_DATE_COLUMNS,
  TASK_STATUSES,
  type TaskDateColumn,
  type TaskFence,
  type TaskFilterArgs,
  type TaskRow,
  type TaskSet,
  type TaskStatus,
} from "../../convex/backgroundTasks/validators.ts";
import { decodeValue, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import { InvalidInputError } from "../kit/errors.ts";
import { describeValue, requireId, requireKey, requireRecord, requireString } from "../kit/validate.ts";

/** A status, or an {@link InvalidInputError}. */
export function requireStatus(value: unknown, name: string): TaskStatus {
  if (typeof value !== "string" || !(TASK_STATUSES as readonly string[]).includes(value)) {
    throw new InvalidInputError(`${name} must be one of ${TASK_STATUSES.join(", ")}, got ${describeValue(value)}`);
  }
  return value as TaskStatus;
}

function requireColumn(value: unknown, name: string): TaskDateColumn {
  if (typeof value !== "string" || !(TASK_DATE_COLUMNS as readonly string[]).includes(value)) {
    throw new InvalidInputError(`${name} must be one of ${TASK_DATE_COLUMNS.join(", ")}, got ${describeValue(value)}`);
  }
  return value as TaskDateColumn;
}

function requireCount(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidInputError(`${name} must be a finite number, got ${describeValue(value)}`);
  }
  return value;
}

function requireIndex(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

/** Epoch ms of an optional date (`null` and `undefined` mean unset). */
function optionalMillis(value: unknown, name: string): number | undefined {
  return value === undefined || value === null ? undefined : toMillis(value, name);
}

/** Checks a task and converts it to its stored row (value fields encoded, not yet offloaded). */
export function taskToRow(input: unknown): TaskRow {
  const task = requireRecord(input, "task");
  const row: TaskRow = {
    id: requireId(task.id, "task.id"),
    status: requireStatus(task.status, "task.status"),
    toolName: requireKey(task.toolName, "task.toolName"),
    toolCallId: requireKey(task.toolCallId, "task.toolCallId"),
    agentId: requireKey(task.agentId, "task.agentId"),
    runId: requireKey(task.runId, "task.runId"),
    createdAt: toMillis(task.createdAt, "task.createdAt"),
    retryCount: requireCount(task.retryCount, "task.retryCount"),
    maxRetries: requireCount(task.maxRetries, "task.maxRetries"),
    timeoutMs: requireCount(task.timeoutMs, "task.timeoutMs"),
    args: encodeValue(task.args),
  };
  for (const key of ["threadId", "resourceId"] as const) {
    if (task[key] !== undefined && task[key] !== null) row[key] = requireKey(task[key], `task.${key}`);
  }
  for (const key of ["startedAt", "suspendedAt", "completedAt"] as const) {
    const millis = optionalMillis(task[key], `task.${key}`);
    if (millis !== undefined) row[key] = millis;
  }
  for (const key of ["result", "error", "suspendPayload"] as const) {
    if (task[key] !== undefined) row[key] = encodeValue(task[key]);
  }
  if (task.ownerId !== undefined && task.ownerId !== null) row.ownerId = requireKey(task.ownerId, "task.ownerId");
  const lease = optionalMillis(task.leaseExpiresAt, "task.leaseExpiresAt");
  if (lease !== undefined) row.leaseExpiresAt = lease;
  const unknown = Object.keys(task).filter((key) => !TASK_FIELDS.has(key));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `task.${unknown[0]} is not a field of a background task; its fields are ${[...TASK_FIELDS].join(", ")}`,
    );
  }
  return row;
}

/** Every field of a task (core's `BackgroundTask`, plus the lease fields of durable execution). */
const TASK_FIELDS = new Set([
  "id",
  "status",
  "toolName",
  "toolCallId",
  "args",
  "agentId",
  "threadId",
  "resourceId",
  "runId",
  "result",
  "error",
  "suspendPayload",
  "retryCount",
  "maxRetries",
  "timeoutMs",
  "createdAt",
  "startedAt",
  "suspendedAt",
  "completedAt",
  "ownerId",
  "leaseExpiresAt",
]);

/** Converts a stored row (value fields resolved) back to Mastra's task shape. */
export function rowToTask(row: TaskRow): BackgroundTask {
  const task: BackgroundTask = {
    id: row.id,
    status: row.status,
    toolName: row.toolName,
    toolCallId: row.toolCallId,
    args: decodeValue(row.args) as Record<string, unknown>,
    agentId: row.agentId,
    runId: row.runId,
    createdAt: toDate(row.createdAt),
    retryCount: row.retryCount,
    maxRetries: row.maxRetries,
    timeoutMs: row.timeoutMs,
  };
  if (row.threadId !== undefined) task.threadId = row.threadId;
  if (row.resourceId !== undefined) task.resourceId = row.resourceId;
  if (row.startedAt !== undefined) task.startedAt = toDate(row.startedAt);
  if (row.suspendedAt !== undefined) task.suspendedAt = toDate(row.suspendedAt);
  if (row.completedAt !== undefined) task.completedAt = toDate(row.completedAt);
  if (row.result !== undefined) task.result = decodeValue(row.result);
  if (row.error !== undefined) task.error = decodeValue(row.error) as BackgroundTask["error"];
  if (row.suspendPayload !== undefined) task.suspendPayload = decodeValue(row.suspendPayload);
  const lease = task as BackgroundTask & { ownerId?: string; leaseExpiresAt?: Date };
  if (row.ownerId !== undefined) lease.ownerId = row.ownerId;
  if (row.leaseExpiresAt !== undefined) lease.leaseExpiresAt = toDate(row.leaseExpiresAt);
  return task;
}

const UPDATABLE = new Set([
  "status",
  "result",
  "error",
  "startedAt",
  "suspendedAt",
  "completedAt",
  "retryCount",
  "maxRetries",
  "timeoutMs",
  "suspendPayload",
  "ownerId",
  "leaseExpiresAt",
]);

/**
 * Checks an update and splits it into fields to set and fields to clear:
 * a key present with `undefined` clears an optional field (as spreading
 * the update over the task does in core's in-memory store); `undefined`
 * for a required field leaves it unchanged. Keys outside
 * `UpdateBackgroundTask` (the task's identity) are refused.
 */
export function updateToArgs(input: unknown): { set: TaskSet; clear: ClearableTaskField[] } {
  const update = requireRecord(input, "update") as UpdateBackgroundTask & Record<string, unknown>;
  const set: TaskSet = {};
  const clear: ClearableTaskField[] = [];
  for (const [key, value] of Object.entries(update)) {
    if (!UPDATABLE.has(key)) {
      throw new InvalidInputError(
        `update.${key} cannot be updated; updatable fields are ${[...UPDATABLE].join(", ")}`,
      );
    }
    if (value === undefined || (value === null && (key.endsWith("At") || key === "ownerId"))) {
      if ((CLEARABLE_TASK_FIELDS as readonly string[]).includes(key)) clear.push(key as ClearableTaskField);
      continue;
    }
    switch (key) {
      case "status":
        set.status = requireStatus(value, "update.status");
        break;
      case "startedAt":
      case "suspendedAt":
      case "completedAt":
      case "leaseExpiresAt":
        set[key] = toMillis(value, `update.${key}`);
        break;
      case "ownerId":
        set.ownerId = requireKey(value, "update.ownerId");
        break;
      case "retryCount":
      case "maxRetries":
      case "timeoutMs":
        set[key] = requireCount(value, `update.${key}`);
        break;
      default:
        set[key as "result" | "error" | "suspendPayload"] = encodeValue(value);
    }
  }
  return { set, clear };
}

/** Options of `updateTask`: the status and ownership it expects (compare-and-set). */
export type UpdateTaskOptions = {
  expectedStatus?: TaskStatus;
  /** The owner the task must have as stored; `null`: it must be unowned. */
  expectedOwnerId?: string | null;
  /** The lease expiry the task must have as stored; `null`: it must have none. */
  expectedLeaseExpiresAt?: Date | number | string | null;
};

const UPDATE_OPTIONS = new Set(["expectedStatus", "expectedOwnerId", "expectedLeaseExpiresAt"]);

/** Checks `updateTask`'s options: the status to expect and the ownership fences. */
export function updateOptionsToArgs(input: unknown): { expectedStatus?: TaskStatus; fence?: TaskFence } {
  if (input === undefined || input === null) return {};
  const options = requireRecord(input, "options");
  for (const key of Object.keys(options)) {
    if (!UPDATE_OPTIONS.has(key)) {
      throw new InvalidInputError(
        `options.${key} is not an option of updateTask; its options are ${[...UPDATE_OPTIONS].join(", ")}`,
      );
    }
  }
  const out: { expectedStatus?: TaskStatus; fence?: TaskFence } = {};
  if (options.expectedStatus !== undefined) {
    out.expectedStatus = requireStatus(options.expectedStatus, "options.expectedStatus");
  }
  const fence: TaskFence = {};
  if (options.expectedOwnerId !== undefined) {
    fence.ownerId = options.expectedOwnerId === null
      ? null
      : requireKey(options.expectedOwnerId, "options.expectedOwnerId");
  }
  if (options.expectedLeaseExpiresAt !== undefined) {
    fence.leaseExpiresAt = options.expectedLeaseExpiresAt === null
      ? null
      : toMillis(options.expectedLeaseExpiresAt, "options.expectedLeaseExpiresAt");
  }
  if (fence.ownerId !== undefined || fence.leaseExpiresAt !== undefined) out.fence = fence;
  return out;
}

/** A normalised filter and the offset page it asks for. */
export type TaskQuery = { filter: TaskFilterArgs; offset: number; limit: number };

/** Returned per list when no `perPage` is given: everything. */
export const ALL_ROWS: number = Number.MAX_SAFE_INTEGER;

/**
 * Checks a `TaskFilter` and normalises it as core's in-memory store reads
 * it: empty strings and missing values are no filter, a status or list of
 * statuses (an empty list matches nothing), dates inclusive `fromDate`
 * and exclusive `toDate` on `dateFilterBy`, `page` only with `perPage`.
 */
export function filterToQuery(input: unknown): TaskQuery {
  const raw = (input === undefined || input === null ? {} : requireRecord(input, "filter")) as TaskFilter;
  const filter: TaskFilterArgs = {
    dateColumn: raw.dateFilterBy === undefined ? "createdAt" : requireColumn(raw.dateFilterBy, "filter.dateFilterBy"),
    orderBy: raw.orderBy === undefined ? "createdAt" : requireColumn(raw.orderBy, "filter.orderBy"),
    order: "asc",
  };
  if (raw.orderDirection !== undefined) {
    if (raw.orderDirection !== "asc" && raw.orderDirection !== "desc") {
      throw new InvalidInputError(
        `filter.orderDirection must be "asc" or "desc", got ${describeValue(raw.orderDirection)}`,
      );
    }
    filter.order = raw.orderDirection;
  }
  if (raw.status) {
    const list = Array.isArray(raw.status) ? raw.status : [raw.status];
    filter.statuses = list.map((status, i) => requireStatus(status, `filter.status[${i}]`));
  }
  for (const key of ["toolCallId", "agentId", "threadId", "resourceId", "toolName", "runId"] as const) {
    if (raw[key]) filter[key] = requireKey(requireString(raw[key], `filter.${key}`), `filter.${key}`);
  }
  if (raw.fromDate) filter.from = toMillis(raw.fromDate, "filter.fromDate");
  if (raw.toDate) filter.to = toMillis(raw.toDate, "filter.toDate");
  const page = raw.page === undefined || raw.page === null ? null : requireIndex(raw.page, "filter.page");
  const perPage = raw.perPage === undefined || raw.perPage === null
    ? null
    : requireIndex(raw.perPage, "filter.perPage");
  if (perPage === null) return { filter, offset: 0, limit: ALL_ROWS };
  const offset = page === null ? 0 : page * perPage;
  if (!Number.isSafeInteger(offset)) throw new InvalidInputError(`filter.page * filter.perPage is too large`);
  return { filter, offset, limit: perPage };
}
