/**
 * Cost of trace-query plans at scale: N traces (root + one child span each) over
 * 30 days written through the in-process backend, then Studio's common plans and
 * some walk-only plans; prints documents read and calls per request (the server
 * reports the documents each scan/discover call read), and checks the common
 * plans stay O(page + ties) whatever N. `TQ_SCALE=10000 deno test -A tests/scale/trace_query_scale_test.ts`.
 */
import assert from "node:assert/strict";
import {
  parseGetTraceQueryValuesArgs,
  parseTraceQueryRequest,
  planTraceQuery,
  planTraceQueryValues,
} from "@mastra/core/storage";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const N = Number(Deno.env.get("TQ_SCALE") ?? 2000);
const DAY = 86_400_000;
const END = Date.parse("2026-04-01T00:00:00.000Z");
const START = END - 30 * DAY;

Deno.test(`trace-query cost at ${N} traces`, async () => {
  const backend = createBackend();
  const client = inProcessClient(backend);
  const usage = { reads: 0, calls: 0 };
  const counted = {
    ...client,
    query: async (path: string, args: Any) => {
      const result: Any = await client.query(path as never, args);
      usage.calls++;
      if (path.startsWith("observability/traceQuery/traceQuery:")) {
        usage.reads += typeof result?.reads === "number" ? result.reads : Array.isArray(result) ? 2 * result.length : 0;
      }
      return result;
    },
  };
  const storage = new ConvexStorage({ client: counted as Any });
  const obs = (await storage.getStore("observability"))! as Any;
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const batch: Record<string, unknown>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < N; i++) {
    const started = new Date(START + Math.floor((i / N) * 30 * DAY));
    const agent = random() < 0.5;
    const common = { traceId: `t${String(i).padStart(6, "0")}`, isEvent: false, createdAt: started, updatedAt: null };
    batch.push({
      ...common,
      spanId: "root",
      parentSpanId: null,
      name: "run",
      spanType: agent ? "agent_run" : "workflow_run",
      startedAt: started,
      endedAt: new Date(started.getTime() + 1000),
      error: random() < 0.05 ? { message: "boom" } : null,
      entityType: agent ? "agent" : "workflow_run",
      entityName: agent ? `agent-${i % 5}` : `flow-${i % 3}`,
      environment: random() < 0.8 ? "production" : "staging",
      threadId: `thread-${i % 200}`,
      resourceId: `user-${i % 50}`,
      tags: random() < 0.1 ? ["vip"] : [],
      metadata: { customer: `c${i % 20}` },
    }, {
      ...common,
      spanId: "llm",
      parentSpanId: "root",
      name: "llm",
      spanType: "model_generation",
      startedAt: started,
      endedAt: new Date(started.getTime() + 500),
      error: null,
      attributes: { model: random() < 0.02 ? "rare-model" : "gpt" },
    });
    if (batch.length >= 400) await obs.batchCreateSpans({ records: batch.splice(0) });
  }
  if (batch.length) await obs.batchCreateSpans({ records: batch.splice(0) });
  console.log(`seeded ${N} traces in ${Math.round(performance.now() - t0)} ms`);

  const week = { from: new Date(END - 7 * DAY).toISOString(), to: new Date(END).toISOString() };
  const eq = (path: string, literal: string) => ({ op: "eq", left: { path }, right: { literal } });
  const cases: [string, Any, "common" | "walk"][] = [
    ["newest first, last 7 days", { timeRange: week, page: { limit: 25 } }, "common"],
    ["entityType = agent", { timeRange: week, where: eq("entityType", "agent"), page: { limit: 25 } }, "common"],
    ["entityType + entityName", {
      timeRange: week,
      where: { op: "and", args: [eq("entityType", "agent"), eq("entityName", "agent-1")] },
      page: { limit: 25 },
    }, "common"],
    ["status = error", { timeRange: week, where: eq("status", "error"), page: { limit: 25 } }, "common"],
    ["threadId = thread-7", { timeRange: week, where: eq("threadId", "thread-7"), page: { limit: 25 } }, "common"],
    ["resourceId = user-3", { timeRange: week, where: eq("resourceId", "user-3"), page: { limit: 25 } }, "common"],
    ["environment = staging", { timeRange: week, where: eq("environment", "staging"), page: { limit: 25 } }, "common"],
    ["tags includes vip", {
      timeRange: week,
      where: { op: "includes", path: "tags", value: "vip" },
      page: { limit: 25 },
    }, "walk"],
    ["metadata.customer = c3", { timeRange: week, where: eq("metadata.customer", "c3"), page: { limit: 25 } }, "walk"],
    ["spans some model = rare-model", {
      timeRange: week,
      where: { spans: { some: eq("model", "rare-model") } },
      page: { limit: 25 },
    }, "walk"],
    ["page 2 of 25 (total counted)", { timeRange: week, pagination: { page: 2, perPage: 25 } }, "walk"],
  ];
  console.log(`\n| plan (${N} traces, 30 days; 7-day range) | documents read | calls | served by |`);
  console.log("|---|---|---|---|");
  for (const [label, request, kind] of cases) {
    usage.reads = 0;
    usage.calls = 0;
    const res = await obs.queryTraces(planTraceQuery(parseTraceQueryRequest(request)));
    assert.ok(res.traces.length > 0, label);
    console.log(`| ${label} | ${usage.reads} | ${usage.calls} | ${kind === "common" ? "index" : "walk"} |`);
    if (kind === "common" && !label.startsWith("entityType + entityName")) {
      // page + ties + 1 rows, + one root span per returned row
      assert.ok(usage.reads <= 2 * 26 + 2, `${label}: ${usage.reads} reads`);
    }
  }
  usage.reads = 0;
  usage.calls = 0;
  await obs.getTraceQueryValues(
    planTraceQueryValues(
      parseGetTraceQueryValuesArgs({ timeRange: week, predicateScope: "trace", path: "entityName" }),
    ),
  );
  console.log(`| values of entityName (discovery) | ${usage.reads} | ${usage.calls} | walk |`);
});
