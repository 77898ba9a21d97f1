/**
 * The read of Mastra's background tasks that the app mounting our component
 * may call from its own functions, behind its own auth: what an agent is
 * doing on a thread right now, for an "agent is working" indicator.
 *
 * ```ts
 * const tasks = await ctx.runQuery(components.mastra.backgroundTasks.appReads.activeOnThread, { threadId, limit: 10 });
 * ```
 *
 * Values stay encoded by `kit/codec.ts` (decode them with `decodeValue`), `null` when stored in pieces.
 */
import { type Infer, v } from "convex/values";
import { isBlobRef } from "../kit/blobs.js";
import { appQuery } from "../kit/functions.js";
import { checkAppLimit } from "../kit/appPages.js";
import { type TaskRow, taskStatusValidator } from "./validators.js";

/** Statuses of a task that is not finished: what "active" means. */
export const ACTIVE_TASK_STATUSES = ["pending", "running", "suspended"] as const;

/** Largest `limit` of {@link activeOnThread}. */
export const MAX_ACTIVE_TASKS = 50;

/** A background task as the app sees it. */
export const appTaskValidator = v.object({
  id: v.string(),
  status: taskStatusValidator,
  toolName: v.string(),
  toolCallId: v.string(),
  agentId: v.string(),
  runId: v.string(),
  createdAt: v.number(),
  startedAt: v.optional(v.number()),
  suspendedAt: v.optional(v.number()),
  /** The tool's arguments, encoded by the codec; `null` when stored in pieces. */
  args: v.union(v.string(), v.null()),
  /** The last `suspend()` payload, encoded by the codec; `null` when none or stored in pieces. */
  suspendPayload: v.union(v.string(), v.null()),
});
/** A background task as the app sees it. */
export type AppTask = Infer<typeof appTaskValidator>;

function toAppTask(row: TaskRow): AppTask {
  const task: AppTask = {
    id: row.id,
    status: row.status,
    toolName: row.toolName,
    toolCallId: row.toolCallId,
    agentId: row.agentId,
    runId: row.runId,
    createdAt: row.createdAt,
    args: isBlobRef(row.args) ? null : row.args,
    suspendPayload: row.suspendPayload === undefined || isBlobRef(row.suspendPayload) ? null : row.suspendPayload,
  };
  if (row.startedAt !== undefined) task.startedAt = row.startedAt;
  if (row.suspendedAt !== undefined) task.suspendedAt = row.suspendedAt;
  return task;
}

/**
 * The newest `limit` (≤ 50) unfinished tasks (pending, running or
 * suspended) of a thread, newest first: one index range per status, at most
 * `limit` rows each.
 */
export const activeOnThread = appQuery({
  args: { threadId: v.string(), limit: v.number() },
  returns: v.array(appTaskValidator),
  handler: async (ctx, { threadId, limit }): Promise<AppTask[]> => {
    checkAppLimit(limit, MAX_ACTIVE_TASKS);
    const ranges = await Promise.all(
      ACTIVE_TASK_STATUSES.map((status) =>
        ctx.db.query("background_tasks")
          .withIndex("by_thread_status_createdAt", (q) => q.eq("threadId", threadId).eq("status", status))
          .order("desc")
          .take(limit)
      ),
    );
    const rows = ranges.flat().sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return rows.slice(0, limit).map(toAppTask);
  },
});
