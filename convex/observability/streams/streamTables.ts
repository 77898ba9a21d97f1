/**
 * Table of the sharded delta streams of tracing (`deltaStreams.ts`): one entry per listed trace, branch-anchor span
 * and root write. The signal tables number their streams on their own rows (`signals/signalStream.ts`).
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Delta-stream tables, to be spread into the observability tables. */
export const streamTables = {
  /** Entries of the sharded delta streams (`deltaStreams.ts`): one per listed trace, branch span and root write. */
  obs_deltas: defineTable({
    stream: v.union(v.literal("trace"), v.literal("branch"), v.literal("root")),
    shard: v.number(),
    seq: v.number(),
    traceId: v.string(),
    /** The branch span; `""` for trace and root entries. */
    spanId: v.string(),
  })
    .index("by_stream_shard_seq", ["stream", "shard", "seq"])
    .index("by_trace", ["traceId", "stream", "spanId"]),
};
