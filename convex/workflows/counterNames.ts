/** Names of the workflows domain's counters. Counters live in the kit's `counters` table. */
export const workflowCounters = {
  /** All workflow runs. */
  workflowRuns: (): string => "workflowRuns:all",
  /** Runs of one workflow. */
  workflowRunsOfWorkflow: (workflowName: string): string => `workflowRuns:workflow:${JSON.stringify(workflowName)}`,
  /** Runs of one workflow in one status. */
  workflowRunsOfWorkflowStatus: (workflowName: string, status: string): string =>
    `workflowRuns:workflowStatus:${JSON.stringify([workflowName, status])}`,
  /** Runs of one resource. */
  workflowRunsOfResource: (resourceId: string): string => `workflowRuns:resource:${JSON.stringify(resourceId)}`,
};
