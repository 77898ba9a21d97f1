/**
 * The README's eval records: `saveEval` and `getEvals`.
 */
import type { EvalRow } from "../../convex/simpleApi/validators.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { WalkState } from "../../convex/kit/walk.ts";
import { decodeValue, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { offloadFields, resolveFields, sweepBlobs } from "../kit/largeValues.ts";
import { optionalRecord, optionalString, requireId, requireRecord, requireString } from "../kit/validate.ts";
import { pageWindow } from "./paging.ts";

/** An eval result as the README shows it. */
export type EvalRecord = {
  /** Unique id. */
  id: string;
  /** Thread the eval ran in, if any. */
  threadId?: string;
  /** Agent that was evaluated. */
  agentName: string;
  /** `"live"` for production traffic, `"test"` for test runs. */
  type: "live" | "test";
  /** Free-form metadata. */
  metadata?: Record<string, unknown>;
  /** The eval's payload (scores, input, output, ...). */
  data: unknown;
  /** When it was recorded: epoch milliseconds or a `Date`. */
  createdAt: number | Date;
};

/** A page of eval records (`page` counts from 0). */
export type EvalPage = { evals: EvalRecord[]; total: number; page: number; perPage: number; hasMore: boolean };

function toRow(input: unknown): EvalRow {
  const record = requireRecord(input, "evalData");
  if (record.type !== "live" && record.type !== "test") {
    throw new InvalidInputError(`evalData.type must be "live" or "test", got ${JSON.stringify(record.type)}`);
  }
  const row: EvalRow = {
    id: requireId(record.id, "evalData.id"),
    agentName: requireString(record.agentName, "evalData.agentName"),
    type: record.type,
    data: encodeValue(record.data),
    createdAt: toMillis(record.createdAt, "evalData.createdAt"),
  };
  const threadId = optionalString(record.threadId, "evalData.threadId");
  if (threadId !== undefined) row.threadId = threadId;
  const metadata = optionalRecord(record.metadata, "evalData.metadata");
  if (metadata !== undefined) row.metadata = encodeValue(metadata);
  return row;
}

function fromRow(row: EvalRow): EvalRecord {
  const record: EvalRecord = {
    id: row.id,
    agentName: row.agentName,
    type: row.type,
    data: decodeValue(row.data),
    createdAt: toDate(row.createdAt),
  };
  if (row.threadId !== undefined) record.threadId = row.threadId;
  if (row.metadata !== undefined) record.metadata = decodeValue(row.metadata) as Record<string, unknown>;
  return record;
}

/** Stores an eval record (upsert by id); returns it as given. */
export function saveEval(ctx: DomainContext, { evalData }: { evalData: EvalRecord }): Promise<EvalRecord> {
  const details = { evalId: typeof evalData?.id === "string" ? evalData.id : null };
  return withErrorContext({ operation: "saveEval", details }, async () => {
    const row = await offloadFields(ctx, toRow(evalData), ["data", "metadata"], "saveEval");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("simpleApi/evals:save", { evalRow: row }, {
      operation: "saveEval",
      details,
      idempotent: true,
    });
    if (released) await sweepBlobs(ctx, "saveEval");
    return evalData;
  });
}

/** Lists eval records newest first, optionally of one agent and/or type. */
export function getEvals(
  ctx: DomainContext,
  args: { agentName?: string; type?: "live" | "test"; page?: number; perPage?: number } = {},
): Promise<EvalPage> {
  const details = { agentName: args.agentName ?? null, type: args.type ?? null };
  return withErrorContext({ operation: "getEvals", details }, async () => {
    const { page, perPage, offset } = pageWindow(args.page, args.perPage, 100);
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<EvalRow>>("simpleApi/evals:list", {
        ...(args.agentName !== undefined ? { agentName: requireString(args.agentName, "agentName") } : {}),
        ...(args.type !== undefined ? { type: args.type } : {}),
        offset,
        limit: perPage,
        ...(state ? { state } : {}),
      }, { operation: "getEvals", details })
    );
    const resolved = await Promise.all(rows.map((row) => resolveFields(ctx, row, ["data", "metadata"], "getEvals")));
    const count = total ?? 0;
    return { evals: resolved.map(fromRow), total: count, page, perPage, hasMore: offset + rows.length < count };
  });
}
