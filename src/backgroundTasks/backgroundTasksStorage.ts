/**
 * Mastra's background-tasks domain on Convex. Running counts come from
 * counters kept in the same mutation as every status change; lists walk
 * the narrowest index in the requested order. This class wires the
 * operations to Mastra's `BackgroundTasksStorage` contract.
 */
import type {
  BackgroundTask,
  BackgroundTaskStatus,
  TaskFilter,
  TaskListResult,
  UpdateBackgroundTask,
} from "../coreTypes.ts";
import { BackgroundTasksStorage } from "@mastra/core/storage";
import { TASK_COUNTER_PREFIX } from "../../convex/backgroundTasks/counterNames.ts";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { createTask, deleteTask, deleteTasks, getTask, listTasks, runningCount, updateTask } from "./tasks.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Background tasks stored in Convex. */
export class ConvexBackgroundTasksStorage extends BackgroundTasksStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age: finished tasks, by `completedAt` (unfinished ones are never pruned). */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("backgroundTasks", {
    backgroundTasks: "completedAt",
  });

  /** Deletes finished tasks that completed before each policy's `maxAge` (the deployment's clock), in batches. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "backgroundTasks", policies, options);
  }

  /** Deletes every task and its counters. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["background_tasks"], [TASK_COUNTER_PREFIX]);
  }

  /** Inserts a task (replacing one with the same id). */
  override createTask(task: BackgroundTask): Promise<void> {
    return createTask(this.#ctx, task);
  }

  /**
   * Partial update, optionally only while the task has `expectedStatus` and
   * the ownership `expectedOwnerId` / `expectedLeaseExpiresAt` (compare-and-set;
   * `null`: unowned / no lease); returns whether it applied.
   */
  override updateTask(
    taskId: string,
    update: UpdateBackgroundTask & { ownerId?: string | null; leaseExpiresAt?: Date | null },
    options?: {
      expectedStatus?: BackgroundTaskStatus;
      expectedOwnerId?: string | null;
      expectedLeaseExpiresAt?: Date | number | string | null;
    },
  ): Promise<boolean> {
    return updateTask(this.#ctx, taskId, update, options);
  }

  /** Reads one task, or `null`. */
  override getTask(taskId: string): Promise<BackgroundTask | null> {
    return getTask(this.#ctx, taskId);
  }

  /** Lists tasks matching every given filter, ordered and paged, with the exact total. */
  override listTasks(filter: TaskFilter): Promise<TaskListResult> {
    return listTasks(this.#ctx, filter);
  }

  /** Deletes one task. */
  override deleteTask(taskId: string): Promise<void> {
    return deleteTask(this.#ctx, taskId);
  }

  /** Deletes the tasks `listTasks(filter)` returns, in bounded batches. */
  override deleteTasks(filter: TaskFilter): Promise<void> {
    return deleteTasks(this.#ctx, filter);
  }

  /** Tasks running across all agents (one counter lookup). */
  override getRunningCount(): Promise<number> {
    return runningCount(this.#ctx);
  }

  /** Tasks running for one agent (one counter lookup). */
  override getRunningCountByAgent(agentId: string): Promise<number> {
    return runningCount(this.#ctx, agentId);
  }
}
