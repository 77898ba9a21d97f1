/**
 * Operations on datasets: create (idempotent by id), read, update, list and
 * delete (bounded steps).
 */
import type { CreateDatasetInput, DatasetRecord, ListDatasetsInput, ListDatasetsOutput } from "../coreTypes.ts";
import { calculatePagination, normalizePerPage } from "@mastra/core/storage";
import type { DatasetRow, Tenancy } from "../../convex/datasets/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "../kit/context.ts";
import { encodeValue } from "../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireRecord, requireString } from "../kit/validate.ts";
import { runWalk } from "../kit/walk.ts";
import { rowToDataset } from "./rows.ts";

/** Tenancy filters as our functions take them (only string values filter, as in core). */
export function tenancyArg(filters: unknown): Tenancy | undefined {
  if (filters === undefined || filters === null) return undefined;
  const record = requireRecord(filters, "filters");
  const out: Tenancy = {};
  for (const key of ["organizationId", "projectId"] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (typeof value !== "string") throw new InvalidInputError(`filters.${key} must be a string`);
    out[key] = value;
  }
  return out;
}

/** The order of a list: `orderBy` checked against the allowed fields, with core's defaults. */
export function listOrder<F extends string>(
  orderBy: unknown,
  allowed: readonly F[],
  fallback: { field: F; direction: "ASC" | "DESC" },
): { field: F; direction: "ASC" | "DESC" } {
  const given = (orderBy ?? {}) as { field?: unknown; direction?: unknown };
  const field = (given.field ?? fallback.field) as F;
  if (!allowed.includes(field)) {
    throw new InvalidInputError(`Invalid orderBy field: ${String(field)}. Allowed: ${allowed.join(", ")}`);
  }
  const direction = given.direction ?? fallback.direction;
  if (direction !== "ASC" && direction !== "DESC") {
    throw new InvalidInputError(`Invalid orderBy direction: ${String(direction)}`);
  }
  return { field, direction };
}

/** Offset, limit and the response's `perPage` of Mastra's pagination (default page size 100, as core). */
export function pageOf(
  pagination: unknown,
): { page: number; perPageInput: number | false | undefined; offset: number; limit: number; perPage: number | false } {
  const { page, perPage: perPageInput } = requireRecord(pagination, "pagination") as {
    page: number;
    perPage?: number | false;
  };
  const limit = normalizePerPage(perPageInput, 100);
  const { offset, perPage } = calculatePagination(page, perPageInput, limit);
  return { page, perPageInput, offset: Math.min(offset, Number.MAX_SAFE_INTEGER), limit, perPage };
}

/** Mastra's pagination info of a page. */
export function paginationInfo(
  total: number,
  paged: ReturnType<typeof pageOf>,
): { total: number; page: number; perPage: number | false; hasMore: boolean } {
  return {
    total,
    page: paged.page,
    perPage: paged.perPage,
    hasMore: paged.perPageInput === false ? false : total > paged.offset + paged.limit,
  };
}

/**
 * Creates a dataset (a random id when none is given). With a caller-chosen
 * id that exists already, answers the existing row and `conflict` when its
 * immutable fields differ (the domain class raises core's error).
 */
export function createDataset(
  ctx: DomainContext,
  input: CreateDatasetInput,
): Promise<{ dataset: DatasetRecord; conflict: boolean }> {
  const details = { datasetId: typeof input?.id === "string" ? input.id : null };
  return withErrorContext({ operation: "createDataset", details }, async () => {
    requireRecord(input, "input");
    const id = input.id === undefined ? crypto.randomUUID() : requireId(input.id, "id");
    const name = requireString(input.name, "name");
    const record = {
      name,
      description: input.description,
      metadata: input.metadata,
      inputSchema: input.inputSchema,
      groundTruthSchema: input.groundTruthSchema,
      requestContextSchema: input.requestContextSchema,
      targetType: input.targetType,
      targetIds: input.targetIds,
      scorerIds: input.scorerIds ?? null,
      organizationId: input.organizationId ?? null,
      projectId: input.projectId ?? null,
      candidateKey: input.candidateKey ?? null,
      candidateId: input.candidateId ?? null,
    };
    const nullable = (value: unknown, field: string) => {
      if (value === null || typeof value === "string") return value;
      throw new InvalidInputError(`${field} must be a string or null`);
    };
    const { row, conflict } = await ctx.transport.mutation<{ row: DatasetRow; conflict: boolean }>(
      "datasets/datasets:create",
      {
        id,
        name,
        organizationId: nullable(record.organizationId, "organizationId"),
        projectId: nullable(record.projectId, "projectId"),
        candidateKey: nullable(record.candidateKey, "candidateKey"),
        candidateId: nullable(record.candidateId, "candidateId"),
        targetType: typeof input.targetType === "string" ? input.targetType : null,
        targetIds: Array.isArray(input.targetIds) ? input.targetIds.filter((t) => typeof t === "string") : [],
        data: encodeValue(record),
      },
      { operation: "createDataset", details: { datasetId: id }, idempotent: true },
    );
    return { dataset: rowToDataset(row), conflict };
  });
}

/** Reads a dataset (`null` when absent or of another tenant). */
export function getDataset(ctx: DomainContext, id: string, filters: unknown): Promise<DatasetRecord | null> {
  const details = { datasetId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getDatasetById", details }, async () => {
    const row = await ctx.transport.query<DatasetRow | null>("datasets/datasets:get", {
      id: requireString(id, "id"),
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
    }, { operation: "getDatasetById", details });
    return row ? rowToDataset(row) : null;
  });
}

/** Updates a dataset as core does; throws when it is absent. */
export function updateDataset(ctx: DomainContext, args: Record<string, unknown>): Promise<DatasetRecord> {
  const details = { datasetId: typeof args?.id === "string" ? args.id : null };
  return withErrorContext({ operation: "updateDataset", details }, async () => {
    const { id, filters, ...patch } = requireRecord(args, "args");
    const row = await ctx.transport.mutation<DatasetRow | null>("datasets/datasets:update", {
      id: requireString(id, "id"),
      ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
      patch: encodeValue(patch),
    }, { operation: "updateDataset", details, idempotent: true });
    if (!row) throw new InvalidInputError(`Dataset not found: ${String(id)}`);
    return rowToDataset(row);
  });
}

/** Lists datasets with core's filters, order and pagination. */
export function listDatasets(ctx: DomainContext, args: ListDatasetsInput): Promise<ListDatasetsOutput> {
  return withErrorContext({ operation: "listDatasets", details: {} }, async () => {
    requireRecord(args, "args");
    const order = listOrder(args.orderBy, ["createdAt", "updatedAt", "name"] as const, {
      field: "createdAt",
      direction: "DESC",
    });
    const paged = pageOf(args.pagination);
    const filters: Record<string, unknown> = {};
    const given = (args.filters ?? {}) as Record<string, unknown>;
    for (
      const key of ["organizationId", "projectId", "candidateKey", "candidateId", "targetType", "targetIds", "name"]
    ) {
      if (given[key] !== undefined) filters[key] = given[key];
    }
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<DatasetRow>>("datasets/datasets:list", {
        filters,
        field: order.field,
        direction: order.direction,
        offset: paged.offset,
        limit: paged.limit,
        ...(state ? { state } : {}),
      }, { operation: "listDatasets" })
    );
    return { datasets: rows.map(rowToDataset), pagination: paginationInfo(total ?? 0, paged) };
  });
}

/** Deletes a dataset with its items and versions, detaching its experiments (bounded steps). */
export function deleteDataset(ctx: DomainContext, id: string, filters: unknown): Promise<void> {
  const details = { datasetId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "deleteDataset", details }, async () => {
    let released = false;
    for (;;) {
      const step = await ctx.transport.mutation<{ done: boolean; released: boolean }>("datasets/datasets:remove", {
        id: requireString(id, "id"),
        ...(tenancyArg(filters) ? { filters: tenancyArg(filters) } : {}),
      }, { operation: "deleteDataset", details, idempotent: true });
      released ||= step.released;
      if (step.done) break;
    }
    if (released) await sweepBlobs(ctx, "deleteDataset");
  });
}
