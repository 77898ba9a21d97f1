/**
 * Studio-like observability data for the scale tests and the benchmark
 * (issue 17): metric events as Mastra's exporter writes them (agent, tool
 * and workflow durations, model token counts), the queries Mastra Studio's
 * dashboard runs over them, and a fast seeder that writes events and their
 * rollups straight into the in-process backend's tables, exactly as
 * `observability/signals/metrics:createMetrics` would have written them.
 */
import type { ObservabilityStorage } from "@mastra/core/storage";
import { encodeValue } from "../../convex/kit/codec.ts";
import {
  cellShard,
  cellsOf,
  type CellStats,
  eventStats,
  mergeStats,
} from "../../convex/observability/signals/cells.ts";
import { counterShard } from "../../convex/kit/counters.ts";
import { deltaShard } from "../../convex/observability/streams/deltaCursor.ts";
import { chunkMetrics } from "../../src/observability/signals/metrics.ts";
import { signalCounters } from "../../convex/observability/counterNames.ts";
import { signalSeqCounter } from "../../convex/observability/streams/deltaStreams.ts";
import { dictionaryEntries, distinctEntries } from "../../convex/observability/signals/signals.ts";

/** Start of the generated events (a day start plus 17 minutes, so ranges have partial hours). */
export const START: number = Date.UTC(2026, 2, 1, 0, 17);
const THREADS = 40;
const RESOURCES = 10;

/** Deterministic pseudo-random numbers (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` Studio-like metric events spread evenly over `span` milliseconds from {@link START}. */
export function studioEvents(n: number, span: number = 6 * 3_600_000): Record<string, unknown>[] {
  const random = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(["agent", "agent", "tool", "workflow", "model", "model"]);
    const thread = `thread-${Math.floor(random() * THREADS)}`;
    const resource = `user-${Math.floor(random() * RESOURCES)}`;
    const base = {
      metricId: `metric-${i}`,
      timestamp: new Date(START + Math.floor((i / n) * span)),
      traceId: `trace-${Math.floor(i / 5)}`,
      threadId: thread,
      resourceId: resource,
      environment: "production",
      serviceName: "mastra",
      labels: { status: random() < 0.9 ? "ok" : "error" },
    };
    if (kind === "agent") {
      out.push({
        ...base,
        name: "mastra_agent_duration_ms",
        value: Math.floor(random() * 5000),
        entityType: "agent",
        entityName: pick(["weatherAgent", "supportAgent", "researchAgent"]),
      });
    } else if (kind === "tool") {
      out.push({
        ...base,
        name: "mastra_tool_duration_ms",
        value: Math.floor(random() * 800),
        entityType: "tool",
        entityName: pick(["search", "fetch", "calc"]),
      });
    } else if (kind === "workflow") {
      out.push({
        ...base,
        name: "mastra_workflow_duration_ms",
        value: Math.floor(random() * 9000),
        entityType: "workflow_run",
        entityName: "pipeline",
      });
    } else {
      const model = pick(["gpt-4o", "claude-sonnet"]);
      const agent = pick(["weatherAgent", "supportAgent", "researchAgent"]);
      for (const name of ["mastra_model_total_input_tokens", "mastra_model_total_output_tokens"]) {
        out.push({
          ...base,
          metricId: `${base.metricId}-${name}`,
          name,
          value: Math.floor(random() * 2000),
          entityType: "agent",
          entityName: agent,
          provider: model.startsWith("gpt") ? "openai" : "anthropic",
          model,
          estimatedCost: Math.floor(random() * 100),
          costUnit: "usd",
        });
      }
    }
  }
  return out.slice(0, n);
}

/** Midnight of day `d` (plus `h` hours) from the events' first day. */
export const day = (d: number, h = 0): Date => new Date(START - 17 * 60_000 + d * 86_400_000 + h * 3_600_000);

/** The queries Mastra Studio's metrics dashboard runs (issue 17). */
export const STUDIO_QUERIES: [string, keyof ObservabilityStorage, Record<string, unknown>][] = [
  ["token sums, previous-period comparison", "getMetricAggregate", {
    name: ["mastra_model_total_input_tokens", "mastra_model_total_output_tokens"],
    aggregation: "sum",
    filters: { timestamp: { start: day(1), end: day(2) } },
    comparePeriod: "previous_period",
  }],
  ["agent runs: count", "getMetricAggregate", {
    name: ["mastra_agent_duration_ms"],
    aggregation: "count",
    filters: { entityType: "agent", timestamp: { start: day(0, 3), end: day(2) } },
  }],
  ["agent runs: distinct threads", "getMetricAggregate", {
    name: ["mastra_agent_duration_ms"],
    aggregation: "count_distinct",
    distinctColumn: "threadId",
    filters: { entityType: "agent", timestamp: { start: day(0), end: day(2) } },
  }],
  ["agent runs: distinct resources", "getMetricAggregate", {
    name: ["mastra_agent_duration_ms"],
    aggregation: "count_distinct",
    distinctColumn: "resourceId",
    filters: { entityType: "agent" },
  }],
  ["breakdown by entityName + status", "getMetricBreakdown", {
    name: ["mastra_agent_duration_ms"],
    groupBy: ["entityName", "status"],
    aggregation: "count",
    filters: { entityType: "agent", timestamp: { start: day(0), end: day(2) } },
  }],
  ["breakdown by model", "getMetricBreakdown", {
    name: ["mastra_model_total_input_tokens"],
    groupBy: ["model"],
    aggregation: "sum",
    filters: { timestamp: { start: day(0), end: day(2) } },
  }],
  ["breakdown by resource, top 20", "getMetricBreakdown", {
    name: ["mastra_model_total_input_tokens"],
    groupBy: ["resourceId"],
    aggregation: "sum",
    limit: 20,
    filters: { entityType: "agent" },
  }],
  ["breakdown by thread, top 20", "getMetricBreakdown", {
    name: ["mastra_model_total_output_tokens"],
    groupBy: ["threadId"],
    aggregation: "sum",
    limit: 20,
    filters: { entityType: "agent" },
  }],
  ["input/output tokens, 1h series", "getMetricTimeSeries", {
    name: ["mastra_model_total_input_tokens", "mastra_model_total_output_tokens"],
    interval: "1h",
    aggregation: "sum",
    groupBy: ["name"],
    filters: { timestamp: { start: day(0), end: day(2) } },
  }],
  ["input tokens, 1d series", "getMetricTimeSeries", {
    name: ["mastra_model_total_input_tokens"],
    interval: "1d",
    aggregation: "sum",
    filters: { timestamp: { start: day(0), end: day(2) } },
  }],
  ["p50/p95 agent durations, 1h", "getMetricPercentiles", {
    name: "mastra_agent_duration_ms",
    percentiles: [0.5, 0.95],
    interval: "1h",
    filters: { entityType: "agent", timestamp: { start: day(0), end: day(2) } },
  }],
  ["p50/p95 tool durations, 1h", "getMetricPercentiles", {
    name: "mastra_tool_duration_ms",
    percentiles: [0.5, 0.95],
    interval: "1h",
    filters: { entityType: "tool", timestamp: { start: day(0), end: day(2) } },
  }],
  ["p50/p95 workflow durations, 1h", "getMetricPercentiles", {
    name: "mastra_workflow_duration_ms",
    percentiles: [0.5, 0.95],
    interval: "1h",
    filters: { entityType: "workflow_run", timestamp: { start: day(0), end: day(2) } },
  }],
];

type Db = {
  insert(table: string, doc: Record<string, unknown>): Promise<unknown>;
  query(table: string): {
    withIndex(index: string, range: (q: { eq(f: string, v: unknown): unknown }) => unknown): {
      unique(): Promise<Record<string, unknown> | null>;
    };
  };
  patch(id: unknown, fields: Record<string, unknown>): Promise<void>;
};
/** What the seeder needs of a backend. */
export type SeedBackend = { run<T>(fn: (ctx: { db: Db }) => Promise<T>): Promise<T> };

/**
 * Writes metric events (with distinct ids, into an empty metrics table)
 * straight into the tables, with the rows, rollup cells, counters and
 * dictionary entries `createMetrics` would have written for them, in
 * large direct-insert batches: seconds for 100,000 events where the API
 * would be quadratic on convex-test. The events are grouped into the write
 * calls `batchCreateMetrics` makes (`chunkMetrics`), and each group gets
 * that call's cell shard, counter shards and stream shard. One difference:
 * a seeded row's write order is its `seq` (its position in `events`), where
 * the API's is the row's creation time; both follow the order of `events`.
 */
export async function seedMetrics(backend: SeedBackend, events: Record<string, unknown>[]): Promise<void> {
  const TABLE = "obs_metrics";
  const cells = new Map<string, { key: Record<string, unknown>; stats: CellStats }>();
  const counters = new Map<string, number>();
  const bump = (name: string, by = 1) => counters.set(name, (counters.get(name) ?? 0) + by);
  const rows: Record<string, unknown>[] = [];
  const encoded = events.map((record) => encodeValue(record));
  const streamSeq = new Map<number, number>();
  let i = 0;
  for (const chunk of chunkMetrics(events, encoded)) {
    const firstId = events[i].metricId as string;
    const shard = cellShard(firstId);
    const stream = deltaShard(firstId);
    for (let k = 0; k < chunk.length; k++, i++) {
      const record = events[i];
      const seq = i + 1;
      const timestamp = (record.timestamp as Date).getTime();
      const name = record.name as string;
      const deltaSeq = (streamSeq.get(stream) ?? 0) + 1;
      streamSeq.set(stream, deltaSeq);
      rows.push({
        id: record.metricId,
        timestamp,
        name,
        traceId: typeof record.traceId === "string" ? record.traceId : null,
        data: encoded[i],
        shard,
        seq,
        deltaShard: stream,
        deltaSeq,
      });
      const event = eventStats(record, seq);
      for (const cell of cellsOf(record, timestamp, shard)) {
        const key = { name, ...cell };
        const k = JSON.stringify(key);
        const before = cells.get(k);
        cells.set(k, { key, stats: before ? mergeStats(before.stats, event) : event });
      }
      bump(counterShard(signalCounters.rows(TABLE), firstId));
      bump(counterShard(signalCounters.rowsOfKey(TABLE, name), firstId));
      bump(signalSeqCounter(TABLE, stream));
    }
  }
  const docs: [string, Record<string, unknown>][] = [
    ...rows.map((row) => [TABLE, row] as [string, Record<string, unknown>]),
    ...[...cells.values()].map(({ key, stats }) =>
      ["obs_metric_cells", { ...key, ...stats, sketch: JSON.stringify(stats.sketch) }] as [
        string,
        Record<string, unknown>,
      ]
    ),
    ...distinctEntries(events.flatMap((e) => dictionaryEntries(e, true))).map(([kind, scope, value]) =>
      ["obs_dictionary", { kind, scope, value }] as [string, Record<string, unknown>]
    ),
  ];
  for (let start = 0; start < docs.length; start += 4000) {
    await backend.run(async (ctx) => {
      for (const [table, doc] of docs.slice(start, start + 4000)) await ctx.db.insert(table, doc);
    });
  }
  await backend.run(async (ctx) => {
    for (const [name, value] of counters) {
      const row = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
      if (row) await ctx.db.patch(row._id, { value: (row.value as number) + value });
      else await ctx.db.insert("counters", { name, value });
    }
  });
}
