/**
 * Metric labels (issue 25, item 3): a metric with up to MAX_METRIC_LABELS
 * labels is stored and read back exactly; more is refused before anything
 * is written with a USER error naming the limit (never Convex's raw "Too
 * many index ranges"); and a batch of metrics with many distinct labels
 * checks the discovery dictionary with one index range per label key, not
 * one per label value.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { MAX_METRIC_LABELS } from "../convex/observability/signals/signals.ts";

function metric(i: number, labels: number, prefix = "v") {
  return {
    metricId: `m${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    name: "latency",
    value: i,
    labels: Object.fromEntries(Array.from({ length: labels }, (_, k) => [`k${k}`, `${prefix}${i}-${k}`])),
  };
}

Deno.test("metric labels: up to the limit round-trips exactly, with discovery", async () => {
  const { storage } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  const wide = metric(0, MAX_METRIC_LABELS);
  await observability.batchCreateMetrics({ metrics: [wide] } as never);
  const { metrics } = await observability.listMetrics({} as never);
  assert.equal(metrics.length, 1);
  assert.deepEqual(metrics[0].labels, wide.labels);
  const { keys } = await observability.getMetricLabelKeys({ metricName: "latency" } as never);
  assert.equal(keys.length, MAX_METRIC_LABELS);
  const { values } = await observability.getMetricLabelValues({ metricName: "latency", labelKey: "k7" } as never);
  assert.deepEqual(values, ["v0-7"]);
});

Deno.test("metric labels: over the limit is refused with the limit named, and nothing is written", async () => {
  const { storage, backend } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  for (const labels of [MAX_METRIC_LABELS + 1, 3000, 10_000]) {
    await assert.rejects(
      observability.batchCreateMetrics({ metrics: [metric(1, 2), metric(2, labels)] } as never),
      (error: unknown) => {
        assert.ok(error instanceof MastraError, String(error));
        assert.equal(error.category, "USER");
        assert.match(error.message, /batchCreateMetrics/);
        assert.match(error.message, new RegExp(`records\\[1\\] has ${labels} labels; the limit is 1000 labels`));
        assert.doesNotMatch(error.message, /Too many index ranges/);
        return true;
      },
    );
  }
  // deno-lint-ignore no-explicit-any
  assert.equal((await backend.run((ctx: any) => ctx.db.query("obs_metrics").collect()) as unknown[]).length, 0);
  // The component refuses it too (a client that skips our checks).
  await assert.rejects(
    storage.transport.mutation("observability/signals/metrics:createMetrics", {
      metrics: [JSON.stringify(metric(3, MAX_METRIC_LABELS + 1))],
    }, { operation: "createMetrics" }),
    (error: unknown) =>
      error instanceof MastraError && error.category === "USER" && /limit is 1000/.test(error.message),
  );
});

Deno.test("metric labels: a batch with many distinct label values reads one index range per label key", async () => {
  const { storage } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  const LABELS = 20;
  // Earlier values in the dictionary, interleaved with the batch's.
  await observability.batchCreateMetrics({
    metrics: Array.from({ length: 100 }, (_, i) => ({ ...metric(1000 + i, LABELS, "w"), metricId: `old${i}` })),
  } as never);
  const batch = Array.from({ length: 100 }, (_, i) => metric(i, LABELS));
  const { usage } = await measure(() => observability.batchCreateMetrics({ metrics: batch } as never));
  const labelValues = batch.length * LABELS;
  console.log("100 metrics x 20 distinct labels:", usage);
  // One lookup per label value would be at least 2,000 index ranges (labelKey + labelValue per label).
  assert.ok(usage.indexRanges < labelValues / 2, `index ranges ${usage.indexRanges} for ${labelValues} label values`);
  const { values } = await observability.getMetricLabelValues({ metricName: "latency", labelKey: "k3" } as never);
  assert.equal(values.length, 200);
  assert.ok(values.includes("v42-3") && values.includes("w1042-3"));
});
