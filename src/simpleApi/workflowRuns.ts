/**
 * The README's workflow-run calls: `saveWorkflowRun` and `getWorkflowRuns`,
 * mapped onto the workflows domain (one source of truth). A README run is
 * stored as a snapshot whose `status` is the run's `stateType` and whose
 * `state` field holds the README `state`; runs that Mastra itself persisted
 * are listed too, with their snapshot as `state`.
 */
import type { WorkflowRunState } from "../coreTypes.ts";
import type { WorkflowsStorage } from "@mastra/core/storage";
import { toMillis } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { optionalString, requireId, requireRecord, requireString } from "../kit/validate.ts";
import { pageWindow } from "./paging.ts";

/** A workflow run as the README shows it. */
export type WorkflowRunRecord = {
  /** Run id. */
  id: string;
  /** Workflow name. */
  workflowName: string;
  /** Owner of the run (user id). */
  resourceId?: string;
  /** The run's state kind, e.g. `"running"`, `"suspended"`, `"success"`. */
  stateType: string;
  /** The state itself (any storable value). */
  state: unknown;
  /** When the run was created: epoch milliseconds or a `Date` (default: now). */
  createdAt?: number | Date;
};

/** A page of workflow runs, newest first (`page` counts from 0). */
export type WorkflowRunPage = {
  runs: (WorkflowRunRecord & { createdAt: Date; updatedAt: Date })[];
  total: number;
  page: number;
  perPage: number;
  hasMore: boolean;
};

/** Saves a README workflow run (upsert by workflow name and id); returns it as given. */
export function saveWorkflowRunRecord(
  workflows: WorkflowsStorage,
  workflowRun: WorkflowRunRecord,
  now: number,
): Promise<WorkflowRunRecord> {
  const details = {
    runId: typeof workflowRun?.id === "string" ? workflowRun.id : null,
    workflowName: typeof workflowRun?.workflowName === "string" ? workflowRun.workflowName : null,
  };
  return withErrorContext({ operation: "saveWorkflowRun", details }, async () => {
    const record = requireRecord(workflowRun, "workflowRun");
    const runId = requireId(record.id, "workflowRun.id");
    const workflowName = requireId(record.workflowName, "workflowRun.workflowName");
    const stateType = requireString(record.stateType, "workflowRun.stateType");
    const resourceId = optionalString(record.resourceId, "workflowRun.resourceId");
    const createdAt = record.createdAt === undefined ? now : toMillis(record.createdAt, "workflowRun.createdAt");
    const snapshot = {
      runId,
      status: stateType,
      value: {},
      context: {},
      serializedStepGraph: [],
      activePaths: [],
      suspendedPaths: {},
      waitingPaths: {},
      timestamp: createdAt,
      state: record.state,
    } as unknown as WorkflowRunState;
    await workflows.persistWorkflowSnapshot({
      workflowName,
      runId,
      ...(resourceId !== undefined ? { resourceId } : {}),
      snapshot,
      createdAt: new Date(createdAt),
      updatedAt: new Date(now),
    });
    return workflowRun;
  });
}

/** Lists workflow runs newest first, with the README's filters. */
export function getWorkflowRunRecords(
  workflows: WorkflowsStorage,
  args: {
    workflowName?: string;
    resourceId?: string;
    fromDate?: number | Date;
    toDate?: number | Date;
    page?: number;
    perPage?: number;
  } = {},
): Promise<WorkflowRunPage> {
  const details = { workflowName: args.workflowName ?? null, resourceId: args.resourceId ?? null };
  return withErrorContext({ operation: "getWorkflowRuns", details }, async () => {
    const { page, perPage } = pageWindow(args.page, args.perPage, 20);
    const result = await workflows.listWorkflowRuns({
      ...(args.workflowName !== undefined ? { workflowName: args.workflowName } : {}),
      ...(args.resourceId !== undefined ? { resourceId: args.resourceId } : {}),
      ...(args.fromDate !== undefined ? { fromDate: new Date(toMillis(args.fromDate, "fromDate")) } : {}),
      ...(args.toDate !== undefined ? { toDate: new Date(toMillis(args.toDate, "toDate")) } : {}),
      page,
      perPage,
    });
    const runs = result.runs.map((run) => {
      const snapshot = (typeof run.snapshot === "object" && run.snapshot !== null ? run.snapshot : {}) as
        & Record<string, unknown>
        & { status?: string };
      return {
        id: run.runId,
        workflowName: run.workflowName,
        ...(run.resourceId ? { resourceId: run.resourceId } : {}),
        stateType: String(snapshot.status ?? "unknown"),
        state: "state" in snapshot ? snapshot.state : run.snapshot,
        createdAt: new Date(run.createdAt),
        updatedAt: new Date(run.updatedAt),
      };
    });
    return { runs, total: result.total, page, perPage, hasMore: (page + 1) * perPage < result.total };
  });
}
