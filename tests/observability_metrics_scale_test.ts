/**
 * Metrics at scale (issue 17): 10,000 Studio-like metric events written
 * under Convex's transaction limits in a bounded number of calls, then the
 * queries Mastra Studio's dashboard runs, answered from the rollups and
 * compared with core's InMemoryStore. Prints documents read per query.
 *
 *   deno test -A tests/observability_metrics_scale_test.ts
 */
import assert from "node:assert/strict";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { chunkMetrics, lastMetricQuery } from "../src/observability/metrics.ts";
import { cellsOf } from "../convex/observability/cells.ts";
import { dictionaryEntries } from "../convex/observability/signals.ts";
import { encodeValue } from "../convex/kit/codec.ts";

/**
 * Events written through the in-process backend. convex-test scans a whole
 * table for every index lookup, so writing is quadratic there (not on
 * Convex); the default keeps the test fast, `METRIC_EVENTS=10000` runs the full size.
 */
const EVENTS = Number(Deno.env.get("METRIC_EVENTS") ?? 1_000);
const START = Date.UTC(2026, 2, 1, 0, 17);
const SPAN = Number(Deno.env.get("METRIC_SPAN_HOURS") ?? 6) * 3_600_000;
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

function studioEvents(n: number): Record<string, unknown>[] {
  const random = rng(7);
  const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const kind = pick(["agent", "agent", "tool", "workflow", "model", "model"]);
    const thread = `thread-${Math.floor(random() * THREADS)}`;
    const resource = `user-${Math.floor(random() * RESOURCES)}`;
    const base = {
      metricId: `metric-${i}`,
      timestamp: new Date(START + Math.floor((i / n) * SPAN)),
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

const day = (d: number, h = 0) => new Date(START - 17 * 60_000 + d * 86_400_000 + h * 3_600_000);

/** The queries Mastra Studio's metrics dashboard runs (issue 17). */
const STUDIO_QUERIES: [string, keyof ObservabilityStorage, Record<string, unknown>][] = [
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

// deno-lint-ignore no-explicit-any
function normalize(method: string, result: any): any {
  if (method === "getMetricBreakdown") {
    // deno-lint-ignore no-explicit-any
    return result.groups.map((g: any) => g.value);
  }
  return result;
}

Deno.test(`metrics at scale: ${EVENTS} events in bounded calls, Studio queries from rollups`, async () => {
  const backend = createBackend();
  const client = inProcessClient(backend);
  let mutations = 0;
  const counting = { ...client, mutation: (path: never, args: never) => (mutations++, client.mutation(path, args)) };
  const storage = new ConvexStorage({ client: counting });
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const events = studioEvents(EVENTS);
  const started = performance.now();
  const { usage: writeUsage } = await measure(() => ours.batchCreateMetrics({ metrics: events as never }));
  const writeMs = performance.now() - started;
  await theirs.batchCreateMetrics({ metrics: structuredClone(events) as never });
  console.log(
    `batchCreateMetrics(${EVENTS}): ${mutations} calls, ${writeUsage.documentsWritten} documents written, ` +
      `${writeUsage.documentsRead} read, ${Math.round(writeMs)} ms`,
  );
  assert.ok(mutations <= Math.ceil(EVENTS / 100), `bounded calls (${mutations})`);
  const cells = await backend.run(async (ctx) => (await ctx.db.query("obs_metric_cells").collect()).length);
  console.log(`rollup cells: ${cells}`);
  console.log("| Studio query | documents read | calls | from rollups |");
  console.log("|---|---|---|---|");
  for (const [label, method, args] of STUDIO_QUERIES) {
    // deno-lint-ignore no-explicit-any
    const expected = await (theirs as any)[method](args);
    // deno-lint-ignore no-explicit-any
    const { result, usage } = await measure(() => (ours as any)[method](args));
    console.log(`| ${label} | ${usage.documentsRead} | ${lastMetricQuery.calls} | ${!lastMetricQuery.fallback} |`);
    assert.ok(!lastMetricQuery.fallback, `${label} is served from rollups`);
    assert.deepEqual(normalize(method, result), normalize(method, expected), label);
    assert.ok(usage.documentsRead < 3000, `${label}: ${usage.documentsRead} documents`);
  }
  // For contrast: a query outside the rollups (15-minute buckets) walks the events of its range.
  const walked = {
    name: "mastra_agent_duration_ms",
    percentiles: [0.5, 0.95],
    interval: "15m",
    filters: { entityType: "agent" },
  } as const;
  const { result, usage } = await measure(() => ours.getMetricPercentiles(walked as never));
  console.log(
    `| p50/p95 agent durations, 15m (event walk) | ${usage.documentsRead} | ${lastMetricQuery.calls} | false |`,
  );
  assert.ok(lastMetricQuery.fallback);
  assert.deepEqual(result, await theirs.getMetricPercentiles(walked as never));
});

Deno.test("metrics: 10,000 events are split into calls far inside Convex's transaction limits", () => {
  const events = studioEvents(10_000);
  const chunks = chunkMetrics(events, events.map((e) => encodeValue(e)));
  let offset = 0;
  let worst = 0;
  for (const chunk of chunks) {
    const records = events.slice(offset, offset + chunk.length);
    offset += chunk.length;
    const cells = new Set(
      records.flatMap((r) => cellsOf(r, (r.timestamp as Date).getTime()).map((c) => JSON.stringify([r.name, c]))),
    );
    const entries = new Set(records.flatMap((r) => dictionaryEntries(r, true).map((e) => JSON.stringify(e))));
    // index lookups: one per event id, cell and dictionary entry, plus a few counters (Convex allows 4,096)
    const lookups = records.length + cells.size + entries.size + 8;
    // writes: events, cells, new entries, counters (Convex allows 16,000)
    worst = Math.max(worst, lookups);
    assert.ok(lookups < 4096 / 2, `chunk of ${chunk.length}: ${lookups} lookups`);
  }
  assert.equal(offset, 10_000);
  console.log(`10,000 events -> ${chunks.length} calls, at most ${worst} index lookups per call`);
  assert.ok(chunks.length <= 100);
});

Deno.test("metrics: bad input is a clear MastraError and writes nothing", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const ours = (await storage.getStore("observability"))!;
  const good = { metricId: "ok", timestamp: new Date(1), name: "n", value: 1, labels: {} };
  for (
    const [metrics, pattern] of [
      [[good, { ...good, metricId: undefined }], /missing required id field 'metricId'/],
      [[{ ...good, value: Number.NaN }], /finite number/],
      [[{ ...good, value: "3" }], /finite number/],
      [[{ ...good, name: 5 }], /name must be a string/],
      [[{ ...good, labels: { status: 1 } }], /labels.status must be a string/],
      [[{ ...good, timestamp: "soon" }], /timestamp/],
    ] as const
  ) {
    await assert.rejects(() => ours.batchCreateMetrics({ metrics } as never), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, pattern);
      assert.match(error.message, /batchCreateMetrics/);
      return true;
    });
  }
  assert.equal((await ours.listMetrics({})).pagination?.total, 0);
  for (
    const bad of [
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "median" } as never),
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "count_distinct" } as never),
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "count_distinct", distinctColumn: "traceId" } as never),
      () => ours.getMetricBreakdown({ name: ["n"], aggregation: "sum", groupBy: [] } as never),
      () => ours.getMetricTimeSeries({ name: ["n"], aggregation: "sum", interval: "2h" } as never),
      () => ours.getMetricPercentiles({ name: "n", percentiles: [1.5], interval: "1h" } as never),
    ]
  ) {
    await assert.rejects(bad, MastraError);
  }
});
