/**
 * Scale: `batchCreateMetrics` of 1,000 metrics with 20 distinct labels each
 * (issue 25, item 3). The discovery dictionary is checked with one bounded
 * range read per label key and call, so the index reads of a batch follow
 * its rows and label keys, not its distinct label values. Prints the time on
 * the in-process backend (where every index read scans its table: it was
 * 386 s before, one lookup per label value).
 */
import assert from "node:assert/strict";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

Deno.test("scale: 1,000 metrics x 20 distinct labels are written with index reads per label key, not per value", async () => {
  const { storage } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  const METRICS = 1000;
  const LABELS = 20;
  const metrics = Array.from({ length: METRICS }, (_, i) => ({
    metricId: `m${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i * 1000),
    name: "latency",
    value: i,
    labels: Object.fromEntries(Array.from({ length: LABELS }, (_, k) => [`k${k}`, `v${i}-${k}`])),
  }));
  const started = performance.now();
  const { usage } = await measure(() => observability.batchCreateMetrics({ metrics } as never));
  const seconds = (performance.now() - started) / 1000;
  console.log(`1,000 metrics x 20 distinct labels: ${seconds.toFixed(1)} s in-process`, usage);
  // One lookup per label value would be 2 x 20,000 index ranges.
  assert.ok(usage.indexRanges < (METRICS * LABELS) / 4, `index ranges ${usage.indexRanges}`);
  const { values } = await observability.getMetricLabelValues({ metricName: "latency", labelKey: "k0" } as never);
  assert.equal(values.length, METRICS);
});
