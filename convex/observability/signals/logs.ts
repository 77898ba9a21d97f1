/**
 * Logs of Mastra's observability domain: batched upserts by `logId`, and
 * deletion of the logs linked to deleted traces. Reads are in
 * `signalLists.ts` (shared with metric events).
 *
 * A batch mutation touches each of the table's counters once (rows, rows
 * per level: one shard each, picked by the call's first log id) and one
 * shard of the table's delta stream (`signalStream.ts`), not once per log.
 */
import { v } from "convex/values";
import { decodeValue } from "../../kit/codec.js";
import { adjustCounters, counterShard } from "../../kit/counters.js";
import { storageError } from "../../kit/errors.js";
import { internalMutation } from "../../kit/functions.js";
import { assertFitsDocument } from "../../kit/limits.js";
import { signalCounters } from "../counterNames.js";
import { recordEntries } from "../discovery.js";
import { dictionaryEntries, type DictionaryEntry, timestampOf } from "./signals.js";
import { keptStreamFields, SignalStreamWriter } from "./signalStream.js";

const TABLE = "obs_logs";

/**
 * Upserts logs (encoded records) by `logId`. A replaced log keeps its
 * place in the delta stream, as in core's in-memory store, so delta polling
 * does not return it again.
 */
export const createLogs = internalMutation({
  args: { logs: v.array(v.string()) },
  handler: async (ctx, { logs }): Promise<null> => {
    const deltas: [string, number][] = [];
    const entries: DictionaryEntry[] = [];
    const stream = new SignalStreamWriter(ctx, TABLE);
    let batchKey: string | undefined;
    const count = (name: string, delta: number) => deltas.push([counterShard(name, batchKey!), delta]);
    for (const data of logs) {
      const record = decodeValue(data) as Record<string, unknown>;
      const id = record.logId;
      if (typeof id !== "string" || id === "") throw storageError("INVALID", "a log record has no logId");
      batchKey ??= id;
      const row = {
        id,
        timestamp: timestampOf(record),
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        level: String(record.level),
        data,
      };
      if (!Number.isFinite(row.timestamp)) throw storageError("INVALID", `log ${id} has no valid timestamp`);
      assertFitsDocument(`log ${id}`, row);
      entries.push(...dictionaryEntries(record, false));
      const existing = await ctx.db.query(TABLE).withIndex("by_log_id", (q) => q.eq("id", id)).first();
      if (existing) {
        await ctx.db.replace(existing._id, { ...row, ...keptStreamFields(existing) });
        count(signalCounters.rowsOfKey(TABLE, existing.level), -1);
        count(signalCounters.rowsOfKey(TABLE, row.level), 1);
        continue;
      }
      await ctx.db.insert(TABLE, { ...row, ...await stream.next(batchKey) });
      count(signalCounters.rows(TABLE), 1);
      count(signalCounters.rowsOfKey(TABLE, row.level), 1);
    }
    await stream.flush();
    await adjustCounters(ctx, deltas);
    await recordEntries(ctx, entries);
    return null;
  },
});

/** Rows deleted per call of {@link deleteLogsOfTraces}. */
const DELETE_BATCH = 2000;

/**
 * Deletes logs linked to the given traces (optionally only those of one
 * organization and/or resource), in bounded steps: returns the trace ids
 * still to process.
 */
export const deleteLogsOfTraces = internalMutation({
  args: { traceIds: v.array(v.string()), organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) },
  handler: async (ctx, { traceIds, organizationId, resourceId }): Promise<{ remaining: string[] }> => {
    const deltas: [string, number][] = [];
    let deleted = 0;
    for (let i = 0; i < traceIds.length; i++) {
      for await (
        const doc of ctx.db.query(TABLE).withIndex("by_trace_timestamp", (q) => q.eq("traceId", traceIds[i]))
      ) {
        if (deleted >= DELETE_BATCH) {
          await adjustCounters(ctx, deltas);
          return { remaining: traceIds.slice(i) };
        }
        if (organizationId !== undefined || resourceId !== undefined) {
          const record = decodeValue(doc.data) as Record<string, unknown>;
          if (organizationId !== undefined && record.organizationId !== organizationId) continue;
          if (resourceId !== undefined && record.resourceId !== resourceId) continue;
        }
        await ctx.db.delete(doc._id);
        deleted++;
        // Any shard of a sharded counter will do: readers sum them.
        deltas.push(
          [counterShard(signalCounters.rows(TABLE), traceIds[0]), -1],
          [counterShard(signalCounters.rowsOfKey(TABLE, doc.level), traceIds[0]), -1],
        );
      }
    }
    await adjustCounters(ctx, deltas);
    return { remaining: [] };
  },
});
