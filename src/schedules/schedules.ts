/**
 * Operations of the schedules domain: schedules (create, get, list, due,
 * update, the scheduler's compare-and-set claim, delete) and their
 * trigger history (record, list).
 */
import type {
  Schedule,
  ScheduleFilter,
  ScheduleTrigger,
  ScheduleTriggerListOptions,
  ScheduleUpdate,
} from "../coreTypes.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ScheduleRow, TriggerRow } from "../../convex/schedules/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { withErrorContext } from "../kit/errors.ts";
import { repeatUntilDone } from "../kit/multiStep.ts";
import { optionalRecord, requireId, requireString } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import {
  filterToArgs,
  patchToArgs,
  requireLimit,
  requireTime,
  rowToSchedule,
  rowToTrigger,
  scheduleToInput,
  triggerToRow,
} from "./rows.ts";

/** Everything, when no limit is given. */
const ALL_ROWS = Number.MAX_SAFE_INTEGER;

function idDetail(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** Inserts a schedule; a schedule with the same id makes it fail (nothing written). Returns the stored row. */
export function createSchedule(ctx: DomainContext, schedule: unknown): Promise<Schedule> {
  const details = { scheduleId: idDetail((schedule as { id?: unknown })?.id) };
  return withErrorContext({ operation: "createSchedule", details }, async () => {
    const input = scheduleToInput(schedule);
    const row = await ctx.transport.mutation<ScheduleRow>("schedules/schedules:create", { schedule: input }, {
      operation: "createSchedule",
      details,
    });
    return rowToSchedule(row, false);
  });
}

/** Reads one schedule, or `null`. */
export function getSchedule(ctx: DomainContext, id: string): Promise<Schedule | null> {
  const details = { scheduleId: idDetail(id) };
  return withErrorContext({ operation: "getSchedule", details }, async () => {
    const row = await ctx.transport.query<ScheduleRow | null>("schedules/schedules:get", {
      id: requireId(id, "id"),
    }, { operation: "getSchedule", details });
    return row ? rowToSchedule(row) : null;
  });
}

/** Every schedule matching the filter, oldest `createdAt` first, read in bounded calls. */
export function listSchedules(ctx: DomainContext, filter?: ScheduleFilter): Promise<Schedule[]> {
  return withErrorContext({ operation: "listSchedules" }, async () => {
    const args = filterToArgs(filter);
    const { rows } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ScheduleRow>>("schedules/schedules:list", {
        filter: args,
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listSchedules" })
    );
    return rows.map((row) => rowToSchedule(row));
  });
}

/** Active schedules with `nextFireAt <= now`, soonest first, at most `limit`: reads only what is due. */
export function listDueSchedules(ctx: DomainContext, now: number, limit?: number): Promise<Schedule[]> {
  const details = { now: typeof now === "number" ? now : null, limit: typeof limit === "number" ? limit : null };
  return withErrorContext({ operation: "listDueSchedules", details }, async () => {
    const at = requireTime(now, "now");
    const take = limit === undefined || limit === null ? ALL_ROWS : requireLimit(limit, "limit");
    if (take === 0) return [];
    const { rows } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ScheduleRow>>("schedules/schedules:due", {
        now: at,
        limit: take,
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listDueSchedules", details })
    );
    return rows.map((row) => rowToSchedule(row));
  });
}

/** Applies a partial update (`updatedAt` becomes now); fails when the schedule does not exist. */
export function updateSchedule(ctx: DomainContext, id: string, patch: ScheduleUpdate): Promise<Schedule> {
  const details = { scheduleId: idDetail(id) };
  return withErrorContext({ operation: "updateSchedule", details }, async () => {
    const { set, clear } = patchToArgs(patch);
    const row = await ctx.transport.mutation<ScheduleRow>("schedules/schedules:update", {
      id: requireId(id, "id"),
      set,
      clear,
      now: ctx.now(),
    }, { operation: "updateSchedule", details, idempotent: true });
    return rowToSchedule(row);
  });
}

/**
 * The scheduler's claim, one mutation: advances `nextFireAt` from
 * `expectedNextFireAt` to `newNextFireAt` if it is still the expected one
 * and the schedule is active. Of several racing callers exactly one gets
 * true. Never retried by the transport: a retry after a lost reply could
 * not tell its own claim from a rival's.
 */
export function updateScheduleNextFire(
  ctx: DomainContext,
  id: string,
  expectedNextFireAt: number,
  newNextFireAt: number,
  lastFireAt: number,
  lastRunId: string,
): Promise<boolean> {
  const details = {
    scheduleId: idDetail(id),
    expectedNextFireAt: typeof expectedNextFireAt === "number" ? expectedNextFireAt : null,
  };
  return withErrorContext(
    { operation: "updateScheduleNextFire", details },
    () =>
      ctx.transport.mutation<boolean>("schedules/schedules:advance", {
        id: requireId(id, "id"),
        expected: requireTime(expectedNextFireAt, "expectedNextFireAt"),
        next: requireTime(newNextFireAt, "newNextFireAt"),
        lastFireAt: requireTime(lastFireAt, "lastFireAt"),
        lastRunId: requireString(lastRunId, "lastRunId"),
        now: ctx.now(),
      }, { operation: "updateScheduleNextFire", details }),
  );
}

/** Deletes a schedule and its whole trigger history, in bounded batches (one transaction each). */
export function deleteSchedule(ctx: DomainContext, id: string): Promise<void> {
  const details = { scheduleId: idDetail(id) };
  return withErrorContext({ operation: "deleteSchedule", details }, async () => {
    const scheduleId = requireId(id, "id");
    await repeatUntilDone({ operation: "deleteSchedule", details }, () => ({
      state:
        `schedule ${scheduleId} may be partly deleted (some of its trigger history removed; the schedule goes last)`,
      remedy: "calling deleteSchedule again finishes the deletion",
    }), async () => {
      const { done } = await ctx.transport.mutation<{ done: boolean }>("schedules/schedules:remove", {
        id: scheduleId,
      }, { operation: "deleteSchedule", details, idempotent: true });
      return done;
    });
  });
}

/** Records a trigger (id generated when absent; re-recording an id replaces that row). */
export function recordTrigger(ctx: DomainContext, trigger: ScheduleTrigger): Promise<void> {
  const details = {
    scheduleId: idDetail((trigger as { scheduleId?: unknown })?.scheduleId),
    triggerId: idDetail((trigger as { id?: unknown })?.id),
  };
  return withErrorContext({ operation: "recordTrigger", details }, async () => {
    const row = triggerToRow(trigger);
    await ctx.transport.mutation("schedules/triggers:record", { trigger: row }, {
      operation: "recordTrigger",
      details: { ...details, triggerId: row.id },
      idempotent: true,
    });
  });
}

/** A schedule's trigger history, newest first, `from` inclusive, `to` exclusive, at most `limit`. */
export function listTriggers(
  ctx: DomainContext,
  scheduleId: string,
  opts?: ScheduleTriggerListOptions,
): Promise<ScheduleTrigger[]> {
  const details = { scheduleId: idDetail(scheduleId) };
  return withErrorContext({ operation: "listTriggers", details }, async () => {
    const id = requireId(scheduleId, "scheduleId");
    const options = optionalRecord(opts, "opts") ?? {};
    const limit = options.limit === undefined || options.limit === null
      ? ALL_ROWS
      : requireLimit(options.limit, "opts.limit");
    if (limit === 0) return [];
    const range: { from?: number; to?: number } = {};
    if (options.fromActualFireAt != null) range.from = requireTime(options.fromActualFireAt, "opts.fromActualFireAt");
    if (options.toActualFireAt != null) range.to = requireTime(options.toActualFireAt, "opts.toActualFireAt");
    const { rows } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<TriggerRow>>("schedules/triggers:list", {
        scheduleId: id,
        ...range,
        limit,
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listTriggers", details })
    );
    return rows.map(rowToTrigger);
  });
}
