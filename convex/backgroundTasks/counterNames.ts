/** Names of the background-tasks domain's counters. Counters live in the kit's `counters` table. */

/** Prefix shared by every counter of this domain (used by `dangerouslyClearAll`). */
export const TASK_COUNTER_PREFIX = "backgroundTasks:";

/** Counter names, one per status and one per (agent, status). */
export const taskCounters = {
  /** Tasks in one status, across agents. */
  tasksInStatus: (status: string): string => `${TASK_COUNTER_PREFIX}status:${JSON.stringify(status)}`,
  /** Tasks of one agent in one status. */
  tasksOfAgentInStatus: (agentId: string, status: string): string =>
    `${TASK_COUNTER_PREFIX}agentStatus:${JSON.stringify([agentId, status])}`,
};
