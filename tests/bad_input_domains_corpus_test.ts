/**
 * The hostile-input corpus for the domains added since the first corpus
 * (`bad_input_corpus_test.ts`): vector, server cache, observational memory,
 * background tasks, schedules, channels, logs, metrics, scores, feedback and
 * trace query (issue 25, item 3).
 *
 * Each case ends in exactly one of two ways:
 * - **round-trip**: what is stored reads back exactly, either as written or,
 *   where core's `InMemoryStore` is the reference, exactly as it answers;
 * - **error**: a `MastraError` of category USER whose message names the
 *   operation and the problem (the limit, when a limit is hit), and nothing
 *   is written. Never THIRD_PARTY from inside our own code, never a silent
 *   change.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { defineData } from "../convex/kit/codec.ts";

const NOW = 1_700_000_000_000;
const at = new Date(NOW - 60_000);
const MiB = 1024 * 1024;

// deno-lint-ignore no-explicit-any
type Any = any;
// deno-lint-ignore no-explicit-any
const bad = (value: unknown): any => value;

/** Keys Convex would refuse as field names, plus keys that collide with our codec's tags. */
function hostileKeys(): Record<string, unknown> {
  const value: Record<string, unknown> = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    _id: "not-a-convex-id",
    "": "empty key",
    "ключ": "значение",
    "a.b": 1,
    "~t": "Date",
    nested: { $defs: { _private: [{ $id: 1 }] } },
  };
  defineData(value, "__proto__", { polluted: true });
  return value;
}

/** JavaScript values JSON cannot express, which our codec keeps. */
function specialValues(): Record<string, unknown> {
  return {
    date: new Date(0),
    nan: NaN,
    inf: -Infinity,
    negZero: -0,
    big: 123456789012345678901234567890n,
    bytes: new Uint8Array([0, 1, 254, 255]),
  };
}

/** `{ a: { a: ... } }`, `depth` objects deep. */
function nested(depth: number): Record<string, unknown> {
  let value: Record<string, unknown> = { leaf: true };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

const cyclic: Record<string, unknown> = { a: 1 };
cyclic.self = cyclic;
const bigText = "é€𝄞 ключ $schema _id\n".repeat(Math.ceil(1.5 * MiB / 20));
const longId = "i".repeat(10_000);

let serial = 0;
const unique = (prefix: string) => `${prefix}-${++serial}`;

type Stores = {
  storage: Awaited<ReturnType<typeof createTestStorage>>["storage"];
  vector: ConvexVector;
  cache: ConvexServerCache;
  memory: Any;
  tasks: Any;
  schedules: Any;
  channels: Any;
  observability: ObservabilityStorage;
  reference: ObservabilityStorage;
};

type RoundTrip = {
  kind: "round-trip";
  name: string;
  run: (s: Stores) => Promise<{ actual: unknown; expected: unknown }>;
};
type Failure = {
  kind: "error";
  name: string;
  /** `ConvexStorage.<op>` or `ConvexVector.<op>`. */
  operation: string;
  problem: RegExp;
  call: (s: Stores) => Promise<unknown>;
};
type Case = RoundTrip | Failure;

const roundTrip = (name: string, run: RoundTrip["run"]): RoundTrip => ({ kind: "round-trip", name, run });
const fail = (name: string, operation: string, problem: RegExp, call: Failure["call"]): Failure => ({
  kind: "error",
  name,
  operation,
  problem,
  call,
});

/** Writes the same records to ours and to core's in-memory store and returns what each lists. */
async function sameAsReference(
  s: Stores,
  write: (store: ObservabilityStorage) => Promise<unknown>,
  read: (store: ObservabilityStorage) => Promise<unknown>,
): Promise<{ actual: unknown; expected: unknown }> {
  await write(s.observability);
  await write(s.reference);
  // Delta cursors are each store's own encoding of a position.
  const withoutCursor = (value: unknown) => {
    const { deltaCursor: _, ...rest } = value as Record<string, unknown>;
    return rest;
  };
  return {
    actual: withoutCursor(await read(s.observability)),
    expected: withoutCursor(structuredClone(await read(s.reference))),
  };
}

function task(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    status: "pending",
    toolName: "tool",
    toolCallId: `call-${id}`,
    args: {},
    agentId: "agent",
    runId: "run",
    createdAt: at,
    retryCount: 0,
    maxRetries: 1,
    timeoutMs: 1000,
    ...extra,
  };
}

function schedule(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    target: { type: "workflow", workflowId: "wf" },
    cron: "* * * * *",
    status: "active",
    nextFireAt: NOW + 60_000,
    createdAt: NOW,
    updatedAt: NOW,
    ...extra,
  };
}

function installation(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id,
    platform: "slack",
    agentId: "agent",
    status: "active",
    data: { token: "t" },
    createdAt: at,
    updatedAt: at,
    ...extra,
  };
}

function omInput(resourceId: string, extra: Record<string, unknown> = {}) {
  return {
    threadId: null,
    resourceId,
    scope: "resource",
    config: {},
    ...extra,
  };
}

const log = (extra: Record<string, unknown> = {}) => ({
  logId: unique("log"),
  timestamp: at,
  level: "info",
  message: "m",
  ...extra,
});
const metric = (extra: Record<string, unknown> = {}) => ({
  metricId: unique("metric"),
  timestamp: at,
  name: "latency",
  value: 1,
  ...extra,
});
const obsScore = (extra: Record<string, unknown> = {}) => ({
  scoreId: unique("score"),
  timestamp: at,
  scorerId: "scorer",
  score: 1,
  ...extra,
});
const feedback = (extra: Record<string, unknown> = {}) => ({
  feedbackId: unique("feedback"),
  timestamp: at,
  feedbackType: "thumbs",
  value: 1,
  ...extra,
});

const tracePlan = (where: unknown) =>
  bad({
    result: "traces",
    timeRange: { from: "2026-01-01T00:00:00.000Z", to: "2026-01-02T00:00:00.000Z" },
    orderBy: { field: "startedAt", direction: "desc" },
    paginationMode: "keyset",
    limit: 10,
    binding: "b",
    where,
  });

function deepNot(depth: number): unknown {
  let predicate: unknown = { type: "comparison", field: "name", operator: "eq", value: "x" };
  for (let i = 0; i < depth; i++) predicate = { type: "not", arg: predicate };
  return predicate;
}

function deepFilter(depth: number): Record<string, unknown> {
  let filter: Record<string, unknown> = { k: 1 };
  for (let i = 0; i < depth; i++) filter = { $and: [filter] };
  return filter;
}

const cases: Case[] = [
  // --- vector ------------------------------------------------------------
  roundTrip("vector metadata with hostile keys, deep nesting and non-ASCII", async ({ vector }) => {
    const index = unique("idx");
    await vector.createIndex({ indexName: index, dimension: 3 });
    const metadata = { ...JSON.parse(JSON.stringify(hostileKeys())), deep: nested(40), text: "日本語 🎉" };
    await vector.upsert({ indexName: index, ids: ["v"], vectors: [[1, 2, 3]], metadata: [metadata] });
    const [hit] = await vector.query({ indexName: index, queryVector: [1, 2, 3] });
    return { actual: hit.metadata, expected: metadata };
  }),
  roundTrip("vector topK far above 256 answers what the index holds", async ({ vector }) => {
    const index = unique("idx");
    await vector.createIndex({ indexName: index, dimension: 2 });
    await vector.upsert({ indexName: index, ids: ["a", "b"], vectors: [[1, 0], [0, 1]] });
    const hits = await vector.query({ indexName: index, queryVector: [1, 0], topK: 1_000_000 });
    return { actual: hits.map((h) => h.id), expected: ["a", "b"] };
  }),
  fail(
    "vector filter nested 10,000 levels",
    "ConvexVector.query",
    /nesting limit/,
    ({ vector }) => vector.query({ indexName: "v-corpus", queryVector: [1, 2, 3], filter: bad(deepFilter(10_000)) }),
  ),
  fail(
    "vector cyclic metadata",
    "ConvexVector.upsert",
    /not JSON-serialisable/,
    ({ vector }) => vector.upsert({ indexName: "v-corpus", vectors: [[1, 2, 3]], metadata: [cyclic] }),
  ),
  fail(
    "vector metadata over 1 MiB",
    "ConvexVector.upsert",
    /one Convex document holds at most \d+ bytes/,
    ({ vector }) => vector.upsert({ indexName: "v-corpus", vectors: [[1, 2, 3]], metadata: [{ text: bigText }] }),
  ),
  fail(
    "vector index name of 10,000 characters",
    "ConvexVector.createIndex",
    /indexName is 10000 bytes long; ids may be at most 1024 bytes/,
    ({ vector }) => vector.createIndex({ indexName: longId, dimension: 3 }),
  ),
  fail(
    "vector id of 10,000 characters",
    "ConvexVector.upsert",
    /is 10000 bytes long; ids may be at most 1024 bytes/,
    ({ vector }) => vector.upsert({ indexName: "v-corpus", ids: [longId], vectors: [[1, 2, 3]] }),
  ),
  fail(
    "vector $regex that is not a pattern",
    "ConvexVector.query",
    /invalid pattern/,
    ({ vector }) => vector.query({ indexName: "v-corpus", queryVector: [1, 2, 3], filter: { s: { $regex: "(?<" } } }),
  ),

  // --- server cache ------------------------------------------------------
  roundTrip("cache value with hostile keys and special values", async ({ cache }) => {
    const key = unique("cache");
    const value = { ...hostileKeys(), ...specialValues(), deep: nested(200) };
    await cache.set(key, value);
    return { actual: await cache.get(key), expected: value };
  }),
  roundTrip("cache value over 1 MiB and list items with odd values", async ({ cache }) => {
    const key = unique("cache");
    await cache.set(key, bigText);
    const list = unique("list");
    await cache.listPush(list, specialValues());
    await cache.listPush(list, hostileKeys());
    return {
      actual: [await cache.get(key), await cache.listFromTo(list, 0)],
      expected: [bigText, [specialValues(), hostileKeys()]],
    };
  }),
  fail("cache cyclic value", "ConvexStorage.set", /cycl|circular/i, ({ cache }) => cache.set("k", cyclic)),
  fail(
    "cache value nested past the codec's limit",
    "ConvexStorage.set",
    /nested deeper than 256 levels/,
    ({ cache }) => cache.set("k", nested(300)),
  ),
  fail("cache key of 10,000 characters", "ConvexStorage.set", /bytes|limit|key/i, ({ cache }) => cache.set(longId, 1)),
  fail("cache function value", "ConvexStorage.listPush", /function/i, ({ cache }) => cache.listPush("l", () => 1)),

  // --- observational memory --------------------------------------------
  roundTrip("observational memory config with hostile keys and special values", async ({ memory }) => {
    const resourceId = unique("om");
    const config = { ...hostileKeys(), ...specialValues() };
    await memory.initializeObservationalMemory(omInput(resourceId, { config }));
    const record = await memory.getObservationalMemory(null, resourceId);
    return { actual: record.config, expected: config };
  }),
  roundTrip("observational memory observations over 1 MiB", async ({ memory }) => {
    const resourceId = unique("om");
    const record = await memory.initializeObservationalMemory(omInput(resourceId));
    await memory.updateActiveObservations({ id: record.id, observations: bigText, tokenCount: 1, lastObservedAt: at });
    return { actual: (await memory.getObservationalMemory(null, resourceId)).activeObservations, expected: bigText };
  }),
  fail(
    "observational memory resourceId of 10,000 characters",
    "ConvexStorage.initializeObservationalMemory",
    /bytes|limit/i,
    ({ memory }) => memory.initializeObservationalMemory(omInput(longId)),
  ),
  fail(
    "observational memory cyclic config",
    "ConvexStorage.initializeObservationalMemory",
    /cycl|circular/i,
    ({ memory }) => memory.initializeObservationalMemory(omInput(unique("om"), { config: cyclic })),
  ),
  fail(
    "observational memory observations that are not text",
    "ConvexStorage.updateActiveObservations",
    /observations/,
    ({ memory }) =>
      memory.updateActiveObservations({ id: "x", observations: bad(5), tokenCount: 1, lastObservedAt: at }),
  ),

  // --- background tasks ---------------------------------------------------
  roundTrip("task args and result with hostile keys, special values and 1.5 MiB", async ({ tasks }) => {
    const id = unique("task");
    const written = task(id, { args: { ...hostileKeys(), big: bigText }, result: specialValues() });
    await tasks.createTask(written);
    return { actual: await tasks.getTask(id), expected: written };
  }),
  fail(
    "task id of 10,000 characters",
    "ConvexStorage.createTask",
    /bytes|limit/i,
    ({ tasks }) => tasks.createTask(task(longId)),
  ),
  fail(
    "task with an unknown status",
    "ConvexStorage.createTask",
    /task\.status must be one of/,
    ({ tasks }) => tasks.createTask(task(unique("task"), { status: "paused" })),
  ),
  fail(
    "task with a field that is not part of a task",
    "ConvexStorage.createTask",
    /not a field of a background task/,
    ({ tasks }) => tasks.createTask(task(unique("task"), { priority: 5 })),
  ),
  fail(
    "task with cyclic args",
    "ConvexStorage.createTask",
    /cycl|circular/i,
    ({ tasks }) => tasks.createTask(task(unique("task"), { args: cyclic })),
  ),

  // --- schedules ---------------------------------------------------------
  roundTrip("schedule metadata with hostile keys (JSON semantics)", async ({ schedules }) => {
    const id = unique("schedule");
    const metadata = JSON.parse(JSON.stringify({ ...hostileKeys(), deep: nested(30) }));
    await schedules.createSchedule(schedule(id, { metadata }));
    return { actual: (await schedules.getSchedule(id)).metadata, expected: metadata };
  }),
  fail(
    "schedule id of 10,000 characters",
    "ConvexStorage.createSchedule",
    /bytes|limit/i,
    ({ schedules }) => schedules.createSchedule(schedule(longId)),
  ),
  fail(
    "schedule with cyclic metadata",
    "ConvexStorage.createSchedule",
    /cycl|circular|JSON/i,
    ({ schedules }) => schedules.createSchedule(schedule(unique("schedule"), { metadata: cyclic })),
  ),
  fail(
    "schedule nextFireAt that is not a number",
    "ConvexStorage.createSchedule",
    /nextFireAt/,
    ({ schedules }) => schedules.createSchedule(schedule(unique("schedule"), { nextFireAt: "soon" })),
  ),

  // --- channels ----------------------------------------------------------
  roundTrip("installation data with hostile keys and special values", async ({ channels }) => {
    const id = unique("inst");
    const written = installation(id, { data: { ...hostileKeys(), ...specialValues() } });
    await channels.saveInstallation(written);
    return { actual: await channels.getInstallation(id), expected: written };
  }),
  fail(
    "installation id of 10,000 characters",
    "ConvexStorage.saveInstallation",
    /bytes|limit/i,
    ({ channels }) => channels.saveInstallation(installation(longId)),
  ),
  fail(
    "installation with cyclic data",
    "ConvexStorage.saveInstallation",
    /cycl|circular/i,
    ({ channels }) => channels.saveInstallation(installation(unique("inst"), { data: cyclic })),
  ),

  // --- logs --------------------------------------------------------------
  roundTrip("logs with hostile keys in data, as core's store answers", (s) => {
    const logs = [log({ data: hostileKeys(), traceId: "corpus-logs" })];
    return sameAsReference(
      s,
      (store) => store.batchCreateLogs(bad({ logs: structuredClone(logs) })),
      (store) => store.listLogs(bad({ filters: { traceId: "corpus-logs" } })),
    );
  }),
  fail(
    "log filter of the wrong shape (refused by core's argument schema)",
    "ConvexStorage.listLogs",
    /invalid arguments: filters\.tags\.0: /,
    ({ observability }) => observability.listLogs(bad({ filters: { tags: [[["deep"]]] } })),
  ),
  fail(
    "metric query of the wrong shape (refused by core's argument schema)",
    "ConvexStorage.getMetricAggregate",
    /invalid arguments: /,
    ({ observability }) => observability.getMetricAggregate(bad({ name: 5, aggregation: "median" })),
  ),
  fail(
    "log data nested 100,000 levels",
    "ConvexStorage.batchCreateLogs",
    /nested deeper than 256 levels/,
    ({ observability }) => observability.batchCreateLogs(bad({ logs: [log({ data: nested(100_000) })] })),
  ),
  fail(
    "log with a cyclic data value",
    "ConvexStorage.batchCreateLogs",
    /cycl|circular/i,
    ({ observability }) => observability.batchCreateLogs(bad({ logs: [log({ data: cyclic })] })),
  ),
  fail(
    "log id of 10,000 characters",
    "ConvexStorage.batchCreateLogs",
    /bytes|limit/i,
    ({ observability }) => observability.batchCreateLogs(bad({ logs: [log({ logId: longId })] })),
  ),

  // --- metrics -----------------------------------------------------------
  roundTrip("metric with odd label keys and values, as core's store answers", (s) => {
    const metrics = [metric({ name: "corpus-metric", labels: { $schema: "x", "": "empty", "ключ": "значение" } })];
    return sameAsReference(
      s,
      (store) => store.batchCreateMetrics(bad({ metrics: structuredClone(metrics) })),
      (store) => store.listMetrics(bad({ filters: { name: ["corpus-metric"] } })),
    );
  }),
  fail(
    "metric with 5,000 labels",
    "ConvexStorage.batchCreateMetrics",
    /the limit is 1000 labels per metric/,
    ({ observability }) =>
      observability.batchCreateMetrics(bad({
        metrics: [metric({ labels: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"])) })],
      })),
  ),
  fail(
    "metric with a NaN value",
    "ConvexStorage.batchCreateMetrics",
    /finite number/,
    ({ observability }) => observability.batchCreateMetrics(bad({ metrics: [metric({ value: NaN })] })),
  ),

  // --- observability scores and feedback ----------------------------------
  roundTrip("score with hostile metadata, as core's store answers", (s) => {
    const score = obsScore({ metadata: hostileKeys(), traceId: "corpus-scores" });
    return sameAsReference(
      s,
      (store) => store.createScore(bad({ score: structuredClone(score) })),
      (store) => store.listScores(bad({ filters: { traceId: "corpus-scores" } })),
    );
  }),
  fail(
    "score with an infinite value",
    "ConvexStorage.createScore",
    /finite number/,
    ({ observability }) => observability.createScore(bad({ score: obsScore({ score: Infinity }) })),
  ),
  roundTrip("feedback with hostile metadata, as core's store answers", (s) => {
    const record = feedback({ metadata: hostileKeys(), traceId: "corpus-feedback" });
    return sameAsReference(
      s,
      (store) => store.createFeedback(bad({ feedback: structuredClone(record) })),
      (store) => store.listFeedback(bad({ filters: { traceId: "corpus-feedback" } })),
    );
  }),
  fail(
    "feedback with cyclic metadata",
    "ConvexStorage.createFeedback",
    /cycl|circular/i,
    ({ observability }) => observability.createFeedback(bad({ feedback: feedback({ metadata: cyclic }) })),
  ),

  // --- trace query -------------------------------------------------------
  fail(
    "trace query with an unknown comparison operator",
    "ConvexStorage.queryTraces",
    /unknown comparison operator "like"/,
    ({ observability }) =>
      observability.queryTraces(tracePlan({ type: "comparison", field: "name", operator: "like", value: "x" })),
  ),
  fail(
    "trace query with an unknown predicate type",
    "ConvexStorage.queryTraces",
    /unknown predicate type "fuzzy"/,
    ({ observability }) => observability.queryTraces(tracePlan({ type: "fuzzy", field: "name" })),
  ),
  fail(
    "trace query nested 10,000 levels",
    "ConvexStorage.queryTraces",
    /predicate nesting limit/,
    ({ observability }) => observability.queryTraces(tracePlan(deepNot(10_000))),
  ),
];

Deno.test("bad input corpus (domains): every case round-trips exactly or fails clearly (USER) writing nothing", async (t) => {
  const { storage, backend } = createTestStorage({ now: () => NOW });
  const vector = new ConvexVector({ client: inProcessClient(backend) });
  await vector.createIndex({ indexName: "v-corpus", dimension: 3 });
  const reference = (await new InMemoryStore().getStore("observability"))!;
  const stores: Stores = {
    storage,
    vector,
    cache: new ConvexServerCache({ client: inProcessClient(backend) }),
    memory: (await storage.getStore("memory"))!,
    tasks: (await storage.getStore("backgroundTasks"))!,
    schedules: (await storage.getStore("schedules"))!,
    channels: (await storage.getStore("channels"))!,
    observability: (await storage.getStore("observability"))!,
    reference,
  };
  const failures: string[] = [];
  for (const item of cases) {
    const ok = await t.step(`${item.kind}: ${item.name}`, async () => {
      if (item.kind === "round-trip") {
        const { actual, expected } = await item.run(stores);
        assert.deepStrictEqual(actual, expected, item.name);
        return;
      }
      const { result, usage } = await measure(async () => {
        try {
          await item.call(stores);
          return undefined;
        } catch (error) {
          return error;
        }
      });
      assert.ok(result instanceof MastraError, `${item.name}: expected a MastraError, got ${result}`);
      assert.equal(result.category, "USER", `${item.name}: ${result.category} ${result.message.slice(0, 300)}`);
      assert.match(result.message, new RegExp(`^${item.operation.replace(".", "\\.")} failed`), item.name);
      assert.match(result.message, item.problem, `${item.name}: ${result.message.slice(0, 300)}`);
      assert.equal(usage.documentsWritten, 0, `${item.name}: wrote ${usage.documentsWritten} documents`);
      assert.ok(result.message.length <= 2000, `${item.name}: message of ${result.message.length} characters`);
    });
    if (!ok) failures.push(item.name);
  }
  console.log(`bad input corpus (domains): ${cases.length} cases, ${failures.length} failed`);
  void createBackend;
});
