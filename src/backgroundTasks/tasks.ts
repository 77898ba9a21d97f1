/**
 * Operations of the background-tasks domain: create, update, get, list,
 * delete (one or by filter) and the running counts.
 */
import type { BackgroundTask, TaskFilter, TaskListResult, UpdateBackgroundTask } from "../coreTypes.ts";
import { TASK_VALUE_FIELDS, type TaskRow } from "../../convex/backgroundTasks/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "../kit/context.ts";
import { withErrorContext } from "../kit/errors.ts";
import { repeatUntilDone } from "../kit/multiStep.ts";
import { mapLimited, offloadFields, resolveFresh, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireKey } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import {
  ALL_ROWS,
  filterToQuery,
  rowToTask,
  taskToRow,
  updateOptionsToArgs,
  type UpdateTaskOptions,
  updateToArgs,
} from "./rows.ts";

const VALUE_FIELDS = [...TASK_VALUE_FIELDS];

/** Task payloads downloaded at the same time by one list. */
const LARGE_PARALLEL = 4;

function idDetail(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

/** A row with its large values assembled; read again if replaced meanwhile, `null` if deleted. */
function resolveTask(ctx: DomainContext, row: TaskRow, operation: string): Promise<TaskRow | null> {
  return resolveFresh(
    ctx,
    row,
    VALUE_FIELDS,
    operation,
    () =>
      ctx.transport.query<TaskRow | null>("backgroundTasks/tasks:get", { id: row.id }, {
        operation,
        details: { taskId: row.id },
      }),
  );
}

/** Inserts a task, or replaces the one with the same id. Values of any size are accepted. */
export function createTask(ctx: DomainContext, task: unknown): Promise<void> {
  const details = { taskId: idDetail((task as { id?: unknown })?.id) };
  return withErrorContext({ operation: "createTask", details }, async () => {
    const row = await offloadFields(ctx, taskToRow(task), VALUE_FIELDS, "createTask");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("backgroundTasks/tasks:create", {
      task: row,
      now: ctx.now(),
    }, { operation: "createTask", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "createTask");
  });
}

/**
 * Applies a partial update in one mutation, only if the task exists and
 * (with `expectedStatus`) still has that status and (with
 * `expectedOwnerId` / `expectedLeaseExpiresAt`) that ownership as stored,
 * `null` meaning unowned / no lease. Returns whether it applied.
 */
export function updateTask(
  ctx: DomainContext,
  taskId: string,
  update: UpdateBackgroundTask,
  options?: UpdateTaskOptions,
): Promise<boolean> {
  const details = { taskId: idDetail(taskId) };
  return withErrorContext({ operation: "updateTask", details }, async () => {
    const id = requireId(taskId, "taskId");
    const { set, clear } = updateToArgs(update);
    const { expectedStatus, fence } = updateOptionsToArgs(options);
    const offloaded = await offloadFields(
      ctx,
      set as Record<string, unknown>,
      ["result", "error", "suspendPayload"],
      "updateTask",
    );
    const { applied, released } = await ctx.transport.mutation<{ applied: boolean; released: boolean }>(
      "backgroundTasks/tasks:update",
      {
        id,
        set: offloaded,
        clear,
        ...(expectedStatus !== undefined ? { expectedStatus } : {}),
        ...(fence !== undefined ? { fence } : {}),
        now: ctx.now(),
      },
      // Not idempotent: a retry after a lost reply could see its own write and report false.
      { operation: "updateTask", details },
    );
    if (released) await sweepBlobs(ctx, "updateTask");
    return applied;
  });
}

/** Reads one task, or `null`. */
export function getTask(ctx: DomainContext, taskId: string): Promise<BackgroundTask | null> {
  const details = { taskId: idDetail(taskId) };
  return withErrorContext({ operation: "getTask", details }, async () => {
    const id = requireId(taskId, "taskId");
    const row = await ctx.transport.query<TaskRow | null>("backgroundTasks/tasks:get", { id }, {
      operation: "getTask",
      details,
    });
    const resolved = row ? await resolveTask(ctx, row, "getTask") : null;
    return resolved ? rowToTask(resolved) : null;
  });
}

function filterDetails(filter: unknown): Record<string, string | null> {
  const f = (filter ?? {}) as Record<string, unknown>;
  const out: Record<string, string | null> = {};
  for (const key of ["agentId", "threadId", "runId", "toolCallId"]) {
    if (typeof f[key] === "string") out[key] = f[key] as string;
  }
  return out;
}

/** Lists tasks with every filter, ordering and offset page of `TaskFilter`, with the exact total. */
export function listTasks(ctx: DomainContext, filter: TaskFilter): Promise<TaskListResult> {
  const details = filterDetails(filter);
  return withErrorContext({ operation: "listTasks", details }, async () => {
    const query = filterToQuery(filter);
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<TaskRow>>("backgroundTasks/tasks:list", {
        ...query,
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listTasks", details })
    );
    const resolved = await mapLimited(rows, LARGE_PARALLEL, (row) => resolveTask(ctx, row, "listTasks"));
    return {
      tasks: resolved.filter((row) => row !== null).map(rowToTask),
      total: total ?? 0,
    };
  });
}

/** Deletes one task (nothing happens when it does not exist). */
export function deleteTask(ctx: DomainContext, taskId: string): Promise<void> {
  const details = { taskId: idDetail(taskId) };
  return withErrorContext({ operation: "deleteTask", details }, async () => {
    const id = requireId(taskId, "taskId");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("backgroundTasks/tasks:remove", {
      id,
      now: ctx.now(),
    }, { operation: "deleteTask", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "deleteTask");
  });
}

/**
 * Deletes the tasks `listTasks(filter)` would return, in bounded batches
 * (one transaction each), however many match.
 */
export function deleteTasks(ctx: DomainContext, filter: TaskFilter): Promise<void> {
  const details = filterDetails(filter);
  return withErrorContext({ operation: "deleteTasks", details }, async () => {
    const query = filterToQuery(filter);
    // Without a page the order does not matter: walk the date column itself, so a
    // cleanup ("completed before the cutoff") reads only what it deletes.
    if (query.limit === ALL_ROWS && (query.filter.from !== undefined || query.filter.to !== undefined)) {
      query.filter.orderBy = query.filter.dateColumn;
    }
    let state: WalkState | null | undefined = undefined;
    let released = false;
    await repeatUntilDone({ operation: "deleteTasks", details }, () => ({
      state: "some of the matching tasks may be deleted and the rest not",
      remedy: query.limit === ALL_ROWS
        ? "calling deleteTasks again with the same filter finishes"
        : "list the tasks to see which remain (a paged delete is not repeated, it could delete past its page)",
    }), async () => {
      const step: { next: WalkState | null; released: boolean } = await ctx.transport.mutation(
        "backgroundTasks/tasks:removeMatching",
        { ...query, ...(state ? { state } : {}), now: ctx.now() },
        // A retried step of an unpaged delete resumes where it was; of a paged one it could delete past the page.
        { operation: "deleteTasks", details, idempotent: query.limit === ALL_ROWS },
      );
      if (step.released) released = true;
      state = step.next;
      return state === null;
    });
    if (released) await sweepBlobs(ctx, "deleteTasks");
  });
}

/** Tasks in status `running` (of one agent when `agentId` is given): one counter lookup. */
export function runningCount(ctx: DomainContext, agentId?: string): Promise<number> {
  const operation = agentId === undefined ? "getRunningCount" : "getRunningCountByAgent";
  const details: Record<string, string | null> = agentId === undefined ? {} : { agentId: idDetail(agentId) };
  return withErrorContext(
    { operation, details },
    () =>
      ctx.transport.query<number>("backgroundTasks/tasks:runningCount", {
        ...(agentId !== undefined ? { agentId: requireKey(agentId, "agentId") } : {}),
      }, { operation, details }),
  );
}
