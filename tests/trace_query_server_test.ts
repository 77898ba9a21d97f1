/**
 * Trace-query plans through Mastra's own server handlers (Studio's trace
 * explorer requests), in-process, with ConvexStorage on the in-process backend;
 * and tenant isolation of every trace-query entry point.
 *
 * The handlers are `@mastra/server`'s route objects; each request body is parsed
 * with the route's own `bodySchema` (as the HTTP adapters do) and the answer with
 * its `responseSchema`. A handler that returns (instead of throwing an
 * `HTTPException`) is a 200.
 */
import assert from "node:assert/strict";
import { Mastra } from "@mastra/core/mastra";
import { RequestContext } from "@mastra/core/request-context";
import {
  GET_TRACE_QUERY_FIELDS,
  GET_TRACE_QUERY_VALUES,
  QUERY_THREADS,
  QUERY_TRACES,
} from "@mastra/server/handlers/observability-new-endpoints";
import {
  parseGetTraceQueryFieldsArgs,
  parseGetTraceQueryValuesArgs,
  parseQueryThreadsInput,
  parseTraceQueryRequest,
  planThreadQuery,
  planTraceQuery,
  planTraceQueryObservedFields,
  planTraceQueryValues,
} from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { lastDiscoveryRoute, setTraceQueryDiscoveryMode } from "../src/observability/traceQuery/traceQuery.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const BASE = Date.parse("2026-03-01T12:00:00.000Z");
const at = (seconds: number) => new Date(BASE + seconds * 1000);

function span(i: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    traceId: `trace-${i}`,
    spanId: `root-${i}`,
    parentSpanId: null,
    name: `agent run ${i}`,
    spanType: "agent_run",
    isEvent: false,
    startedAt: at(i),
    endedAt: at(i + 1),
    error: i % 4 === 0 ? { message: "boom" } : null,
    entityType: i % 2 ? "agent" : "workflow_run",
    entityId: i % 2 ? "weather" : "flow",
    entityName: i % 2 ? "Weather Agent" : "Flow",
    environment: "production",
    threadId: `thread-${i % 3}`,
    resourceId: `user-${i % 2}`,
    organizationId: i % 2 ? "org-a" : "org-b",
    metadata: { customer: `c${i % 3}`, plan: "pro" },
    tags: ["studio"],
    input: { messages: [{ role: "user", content: `What is the weather #${i}?` }] },
    createdAt: at(i),
    updatedAt: null,
    ...extra,
  };
}

async function seeded(count: number) {
  const { storage } = createTestStorage();
  const obs = (await storage.getStore("observability"))! as Any;
  const records = Array.from({ length: count }, (_, i) => span(i));
  records.push({
    traceId: "trace-1",
    spanId: "llm-1",
    parentSpanId: "root-1",
    name: "llm",
    spanType: "model_generation",
    isEvent: false,
    startedAt: at(1),
    endedAt: at(1.5),
    error: null,
    organizationId: "org-a",
    attributes: { model: "gpt-5", provider: "openai" },
    createdAt: at(1),
    updatedAt: null,
  });
  await obs.batchCreateSpans({ records });
  const mastra = new Mastra({ storage, logger: false });
  return { storage, obs, mastra };
}

async function call(route: Any, mastra: Mastra, body: unknown): Promise<Any> {
  const parsed = route.bodySchema.parse(body);
  const response = await route.handler({ mastra, requestContext: new RequestContext(), ...parsed });
  return route.responseSchema.parse(response);
}

const timeRange = { from: at(-60).toISOString(), to: at(3600).toISOString() };

Deno.test("Studio's trace explorer requests answer through Mastra's server handlers", async () => {
  const { mastra } = await seeded(12);

  // the Traces page: newest first in a time range
  const list = await call(QUERY_TRACES, mastra, { timeRange, page: { limit: 5 } });
  assert.deepEqual(list.traces.map((t: Any) => t.traceId), ["trace-11", "trace-10", "trace-9", "trace-8", "trace-7"]);
  assert.equal(list.traces[0].status, "success");
  assert.equal(list.traces[3].status, "error");
  assert.equal(list.traces[0].entityName, "Weather Agent");
  assert.match(list.traces[0].inputPreview ?? "", /weather #11/);
  assert.ok(list.page.next);
  const second = await call(QUERY_TRACES, mastra, { timeRange, page: { limit: 5, after: list.page.next } });
  assert.deepEqual(second.traces.map((t: Any) => t.traceId), ["trace-6", "trace-5", "trace-4", "trace-3", "trace-2"]);

  // filter by entity, and by a span relation (traces that called gpt-5)
  const agents = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { op: "eq", left: { path: "entityType" }, right: { literal: "agent" } },
    page: { limit: 100 },
  });
  assert.deepEqual(agents.traces.map((t: Any) => t.traceId), [11, 9, 7, 5, 3, 1].map((i) => `trace-${i}`));
  const withModel = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { spans: { some: { op: "eq", left: { path: "model" }, right: { literal: "gpt-5" } } } },
  });
  assert.deepEqual(withModel.traces.map((t: Any) => t.traceId), ["trace-1"]);

  // a score relation: traces a scorer rated low
  await (await mastra.getStorage()!.getStore("observability") as Any).batchCreateScores({
    scores: [
      {
        scoreId: "sc1",
        traceId: "trace-3",
        scorerId: "helpfulness",
        score: 0.2,
        timestamp: at(4),
        organizationId: "org-a",
      },
      {
        scoreId: "sc2",
        traceId: "trace-5",
        scorerId: "helpfulness",
        score: 0.9,
        timestamp: at(6),
        organizationId: "org-a",
      },
    ],
  });
  const lowRated = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { scores: { some: { op: "lt", left: { path: "score" }, right: { literal: 0.5 } } } },
  });
  assert.deepEqual(lowRated.traces.map((t: Any) => t.traceId), ["trace-3"]);
  const unscored = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: {
      op: "and",
      args: [
        { op: "eq", left: { path: "entityType" }, right: { literal: "agent" } },
        { scores: { none: { op: "eq", left: { path: "scorerId" }, right: { literal: "helpfulness" } } } },
      ],
    },
    page: { limit: 100 },
  });
  assert.deepEqual(unscored.traces.map((t: Any) => t.traceId), ["trace-11", "trace-9", "trace-7", "trace-1"]);

  // feedback: traces a user thumbed down
  await (await mastra.getStorage()!.getStore("observability") as Any).batchCreateFeedback({
    feedbacks: [
      { feedbackId: "f1", traceId: "trace-7", feedbackType: "thumbs", value: "down", timestamp: at(8) },
      { feedbackId: "f2", traceId: "trace-9", feedbackType: "rating", value: 4, timestamp: at(10) },
    ],
  });
  const thumbsDown = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { feedback: { some: { op: "eq", left: { path: "value" }, right: { literal: "down" } } } },
  });
  assert.deepEqual(thumbsDown.traces.map((t: Any) => t.traceId), ["trace-7"]);
  const rated = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { feedback: { some: { op: "gte", left: { path: "value" }, right: { literal: 3 } } } },
  });
  assert.deepEqual(rated.traces.map((t: Any) => t.traceId), ["trace-9"]);
  const scorers = await call(GET_TRACE_QUERY_VALUES, mastra, { timeRange, predicateScope: "scores", path: "scorerId" });
  assert.deepEqual(scorers.values, [{ value: "helpfulness", count: 2 }]);
  const kinds = await call(GET_TRACE_QUERY_VALUES, mastra, {
    timeRange,
    predicateScope: "feedback",
    path: "feedbackType",
  });
  assert.deepEqual(kinds.values, [{ value: "rating", count: 1 }, { value: "thumbs", count: 1 }]);

  // page pagination
  const paged = await call(QUERY_TRACES, mastra, { timeRange, pagination: { page: 1, perPage: 4 } });
  assert.deepEqual(paged.traces.map((t: Any) => t.traceId), ["trace-7", "trace-6", "trace-5", "trace-4"]);
  assert.deepEqual(paged.pagination, { total: 12, page: 1, perPage: 4, hasMore: true });

  // the filter bar: fields and values
  const fields = await call(GET_TRACE_QUERY_FIELDS, mastra, { timeRange, predicateScope: "trace" });
  assert.ok(fields.canonicalFields.some((f: Any) => f.path === "entityName"));
  assert.deepEqual(fields.observedFields.map((f: Any) => [f.path, f.occurrences]), [
    ["metadata.customer", 12],
    ["metadata.plan", 12],
  ]);
  const values = await call(GET_TRACE_QUERY_VALUES, mastra, { timeRange, predicateScope: "trace", path: "entityName" });
  assert.deepEqual(values.values, [{ value: "Flow", count: 6 }, { value: "Weather Agent", count: 6 }]);
  const customers = await call(GET_TRACE_QUERY_VALUES, mastra, {
    timeRange,
    predicateScope: "trace",
    path: "metadata.customer",
    search: "C1",
  });
  assert.deepEqual(customers.values, [{ value: "c1", count: 4 }]);
  const models = await call(GET_TRACE_QUERY_VALUES, mastra, { timeRange, predicateScope: "spans", path: "model" });
  assert.deepEqual(models.values, [{ value: "gpt-5", count: 1 }]);

  // the deprecated grouped form: distinct threads of the matching traces, keyset-paged
  const groups = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { op: "eq", left: { path: "entityType" }, right: { literal: "agent" } },
    group: { by: ["threadId"] },
    page: { limit: 2 },
  });
  assert.deepEqual(groups.groups, [{ threadId: "thread-0" }, { threadId: "thread-1" }]);
  const moreGroups = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: { op: "eq", left: { path: "entityType" }, right: { literal: "agent" } },
    group: { by: ["threadId"] },
    page: { limit: 2, after: groups.page.next },
  });
  assert.deepEqual(moreGroups.groups, [{ threadId: "thread-2" }]);
  assert.equal(moreGroups.page.next, null);

  // threads with an errored trace
  const threads = await call(QUERY_THREADS, mastra, {
    traces: { timeRange },
    where: { traces: { some: { op: "eq", left: { path: "status" }, right: { literal: "error" } } } },
  });
  assert.deepEqual(threads.threads.map((t: Any) => t.threadId), ["thread-0", "thread-1", "thread-2"]);
});

Deno.test("delta polling of a trace query: root writes after the cursor, oldest first, through the handler", async () => {
  const { mastra, obs } = await seeded(3);
  const agents = { op: "eq", left: { path: "entityType" }, right: { literal: "agent" } };
  const first = await call(QUERY_TRACES, mastra, { timeRange, where: agents, mode: "delta" });
  assert.deepEqual(first.traces, []);
  assert.ok(first.deltaCursor);
  // nothing new
  const idle = await call(QUERY_TRACES, mastra, { timeRange, where: agents, mode: "delta", after: first.deltaCursor });
  assert.deepEqual(idle.traces, []);
  assert.deepEqual(idle.delta, { limit: 10, hasMore: false });
  // new traces: an agent (matches), a workflow (does not), a running agent (not eligible yet), another agent
  await obs.batchCreateSpans({ records: [span(11), span(12), span(13, { endedAt: null }), span(15)] });
  const page1 = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: agents,
    mode: "delta",
    after: idle.deltaCursor,
    limit: 1,
  });
  assert.deepEqual(page1.traces.map((t: Any) => t.traceId), ["trace-11"]);
  assert.deepEqual(page1.delta, { limit: 1, hasMore: true });
  const page2 = await call(QUERY_TRACES, mastra, {
    timeRange,
    where: agents,
    mode: "delta",
    after: page1.deltaCursor,
    limit: 1,
  });
  assert.deepEqual(page2.traces.map((t: Any) => t.traceId), ["trace-15"]);
  assert.equal(page2.delta.hasMore, false);
  // the running agent ends: its root is written again and now comes
  await obs.updateSpan({ traceId: "trace-13", spanId: "root-13", updates: { endedAt: at(20) } });
  const page3 = await call(QUERY_TRACES, mastra, { timeRange, where: agents, mode: "delta", after: page2.deltaCursor });
  assert.deepEqual(page3.traces.map((t: Any) => t.traceId), ["trace-13"]);
  const page4 = await call(QUERY_TRACES, mastra, { timeRange, where: agents, mode: "delta", after: page3.deltaCursor });
  assert.deepEqual(page4.traces, []);
  // a page-mode answer carries a delta cursor from which later writes are polled
  const paged = await call(QUERY_TRACES, mastra, { timeRange, pagination: { page: 0, perPage: 50 } });
  assert.equal(paged.pagination.total, 7);
  await obs.batchCreateSpans({ records: [span(17)] });
  const fromPage = await call(QUERY_TRACES, mastra, { timeRange, mode: "delta", after: paged.deltaCursor });
  assert.deepEqual(fromPage.traces.map((t: Any) => t.traceId), ["trace-17"]);
});

Deno.test("a plan scoped to one tenant never sees another tenant's traces, spans or values", async () => {
  const { obs } = await seeded(12);
  const orgA = { organizationId: "org-a" };
  const orgAUser1 = { organizationId: "org-a", resourceId: "user-1" };
  const nobody = { organizationId: "org-z" };
  const ids = async (scope: Any, where?: Any) => {
    const plan = planTraceQuery(parseTraceQueryRequest({ timeRange, where, page: { limit: 100 } }), { scope });
    return (await obs.queryTraces(plan)).traces.map((t: Any) => t.traceId);
  };
  assert.deepEqual(await ids(orgA), [11, 9, 7, 5, 3, 1].map((i) => `trace-${i}`));
  assert.deepEqual(await ids(orgAUser1), [11, 9, 7, 5, 3, 1].map((i) => `trace-${i}`));
  assert.deepEqual(await ids({ organizationId: "org-a", resourceId: "user-0" }), []);
  assert.deepEqual(await ids(nobody), []);
  // a predicate naming another tenant's rows cannot widen the scope
  assert.deepEqual(
    await ids(orgA, { op: "eq", left: { path: "resourceId" }, right: { literal: "user-0" } }),
    [],
  );
  const paged = await obs.queryTraces(
    planTraceQuery(parseTraceQueryRequest({ timeRange, pagination: { page: 0, perPage: 50 } }), { scope: nobody }),
  );
  assert.equal(paged.pagination.total, 0);
  const fields = await obs.getTraceQueryObservedFields(
    planTraceQueryObservedFields(parseGetTraceQueryFieldsArgs({ timeRange, predicateScope: "trace" }), {
      scope: nobody,
    }),
  );
  assert.deepEqual(fields.observedFields, []);
  const values = await obs.getTraceQueryValues(
    planTraceQueryValues(parseGetTraceQueryValuesArgs({ timeRange, predicateScope: "trace", path: "entityName" }), {
      scope: { organizationId: "org-b" },
    }),
  );
  assert.deepEqual(values.values, [{ value: "Flow", count: 6 }]);
  const threads = await obs.queryThreads(
    planThreadQuery(parseQueryThreadsInput({ traces: { timeRange } }), { scope: { organizationId: "org-b" } }),
  );
  assert.deepEqual(threads.threads.map((t: Any) => t.threadId), ["thread-0", "thread-1", "thread-2"]);
  const none = await obs.queryThreads(
    planThreadQuery(parseQueryThreadsInput({ traces: { timeRange } }), { scope: nobody }),
  );
  assert.deepEqual(none.threads, []);
});

Deno.test("the trace dictionary keeps tenants apart: scoped fields and values count only the tenant's traces", async () => {
  const { storage } = createTestStorage();
  const obs = (await storage.getStore("observability"))! as Any;
  await obs.batchCreateSpans({
    records: Array.from({ length: 12 }, (_, i) =>
      span(i, {
        metadata: i % 2 ? { customer: `a${i % 3}`, secretA: "x" } : { customer: `b${i % 3}`, secretB: "y" },
        tags: [i % 2 ? "tag-a" : "tag-b"],
      })),
  });
  const fieldsOf = async (scope: Any) =>
    (await obs.getTraceQueryObservedFields(
      planTraceQueryObservedFields(parseGetTraceQueryFieldsArgs({ timeRange, predicateScope: "trace" }), { scope }),
    )).observedFields.map((f: Any) => [f.path, f.occurrences]);
  const valuesOf = async (scope: Any, path: string) =>
    (await obs.getTraceQueryValues(
      planTraceQueryValues(parseGetTraceQueryValuesArgs({ timeRange, predicateScope: "trace", path }), { scope }),
    )).values.map((v: Any) => [v.value, v.count]);
  for (const mode of ["dictionary", undefined, "walk"] as const) {
    setTraceQueryDiscoveryMode(mode);
    assert.deepEqual(await fieldsOf({ organizationId: "org-a" }), [["metadata.customer", 6], ["metadata.secretA", 6]]);
    assert.deepEqual(await fieldsOf({ organizationId: "org-b", resourceId: "user-0" }), [
      ["metadata.customer", 6],
      ["metadata.secretB", 6],
    ]);
    assert.deepEqual(await fieldsOf({ organizationId: "org-a", resourceId: "user-0" }), []);
    assert.deepEqual(await fieldsOf({ organizationId: "org-z" }), []);
    assert.deepEqual(await valuesOf({ organizationId: "org-a" }, "metadata.customer"), [
      ["a0", 2],
      ["a1", 2],
      ["a2", 2],
    ]);
    assert.deepEqual(await valuesOf({ organizationId: "org-a" }, "tags"), [["tag-a", 6]]);
    assert.deepEqual(await valuesOf({ organizationId: "org-b" }, "entityName"), [["Flow", 6]]);
    assert.deepEqual(await valuesOf(undefined, "tags"), [["tag-a", 6], ["tag-b", 6]]);
    assert.equal(lastDiscoveryRoute, mode ?? "dictionary");
  }
  setTraceQueryDiscoveryMode(undefined);
  // deleting one tenant's traces takes their counts out of every level
  await obs.batchDeleteTraces({ traceIds: [1, 3, 5].map((i) => `trace-${i}`) });
  assert.deepEqual(await valuesOf({ organizationId: "org-a" }, "metadata.customer"), [["a0", 1], ["a1", 1], ["a2", 1]]);
  assert.deepEqual(await fieldsOf(undefined), [
    ["metadata.customer", 9],
    ["metadata.secretB", 6],
    ["metadata.secretA", 3],
  ]);
  assert.equal(lastDiscoveryRoute, "dictionary");
});

Deno.test("discovery walks while the dictionary misses traces, and uses it again once rebuilt", async () => {
  const { storage, backend } = createTestStorage();
  const obs = (await storage.getStore("observability"))! as Any;
  await obs.batchCreateSpans({ records: Array.from({ length: 8 }, (_, i) => span(i)) });
  const fieldsNow = async () =>
    (await obs.getTraceQueryObservedFields(
      planTraceQueryObservedFields(parseGetTraceQueryFieldsArgs({ timeRange, predicateScope: "trace" })),
    )).observedFields.map((f: Any) => [f.path, f.occurrences]);
  const expected = [["metadata.customer", 8], ["metadata.plan", 8]];
  assert.deepEqual(await fieldsNow(), expected);
  assert.equal(lastDiscoveryRoute, "dictionary");
  // as on a deployment whose traces were written before the dictionary existed
  await backend.run(async (ctx: Any) => {
    for (const node of await ctx.db.query("rank_nodes").collect()) await ctx.db.delete(node._id);
    for (const row of await ctx.db.query("rank_pending").collect()) await ctx.db.delete(row._id);
    for (const row of await ctx.db.query("obs_trace_dictionary").collect()) await ctx.db.delete(row._id);
  });
  setTraceQueryDiscoveryMode("dictionary"); // even when asked for, an incomplete dictionary is not used
  assert.deepEqual(await fieldsNow(), expected);
  assert.equal(lastDiscoveryRoute, "walk");
  setTraceQueryDiscoveryMode(undefined);
  await storage.rebuildRankTrees();
  assert.deepEqual(await fieldsNow(), expected);
  assert.equal(lastDiscoveryRoute, "dictionary");
});
