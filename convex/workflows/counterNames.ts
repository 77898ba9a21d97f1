/**
 * Names of the workflows domain's counters, rank trees and rank families.
 * Counters live in the kit's `counters` table; trees in `rank_nodes`.
 */
import { familyTree, familyTrees } from "../kit/rankFamily.js";

/**
 * Names of the counters of runs that versions before the rank trees kept
 * (this version writes none: the trees give every list's total). Only the
 * unsharded all-runs document is still read, to detect runs written by
 * such a version (`ranking.ts`); a version between kept sharded copies
 * (`<name>:shard:<k>`), now unused.
 */
export const workflowCounters = {
  /** All workflow runs (sharded). */
  workflowRuns: (): string => "workflowRuns:all",
  /** Runs of one workflow (sharded). */
  workflowRunsOfWorkflow: (workflowName: string): string => `workflowRuns:workflow:${JSON.stringify(workflowName)}`,
  /** Runs of one workflow in one status (sharded). */
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
 * `(createdAt, run key)`, one per resource-owned list: only writes of the
 * same resource touch them.
 */
export const workflowTrees = {
  /** Runs of one resource. */
  ofResource: (resourceId: string): string => `workflowRuns:tree:resource:${JSON.stringify(resourceId)}`,
  /** Runs of one workflow for one resource. */
  ofResourceWorkflow: (resourceId: string, workflowName: string): string =>
    `workflowRuns:tree:resourceWorkflow:${JSON.stringify([resourceId, workflowName])}`,
  /** Runs of one resource in one status. */
  ofResourceStatus: (resourceId: string, status: string): string =>
    `workflowRuns:tree:resourceStatus:${JSON.stringify([resourceId, status])}`,
  /** Runs of one workflow for one resource in one status. */
  ofResourceWorkflowStatus: (resourceId: string, workflowName: string, status: string): string =>
    `workflowRuns:tree:resourceWorkflowStatus:${JSON.stringify([resourceId, workflowName, status])}`,
};

/**
 * Names of the workflows domain's rank families (`kit/rankFamily.ts`,
 * sharded trees by run key) of runs by `(createdAt, run key)`: the
 * deployment-wide lists, which every writer of any run (or of any run of a
 * workflow) would otherwise append to in one tree.
 */
export const workflowFamilies = {
  /** All runs. */
  all: (): string => "workflowRuns:family:all",
  /** Runs in one status. */
  ofStatus: (status: string): string => `workflowRuns:family:status:${JSON.stringify(status)}`,
  /** Runs of one workflow. */
  ofWorkflow: (workflowName: string): string => `workflowRuns:family:workflow:${JSON.stringify(workflowName)}`,
  /** Runs of one workflow in one status. */
  ofWorkflowStatus: (workflowName: string, status: string): string =>
    `workflowRuns:family:workflowStatus:${JSON.stringify([workflowName, status])}`,
};

/** The trees of a family (for reads). */
export { familyTrees };

/**
 * The rank-tree entries of a run: one per list it appears in (of the
 * equality filters workflow name, resource and status, and none), keyed
 * `(createdAt, run key)`; deployment-wide lists in the run's shard of their
 * family.
 */
export function runTreeEntries(
  run: { id: string; workflowName: string; createdAt: number; status?: string; resourceId?: string } | null,
): { tree: string; key: { value: number; id: string } }[] {
  if (!run) return [];
  const key = { value: run.createdAt, id: run.id };
  const { id, workflowName, status, resourceId } = run;
  const trees = [familyTree(workflowFamilies.all(), id), familyTree(workflowFamilies.ofWorkflow(workflowName), id)];
  if (status !== undefined) {
    trees.push(familyTree(workflowFamilies.ofStatus(status), id));
    trees.push(familyTree(workflowFamilies.ofWorkflowStatus(workflowName, status), id));
  }
  if (resourceId !== undefined) {
    trees.push(workflowTrees.ofResource(resourceId));
    trees.push(workflowTrees.ofResourceWorkflow(resourceId, workflowName));
    if (status !== undefined) {
      trees.push(workflowTrees.ofResourceStatus(resourceId, status));
      trees.push(workflowTrees.ofResourceWorkflowStatus(resourceId, workflowName, status));
    }
  }
  return trees.map((tree) => ({ tree, key }));
}
