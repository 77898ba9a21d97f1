/**
 * Operations of the scores domain: save, get and the four paged lists.
 */
import type { ListScoresResponse, ScoreRowData } from "../coreTypes.ts";
import { calculatePagination, normalizePerPage, type StoragePagination } from "@mastra/core/storage";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ScoreRow, TenancyFilters } from "../../convex/scores/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { mapLimited, resolveFresh, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireId, requireRecord, requireString } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { rowToScore, scoreToArgs } from "./rows.ts";

/** Reads one score, or `null`. */
export function getScoreById(ctx: DomainContext, { id }: { id: string }): Promise<ScoreRowData | null> {
  const details = { scoreId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getScoreById", details }, async () => {
    const row = await ctx.transport.query<ScoreRow | null>("scores/scores:get", { id: requireId(id, "id") }, {
      operation: "getScoreById",
      details,
    });
    const resolved = row ? await resolveScore(ctx, row, "getScoreById") : null;
    return resolved ? rowToScore(resolved) : null;
  });
}

/** Score payloads downloaded at the same time by one list. */
const LARGE_PARALLEL = 4;

/** A row with its `data` assembled; read again if it was replaced meanwhile, `null` if deleted. */
function resolveScore(ctx: DomainContext, row: ScoreRow, operation: string): Promise<ScoreRow | null> {
  return resolveFresh(
    ctx,
    row,
    ["data"],
    operation,
    () =>
      ctx.transport.query<ScoreRow | null>("scores/scores:get", { id: row.id }, {
        operation,
        details: { scoreId: row.id },
      }),
  );
}

/**
 * Inserts or replaces a score (by `id`; a random UUID when absent). A
 * replaced score keeps its `createdAt`; `updatedAt` is now. A payload of
 * any size is accepted: a large one is uploaded in chunks first and
 * becomes visible only when the score row is written.
 */
export function saveScore(ctx: DomainContext, score: unknown): Promise<{ score: ScoreRowData }> {
  const details = {
    scoreId: typeof (score as { id?: unknown })?.id === "string" ? (score as { id: string }).id : null,
    scorerId: typeof (score as { scorerId?: unknown })?.scorerId === "string"
      ? (score as { scorerId: string }).scorerId
      : null,
  };
  return withErrorContext({ operation: "saveScore", details }, async () => {
    const args = scoreToArgs(score);
    const data = args.data;
    const stored = await storeLarge(ctx, data, "saveScore");
    const { row, released } = await ctx.transport.mutation<{ row: ScoreRow; released: boolean }>("scores/scores:save", {
      ...args,
      data: stored,
      now: ctx.now(),
    }, {
      operation: "saveScore",
      details: { ...details, scoreId: args.id },
      idempotent: true,
    });
    if (released) await sweepBlobs(ctx, "saveScore");
    return { score: rowToScore({ ...row, data }) };
  });
}

/** Which list, and its keys and filters, as `scores:list` takes them. */
export type ScoreListQuery = {
  kind: "scorer" | "run" | "entity" | "span";
  scorerId?: string;
  runId?: string;
  entityId?: string;
  entityType?: string;
  source?: string;
  traceId?: string;
  spanId?: string;
};

function tenancy(filters: unknown): TenancyFilters {
  if (filters === undefined || filters === null) return {};
  const record = requireRecord(filters, "filters");
  const out: TenancyFilters = {};
  for (const key of ["organizationId", "projectId"] as const) {
    const value = record[key];
    if (value === undefined) continue;
    if (value !== null && typeof value !== "string") {
      throw new InvalidInputError(`filters.${key} must be a string`);
    }
    out[key] = value;
  }
  return out;
}

/** Runs one of the score lists with Mastra's offset pagination. */
export function listScores(
  ctx: DomainContext,
  operation: string,
  query: ScoreListQuery,
  pagination: StoragePagination,
  filters: unknown,
): Promise<ListScoresResponse> {
  const details: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(query)) if (key !== "kind") details[key] = value ?? null;
  return withErrorContext({ operation, details }, async () => {
    const { page, perPage: perPageInput } = requireRecord(pagination, "pagination") as StoragePagination;
    const perPage = normalizePerPage(perPageInput, Number.MAX_SAFE_INTEGER);
    const { offset, perPage: perPageForResponse } = calculatePagination(page, perPageInput, perPage);
    const args: Record<string, unknown> = { filters: tenancy(filters) };
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined) args[key] = key === "kind" ? value : requireString(value, key);
    }
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ScoreRow>>("scores/scores:list", {
        ...args,
        offset: Math.min(offset, Number.MAX_SAFE_INTEGER),
        limit: perPage,
        ...(state !== undefined ? { state } : {}),
      }, { operation, details })
    );
    const count = total ?? 0;
    const end = offset + perPage;
    return {
      scores: (await mapLimited(rows, LARGE_PARALLEL, (row) => resolveScore(ctx, row, operation)))
        .filter((row) => row !== null).map(rowToScore),
      pagination: {
        total: count,
        page,
        perPage: perPageForResponse,
        hasMore: perPageInput === false ? false : count > end,
      },
    };
  });
}
