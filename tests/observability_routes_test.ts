/**
 * The 11 observability routes Mastra Studio's metrics, logs, scores and
 * feedback pages call (issue 17), through `@mastra/server`'s own route
 * handlers in-process: with ConvexStorage on the in-process backend each
 * answers 200 (the handler returns instead of throwing) and its body equals
 * what the same handler answers with core's InMemoryStore over the same data
 * (delta cursors aside: they are opaque, and numbered per table here).
 *
 * Query parameters are given as strings and parsed with the route's
 * `queryParamSchema` (bodies with its `bodySchema`), as the HTTP adapters do;
 * answers are parsed with the route's `responseSchema`.
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core/mastra";
import { RequestContext } from "@mastra/core/request-context";
import { InMemoryStore } from "@mastra/core/storage";
import {
  GET_ENTITY_TYPES,
  GET_ENVIRONMENTS,
  GET_METRIC_AGGREGATE,
  GET_METRIC_NAMES,
  GET_METRIC_TIME_SERIES,
  GET_SCORE_AGGREGATE,
  GET_SERVICE_NAMES,
  LIST_FEEDBACK,
  LIST_LOGS,
  LIST_METRICS,
  LIST_SCORES,
} from "@mastra/server/handlers/observability-new-endpoints";
import { createTestStorage } from "./helpers/backend.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const BASE = Date.UTC(2026, 2, 1, 9);
const H = 3_600_000;
const at = (ms: number) => new Date(BASE + ms);

function seedData() {
  const spans = Array.from({ length: 6 }, (_, i) => ({
    traceId: `trace-${i}`,
    spanId: `root-${i}`,
    parentSpanId: null,
    name: `agent run ${i}`,
    spanType: "agent_run",
    isEvent: false,
    startedAt: at(i * 60_000),
    endedAt: at(i * 60_000 + 1500),
    error: null,
    entityType: i % 2 ? "agent" : "workflow_run",
    entityName: i % 2 ? "weather" : "flow",
    environment: i % 3 ? "production" : "staging",
    serviceName: "api",
    createdAt: at(i * 60_000),
    updatedAt: null,
  }));
  const logs = Array.from({ length: 9 }, (_, i) => ({
    logId: `log-${i}`,
    timestamp: at(i * 7 * 60_000),
    level: ["info", "warn", "error"][i % 3],
    message: `message ${i}`,
    traceId: `trace-${i % 6}`,
    entityType: "agent",
    entityName: "weather",
    environment: "production",
    serviceName: "api",
  }));
  const metrics = Array.from({ length: 40 }, (_, i) => ({
    metricId: `m-${i}`,
    timestamp: at(i * 11 * 60_000),
    name: i % 2 ? "mastra_model_total_input_tokens" : "mastra_model_total_output_tokens",
    value: 10 + (i * 7) % 23,
    entityType: "agent",
    entityName: i % 3 ? "weather" : "support",
    provider: "openai",
    model: i % 4 ? "gpt-5" : "gpt-5-mini",
    threadId: `thread-${i % 5}`,
    resourceId: `user-${i % 3}`,
    environment: "production",
    serviceName: "api",
    labels: { status: i % 7 ? "ok" : "error" },
  }));
  const scores = Array.from({ length: 12 }, (_, i) => ({
    scoreId: `s-${i}`,
    timestamp: at(i * 25 * 60_000),
    scorerId: i % 3 ? "relevance" : "toxicity",
    score: (i * 3) % 10,
    scoreSource: i % 2 ? "automated" : "manual",
    traceId: `trace-${i % 6}`,
    entityType: "agent",
    entityName: "weather",
  }));
  const feedback = Array.from({ length: 8 }, (_, i) => ({
    feedbackId: `f-${i}`,
    timestamp: at(i * 31 * 60_000),
    feedbackType: i % 2 ? "rating" : "thumbs",
    value: i % 2 ? i : (i % 4 ? "up" : "down"),
    feedbackSource: "user",
    traceId: `trace-${i % 6}`,
    entityType: "agent",
    entityName: "weather",
  }));
  return { spans, logs, metrics, scores, feedback };
}

async function seed(obs: Any): Promise<void> {
  const data = seedData();
  await obs.batchCreateSpans({ records: data.spans });
  await obs.batchCreateLogs({ logs: data.logs });
  await obs.batchCreateMetrics({ metrics: data.metrics });
  await obs.batchCreateScores({ scores: data.scores });
  await obs.batchCreateFeedback({ feedbacks: data.feedback });
}

/** Calls a route handler as an HTTP adapter would; throws (a non-200) when the handler throws. */
async function call(route: Any, mastra: Mastra, input: { query?: Record<string, string>; body?: unknown }) {
  const params = route.queryParamSchema ? route.queryParamSchema.parse(input.query ?? {}) : {};
  const body = route.bodySchema ? route.bodySchema.parse(input.body ?? {}) : {};
  const response = await route.handler({ mastra, requestContext: new RequestContext(), ...params, ...body });
  return route.responseSchema ? route.responseSchema.parse(response) : response;
}

const range = { start: at(-H).toISOString(), end: at(12 * H).toISOString() };

const ROUTES: [string, Any, { query?: Record<string, string>; body?: unknown }][] = [
  ["GET /api/observability/scores", LIST_SCORES, { query: { perPage: "50" } }],
  ["GET /api/observability/feedback", LIST_FEEDBACK, { query: { perPage: "50" } }],
  ["GET /api/observability/logs", LIST_LOGS, { query: { perPage: "50" } }],
  ["GET /api/observability/metrics", LIST_METRICS, { query: { perPage: "50" } }],
  ["POST /api/observability/metrics/aggregate", GET_METRIC_AGGREGATE, {
    body: {
      name: ["mastra_model_total_input_tokens"],
      aggregation: "sum",
      filters: { timestamp: { start: at(2 * H).toISOString(), end: at(4 * H).toISOString() } },
      comparePeriod: "previous_period",
    },
  }],
  ["POST /api/observability/metrics/timeseries", GET_METRIC_TIME_SERIES, {
    body: {
      name: ["mastra_model_total_input_tokens", "mastra_model_total_output_tokens"],
      aggregation: "sum",
      interval: "1h",
      groupBy: ["entityName"],
      filters: { timestamp: range },
    },
  }],
  ["POST /api/observability/scores/aggregate", GET_SCORE_AGGREGATE, {
    body: {
      scorerId: "relevance",
      aggregation: "avg",
      filters: { timestamp: { start: at(2 * H).toISOString(), end: at(4 * H).toISOString() } },
      comparePeriod: "previous_period",
    },
  }],
  ["GET /api/observability/discovery/metric-names", GET_METRIC_NAMES, {}],
  ["GET /api/observability/discovery/entity-types", GET_ENTITY_TYPES, {}],
  ["GET /api/observability/discovery/service-names", GET_SERVICE_NAMES, {}],
  ["GET /api/observability/discovery/environments", GET_ENVIRONMENTS, {}],
];

Deno.test("Studio's observability routes answer 200 with ConvexStorage, as with InMemoryStore", async (t) => {
  const { storage } = createTestStorage();
  await seed(await storage.getStore("observability"));
  const memory = new InMemoryStore();
  await seed(await memory.getStore("observability"));
  const ours = new Mastra({ storage, logger: false });
  const reference = new Mastra({ storage: memory, logger: false });
  for (const [label, route, input] of ROUTES) {
    await t.step(label, async () => {
      const expected = await call(route, reference, input);
      const actual = await call(route, ours, input);
      // Delta cursors are opaque: InMemoryStore numbers all signals together, we number each table.
      if ("deltaCursor" in expected) {
        assert.equal(typeof actual.deltaCursor, "string");
        assert.ok(actual.deltaCursor.length > 0);
        delete actual.deltaCursor;
        delete expected.deltaCursor;
      }
      assert.deepEqual(actual, expected);
    });
  }
});
