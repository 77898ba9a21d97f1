/**
 * Span operations of the observability domain: create, update, and the
 * reads of one span, some spans, the root span and a whole trace.
 */
import type {
  GetRootSpanResponse,
  GetSpanResponse,
  GetSpansResponse,
  GetStructureResponse,
  GetTraceResponse,
} from "../../coreTypes.ts";
import type { SpanRecord } from "@mastra/core/storage";
import type { WalkState } from "../../../convex/kit/walk.ts";
import type { ListResult } from "../../../convex/kit/rows.ts";
import { encodeValue, toMillis } from "../../kit/codec.ts";
import { InvalidInputError, withErrorContext } from "../../kit/errors.ts";
import { writeBatches } from "../../kit/multiStep.ts";
import { requireKey, requireRecord, requireString } from "../../kit/validate.ts";
import type { DomainContext } from "../../kit/context.ts";
import { runWalk } from "../../kit/walk.ts";
import { chunkBySize, decodeSpan } from "./rows.ts";

/** Spans per write call. */
const SPANS_PER_CALL = 100;
/** Encoded bytes per write call: far below Convex's 16 MiB of arguments and of writes per transaction. */
const BYTES_PER_CALL = 4 * 1024 * 1024;
/** Span ids per `getSpans` call. */
const IDS_PER_CALL = 200;

function checkSpan(input: unknown, name: string): Record<string, unknown> {
  const span = requireRecord(input, name);
  if (!span.spanId) throw new InvalidInputError(`${name}: Span ID is required for creating a span`);
  if (!span.traceId) throw new InvalidInputError(`${name}: Trace ID is required for creating a span`);
  requireKey(span.spanId, `${name}.spanId`);
  requireKey(span.traceId, `${name}.traceId`);
  toMillis(span.startedAt, `${name}.startedAt`);
  return span;
}

/**
 * Creates (or replaces) spans, stamping `createdAt` and `updatedAt` with
 * the current time, in calls bounded by count and size.
 */
export function createSpans(ctx: DomainContext, operation: string, spans: unknown[]): Promise<void> {
  // Details are computed defensively: a non-array argument must still end in a MastraError.
  const first = (Array.isArray(spans) ? spans[0] : undefined) as { traceId?: unknown } | undefined;
  const details = {
    count: Array.isArray(spans) ? spans.length : null,
    traceId: typeof first?.traceId === "string" ? first.traceId : null,
  };
  return withErrorContext({ operation, details }, async () => {
    if (!Array.isArray(spans)) throw new InvalidInputError("records must be an array");
    const now = new Date(ctx.now());
    const encoded = spans.map((span, i) =>
      encodeValue({ ...checkSpan(span, spans.length === 1 ? "span" : `records[${i}]`), createdAt: now, updatedAt: now })
    );
    await writeBatches(
      { operation, details },
      [...chunkBySize(encoded, (text) => text.length, SPANS_PER_CALL, BYTES_PER_CALL)],
      (chunk) => chunk.length,
      { items: "spans", remedy: "creating the same spans again is safe (they are replaced by id)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/tracing/traces:createSpans", { spans: chunk }, {
          operation,
          details,
          idempotent: true,
        });
      },
    );
  });
}

/** One span update as Mastra passes it. */
export type SpanUpdate = { traceId: string; spanId: string; updates: Record<string, unknown> };

/**
 * Merges partial updates into existing spans and stamps `updatedAt`.
 * Fails with a `MastraError` when a span does not exist; each bounded call
 * is all-or-nothing.
 */
export function updateSpans(ctx: DomainContext, operation: string, records: SpanUpdate[]): Promise<void> {
  const list = Array.isArray(records) ? records : undefined;
  const first = list?.[0] as Partial<SpanUpdate> | undefined;
  const details = {
    count: list ? list.length : null,
    traceId: typeof first?.traceId === "string" ? first.traceId : null,
    spanId: list?.length === 1 && typeof first?.spanId === "string" ? first.spanId : null,
  };
  return withErrorContext({ operation, details }, async () => {
    if (!Array.isArray(records)) throw new InvalidInputError("records must be an array");
    const now = ctx.now();
    const updates = records.map((record, i) => {
      const name = records.length === 1 ? "" : `records[${i}].`;
      const checked = requireRecord(record, "update");
      return {
        traceId: requireString(checked.traceId, `${name}traceId`),
        spanId: requireString(checked.spanId, `${name}spanId`),
        patch: encodeValue(requireRecord(checked.updates ?? {}, `${name}updates`)),
      };
    });
    const size = (update: { patch: string }) => update.patch.length + 256;
    await writeBatches(
      { operation, details },
      [...chunkBySize(updates, size, SPANS_PER_CALL, BYTES_PER_CALL)],
      (chunk) => chunk.length,
      { items: "span updates", remedy: "applying the same updates again is safe (they are merges)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/tracing/traces:updateSpans", { updates: chunk, now }, {
          operation,
          details,
          idempotent: true,
        });
      },
    );
  });
}

/** Reads one span. */
export function getSpan(
  ctx: DomainContext,
  { traceId, spanId }: { traceId: string; spanId: string },
): Promise<GetSpanResponse | null> {
  const details = { traceId: String(traceId), spanId: String(spanId) };
  return withErrorContext({ operation: "getSpan", details }, async () => {
    requireString(traceId, "traceId");
    requireString(spanId, "spanId");
    const data = await ctx.transport.query<string | null>("observability/tracing/traces:getSpan", { traceId, spanId }, {
      operation: "getSpan",
      details,
    });
    return data === null ? null : { span: decodeSpan(data) };
  });
}

/** Reads the given spans of one trace, in the order asked, skipping missing ones. */
export function getSpans(
  ctx: DomainContext,
  { traceId, spanIds }: { traceId: string; spanIds: string[] },
): Promise<GetSpansResponse> {
  const details = { traceId: String(traceId), count: Array.isArray(spanIds) ? spanIds.length : 0 };
  return withErrorContext({ operation: "getSpans", details }, async () => {
    requireString(traceId, "traceId");
    if (!Array.isArray(spanIds)) throw new InvalidInputError("spanIds must be an array");
    spanIds.forEach((id, i) => requireString(id, `spanIds[${i}]`));
    const spans: SpanRecord[] = [];
    for (let i = 0; i < spanIds.length; i += IDS_PER_CALL) {
      const found = await ctx.transport.query<string[]>("observability/tracing/traces:getSpans", {
        traceId,
        spanIds: spanIds.slice(i, i + IDS_PER_CALL),
      }, { operation: "getSpans", details });
      spans.push(...found.map(decodeSpan));
    }
    return { traceId, spans };
  });
}

/** Reads the root span of a trace. */
export function getRootSpan(ctx: DomainContext, { traceId }: { traceId: string }): Promise<GetRootSpanResponse | null> {
  const details = { traceId: String(traceId) };
  return withErrorContext({ operation: "getRootSpan", details }, async () => {
    requireString(traceId, "traceId");
    const data = await ctx.transport.query<string | null>("observability/tracing/traces:getRootSpan", { traceId }, {
      operation: "getRootSpan",
      details,
    });
    return data === null ? null : { span: decodeSpan(data) };
  });
}

async function readTrace(ctx: DomainContext, operation: string, traceId: string, light: boolean) {
  const details = { traceId: String(traceId) };
  return await withErrorContext({ operation, details }, async () => {
    requireString(traceId, "traceId");
    const { rows } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<string>>("observability/tracing/traces:listTraceSpans", {
        traceId,
        light,
        ...(state !== undefined ? { state } : {}),
      }, { operation, details })
    );
    return rows.length === 0 ? null : { traceId, spans: rows.map(decodeSpan) };
  });
}

/** Reads a whole trace, spans ordered by `startedAt` (ties by span id); `null` when it has no spans. */
export function getTrace(ctx: DomainContext, { traceId }: { traceId: string }): Promise<GetTraceResponse | null> {
  return readTrace(ctx, "getTrace", traceId, false);
}

/** Reads a trace's structure: its spans without input, output, attributes, metadata, tags and links. */
export function getTraceStructure(
  ctx: DomainContext,
  operation: string,
  { traceId }: { traceId: string },
): Promise<GetStructureResponse | null> {
  return readTrace(ctx, operation, traceId, true) as Promise<GetStructureResponse | null>;
}
