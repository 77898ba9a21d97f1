/**
 * Mastra's workflows domain on Convex: run snapshots, lists of runs, and
 * atomic step-result and state updates. Each operation lives in its own
 * module; this class wires them to Mastra's `WorkflowsStorage` contract.
 */
import type {
  StorageListWorkflowRunsInput,
  UpdateWorkflowStateOptions,
  WorkflowRun,
  WorkflowRuns,
  WorkflowRunState,
} from "../coreTypes.ts";
import { WorkflowsStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import {
  deleteWorkflowRunById,
  getWorkflowRunById,
  listWorkflowRuns,
  loadWorkflowSnapshot,
  persistWorkflowSnapshot,
} from "./runs.ts";
import { type AnyStepResult, updateWorkflowResults, updateWorkflowState } from "./updates.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Workflow runs and their snapshots stored in Convex. */
export class ConvexWorkflowsStorage extends WorkflowsStorage {
  readonly #ctx: DomainContext;

  /** Creates the workflows domain over the transport and clock of `ctx`. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age, with their anchor columns (epoch ms, indexed). */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("workflows", {
    workflowSnapshot: "updatedAt",
  });

  /**
   * Deletes rows older than each policy's `maxAge` (the deployment's clock),
   * in bounded batches; see the README's "Retention and erasure".
   */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "workflows", policies, options);
  }

  /**
   * True: step results and state updates are atomic Convex mutations, or,
   * for snapshots too large for one transaction (over 12 MiB), compare-and-set
   * commits retried on conflict; concurrent updates are never lost.
   */
  override supportsConcurrentUpdates(): boolean {
    return true;
  }

  /** Deletes every run and snapshot. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["workflow_snapshots", "workflow_runs"], ["workflowRuns:"]);
  }

  /** Merges one step result into a run's snapshot, without losing concurrent ones; returns the run's step results. */
  override updateWorkflowResults(args: {
    workflowName: string;
    runId: string;
    stepId: string;
    result: AnyStepResult;
    // deno-lint-ignore no-explicit-any
    requestContext: Record<string, any>;
  }): Promise<Record<string, AnyStepResult>> {
    return updateWorkflowResults(this.#ctx, args);
  }

  /** Merges state into a run's snapshot, atomically and guarded by `expectedStatus`. */
  override updateWorkflowState(
    args: { workflowName: string; runId: string; opts: UpdateWorkflowStateOptions },
  ): Promise<WorkflowRunState | undefined> {
    return updateWorkflowState(this.#ctx, args);
  }

  /** Inserts or replaces a run's snapshot. */
  override persistWorkflowSnapshot(args: {
    workflowName: string;
    runId: string;
    resourceId?: string;
    snapshot: WorkflowRunState;
    createdAt?: Date;
    updatedAt?: Date;
  }): Promise<void> {
    return persistWorkflowSnapshot(this.#ctx, args);
  }

  /** Reads a run's snapshot, or `null`. */
  override loadWorkflowSnapshot(args: { workflowName: string; runId: string }): Promise<WorkflowRunState | null> {
    return loadWorkflowSnapshot(this.#ctx, args);
  }

  /** Lists runs newest first with filters and optional pagination. */
  override listWorkflowRuns(args?: StorageListWorkflowRunsInput): Promise<WorkflowRuns> {
    return listWorkflowRuns(this.#ctx, args);
  }

  /** Reads a run by id (and workflow name, when given). */
  override getWorkflowRunById(args: { runId: string; workflowName?: string }): Promise<WorkflowRun | null> {
    return getWorkflowRunById(this.#ctx, args);
  }

  /** Deletes a run and its snapshot. */
  override deleteWorkflowRunById(args: { runId: string; workflowName: string }): Promise<void> {
    return deleteWorkflowRunById(this.#ctx, args);
  }
}
