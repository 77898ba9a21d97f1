/**
 * Mastra's offset pages over our bounded list functions: `orderBy` checked
 * as core checks it, `page`/`perPage` turned into an offset and a limit,
 * the steps of a list function run until done, and the pagination info
 * core answers. Also the tenancy filters (`organizationId`, `projectId`)
 * as our functions take them.
 */
import { calculatePagination, normalizePerPage } from "@mastra/core/storage";
import type { Tenancy } from "../../convex/datasets/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { DomainContext } from "./context.ts";
import { InvalidInputError } from "./errors.ts";
import { requireRecord } from "./validate.ts";
import { runWalk } from "./walk.ts";

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
 * Runs the list function at `path` with `args` and the page's offset and
 * limit, in bounded steps until done; answers its rows and exact total.
 */
export async function walkPage<Row>(
  ctx: DomainContext,
  path: `${string}:${string}`,
  args: Record<string, unknown>,
  paged: ReturnType<typeof pageOf>,
  context: { operation: string; details?: Record<string, string | number | boolean | null> },
): Promise<{ rows: Row[]; total: number }> {
  const { rows, total } = await runWalk((state: WalkState | undefined) =>
    ctx.transport.query<ListResult<Row>>(path, {
      ...args,
      offset: paged.offset,
      limit: paged.limit,
      ...(state ? { state } : {}),
    }, context)
  );
  return { rows, total: total ?? 0 };
}
