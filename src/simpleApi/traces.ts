/**
 * The README's trace records: `saveTrace`, `getTrace` and `getTraces`.
 * They are stored in `convex/traces.ts` beside Mastra's spans.
 */
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { TraceRecordRow } from "../../convex/simpleApi/validators.ts";
import { decodeValue, defineData, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { withErrorContext } from "../kit/errors.ts";
import { offloadFields, resolveFields, sweepBlobs } from "../kit/largeValues.ts";
import { optionalString, requireId, requireRecord } from "../kit/validate.ts";
import { pageWindow } from "./paging.ts";

/** A trace record as the README shows it. */
export type TraceRecord = {
  /** Unique id. */
  id: string;
  /** Thread the trace belongs to. */
  threadId?: string;
  /** Transport (connection) id. */
  transportId?: string;
  /** Run id. */
  runId?: string;
  /** Root run id. */
  rootRunId?: string;
  /** The spans, as recorded. */
  spans: unknown;
  /** Durations of the spans, as recorded. */
  spanDurations?: unknown;
  /** Free-form properties. */
  properties?: Record<string, unknown>;
  /** When it was recorded: epoch milliseconds or a `Date`. */
  timestamp: number | Date;
  /** Any further fields are kept as they are. */
  [key: string]: unknown;
};

/** A page of trace records (`page` counts from 0). */
export type TracePage = { traces: TraceRecord[]; total: number; page: number; perPage: number; hasMore: boolean };

const INDEXED = ["id", "threadId", "transportId", "runId", "rootRunId", "timestamp"] as const;

function toRow(input: unknown): TraceRecordRow {
  const record = requireRecord(input, "trace");
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!(INDEXED as readonly string[]).includes(key)) defineData(body, key, value); // `__proto__` stays data
  }
  const row: TraceRecordRow = {
    id: requireId(record.id, "trace.id"),
    body: encodeValue(body),
    timestamp: toMillis(record.timestamp, "trace.timestamp"),
  };
  for (const key of ["threadId", "transportId", "runId", "rootRunId"] as const) {
    const value = optionalString(record[key], `trace.${key}`);
    if (value !== undefined) row[key] = value;
  }
  return row;
}

function fromRow(row: TraceRecordRow): TraceRecord {
  const body = decodeValue(row.body) as Record<string, unknown>;
  const record: TraceRecord = { id: row.id, ...body, spans: body.spans, timestamp: toDate(row.timestamp) };
  for (const key of ["threadId", "transportId", "runId", "rootRunId"] as const) {
    if (row[key] !== undefined) record[key] = row[key];
  }
  return record;
}

/** Stores a trace record (upsert by id); returns it as given. */
export function saveTrace(ctx: DomainContext, { trace }: { trace: TraceRecord }): Promise<TraceRecord> {
  const details = { traceId: typeof trace?.id === "string" ? trace.id : null };
  return withErrorContext({ operation: "saveTrace", details }, async () => {
    const row = await offloadFields(ctx, toRow(trace), ["body"], "saveTrace");
    const { released } = await ctx.transport.mutation<{ released: boolean }>("simpleApi/traces:saveTraceRecord", {
      record: row,
    }, { operation: "saveTrace", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "saveTrace");
    return trace;
  });
}

/** Reads one trace record, or `null`. */
export function getTrace(ctx: DomainContext, { traceId }: { traceId: string }): Promise<TraceRecord | null> {
  const details = { traceId: typeof traceId === "string" ? traceId : null };
  return withErrorContext({ operation: "getTrace", details }, async () => {
    requireId(traceId, "traceId");
    const row = await ctx.transport.query<TraceRecordRow | null>("simpleApi/traces:getTraceRecord", { id: traceId }, {
      operation: "getTrace",
      details,
    });
    return row ? fromRow(await resolveFields(ctx, row, ["body"], "getTrace")) : null;
  });
}

/** Lists trace records newest first, optionally of one thread and/or run. */
export function getTraces(
  ctx: DomainContext,
  args: { threadId?: string; runId?: string; page?: number; perPage?: number } = {},
): Promise<TracePage> {
  const details = { threadId: args.threadId ?? null, runId: args.runId ?? null };
  return withErrorContext({ operation: "getTraces", details }, async () => {
    const { page, perPage, offset } = pageWindow(args.page, args.perPage, 100);
    const threadId = optionalString(args.threadId, "threadId");
    const runId = optionalString(args.runId, "runId");
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<TraceRecordRow>>("simpleApi/traces:listTraceRecords", {
        ...(threadId !== undefined ? { threadId } : {}),
        ...(runId !== undefined ? { runId } : {}),
        offset,
        limit: perPage,
        ...(state ? { state } : {}),
      }, { operation: "getTraces", details })
    );
    const resolved = await Promise.all(rows.map((row) => resolveFields(ctx, row, ["body"], "getTraces")));
    const count = total ?? 0;
    return { traces: resolved.map(fromRow), total: count, page, perPage, hasMore: offset + rows.length < count };
  });
}
