/**
 * Operations on experiment results: add, upsert on the natural key,
 * review updates, reads, lists, deletion and the review summary.
 */
import type {
  AddExperimentResultInput,
  ExperimentResult,
  ExperimentReviewCounts,
  ListExperimentResultsInput,
  ListExperimentResultsOutput,
  UpdateExperimentResultInput,
} from "../coreTypes.ts";
import type { ResultInput, ResultRow, ReviewCounts } from "../../convex/experiments/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "../kit/context.ts";
import { encodeValue, toMillis } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { mapLimited, resolveFresh, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireRecord, requireString } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import { listOrder, pageOf, paginationInfo, tenancyArg } from "../datasets/datasets.ts";
import { rowToResult } from "./rows.ts";

/** Result payloads downloaded at the same time by one list. */
const LARGE_PARALLEL = 4;

function resolveResult(ctx: DomainContext, row: ResultRow, operation: string): Promise<ResultRow | null> {
  return resolveFresh(
    ctx,
    row,
    ["data"],
    operation,
    () =>
      ctx.transport.query<ResultRow | null>("experiments/results:get", { id: row.id }, {
        operation,
        details: { resultId: row.id },
      }),
  );
}

function nullableString(value: unknown, name: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string") throw new InvalidInputError(`${name} must be a string or null`);
  return value;
}

/** Checks a result and converts it to what `results:add`/`upsert` take (user values encoded, uploaded when large). */
async function resultArgs(
  ctx: DomainContext,
  input: AddExperimentResultInput,
  operation: string,
): Promise<ResultInput> {
  requireRecord(input, "input");
  const tags = input.tags ?? null;
  if (tags !== null && (!Array.isArray(tags) || tags.some((tag) => typeof tag !== "string"))) {
    throw new InvalidInputError("tags must be an array of strings or null");
  }
  const attempt = input.attempt ?? 0;
  if (typeof attempt !== "number" || !Number.isFinite(attempt)) throw new InvalidInputError("attempt must be a number");
  if (typeof input.retryCount !== "number") throw new InvalidInputError("retryCount must be a number");
  const itemDatasetVersion = input.itemDatasetVersion ?? null;
  if (itemDatasetVersion !== null && typeof itemDatasetVersion !== "number") {
    throw new InvalidInputError("itemDatasetVersion must be a number or null");
  }
  const data = encodeValue({
    input: input.input,
    output: input.output,
    groundTruth: input.groundTruth,
    metadata: input.metadata ?? null,
    error: input.error,
    toolMockReport: input.toolMockReport ?? null,
  });
  return {
    experimentId: requireString(input.experimentId, "experimentId"),
    itemId: requireString(input.itemId, "itemId"),
    attempt,
    itemDatasetVersion,
    status: nullableString(input.status, "status"),
    traceId: nullableString(input.traceId, "traceId"),
    tags,
    retryCount: input.retryCount,
    organizationId: nullableString(input.organizationId, "organizationId"),
    projectId: nullableString(input.projectId, "projectId"),
    startedAt: toMillis(input.startedAt, "startedAt"),
    completedAt: toMillis(input.completedAt, "completedAt"),
    data: await storeLarge(ctx, data, operation),
  };
}

/** Adds (or replaces by `id`) a result; an input of any size is accepted. */
export function writeResult(
  ctx: DomainContext,
  input: AddExperimentResultInput,
  mode: "add" | "upsert",
): Promise<ExperimentResult> {
  const operation = mode === "add" ? "addExperimentResult" : "upsertExperimentResult";
  const details = {
    experimentId: typeof input?.experimentId === "string" ? input.experimentId : null,
    itemId: typeof input?.itemId === "string" ? input.itemId : null,
  };
  return withErrorContext({ operation, details }, async () => {
    const id = mode === "add" && input.id !== undefined ? requireId(input.id, "id") : crypto.randomUUID();
    const result = await resultArgs(ctx, input, operation);
    const { row, released } = await ctx.transport.mutation<{ row: ResultRow; released: boolean }>(
      `experiments/results:${mode}`,
      { id, result },
      { operation, details, idempotent: true },
    );
    if (released) await sweepBlobs(ctx, operation);
    const resolved = await resolveResult(ctx, row, operation);
    if (!resolved) throw new InvalidInputError(`Experiment result ${row.id} was deleted meanwhile`);
    return rowToResult(resolved);
  });
}

/** Sets a result's review fields; throws when it is absent or of another experiment. */
export function updateResult(ctx: DomainContext, input: UpdateExperimentResultInput): Promise<ExperimentResult> {
  const details = { resultId: typeof input?.id === "string" ? input.id : null };
  return withErrorContext({ operation: "updateExperimentResult", details }, async () => {
    requireRecord(input, "input");
    const args: Record<string, unknown> = { id: requireString(input.id, "id") };
    if (input.experimentId) args.experimentId = requireString(input.experimentId, "experimentId");
    if (input.status !== undefined) args.status = nullableString(input.status, "status");
    if (input.comment !== undefined) args.comment = nullableString(input.comment, "comment");
    if (input.tags !== undefined) {
      if (input.tags !== null && (!Array.isArray(input.tags) || input.tags.some((tag) => typeof tag !== "string"))) {
        throw new InvalidInputError("tags must be an array of strings or null");
      }
      args.tags = input.tags;
    }
    const answer = await ctx.transport.mutation<{ row: ResultRow } | { missing: "result" | "other" }>(
      "experiments/results:update",
      args,
      { operation: "updateExperimentResult", details, idempotent: true },
    );
    if ("missing" in answer) {
      throw new InvalidInputError(
        answer.missing === "result"
          ? `Experiment result not found: ${input.id}`
          : `Experiment result ${input.id} does not belong to experiment ${input.experimentId}`,
      );
    }
    const resolved = await resolveResult(ctx, answer.row, "updateExperimentResult");
    if (!resolved) throw new InvalidInputError(`Experiment result not found: ${input.id}`);
    return rowToResult(resolved);
  });
}

/** Reads a result (`null` when absent or of another tenant). */
export function getResult(ctx: DomainContext, id: string, filters: unknown): Promise<ExperimentResult | null> {
  const details = { resultId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getExperimentResultById", details }, async () => {
    const row = await ctx.transport.query<ResultRow | null>("experiments/results:get", {
      id: requireString(id, "id"),
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
    }, { operation: "getExperimentResultById", details });
    const resolved = row ? await resolveResult(ctx, row, "getExperimentResultById") : null;
    return resolved ? rowToResult(resolved) : null;
  });
}

/** A page of an experiment's results with core's filters and order. */
export function listResults(
  ctx: DomainContext,
  args: ListExperimentResultsInput,
): Promise<ListExperimentResultsOutput> {
  const details = { experimentId: typeof args?.experimentId === "string" ? args.experimentId : null };
  return withErrorContext({ operation: "listExperimentResults", details }, async () => {
    requireRecord(args, "args");
    const experimentId = requireString(args.experimentId, "experimentId");
    const order = listOrder(args.orderBy, ["startedAt", "createdAt"] as const, {
      field: "startedAt",
      direction: "ASC",
    });
    const paged = pageOf(args.pagination);
    const filters: Record<string, unknown> = {};
    if (args.traceId) filters.traceId = requireString(args.traceId, "traceId");
    if (args.status) filters.status = requireString(args.status, "status");
    if (args.tags?.length) filters.tags = args.tags;
    const tenancy = tenancyArg(args.filters);
    if (tenancy?.organizationId !== undefined) filters.organizationId = tenancy.organizationId;
    if (tenancy?.projectId !== undefined) filters.projectId = tenancy.projectId;
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ResultRow>>("experiments/results:list", {
        experimentId,
        field: order.field,
        direction: order.direction,
        filters,
        offset: paged.offset,
        limit: paged.limit,
        ...(state ? { state } : {}),
      }, { operation: "listExperimentResults", details })
    );
    const resolved = (await mapLimited(rows, LARGE_PARALLEL, (row) => resolveResult(ctx, row, "listExperimentResults")))
      .filter((row) => row !== null);
    return { results: resolved.map(rowToResult), pagination: paginationInfo(total ?? 0, paged) };
  });
}

/** Per-experiment review counts, read from counters (O(experiments)), ordered by experiment id. */
export function reviewSummary(ctx: DomainContext): Promise<ExperimentReviewCounts[]> {
  return withErrorContext({ operation: "getReviewSummary", details: {} }, async () => {
    const counts: ReviewCounts[] = [];
    let after: string | undefined;
    for (;;) {
      const page: { counts: ReviewCounts[]; next: string | null } = await ctx.transport.query(
        "experiments/results:reviewSummary",
        after === undefined ? {} : { after },
        { operation: "getReviewSummary" },
      );
      counts.push(...page.counts);
      if (page.next === null) return counts;
      after = page.next;
    }
  });
}
