/**
 * Conversions between Mastra's schedules and triggers and the rows our
 * Convex functions store (see `convex/schedules/validators.ts`), with the
 * argument checks that make bad input fail before anything is written.
 *
 * `target` and `metadata` are kept as JSON text, as core's in-memory store
 * keeps JSON copies: what comes back is what `JSON.parse(JSON.stringify())`
 * of the input gives.
 */
import type { Schedule, ScheduleFilter, ScheduleTrigger } from "../coreTypes.ts";
import { normalizeScheduleTarget, type ScheduleTarget } from "@mastra/core/storage";
import type {
  ScheduleFilterArgs,
  ScheduleInput,
  ScheduleRow,
  ScheduleSet,
  TriggerRow,
} from "../../convex/schedules/validators.ts";
import { InvalidInputError } from "../kit/errors.ts";
import { describeValue, requireId, requireKey, requireRecord, requireString } from "../kit/validate.ts";

/** JSON text of a value, or an {@link InvalidInputError} when JSON cannot hold it. */
export function toJsonText(value: unknown, name: string): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new InvalidInputError(`${name} cannot be stored as JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new InvalidInputError(`${name} cannot be stored as JSON (got ${describeValue(value)})`);
  return text;
}

/** A finite number, or an {@link InvalidInputError}. */
export function requireTime(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidInputError(`${name} must be a finite number (epoch ms), got ${describeValue(value)}`);
  }
  return value;
}

/** A non-negative integer, or an {@link InvalidInputError}. */
export function requireLimit(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new InvalidInputError(`${name} must be a non-negative integer, got ${describeValue(value)}`);
  }
  return value;
}

function requireStatus(value: unknown, name: string): "active" | "paused" {
  if (value !== "active" && value !== "paused") {
    throw new InvalidInputError(`${name} must be "active" or "paused", got ${describeValue(value)}`);
  }
  return value;
}

function targetText(value: unknown, name: string): string {
  const target = requireRecord(value, name);
  requireString(target.type, `${name}.type`);
  return toJsonText(target, name);
}

/** Checks a schedule and converts it to the row `schedules:create` takes. */
export function scheduleToInput(input: unknown): ScheduleInput {
  const schedule = requireRecord(input, "schedule");
  const row: ScheduleInput = {
    id: requireId(schedule.id, "schedule.id"),
    target: targetText(schedule.target, "schedule.target"),
    cron: requireString(schedule.cron, "schedule.cron"),
    status: requireStatus(schedule.status, "schedule.status"),
    nextFireAt: requireTime(schedule.nextFireAt, "schedule.nextFireAt"),
    createdAt: requireTime(schedule.createdAt, "schedule.createdAt"),
    updatedAt: requireTime(schedule.updatedAt, "schedule.updatedAt"),
  };
  if (schedule.timezone !== undefined && schedule.timezone !== null) {
    row.timezone = requireString(schedule.timezone, "schedule.timezone");
  }
  if (schedule.lastFireAt !== undefined && schedule.lastFireAt !== null) {
    row.lastFireAt = requireTime(schedule.lastFireAt, "schedule.lastFireAt");
  }
  if (schedule.lastRunId !== undefined && schedule.lastRunId !== null) {
    row.lastRunId = requireString(schedule.lastRunId, "schedule.lastRunId");
  }
  if (schedule.metadata !== undefined) row.metadata = toJsonText(schedule.metadata, "schedule.metadata");
  for (const key of ["ownerType", "ownerId"] as const) {
    if (schedule[key] !== undefined && schedule[key] !== null) row[key] = requireKey(schedule[key], `schedule.${key}`);
  }
  return row;
}

/**
 * Converts a stored row back to Mastra's schedule. Reads run the target
 * through core's `normalizeScheduleTarget` (legacy `heartbeat` targets);
 * `createSchedule` returns the row as written, as core's stores do.
 */
export function rowToSchedule(row: ScheduleRow, normalize = true): Schedule {
  const target = JSON.parse(row.target) as ScheduleTarget;
  const schedule: Schedule = {
    id: row.id,
    target: normalize ? normalizeScheduleTarget(target) : target,
    cron: row.cron,
    status: row.status,
    nextFireAt: row.nextFireAt,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
  if (row.timezone !== undefined) schedule.timezone = row.timezone;
  if (row.lastFireAt !== undefined) schedule.lastFireAt = row.lastFireAt;
  if (row.lastRunId !== undefined) schedule.lastRunId = row.lastRunId;
  if (row.metadata !== undefined) schedule.metadata = JSON.parse(row.metadata);
  if (row.ownerType !== undefined) schedule.ownerType = row.ownerType;
  if (row.ownerId !== undefined) schedule.ownerId = row.ownerId;
  return schedule;
}

const PATCHABLE = new Set(["cron", "timezone", "status", "nextFireAt", "metadata", "target", "ownerType", "ownerId"]);

/**
 * Checks a patch and splits it into fields to set and to clear. As in
 * core's in-memory store, `target` and `metadata` given as `undefined`
 * are kept; `timezone`, `ownerType` and `ownerId` given as `undefined` (or
 * `null`) are cleared. `undefined` for `cron`, `status` or `nextFireAt`
 * leaves them unchanged. Other keys are refused.
 */
export function patchToArgs(input: unknown): { set: ScheduleSet; clear: ("timezone" | "ownerType" | "ownerId")[] } {
  const patch = requireRecord(input, "patch");
  const set: ScheduleSet = {};
  const clear: ("timezone" | "ownerType" | "ownerId")[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (!PATCHABLE.has(key)) {
      throw new InvalidInputError(`patch.${key} cannot be updated; updatable fields are ${[...PATCHABLE].join(", ")}`);
    }
    switch (key) {
      case "timezone":
      case "ownerType":
      case "ownerId":
        if (value === undefined || value === null) clear.push(key);
        else set[key] = key === "timezone" ? requireString(value, `patch.${key}`) : requireKey(value, `patch.${key}`);
        break;
      case "cron":
        if (value !== undefined) set.cron = requireString(value, "patch.cron");
        break;
      case "status":
        if (value !== undefined) set.status = requireStatus(value, "patch.status");
        break;
      case "nextFireAt":
        if (value !== undefined) set.nextFireAt = requireTime(value, "patch.nextFireAt");
        break;
      case "target":
        if (value !== undefined) set.target = targetText(value, "patch.target");
        break;
      case "metadata":
        if (value !== undefined) set.metadata = toJsonText(value, "patch.metadata");
        break;
    }
  }
  return { set, clear };
}

/** Checks a schedule filter and normalises it as core's in-memory store reads it. */
export function filterToArgs(input: unknown): ScheduleFilterArgs {
  if (input === undefined || input === null) return {};
  const filter = requireRecord(input, "filter") as ScheduleFilter;
  const out: ScheduleFilterArgs = {};
  if (filter.status) out.status = requireStatus(filter.status, "filter.status");
  if (filter.workflowId) out.workflowId = requireKey(filter.workflowId, "filter.workflowId");
  for (const key of ["ownerType", "ownerId"] as const) {
    const value = filter[key];
    if (value === undefined) continue;
    out[key] = value === null ? null : requireKey(value, `filter.${key}`);
  }
  return out;
}

/** Checks a trigger and converts it to its row (a trigger without id gets a random UUID). */
export function triggerToRow(input: unknown): TriggerRow {
  const trigger = requireRecord(input, "trigger");
  const row: TriggerRow = {
    id: trigger.id === undefined || trigger.id === null ? crypto.randomUUID() : requireId(trigger.id, "trigger.id"),
    scheduleId: requireId(trigger.scheduleId, "trigger.scheduleId"),
    scheduledFireAt: requireTime(trigger.scheduledFireAt, "trigger.scheduledFireAt"),
    actualFireAt: requireTime(trigger.actualFireAt, "trigger.actualFireAt"),
    outcome: requireString(trigger.outcome, "trigger.outcome"),
    triggerKind: trigger.triggerKind === undefined
      ? "schedule-fire"
      : requireString(trigger.triggerKind, "trigger.triggerKind"),
  };
  if (trigger.runId === null) row.runId = null;
  else if (trigger.runId !== undefined) row.runId = requireString(trigger.runId, "trigger.runId");
  if (trigger.error !== undefined) row.error = requireString(trigger.error, "trigger.error");
  if (trigger.parentTriggerId !== undefined) {
    row.parentTriggerId = requireString(trigger.parentTriggerId, "trigger.parentTriggerId");
  }
  if (trigger.metadata !== undefined) row.metadata = toJsonText(trigger.metadata, "trigger.metadata");
  return row;
}

/** Converts a stored trigger row back to Mastra's trigger. */
export function rowToTrigger(row: TriggerRow): ScheduleTrigger {
  const trigger: ScheduleTrigger = {
    id: row.id,
    scheduleId: row.scheduleId,
    runId: row.runId as string | null,
    scheduledFireAt: row.scheduledFireAt,
    actualFireAt: row.actualFireAt,
    outcome: row.outcome as ScheduleTrigger["outcome"],
    triggerKind: row.triggerKind as ScheduleTrigger["triggerKind"],
  };
  if (row.runId === undefined) delete (trigger as { runId?: unknown }).runId;
  if (row.error !== undefined) trigger.error = row.error;
  if (row.parentTriggerId !== undefined) trigger.parentTriggerId = row.parentTriggerId;
  if (row.metadata !== undefined) trigger.metadata = JSON.parse(row.metadata);
  return trigger;
}
