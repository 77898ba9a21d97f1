/**
 * Run operations of the workflows domain: persist, load, get, delete, list.
 */
import type { StorageListWorkflowRunsInput, WorkflowRun, WorkflowRuns, WorkflowRunState } from "../coreTypes.ts";
import { normalizePerPage } from "@mastra/core/storage";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import { deriveRunFields } from "../../convex/workflows/snapshot.ts";
import type { WorkflowRunRow } from "../../convex/workflows/validators.ts";
import { encodeValue, toMillis } from "../kit/codec.ts";
import { isBlobRef } from "../../convex/kit/blobs.ts";
import { mapLimited, resolveFresh, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { optionalString, requireKey, requireString } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { rowSnapshot, rowToRun } from "./rows.ts";

/** Ids of a run, for error messages. */
function runDetails(workflowName: unknown, runId: unknown): { workflowName: string | null; runId: string | null } {
  return {
    workflowName: typeof workflowName === "string" ? workflowName : null,
    runId: typeof runId === "string" ? runId : null,
  };
}

/** Snapshots downloaded at the same time by one list. */
const LARGE_PARALLEL = 4;

/**
 * A row whose snapshot is the encoded value itself (a blob reference
 * assembled). When the snapshot was replaced meanwhile (and its blob swept),
 * the run is read again; `null` when it was deleted meanwhile.
 */
export async function resolveRun(
  ctx: DomainContext,
  row: WorkflowRunRow,
  operation: string,
): Promise<WorkflowRunRow | null> {
  return await resolveFresh(
    ctx,
    row,
    ["snapshot"],
    operation,
    () =>
      ctx.transport.query<WorkflowRunRow | null>("workflows/runs:get", {
        workflowName: row.workflowName,
        runId: row.runId,
      }, { operation, details: { workflowName: row.workflowName, runId: row.runId } }),
  );
}

/**
 * Inserts or replaces a run's snapshot. Omitted `resourceId` and
 * `createdAt` keep their stored values; `updatedAt` defaults to now. A
 * snapshot of any size is accepted: a large one is uploaded in chunks
 * first and becomes visible only when the run row is written.
 */
export function persistWorkflowSnapshot(
  ctx: DomainContext,
  args: {
    workflowName: string;
    runId: string;
    resourceId?: string;
    snapshot: WorkflowRunState;
    createdAt?: Date;
    updatedAt?: Date;
  },
): Promise<void> {
  const details = runDetails(args?.workflowName, args?.runId);
  return withErrorContext({ operation: "persistWorkflowSnapshot", details }, async () => {
    const payload: Record<string, unknown> = {
      workflowName: requireKey(args.workflowName, "workflowName"),
      runId: requireKey(args.runId, "runId"),
      now: ctx.now(),
    };
    const resourceId = args.resourceId === undefined ? undefined : requireKey(args.resourceId, "resourceId");
    if (resourceId !== undefined) payload.resourceId = resourceId;
    if (args.snapshot !== undefined) {
      const stored = await storeLarge(ctx, encodeValue(args.snapshot), "persistWorkflowSnapshot");
      payload.snapshot = stored;
      // Convex cannot read a large snapshot in the transaction: the fields it indexes are derived here.
      if (isBlobRef(stored)) payload.derived = deriveRunFields(args.snapshot);
    }
    if (args.createdAt !== undefined) payload.createdAt = toMillis(args.createdAt, "createdAt");
    if (args.updatedAt !== undefined) payload.updatedAt = toMillis(args.updatedAt, "updatedAt");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("workflows/runs:persist", payload, {
      operation: "persistWorkflowSnapshot",
      details,
      idempotent: true,
    });
    if (released) await sweepBlobs(ctx, "persistWorkflowSnapshot");
  });
}

/** Reads a run's snapshot, or `null` when the run (or its snapshot) does not exist. */
export function loadWorkflowSnapshot(
  ctx: DomainContext,
  { workflowName, runId }: { workflowName: string; runId: string },
): Promise<WorkflowRunState | null> {
  const details = runDetails(workflowName, runId);
  return withErrorContext({ operation: "loadWorkflowSnapshot", details }, async () => {
    const row = await ctx.transport.query<WorkflowRunRow | null>("workflows/runs:get", {
      workflowName: requireString(workflowName, "workflowName"),
      runId: requireString(runId, "runId"),
    }, { operation: "loadWorkflowSnapshot", details });
    const resolved = row ? await resolveRun(ctx, row, "loadWorkflowSnapshot") : null;
    const snapshot = resolved ? rowSnapshot(resolved) : undefined;
    return snapshot ? snapshot : null;
  });
}

/** Reads a run by id (and workflow name, when given: otherwise the latest run with this id). */
export function getWorkflowRunById(
  ctx: DomainContext,
  { runId, workflowName }: { runId: string; workflowName?: string },
): Promise<WorkflowRun | null> {
  const details = runDetails(workflowName, runId);
  return withErrorContext({ operation: "getWorkflowRunById", details }, async () => {
    const args: Record<string, unknown> = { runId: requireString(runId, "runId") };
    // Like core, an empty workflow name means "any workflow".
    if (optionalString(workflowName, "workflowName")) args.workflowName = workflowName;
    const row = await ctx.transport.query<WorkflowRunRow | null>("workflows/runs:get", args, {
      operation: "getWorkflowRunById",
      details,
    });
    const resolved = row ? await resolveRun(ctx, row, "getWorkflowRunById") : null;
    return resolved ? rowToRun(resolved) : null;
  });
}

/** Deletes a run and its snapshot (a no-op for an unknown run). */
export function deleteWorkflowRunById(
  ctx: DomainContext,
  { runId, workflowName }: { runId: string; workflowName: string },
): Promise<void> {
  const details = runDetails(workflowName, runId);
  return withErrorContext({ operation: "deleteWorkflowRunById", details }, async () => {
    const { released } = await ctx.transport.mutation<{ released: boolean }>("workflows/runs:remove", {
      workflowName: requireString(workflowName, "workflowName"),
      runId: requireString(runId, "runId"),
      now: ctx.now(),
    }, { operation: "deleteWorkflowRunById", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "deleteWorkflowRunById");
  });
}

/**
 * Lists runs newest first with Mastra's filters. Pages only when both
 * `page` and `perPage` are given (as core does); `total` counts every match.
 */
export function listWorkflowRuns(ctx: DomainContext, args: StorageListWorkflowRunsInput = {}): Promise<WorkflowRuns> {
  const details = {
    workflowName: typeof args?.workflowName === "string" ? args.workflowName : null,
    resourceId: typeof args?.resourceId === "string" ? args.resourceId : null,
  };
  return withErrorContext({ operation: "listWorkflowRuns", details }, async () => {
    const { workflowName, resourceId, status, threadId, fromDate, toDate, page, perPage } = args ?? {};
    if (page !== undefined && page < 0) throw new InvalidInputError("page must be >= 0");
    let offset = 0;
    let limit = Number.MAX_SAFE_INTEGER;
    if (perPage !== undefined && page !== undefined) {
      limit = normalizePerPage(perPage, Number.MAX_SAFE_INTEGER);
      offset = page * limit;
    }
    const filters: Record<string, unknown> = {};
    // Like core, empty strings and absent dates mean "no filter".
    if (optionalString(workflowName, "workflowName")) filters.workflowName = workflowName;
    if (optionalString(resourceId, "resourceId")) filters.resourceId = resourceId;
    if (optionalString(status, "status")) filters.status = status;
    if (optionalString(threadId, "threadId")) filters.threadId = threadId;
    if (fromDate) filters.fromDate = toMillis(fromDate, "fromDate");
    if (toDate) filters.toDate = toMillis(toDate, "toDate");
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<WorkflowRunRow>>("workflows/runs:list", {
        ...filters,
        offset: Math.min(offset, Number.MAX_SAFE_INTEGER),
        limit,
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listWorkflowRuns", details })
    );
    const resolved = await mapLimited(rows, LARGE_PARALLEL, (row) => resolveRun(ctx, row, "listWorkflowRuns"));
    return { runs: resolved.filter((row) => row !== null).map(rowToRun), total: total ?? 0 };
  });
}
