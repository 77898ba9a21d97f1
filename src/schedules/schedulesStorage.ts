/**
 * Mastra's schedules domain on Convex: the scheduler's poll reads only
 * what is due, its claim is a compare-and-set in one mutation, and a
 * schedule's trigger history of any size is deleted in bounded batches.
 * This class wires the operations to Mastra's `SchedulesStorage` contract.
 */
import type {
  Schedule,
  ScheduleFilter,
  ScheduleTrigger,
  ScheduleTriggerListOptions,
  ScheduleUpdate,
} from "../coreTypes.ts";
import { SchedulesStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import {
  createSchedule,
  deleteSchedule,
  getSchedule,
  listDueSchedules,
  listSchedules,
  listTriggers,
  recordTrigger,
  updateSchedule,
  updateScheduleNextFire,
} from "./schedules.ts";

import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";
/** Schedules and their trigger history stored in Convex. */
export class ConvexSchedulesStorage extends SchedulesStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age: the fire history (`triggers`), by `actualFireAt`. */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("schedules", {
    triggers: "actualFireAt",
  });

  /** Deletes triggers fired before each policy's `maxAge` (the deployment's clock), in batches; schedules stay. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "schedules", policies, options);
  }

  /** Deletes every schedule and trigger. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["schedule_triggers", "schedules"], []);
  }

  /** Inserts a schedule; fails if its id exists. Returns the stored row. */
  override createSchedule(schedule: Schedule): Promise<Schedule> {
    return createSchedule(this.#ctx, schedule);
  }

  /** Reads one schedule, or `null`. */
  override getSchedule(id: string): Promise<Schedule | null> {
    return getSchedule(this.#ctx, id);
  }

  /** Every schedule matching the filter, oldest first. */
  override listSchedules(filter?: ScheduleFilter): Promise<Schedule[]> {
    return listSchedules(this.#ctx, filter);
  }

  /** Active schedules due at `now`, soonest first (reads only what is due). */
  override listDueSchedules(now: number, limit?: number): Promise<Schedule[]> {
    return listDueSchedules(this.#ctx, now, limit);
  }

  /** Partial update; fails if the schedule does not exist. */
  override updateSchedule(id: string, patch: ScheduleUpdate): Promise<Schedule> {
    return updateSchedule(this.#ctx, id, patch);
  }

  /** Compare-and-set claim of a fire: exactly one of several racing callers gets true. */
  override updateScheduleNextFire(
    id: string,
    expectedNextFireAt: number,
    newNextFireAt: number,
    lastFireAt: number,
    lastRunId: string,
  ): Promise<boolean> {
    return updateScheduleNextFire(this.#ctx, id, expectedNextFireAt, newNextFireAt, lastFireAt, lastRunId);
  }

  /** Deletes a schedule and its trigger history. */
  override deleteSchedule(id: string): Promise<void> {
    return deleteSchedule(this.#ctx, id);
  }

  /** Appends a trigger to a schedule's history. */
  override recordTrigger(trigger: ScheduleTrigger): Promise<void> {
    return recordTrigger(this.#ctx, trigger);
  }

  /** A schedule's trigger history, newest first. */
  override listTriggers(scheduleId: string, opts?: ScheduleTriggerListOptions): Promise<ScheduleTrigger[]> {
    return listTriggers(this.#ctx, scheduleId, opts);
  }
}
