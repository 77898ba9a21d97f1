/**
 * How a task list is read with the kit's walk (`kit/walk.ts`): which index
 * ranges (one per status of a status list, merged in `(value, id)` order),
 * which range on the sort column, which filters are left for a predicate,
 * and which rank trees (`kit/rankTree.ts`) give the total and the first
 * position of a page at any depth (tasks keep no counters: the trees hold
 * every task under the table's coverage mark; a deployment not yet
 * rebuilt counts as it walks).
 *
 * A filter of agent, thread or run alone, agent with statuses, statuses
 * alone or nothing, optionally with a date range on the ordering column, is
 * answered from trees in O(log N) reads: the union of the plan's trees holds
 * exactly the matching tasks (owner trees, or the shards of the
 * deployment-wide families of all tasks and of each status). Other filters (resource, tool name, tool
 * call, a date range on another column, or several owners at once) walk the
 * narrowest index and count the matches: O(matches of the index range).
 */
import { treesCover } from "../kit/coverage.js";
import type { QueryCtx } from "../kit/functions.js";
import { planList as planRankedList, treeTotal } from "../kit/rankTree.js";
import { familyTrees, planListAcross } from "../kit/rankFamily.js";
import {
  countingState,
  effectiveRange,
  type IndexSpec,
  type Order,
  type SortRange,
  type WalkState,
} from "../kit/walk.js";
import { taskFamilies, taskTrees } from "./counterNames.js";
import { TASK_STATUSES, type TaskFilterArgs, type TaskRow, type TaskStatus } from "./validators.js";

/** How a task list is read. */
export type TaskListPlan = {
  /** Index ranges merged by the walk; none: the list is empty. */
  sources: IndexSpec[];
  /** Range on the ordering column. */
  range: SortRange;
  /** Filters no index range covers. */
  predicate?: (row: TaskRow) => boolean;
  /** Trees whose union holds exactly the tasks of `sources` (before `range`), or `null`. */
  trees: string[] | null;
};

/** Plans the read of a normalised filter. */
export function planTasks(filter: TaskFilterArgs): TaskListPlan {
  const col = filter.orderBy;
  const statuses = filter.statuses === undefined ? undefined : [...new Set(filter.statuses)];
  const covered = new Set<string>();
  const spec = (index: string, eq: [string, unknown][]): IndexSpec => ({
    table: "background_tasks",
    index,
    eq,
    sortField: col,
  });
  let sources: IndexSpec[];
  let trees: string[] | null = null;
  if (filter.toolCallId !== undefined) {
    covered.add("toolCallId");
    sources = [spec(`by_toolCall_${col}`, [["toolCallId", filter.toolCallId]])];
  } else if (filter.runId !== undefined) {
    covered.add("runId");
    sources = [spec(`by_run_${col}`, [["runId", filter.runId]])];
    trees = [taskTrees.ofRun(filter.runId, col)];
  } else if (filter.threadId !== undefined) {
    covered.add("threadId");
    sources = [spec(`by_thread_${col}`, [["threadId", filter.threadId]])];
    trees = [taskTrees.ofThread(filter.threadId, col)];
  } else if (filter.agentId !== undefined) {
    const agentId = filter.agentId;
    covered.add("agentId");
    if (statuses !== undefined) {
      covered.add("status");
      sources = statuses.map((status) => spec(`by_agent_status_${col}`, [["agentId", agentId], ["status", status]]));
      trees = statuses.map((status) => taskTrees.ofAgentStatus(agentId, status, col));
    } else {
      sources = [spec(`by_agent_${col}`, [["agentId", agentId]])];
      trees = TASK_STATUSES.map((status) => taskTrees.ofAgentStatus(agentId, status, col));
    }
  } else if (statuses !== undefined) {
    covered.add("status");
    sources = statuses.map((status) => spec(`by_status_${col}`, [["status", status]]));
    trees = statuses.flatMap((status) => familyTrees(taskFamilies.inStatus(status, col)));
  } else {
    sources = [spec(`by_${col}`, [])];
    trees = familyTrees(taskFamilies.all(col));
  }

  const checks: ((row: TaskRow) => boolean)[] = [];
  for (const field of ["toolCallId", "runId", "threadId", "agentId", "resourceId", "toolName"] as const) {
    const wanted = filter[field];
    if (wanted !== undefined && !covered.has(field)) checks.push((row) => row[field] === wanted);
  }
  if (statuses !== undefined && !covered.has("status")) {
    const set = new Set<TaskStatus>(statuses);
    checks.push((row) => set.has(row.status));
  }
  const range: SortRange = {};
  if (filter.from !== undefined || filter.to !== undefined) {
    if (filter.dateColumn === col) {
      if (filter.from !== undefined) range.lower = { value: filter.from, inclusive: true };
      if (filter.to !== undefined) range.upper = { value: filter.to, inclusive: false };
    } else {
      const dateColumn = filter.dateColumn;
      const { from, to } = filter;
      checks.push((row) => {
        const value = row[dateColumn];
        return value !== undefined && (from === undefined || value >= from) && (to === undefined || value < to);
      });
    }
  }
  if (checks.length > 0) trees = null;
  const plan: TaskListPlan = { sources, range, trees };
  if (checks.length > 0) plan.predicate = (row) => checks.every((check) => check(row));
  return plan;
}

/**
 * The first walk state of an offset page of a plan and its total: from the
 * plan's trees when they hold every task (the table's coverage mark,
 * `kit/coverage.ts`; a page at any depth in O(log N) reads), else a walk
 * that counts every match. `state` is `null` for an empty page.
 */
export async function planFirst(
  ctx: QueryCtx,
  plan: TaskListPlan,
  offset: number,
  limit: number,
  order: Order,
): Promise<{ state: WalkState | null; total: number | null }> {
  if (plan.trees !== null && await treesCover(ctx, "background_tasks")) {
    // Unset values are in the trees but never in a range: the range as the walk reads it.
    const range = effectiveRange(plan.range);
    if (plan.trees.length === 1) {
      const tree = plan.trees[0];
      return await planRankedList(ctx, tree, await treeTotal(ctx, tree), range, offset, limit, order);
    }
    return await planListAcross(ctx, plan.trees, "trees", range, offset, limit, order);
  }
  return { state: countingState(offset, limit, order), total: null };
}
