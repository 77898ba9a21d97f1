/**
 * Filter discovery (issue 17): after random spans, logs and metrics, every
 * discovery method answers what core's InMemoryStore answers (sorted
 * distinct values), served from the dictionary kept at write time. Also
 * `getFeatures()`. Every record has its own id here: a value that only an
 * overwritten or deleted record carried stays listed on our side (the
 * dictionary only grows), while InMemoryStore forgets it.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const maybe = <T>(...values: T[]) => fc.constantFrom<T | undefined | null>(undefined, null, ...values);
const context = {
  entityType: maybe("agent", "tool", "workflow_run", "not_a_type"),
  entityName: maybe("weather", "search", "", "Zed", "ärger"),
  serviceName: maybe("api", "worker"),
  environment: maybe("prod", "dev"),
  tags: fc.constantFrom<unknown>(undefined, null, [], ["a"], ["b", "a"], ["c"]),
};
const spanArb = fc.record({
  traceId: fc.constantFrom("t1", "t2"),
  spanId: fc.constantFrom("s1", "s2", "s3"),
  ...context,
}).map((s) => ({ ...s, name: "n", spanType: "agent_run", isEvent: false, startedAt: new Date(1), parentSpanId: null }));
const logArb = fc.record({ logId: fc.constantFrom("l1", "l2", "l3"), ...context })
  .map((l) => ({ ...l, timestamp: new Date(2), level: "info", message: "m" }));
const metricArb = fc.record({
  metricId: fc.constantFrom("m1", "m2", "m3", "m4"),
  name: fc.constantFrom("mastra_agent_duration_ms", "mastra_tool_calls", "tokens"),
  labels: fc.constantFrom({}, { status: "ok" }, { status: "error", model: "gpt" }, { model: "" }),
  ...context,
}).map((m) => ({ ...m, timestamp: new Date(3), value: 1 }));

// deno-lint-ignore no-explicit-any
type Any = any;

async function discover(store: ObservabilityStorage): Promise<Any> {
  const out: Any = {
    types: await store.getEntityTypes({}),
    names: await store.getEntityNames({}),
    services: await store.getServiceNames({}),
    environments: await store.getEnvironments({}),
    tags: await store.getTags({}),
    metricNames: await store.getMetricNames({}),
    prefixed: await store.getMetricNames({ prefix: "mastra_", limit: 1 }),
  };
  for (const type of ["agent", "tool"] as const) {
    out[`names:${type}`] = await store.getEntityNames({ entityType: type } as never);
    out[`tags:${type}`] = await store.getTags({ entityType: type } as never);
  }
  for (const metricName of ["mastra_agent_duration_ms", "tokens", "none"]) {
    out[`keys:${metricName}`] = await store.getMetricLabelKeys({ metricName });
    for (const labelKey of ["status", "model"]) {
      out[`values:${metricName}:${labelKey}`] = await store.getMetricLabelValues({ metricName, labelKey });
      out[`values:${metricName}:${labelKey}:e`] = await store.getMetricLabelValues({
        metricName,
        labelKey,
        prefix: "e",
        limit: 5,
      });
    }
  }
  return out;
}

Deno.test("discovery: distinct values across spans, logs and metrics agree with InMemoryStore", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(spanArb, { maxLength: 5 }),
      fc.array(logArb, { maxLength: 5 }),
      fc.array(metricArb, { maxLength: 6 }),
      async (spans, logs, metrics) => {
        const { storage } = createTestStorage();
        const ours = (await storage.getStore("observability"))! as ObservabilityStorage;
        const theirs = (await new InMemoryStore().getStore("observability"))! as ObservabilityStorage;
        spans.forEach((s, i) => (s as Any).spanId = `s${i}`);
        logs.forEach((l, i) => (l as Any).logId = `l${i}`);
        metrics.forEach((m, i) => (m as Any).metricId = `m${i}`);
        for (const store of [ours, theirs]) {
          if (spans.length > 0) await store.batchCreateSpans({ records: structuredClone(spans) as never });
          if (logs.length > 0) await store.batchCreateLogs({ logs: structuredClone(logs) as never });
          if (metrics.length > 0) await store.batchCreateMetrics({ metrics: structuredClone(metrics) as never });
        }
        assert.deepEqual(await discover(ours), await discover(theirs));
      },
    ),
    { numRuns: Number(Deno.env.get("OBS_RUNS") ?? 40) },
  );
});

Deno.test("discovery: reads the dictionary, not the events", async () => {
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("observability"))! as ObservabilityStorage;
  const metrics = Array.from({ length: 500 }, (_, i) => ({
    metricId: `m${i}`,
    name: `metric_${i % 3}`,
    timestamp: new Date(i),
    value: i,
    labels: { status: i % 2 ? "ok" : "error" },
    entityType: "agent",
    entityName: `agent_${i % 4}`,
    environment: "prod",
  }));
  await ours.batchCreateMetrics({ metrics: metrics as never });
  const { result, usage } = await measure(() => ours.getEntityNames({ entityType: "agent" } as never));
  assert.deepEqual(result.names, ["agent_0", "agent_1", "agent_2", "agent_3"]);
  assert.ok(usage.documentsRead <= 5, `${usage.documentsRead} documents read`);
  assert.deepEqual(ours.getFeatures(), [
    "delta-polling",
    "logs",
    "metrics",
    "metric-discovery",
    "entity-type-discovery",
    "entity-name-discovery",
    "service-name-discovery",
    "environment-discovery",
    "tag-discovery",
    "feedback",
    "trace-query",
    "trace-query-root-duration",
    "trace-query-discovery",
    "thread-query",
    "trace-query-tenant-scope",
  ]);
});
