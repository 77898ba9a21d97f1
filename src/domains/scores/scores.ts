/**
 * Operations of the scores domain: save, get and the four paged lists.
 */
import type { ListScoresResponse, ScoreRowData } from "@mastra/core/evals";
import { calculatePagination, normalizePerPage, type StoragePagination } from "@mastra/core/storage";
import type { WalkState } from "../../../convex/lib/pagination.ts";
import type { ScoreRow, TenancyFilters } from "../../../convex/lib/scoreTypes.ts";
import type { ListResult } from "../../../convex/lib/types.ts";
import { InvalidInputError, withErrorContext } from "../../errors.ts";
import { requireId, requireRecord, requireString } from "../../validate.ts";
import type { DomainContext } from "../context.ts";
import { runWalk } from "../walk.ts";
import { rowToScore, scoreToArgs } from "./rows.ts";

/** Reads one score, or `null`. */
export function getScoreById(ctx: DomainContext, { id }: { id: string }): Promise<ScoreRowData | null> {
  const details = { scoreId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "getScoreById", details }, async () => {
    const row = await ctx.transport.query<ScoreRow | null>("scores:get", { id: requireId(id, "id") }, {
      operation: "getScoreById",
      details,
    });
    return row ? rowToScore(row) : null;
  });
}

/**
 * Inserts or replaces a score (by `id`; a random UUID when absent). A
 * replaced score keeps its `createdAt`; `updatedAt` is now.
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
    const row = await ctx.transport.mutation<ScoreRow>("scores:save", { ...args, now: ctx.now() }, {
      operation: "saveScore",
      details: { ...details, scoreId: args.id },
      idempotent: true,
    });
    return { score: rowToScore(row) };
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
      ctx.transport.query<ListResult<ScoreRow>>("scores:list", {
        ...args,
        offset: Math.min(offset, Number.MAX_SAFE_INTEGER),
        limit: perPage,
        ...(state !== undefined ? { state } : {}),
      }, { operation, details })
    );
    const count = total ?? 0;
    const end = offset + perPage;
    return {
      scores: rows.map(rowToScore),
      pagination: {
        total: count,
        page,
        perPage: perPageForResponse,
        hasMore: perPageInput === false ? false : count > end,
      },
    };
  });
}
