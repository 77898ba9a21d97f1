/**
 * Names of the background-tasks domain's rank trees (in `rank_nodes`,
 * `kit/rankTree.ts`) and of its former counters; both are named under
 * {@link TASK_COUNTER_PREFIX} so clearing the domain clears them.
 */
import { familyTree } from "../kit/rankFamily.js";
import type { TreeEntry } from "../kit/rankTree.js";
import type { SortKey } from "../kit/walk.js";
import { TASK_DATE_COLUMNS, type TaskDateColumn, type TaskRow } from "./validators.js";

/** Prefix shared by every counter and tree of this domain (used by `dangerouslyClearAll`). */
export const TASK_COUNTER_PREFIX = "backgroundTasks:";

/**
 * Names of the counters versions before this one kept, one per status
 * (sharded) and one per (agent, status). This version writes and reads
 * none (the trees give every total); clearing the domain still removes them.
 */
export const taskCounters = {
  /** Tasks in one status, across agents: a sharded counter (`kit/counters.ts` `counterShard`, by task id). */
  tasksInStatus: (status: string): string => `${TASK_COUNTER_PREFIX}status:${JSON.stringify(status)}`,
  /** Tasks of one agent in one status. */
  tasksOfAgentInStatus: (agentId: string, status: string): string =>
    `${TASK_COUNTER_PREFIX}agentStatus:${JSON.stringify([agentId, status])}`,
};

/** Rank trees of one owner's tasks, one per date column, keyed `(column value, task id)` (unset values first). */
export const taskTrees = {
  /** Tasks of one agent in one status (an agent's list is the union of its trees of every status). */
  ofAgentStatus: (agentId: string, status: string, column: TaskDateColumn): string =>
    `${TASK_COUNTER_PREFIX}tree:agentStatus:${JSON.stringify([agentId, status, column])}`,
  /** Tasks of one thread. */
  ofThread: (threadId: string, column: TaskDateColumn): string =>
    `${TASK_COUNTER_PREFIX}tree:thread:${JSON.stringify([threadId, column])}`,
  /** Tasks of one run. */
  ofRun: (runId: string, column: TaskDateColumn): string =>
    `${TASK_COUNTER_PREFIX}tree:run:${JSON.stringify([runId, column])}`,
};

/**
 * Sharded rank-tree families (`kit/rankFamily.ts`) of deployment-wide task
 * lists, one per date column: a task is in the shard its id hashes to, so
 * writers of unrelated tasks rarely touch the same node.
 */
export const taskFamilies = {
  /** All tasks. */
  all: (column: TaskDateColumn): string => `${TASK_COUNTER_PREFIX}family:all:${JSON.stringify(column)}`,
  /** Tasks in one status. */
  inStatus: (status: string, column: TaskDateColumn): string =>
    `${TASK_COUNTER_PREFIX}family:status:${JSON.stringify([status, column])}`,
};

/** The fields of a task its tree entries depend on. */
export type TaskTreeFields = Pick<
  TaskRow,
  "id" | "status" | "agentId" | "threadId" | "runId" | "createdAt" | "startedAt" | "suspendedAt" | "completedAt"
>;

/** A task's key in the trees ordered by `column` (no `value` when the column is unset). */
export function taskKey(task: TaskTreeFields, column: TaskDateColumn): SortKey {
  const value = task[column];
  return value === undefined ? { id: task.id } : { value, id: task.id };
}

/** The rank-tree entries of a task: one per tree-backed list it appears in (5 at most), per date column. */
export function taskTreeEntries(task: TaskTreeFields | null): TreeEntry[] {
  if (!task) return [];
  const entries: TreeEntry[] = [];
  for (const column of TASK_DATE_COLUMNS) {
    const key = taskKey(task, column);
    const trees = [
      familyTree(taskFamilies.all(column), task.id),
      familyTree(taskFamilies.inStatus(task.status, column), task.id),
      taskTrees.ofAgentStatus(task.agentId, task.status, column),
      taskTrees.ofRun(task.runId, column),
    ];
    if (task.threadId !== undefined) trees.push(taskTrees.ofThread(task.threadId, column));
    for (const tree of trees) entries.push({ tree, key });
  }
  return entries;
}
