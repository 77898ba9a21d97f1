/**
 * Score and feedback rollups at a size where cells hold more than their
 * exact limit (issue 17): 2,400 scores and 2,400 feedback values over 30
 * hours, then Studio-like analytics compared with core's InMemoryStore:
 * counts, sums, series and breakdowns exactly, interpolated percentiles
 * within the sketch's stated error (1% of the larger magnitude of the two
 * values interpolated); each served from cells, reading far fewer
 * documents than the events in range. (Slow in convex-test, whose index
 * lookups scan the table: a scale test.)
 *
 *   deno test -A tests/scale/observability_signal_rollups_test.ts
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import { lastSignalQuery } from "../../src/observability/signals/signalAnalytics.ts";
import { RELATIVE_ACCURACY } from "../../convex/observability/signals/cells.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const N = 2400;
const START = Date.UTC(2026, 4, 1, 0, 10);
const SPAN = 30 * 3_600_000;
const at = (h: number) => new Date(Date.UTC(2026, 4, 1) + h * 3_600_000);

function events() {
  const scores = [];
  const feedback = [];
  for (let i = 0; i < N; i++) {
    const timestamp = new Date(START + Math.floor((i / N) * SPAN));
    const common = {
      timestamp,
      traceId: `trace-${i % 300}`,
      entityType: "agent",
      entityName: ["weather", "support", "research"][i % 3],
      environment: "production",
      resourceId: `user-${i % 7}`,
    };
    scores.push({
      ...common,
      scoreId: `s-${i}`,
      scorerId: "relevance",
      score: (i * 7919) % 1000,
      scoreSource: i % 4 ? "automated" : "manual",
    });
    feedback.push({
      ...common,
      feedbackId: `f-${i}`,
      feedbackType: "rating",
      value: 1 + ((i * 31) % 5),
      feedbackSource: "user",
    });
  }
  return { scores, feedback };
}

function close(actual: Any, expected: Any): void {
  assert.equal(actual.series.length, expected.series.length);
  for (let s = 0; s < expected.series.length; s++) {
    const mine = actual.series[s].points;
    const theirs = expected.series[s].points;
    assert.deepEqual(mine.map((p: Any) => p.timestamp), theirs.map((p: Any) => p.timestamp));
    for (let i = 0; i < theirs.length; i++) {
      const tolerance = RELATIVE_ACCURACY * Math.max(Math.abs(theirs[i].value), 1e-9) * 2 + 1e-9;
      assert.ok(
        Math.abs(mine[i].value - theirs[i].value) <= tolerance,
        `p${expected.series[s].percentile} at ${theirs[i].timestamp.toISOString()}: ${mine[i].value} vs ${
          theirs[i].value
        }`,
      );
    }
  }
}

Deno.test(`score and feedback rollups: ${N} events each, Studio analytics from cells`, async () => {
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("observability"))! as Any;
  const theirs = (await new InMemoryStore().getStore("observability"))! as Any;
  const { scores, feedback } = events();
  await ours.batchCreateScores({ scores });
  await theirs.batchCreateScores({ scores: structuredClone(scores) });
  await ours.batchCreateFeedback({ feedbacks: feedback });
  await theirs.batchCreateFeedback({ feedbacks: structuredClone(feedback) });
  const range = { start: at(2), end: at(26) };
  const exact: [string, Any][] = [
    ["getScoreAggregate", { scorerId: "relevance", aggregation: "count", filters: { timestamp: range } }],
    ["getScoreAggregate", {
      scorerId: "relevance",
      aggregation: "avg",
      filters: { timestamp: { start: at(14), end: at(26) } },
      comparePeriod: "previous_period",
    }],
    ["getScoreBreakdown", {
      scorerId: "relevance",
      aggregation: "count",
      groupBy: ["entityName", "scoreSource"],
      filters: { timestamp: range },
    }],
    ["getScoreTimeSeries", {
      scorerId: "relevance",
      scoreSource: "automated",
      aggregation: "count",
      interval: "1h",
      filters: { timestamp: range, entityType: "agent" },
    }],
    ["getFeedbackAggregate", { feedbackType: "rating", aggregation: "sum", filters: { timestamp: range } }],
    ["getFeedbackBreakdown", { feedbackType: "rating", aggregation: "sum", groupBy: ["entityName"] }],
    ["getFeedbackTimeSeries", {
      feedbackType: "rating",
      aggregation: "sum",
      interval: "1d",
      groupBy: ["entityName"],
      filters: { timestamp: range },
    }],
  ];
  for (const [method, args] of exact) {
    const expected = await theirs[method](args);
    const { result, usage } = await measure(() => ours[method](args));
    assert.deepEqual(result, expected, `${method} ${JSON.stringify(args)}`);
    assert.ok(!lastSignalQuery.fallback, `${method} served from cells`);
    console.log(`${method}: ${usage.documentsRead} documents read, ${lastSignalQuery.calls} calls`);
    assert.ok(usage.documentsRead < N / 4, `${method} reads ${usage.documentsRead} documents`);
  }
  for (const method of ["getScorePercentiles", "getFeedbackPercentiles"]) {
    const args = method === "getScorePercentiles"
      ? { scorerId: "relevance", percentiles: [0.5, 0.95], interval: "1d", filters: { timestamp: range } }
      : { feedbackType: "rating", percentiles: [0.5, 0.95], interval: "1h", filters: { timestamp: range } };
    const expected = await theirs[method](args);
    const { result, usage } = await measure(() => ours[method](args));
    assert.ok(!lastSignalQuery.fallback, `${method} served from cells`);
    console.log(`${method}: ${usage.documentsRead} documents read, ${lastSignalQuery.calls} calls`);
    close(result, expected);
  }
  // A filter outside the rollup dimensions walks the events, exactly.
  const walked = { scorerId: "relevance", aggregation: "sum", filters: { resourceId: "user-3", timestamp: range } };
  assert.deepEqual(await ours.getScoreAggregate(walked), await theirs.getScoreAggregate(walked));
  assert.ok(lastSignalQuery.fallback);
  // Deleting scores keeps the cells exact.
  const doomed = scores.filter((_, i) => i % 5 === 0).map((s) => s.scoreId);
  await ours.deleteScores({ scoreIds: doomed });
  await theirs.deleteScores({ scoreIds: doomed });
  const after = { scorerId: "relevance", aggregation: "sum", filters: { timestamp: range } };
  const expectedAfter = await theirs.getScoreAggregate(after);
  const actualAfter = await ours.getScoreAggregate(after);
  assert.ok(Math.abs(actualAfter.value - expectedAfter.value) < 1e-6, `${actualAfter.value} ${expectedAfter.value}`);
  assert.ok(!lastSignalQuery.fallback);
});
