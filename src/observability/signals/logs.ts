/**
 * Logs of the observability domain: `batchCreateLogs` (upserts by
 * `logId`) and `listLogs` (offset pages in timestamp order with core's
 * filters, or delta polling in write order).
 */
import type { BatchCreateLogsArgs, ListLogsArgs, ListLogsResponse } from "../../coreTypes.ts";
import { listLogsArgsSchema, type LogRecord } from "@mastra/core/storage";
import { toSignalFilter } from "../../../convex/observability/signals/signals.ts";
import type { DomainContext } from "../../kit/context.ts";
import { withErrorContext } from "../../kit/errors.ts";
import { writeBatches } from "../../kit/multiStep.ts";
import { encodeSignals, signalDelta, signalPage, writeChunks } from "./signals.ts";

/** Logs per write call (each also upserts a few discovery entries). */
const LOGS_PER_CALL = 100;

/** Upserts logs by `logId`, in bounded calls. */
export function batchCreateLogs(ctx: DomainContext, args: BatchCreateLogsArgs): Promise<void> {
  const count = Array.isArray(args?.logs) ? args.logs.length : null;
  return withErrorContext({ operation: "batchCreateLogs", details: { count } }, async () => {
    const encoded = encodeSignals(args?.logs, "logId", "batchCreateLogs");
    await writeBatches(
      { operation: "batchCreateLogs", details: { count } },
      [...writeChunks(encoded, LOGS_PER_CALL)],
      (chunk) => chunk.length,
      { items: "logs", remedy: "creating the same logs again is safe (they are upserted by logId)" },
      async (chunk) => {
        await ctx.transport.mutation("observability/signals/logs:createLogs", { logs: chunk }, {
          operation: "batchCreateLogs",
          details: { count },
          idempotent: true,
        });
      },
    );
  });
}

/** Lists logs: one page in timestamp order (default newest first), or one delta poll window. */
export function listLogs(ctx: DomainContext, args: ListLogsArgs): Promise<ListLogsResponse> {
  return withErrorContext({ operation: "listLogs" }, async () => {
    const parsed = listLogsArgsSchema.parse(args ?? {});
    const filter = toSignalFilter(parsed.filters as Record<string, unknown> | undefined);
    if (parsed.mode === "delta") {
      const window = await signalDelta<LogRecord>(ctx, "listLogs", "obs_logs", filter, parsed.after, parsed.limit);
      return { logs: window.rows, delta: window.delta, deltaCursor: window.deltaCursor };
    }
    const { page, perPage } = parsed.pagination;
    const result = await signalPage<LogRecord>(
      ctx,
      "listLogs",
      "obs_logs",
      filter,
      page,
      perPage,
      parsed.orderBy.direction,
    );
    return { logs: result.rows, pagination: result.pagination, deltaCursor: result.deltaCursor };
  });
}
