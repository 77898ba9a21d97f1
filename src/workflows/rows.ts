/**
 * Conversions between Mastra's workflow runs and the rows our Convex
 * functions return (see `convex/workflows/validators.ts`).
 */
import type { WorkflowRun, WorkflowRunState } from "../coreTypes.ts";
import { parseSnapshot } from "../../convex/workflows/snapshot.ts";
import type { WorkflowRunRow } from "../../convex/workflows/validators.ts";
import { decodeValue, toDate } from "../kit/codec.ts";

/** The snapshot of a row as Mastra reads it (`undefined` when the run has none). */
export function rowSnapshot(row: WorkflowRunRow): WorkflowRunState | undefined {
  return row.snapshot === undefined ? undefined : parseSnapshot(decodeValue(row.snapshot)) as WorkflowRunState;
}

/** Converts a stored run to Mastra's `WorkflowRun` (`resourceId` is always present, possibly `undefined`). */
export function rowToRun(row: WorkflowRunRow): WorkflowRun {
  return {
    workflowName: row.workflowName,
    runId: row.runId,
    resourceId: row.resourceId,
    snapshot: rowSnapshot(row) as WorkflowRunState,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
}
