/** Operations on experiments: create, update, read, list and delete (bounded steps). */
import type {
  CreateExperimentInput,
  Experiment,
  ListExperimentsInput,
  ListExperimentsOutput,
  UpdateExperimentInput,
} from "../coreTypes.ts";
import type { ExperimentRow } from "../../convex/experiments/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { encodeValue } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireRecord, requireString } from "../kit/validate.ts";
import { listOrder, pageOf, paginationInfo, tenancyArg, walkPage } from "../kit/pages.ts";
import { rowToExperiment } from "./rows.ts";

/** Creates an experiment (status `pending`, zero counts), as core does. */
export function createExperiment(ctx: DomainContext, input: CreateExperimentInput): Promise<Experiment> {
  const details = { experimentId: typeof input?.id === "string" ? input.id : null };
  return withErrorContext({ operation: "createExperiment", details }, async () => {
    requireRecord(input, "input");
    const id = input.id === undefined ? crypto.randomUUID() : requireId(input.id, "id");
    if (typeof input.totalItems !== "number") throw new InvalidInputError("totalItems must be a number");
    const record = {
      datasetId: input.datasetId,
      datasetVersion: input.datasetVersion,
      agentVersion: input.agentVersion ?? null,
      targetType: input.targetType ?? null,
      targetId: input.targetId ?? null,
      scorerIds: input.scorerIds ?? null,
      name: input.name,
      description: input.description,
      metadata: input.metadata,
      provenance: input.provenance ?? null,
      runnerAttestation: input.runnerAttestation ?? null,
      experimentSetId: input.experimentSetId ?? null,
      comparisonId: input.comparisonId ?? null,
      variantId: input.variantId ?? null,
      trialIndex: input.trialIndex ?? null,
      status: "pending",
      totalItems: input.totalItems,
      succeededCount: 0,
      failedCount: 0,
      skippedCount: 0,
      organizationId: input.organizationId ?? null,
      projectId: input.projectId ?? null,
      startedAt: null,
      completedAt: null,
    };
    const row = await ctx.transport.mutation<ExperimentRow>("experiments/experiments:create", {
      id,
      record: encodeValue(record),
    }, { operation: "createExperiment", details: { experimentId: id }, idempotent: true });
    return rowToExperiment(row);
  });
}

/** Updates an experiment as core does; throws when it is absent. */
export function updateExperiment(ctx: DomainContext, input: UpdateExperimentInput): Promise<Experiment> {
  const details = { experimentId: typeof input?.id === "string" ? input.id : null };
  return withErrorContext({ operation: "updateExperiment", details }, async () => {
    const { id, ...patch } = requireRecord(input, "input");
    const row = await ctx.transport.mutation<ExperimentRow | null>("experiments/experiments:update", {
      id: requireString(id, "id"),
      patch: encodeValue(patch),
    }, { operation: "updateExperiment", details, idempotent: true });
    if (!row) throw new InvalidInputError(`Experiment not found: ${String(id)}`);
    return rowToExperiment(row);
  });
}

/** Reads an experiment (`null` when absent or of another tenant). */
export function getExperiment(ctx: DomainContext, id: string, filters: unknown): Promise<Experiment | null> {
  const details = { experimentId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getExperimentById", details }, async () => {
    const row = await ctx.transport.query<ExperimentRow | null>("experiments/experiments:get", {
      id: requireString(id, "id"),
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
    }, { operation: "getExperimentById", details });
    return row ? rowToExperiment(row) : null;
  });
}

/** Lists experiments with core's filters, order and pagination. */
export function listExperiments(ctx: DomainContext, args: ListExperimentsInput): Promise<ListExperimentsOutput> {
  return withErrorContext({ operation: "listExperiments", details: {} }, async () => {
    requireRecord(args, "args");
    const order = listOrder(args.orderBy, ["createdAt", "status"] as const, { field: "createdAt", direction: "DESC" });
    const paged = pageOf(args.pagination);
    const filters: Record<string, unknown> = {};
    // Like core: these filter only when truthy, the grouping ones whenever given.
    for (const key of ["datasetId", "targetType", "targetId", "agentVersion", "status"] as const) {
      if (args[key]) filters[key] = args[key];
    }
    for (const key of ["experimentSetId", "comparisonId", "variantId", "trialIndex"] as const) {
      if (args[key] !== undefined) filters[key] = args[key];
    }
    const tenancy = tenancyArg(args.filters);
    if (tenancy?.organizationId !== undefined) filters.organizationId = tenancy.organizationId;
    if (tenancy?.projectId !== undefined) filters.projectId = tenancy.projectId;
    const { rows, total } = await walkPage<ExperimentRow>(
      ctx,
      "experiments/experiments:list",
      {
        filters,
        field: order.field,
        direction: order.direction,
      },
      paged,
      { operation: "listExperiments" },
    );
    return { experiments: rows.map(rowToExperiment), pagination: paginationInfo(total, paged) };
  });
}

/** Reclaims an experiment's deleted results (older generations) in bounded steps. */
async function reclaimResults(ctx: DomainContext, experimentId: string, operation: string): Promise<void> {
  let released = false;
  for (;;) {
    const step = await ctx.transport.mutation<{ done: boolean; released: boolean }>(
      "experiments/results:reclaim",
      { experimentId },
      { operation, details: { experimentId }, idempotent: true },
    );
    released ||= step.released;
    if (step.done) break;
  }
  if (released) await sweepBlobs(ctx, operation);
}

/**
 * Deletes every result of an experiment (a no-op for another tenant): they
 * are gone for every reader after one mutation, and their rows are then
 * reclaimed in bounded steps.
 */
export async function removeResults(
  ctx: DomainContext,
  experimentId: string,
  filters: unknown,
  operation: string,
): Promise<void> {
  const applied = await ctx.transport.mutation<boolean>("experiments/results:clear", {
    experimentId,
    ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
    opId: crypto.randomUUID(),
  }, { operation, details: { experimentId }, idempotent: true });
  if (applied) await reclaimResults(ctx, experimentId, operation);
}

/** Deletes an experiment and its results: marked deleted first, then removed in bounded steps. */
export function deleteExperiment(ctx: DomainContext, id: string, filters: unknown): Promise<void> {
  const details = { experimentId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "deleteExperiment", details }, async () => {
    const experimentId = requireString(id, "id");
    const found = await ctx.transport.mutation<boolean>("experiments/experiments:beginRemove", {
      id: experimentId,
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
    }, { operation: "deleteExperiment", details, idempotent: true });
    if (!found) return;
    await reclaimResults(ctx, experimentId, "deleteExperiment");
    await ctx.transport.mutation("experiments/experiments:finishRemove", { id: experimentId }, {
      operation: "deleteExperiment",
      details,
      idempotent: true,
    });
  });
}
