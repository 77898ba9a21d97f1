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
  /** Runs of one workflow for one resource. */
  workflowRunsOfResourceWorkflow: (resourceId: string, workflowName: string): string =>
    `workflowRuns:resourceWorkflow:${JSON.stringify([resourceId, workflowName])}`,
};

/**
 * Names of the workflows domain's rank trees (`kit/rankTree.ts`) of runs by
 * `(createdAt, run key)`: named like the counter of the same list, which
 * must agree with the tree for the tree to be used.
 */
export const workflowTrees = {
  /** Runs of one workflow. */
  ofWorkflow: (workflowName: string): string => `workflowRuns:tree:workflow:${JSON.stringify(workflowName)}`,
  /** Runs of one workflow in one status. */
  ofWorkflowStatus: (workflowName: string, status: string): string =>
    `workflowRuns:tree:workflowStatus:${JSON.stringify([workflowName, status])}`,
  /** Runs of one resource. */
  ofResource: (resourceId: string): string => `workflowRuns:tree:resource:${JSON.stringify(resourceId)}`,
  /** Runs of one workflow for one resource. */
  ofResourceWorkflow: (resourceId: string, workflowName: string): string =>
    `workflowRuns:tree:resourceWorkflow:${JSON.stringify([resourceId, workflowName])}`,
};

/** The rank-tree entries of a run: one per tree-backed list it appears in, keyed `(createdAt, run key)`. */
export function runTreeEntries(
  run: { id: string; workflowName: string; createdAt: number; status?: string; resourceId?: string } | null,
): { tree: string; key: { value: number; id: string } }[] {
  if (!run) return [];
  const key = { value: run.createdAt, id: run.id };
  const trees = [workflowTrees.ofWorkflow(run.workflowName)];
  if (run.status !== undefined) trees.push(workflowTrees.ofWorkflowStatus(run.workflowName, run.status));
  if (run.resourceId !== undefined) {
    trees.push(workflowTrees.ofResource(run.resourceId));
    trees.push(workflowTrees.ofResourceWorkflow(run.resourceId, run.workflowName));
  }
  return trees.map((tree) => ({ tree, key }));
}
