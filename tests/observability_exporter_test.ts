/**
 * Mastra's own storage exporter end to end (issue 17): an `Agent` with a
 * scripted local model and memory runs four times over three threads of two
 * resources, `@mastra/observability`'s `MastraStorageExporter` writes its
 * traces and metrics into ConvexStorage, and then the queries Mastra
 * Studio's metrics dashboard runs answer with the expected numbers, served
 * from the rollups, and equal to InMemoryStore's over the same metrics.
 */
import assert from "node:assert/strict";
import { Agent } from "@mastra/core/agent";
import { Mastra } from "@mastra/core/mastra";
import { InMemoryStore } from "@mastra/core/storage";
import { Memory } from "@mastra/memory";
import { MastraStorageExporter, Observability } from "@mastra/observability";
import { lastMetricQuery } from "../src/observability/signals/metrics.ts";
import { createTestStorage } from "./helpers/backend.ts";
import { scriptedLanguageModel } from "./helpers/scriptedModel.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const H = 3_600_000;
const INPUT = "mastra_model_total_input_tokens";
const OUTPUT = "mastra_model_total_output_tokens";
const AGENT = "mastra_agent_duration_ms";

/** A scripted LanguageModelV2: call n answers "answer n" and uses 10n input and n output tokens. */
function scriptedModel() {
  return scriptedLanguageModel(
    (_prompt, call) => `answer ${call}`,
    (call) => ({ inputTokens: 10 * call, outputTokens: call, totalTokens: 11 * call }),
  );
}

/** Nearest-rank percentile, as core computes metric percentiles. */
const nearestRank = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(Math.floor(p * sorted.length), sorted.length - 1)];
};

Deno.test({
  name: "MastraStorageExporter writes an agent's metrics to ConvexStorage; Studio's queries answer from rollups",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const { storage } = createTestStorage();
    await storage.init();
    const exporter = new MastraStorageExporter({ maxBatchWaitMs: 10 });
    const observability = new Observability({
      configs: { default: { serviceName: "studio-e2e", exporters: [exporter] } },
    });
    const agent = new Agent({
      id: "weather",
      name: "Weather Agent",
      instructions: "You answer about the weather.",
      model: scriptedModel() as never,
      memory: new Memory({ storage: storage as never }) as never,
    });
    const mastra = new Mastra({
      storage,
      agents: { weather: agent },
      observability: observability as never,
      logger: false,
    });
    // InMemoryStore receives every metric batch the exporter writes, in the same order
    const obs = (await storage.getStore("observability"))! as Any;
    const reference = (await new InMemoryStore().getStore("observability"))! as Any;
    const write = obs.batchCreateMetrics.bind(obs);
    obs.batchCreateMetrics = async (args: Any) => {
      await reference.batchCreateMetrics(structuredClone(args));
      return write(args);
    };
    const runs = [["thread-1", "user-1"], ["thread-1", "user-1"], ["thread-2", "user-1"], ["thread-3", "user-2"]];
    for (const [thread, resource] of runs) {
      await mastra.getAgent("weather").generate("What is the weather?", { memory: { thread, resource } } as never);
    }
    await exporter.flush();

    const all = (await obs.listMetrics({ pagination: { page: 0, perPage: 100 } })).metrics as Any[];
    assert.equal((await reference.listMetrics({ pagination: { page: 0, perPage: 100 } })).metrics.length, all.length);
    const durations = all.filter((m) => m.name === AGENT).map((m) => m.value as number);
    assert.equal(durations.length, 4, "one agent duration per run");
    const hour = Math.floor(Math.max(...all.map((m) => (m.timestamp as Date).getTime())) / H) * H;
    // the last 24 whole hours, up to the end of the current one (whole hours: every bucket is a rollup cell)
    const timestamp = { start: new Date(hour - 23 * H), end: new Date(hour + H - 1) };
    const studio: [string, string, Any, (answer: Any) => void][] = [
      ["token sums, previous period", "getMetricAggregate", {
        name: [INPUT, OUTPUT],
        aggregation: "sum",
        filters: { timestamp },
        comparePeriod: "previous_period",
      }, (a) => {
        assert.equal(a.value, 100 + 10);
        assert.equal(a.previousValue, null);
      }],
      ["agent runs", "getMetricAggregate", {
        name: [AGENT],
        aggregation: "count",
        filters: { entityType: "agent", timestamp },
      }, (a) => assert.equal(a.value, 4)],
      ["distinct threads of agent runs", "getMetricAggregate", {
        name: [AGENT],
        aggregation: "count_distinct",
        distinctColumn: "threadId",
        filters: { entityType: "agent", timestamp },
      }, (a) => assert.equal(a.value, 3)],
      ["distinct resources of agent runs", "getMetricAggregate", {
        name: [AGENT],
        aggregation: "count_distinct",
        distinctColumn: "resourceId",
        filters: { entityType: "agent", timestamp },
      }, (a) => assert.equal(a.value, 2)],
      ["breakdown by entityName + status", "getMetricBreakdown", {
        name: [AGENT],
        groupBy: ["entityName", "status"],
        aggregation: "count",
        filters: { entityType: "agent", timestamp },
      }, (a) =>
        assert.deepEqual(a.groups.map((g: Any) => [g.dimensions, g.value]), [[
          { entityName: "Weather Agent", status: "ok" },
          4,
        ]])],
      ["breakdown by model", "getMetricBreakdown", {
        name: [INPUT],
        groupBy: ["model"],
        aggregation: "sum",
        filters: { timestamp },
      }, (a) => assert.deepEqual(a.groups.map((g: Any) => [g.dimensions.model, g.value]), [["scripted-model", 100]])],
      ["breakdown by resource, top 20", "getMetricBreakdown", {
        name: [INPUT],
        groupBy: ["resourceId"],
        aggregation: "sum",
        limit: 20,
        filters: { entityType: "agent", timestamp },
      }, (a) =>
        assert.deepEqual(a.groups.map((g: Any) => [g.dimensions.resourceId, g.value]), [["user-1", 60], [
          "user-2",
          40,
        ]])],
      ["breakdown by thread, top 20", "getMetricBreakdown", {
        name: [INPUT],
        groupBy: ["threadId"],
        aggregation: "sum",
        limit: 20,
        filters: { entityType: "agent", timestamp },
      }, (a) =>
        assert.deepEqual(a.groups.map((g: Any) => [g.dimensions.threadId, g.value]), [
          ["thread-3", 40],
          ["thread-1", 30],
          ["thread-2", 30],
        ])],
      ["input/output tokens, 1h series", "getMetricTimeSeries", {
        name: [INPUT, OUTPUT],
        interval: "1h",
        aggregation: "sum",
        groupBy: ["name"],
        filters: { timestamp },
      }, (a) => {
        const totals = Object.fromEntries(
          a.series.map((s: Any) => [s.name, s.points.reduce((sum: number, p: Any) => sum + p.value, 0)]),
        );
        assert.deepEqual(totals, { [INPUT]: 100, [OUTPUT]: 10 });
      }],
      ["input tokens, 1d series", "getMetricTimeSeries", {
        name: [INPUT],
        interval: "1d",
        aggregation: "sum",
        filters: { timestamp },
      }, (a) => assert.equal(a.series[0].points.reduce((sum: number, p: Any) => sum + p.value, 0), 100)],
      ["p50/p95 agent durations, 1h", "getMetricPercentiles", {
        name: AGENT,
        percentiles: [0.5, 0.95],
        interval: "1h",
        filters: { entityType: "agent", timestamp },
      }, (a) => {
        if (a.series[0].points.length === 1) {
          assert.equal(a.series[0].points[0].value, nearestRank(durations, 0.5));
          assert.equal(a.series[1].points[0].value, nearestRank(durations, 0.95));
        }
      }],
    ];
    for (const [label, method, args, expect] of studio) {
      const answer = await obs[method](args);
      assert.ok(!lastMetricQuery.fallback, `${label}: served from rollups`);
      // (with comparePeriod the stats are those of the previous period, which has no cells)
      if (!args.comparePeriod) assert.ok(lastMetricQuery.cellsRead > 0, `${label}: reads cells`);
      expect(answer);
      assert.deepEqual(answer, await reference[method](args), label);
    }
    // the traces of the runs are there too
    const traces = await obs.listTraces({ pagination: { page: 0, perPage: 10 } });
    assert.equal(traces.pagination.total, 4);
    await observability.shutdown();
  },
});
