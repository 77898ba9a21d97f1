/**
 * Tables of the non-tracing observability signals: logs, metric events,
 * metric rollups (`obs_metric_cells`, see `cells.ts`), score and feedback
 * rollups (`obs_signal_cells`, see `signalCells.ts`) and the discovery
 * dictionary (`obs_dictionary`, see `discovery.ts`).
 *
 * Log and metric rows keep the record whole (encoded by `kit/codec.ts`) plus
 * the fields their indexes need and their place in the table's delta stream
 * (`signalStream.ts`: `deltaShard`, `deltaSeq`; rows written before the
 * streams carry a table-wide `seq` instead). Every sorted index ends with `id`.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";

/** Fields of a rollup cell (`cells.ts`) after its name. */
const cellFields = {
  family: v.string(),
  interval: v.string(),
  bucket: v.number(),
  /**
   * The cell's dimension values, JSON (its identity within name × family × interval × bucket); a signal
   * cell's ends with its write shard.
   */
  id: v.string(),
  count: v.number(),
  sum: v.number(),
  min: v.number(),
  max: v.number(),
  firstSeq: v.number(),
  lastSeq: v.number(),
  lastValue: v.number(),
  /** Score and feedback cells: timestamp of the `last` event. */
  lastTime: v.optional(v.number()),
  cost: v.number(),
  costCount: v.number(),
  units: v.array(v.object({ unit: v.string(), count: v.number() })),
  /** The percentile sketch (`cells.ts`), JSON. */
  sketch: v.string(),
  stale: v.boolean(),
};

/** A signal row's place in its table's delta stream (`signalStream.ts`). */
const streamFields = {
  /** Write number of a row written before the delta streams (table-wide; absent on newer rows). */
  seq: v.optional(v.number()),
  /** The stream shard of the call that first wrote the row. */
  deltaShard: v.optional(v.number()),
  /** The row's number in its stream shard. */
  deltaSeq: v.optional(v.number()),
};

/** Signal tables, spread into `observabilityTables`. */
export const signalTables = {
  obs_logs: defineTable({
    id: v.string(),
    ...streamFields,
    timestamp: v.number(),
    traceId: v.union(v.string(), v.null()),
    level: v.string(),
    data: v.string(),
  })
    .index("by_log_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_level_timestamp", ["level", "timestamp", "id"])
    .index("by_trace_timestamp", ["traceId", "timestamp", "id"])
    .index("by_delta", ["deltaShard", "deltaSeq"]),

  obs_metrics: defineTable({
    id: v.string(),
    ...streamFields,
    timestamp: v.number(),
    name: v.string(),
    traceId: v.union(v.string(), v.null()),
    data: v.string(),
    /** The rollup shard this event is counted in (absent: written before cells were sharded, unsharded cells). */
    shard: v.optional(v.number()),
  })
    .index("by_metric_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_name_timestamp", ["name", "timestamp", "id"])
    .index("by_trace_timestamp", ["traceId", "timestamp", "id"])
    .index("by_delta", ["deltaShard", "deltaSeq"]),

  obs_scores: defineTable({
    id: v.string(),
    ...streamFields,
    timestamp: v.number(),
    traceId: v.union(v.string(), v.null()),
    scorerId: v.string(),
    score: v.number(),
    data: v.string(),
    /** The rollup shard this score is counted in (absent: written before rollups, not counted). */
    shard: v.optional(v.number()),
    /** The record's `resourceId`, copied for erasure (absent when it has none, or was written before). */
    resourceId: v.optional(v.string()),
  })
    .index("by_score_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_scorerId_timestamp", ["scorerId", "timestamp", "id"])
    .index("by_trace_timestamp", ["traceId", "timestamp", "id"])
    .index("by_score", ["score", "id"])
    .index("by_delta", ["deltaShard", "deltaSeq"])
    // Erasure of a resource (`lifecycle/erase.ts`).
    .index("by_resource", ["resourceId", "id"]),

  obs_feedback: defineTable({
    id: v.string(),
    ...streamFields,
    timestamp: v.number(),
    traceId: v.union(v.string(), v.null()),
    feedbackType: v.string(),
    data: v.string(),
    /** The rollup shard this feedback is counted in (absent: written before rollups, not counted). */
    shard: v.optional(v.number()),
    /** The record's `resourceId`, copied for erasure (absent when it has none, or was written before). */
    resourceId: v.optional(v.string()),
  })
    .index("by_feedback_id", ["id"])
    .index("by_timestamp", ["timestamp", "id"])
    .index("by_feedbackType_timestamp", ["feedbackType", "timestamp", "id"])
    .index("by_trace_timestamp", ["traceId", "timestamp", "id"])
    .index("by_delta", ["deltaShard", "deltaSeq"])
    // Erasure of a resource (`lifecycle/erase.ts`).
    .index("by_resource", ["resourceId", "id"]),

  obs_metric_cells: defineTable({ name: v.string(), ...cellFields })
    .index("by_cell", ["name", "family", "interval", "bucket", "id"]),

  /** Score and feedback rollups (`signalCells.ts`): the metric cells' fields plus the signal. */
  obs_signal_cells: defineTable({
    signal: v.union(v.literal("score"), v.literal("feedback")),
    /** Scorer id or feedback type. */
    name: v.string(),
    ...cellFields,
  }).index("by_cell", ["signal", "name", "family", "interval", "bucket", "id"]),

  obs_dictionary: defineTable({ kind: v.string(), scope: v.string(), value: v.string() })
    .index("by_entry", ["kind", "scope", "value"]),
};
