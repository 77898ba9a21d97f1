/**
 * Trace-query plans (issue 19): random plans over random traces, answered by
 * ConvexStorage on the in-process backend, must equal an independent evaluator
 * of the plan tree written here (reference semantics: `@mastra/pg`'s
 * `PostgresStoreVNext` SQL, transcribed case by case below). Plans are built
 * from random *requests* by core's own planner (`parseTraceQueryRequest` +
 * `planTraceQuery`), so only plans core can produce are tested, and cursors
 * are core's own.
 *
 * Why an evaluator and not a differential run against Postgres: the reference
 * store needs a running Postgres server, and its semantics are a few dozen
 * lines of SQL (two-valued thanks to its `IS NOT NULL` guards), which read
 * one-to-one into the evaluator below.
 *
 * Tie order: PG orders by (sort value, traceId ascending); we compare the
 * whole keyset walk (all pages concatenated) and every page-mode page.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  encodeTraceQueryDeltaCursor,
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
import {
  lastDiscoveryRoute,
  setTraceQueryDiscoveryMode,
  setTraceQueryScanBudget,
} from "../src/observability/traceQuery/traceQuery.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const BASE = Date.parse("2026-01-01T00:00:00.000Z");
const at = (minutes: number) => new Date(BASE + minutes * 60_000);
const maybe = <T>(...values: T[]) => fc.constantFrom<T | null>(null, ...values);

const childArb = fc.record({
  name: fc.constantFrom("llm", "tool", "search"),
  spanType: fc.constantFrom("model_generation", "tool_call", "generic"),
  model: maybe("gpt", "claude"),
  start: fc.integer({ min: 0, max: 5 }),
  len: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  error: fc.boolean(),
  entityName: maybe("a", "b"),
  organizationId: maybe("o1", "o2"),
});

const traceArb = fc.record({
  start: fc.integer({ min: 0, max: 8 }),
  len: fc.option(fc.integer({ min: 0, max: 4 }), { nil: null }),
  error: fc.boolean(),
  name: fc.constantFrom("run", "chat"),
  entityType: maybe("agent", "workflow_run"),
  entityName: maybe("a", "b"),
  environment: maybe("prod", "dev"),
  threadId: maybe("th1", "th2", "th3"),
  resourceId: maybe("r1", "r2"),
  organizationId: maybe("o1", "o2"),
  tags: fc.constantFrom<string[] | null>(null, [], ["x"], ["x", "y"], ["y"]),
  metadata: fc.constantFrom<Record<string, unknown> | null>(null, {}, { k: "v1" }, { k: " v2 " }, { k: "", j: "w" }, {
    k: 3,
    j: "w",
  }),
  children: fc.array(childArb, { maxLength: 3 }),
  scores: fc.array(
    fc.record({
      scorerId: fc.constantFrom("s1", "s2"),
      score: fc.constantFrom(0, 0.5, 1),
      onSpan: fc.boolean(),
      minute: fc.integer({ min: 0, max: 8 }),
      organizationId: maybe("o1", "o2"),
    }),
    { maxLength: 2 },
  ),
  feedback: fc.array(
    fc.record({
      feedbackType: fc.constantFrom("thumbs", "rating"),
      value: fc.constantFrom<string | number>("up", "down", 1, 5, "5"),
      comment: maybe("nice"),
      minute: fc.integer({ min: 0, max: 8 }),
      organizationId: maybe("o1", "o2"),
    }),
    { maxLength: 2 },
  ),
});

type TraceSpec = typeof traceArb extends fc.Arbitrary<infer T> ? T : never;

function scoreRecords(specs: TraceSpec[]): Record<string, unknown>[] {
  return specs.flatMap((t, i) =>
    t.scores.map((sc, j) => ({
      scoreId: `score-${i}-${j}`,
      traceId: `t${i}`,
      spanId: sc.onSpan ? "root" : null,
      scorerId: sc.scorerId,
      score: sc.score,
      timestamp: at(sc.minute),
      organizationId: sc.organizationId,
    }))
  );
}

function feedbackRecords(specs: TraceSpec[]): Record<string, unknown>[] {
  return specs.flatMap((t, i) =>
    t.feedback.map((f, j) => ({
      feedbackId: `fb-${i}-${j}`,
      traceId: `t${i}`,
      feedbackType: f.feedbackType,
      value: f.value,
      comment: f.comment,
      timestamp: at(f.minute),
      organizationId: f.organizationId,
    }))
  );
}

function records(specs: TraceSpec[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  specs.forEach((t, i) => {
    const traceId = `t${i}`;
    out.push({
      traceId,
      spanId: "root",
      parentSpanId: null,
      name: t.name,
      spanType: "agent_run",
      isEvent: false,
      startedAt: at(t.start),
      endedAt: t.len === null ? null : at(t.start + t.len),
      error: t.error ? { message: "boom" } : null,
      entityType: t.entityType,
      entityName: t.entityName,
      entityId: "e1",
      environment: t.environment,
      threadId: t.threadId,
      resourceId: t.resourceId,
      organizationId: t.organizationId,
      tags: t.tags,
      metadata: t.metadata,
      input: { messages: [{ role: "user", content: `hello ${i}` }] },
      createdAt: at(t.start),
      updatedAt: null,
    });
    t.children.forEach((c, j) => {
      out.push({
        traceId,
        spanId: `c${j}`,
        parentSpanId: "root",
        name: c.name,
        spanType: c.spanType,
        isEvent: false,
        startedAt: at(c.start),
        endedAt: c.len === null ? null : at(c.start + c.len),
        error: c.error ? { message: "x" } : null,
        entityName: c.entityName,
        organizationId: c.organizationId,
        attributes: c.model === null ? {} : { model: c.model },
        createdAt: at(c.start),
        updatedAt: null,
      });
    });
  });
  return out;
}

// ---------- random requests (core's public predicate language) ----------

const isoArb = fc.integer({ min: 0, max: 12 }).map((m) => at(m).toISOString());
const traceScalarArb: fc.Arbitrary<Any> = fc.oneof(
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.constant({ path: "entityType" }),
    right: fc.record({ literal: fc.constantFrom("agent", "workflow_run") }),
  }),
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.record({ path: fc.constantFrom("entityName", "environment", "threadId", "resourceId", "status") }),
    right: fc.record({ literal: fc.constantFrom("a", "b", "prod", "dev", "th1", "th2", "r1", "error", "success") }),
  }),
  fc.record({
    op: fc.constantFrom("lt", "lte", "gt", "gte", "eq", "ne"),
    left: fc.record({ path: fc.constantFrom("startedAt", "endedAt") }),
    right: fc.record({ literal: isoArb }),
  }),
  fc.record({
    op: fc.constantFrom("lt", "lte", "gt", "gte"),
    left: fc.constant({ path: "durationMs" }),
    right: fc.record({ literal: fc.constantFrom(0, 60_000, 120_000, 180_000) }),
  }),
  fc.record({
    op: fc.constantFrom("in", "notIn"),
    value: fc.record({ path: fc.constantFrom("entityName", "threadId", "environment") }),
    set: fc.subarray(["a", "b", "th1", "th3", "prod"], { minLength: 1 }),
  }),
  fc.record({
    op: fc.constantFrom("exists", "notExists"),
    path: fc.constantFrom("threadId", "entityName", "tags", "metadata.k", "metadata.j", "environment"),
  }),
  fc.record({
    op: fc.constantFrom("includes", "notIncludes"),
    path: fc.constant("tags"),
    value: fc.constantFrom("x", "y"),
  }),
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.constant({ path: "metadata.k" }),
    right: fc.record({ literal: fc.constantFrom("v1", "v2", "3") }),
  }),
);
const spanScalarArb: fc.Arbitrary<Any> = fc.oneof(
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.record({ path: fc.constantFrom("name", "spanType", "model", "status", "entityName") }),
    right: fc.record({ literal: fc.constantFrom("llm", "tool", "tool_call", "gpt", "error", "success", "a") }),
  }),
  fc.record({ op: fc.constantFrom("exists", "notExists"), path: fc.constantFrom("error", "model", "endedAt") }),
  fc.record({
    op: fc.constantFrom("lt", "gte"),
    left: fc.constant({ path: "durationMs" }),
    right: fc.record({ literal: fc.constantFrom(0, 120_000) }),
  }),
);
const spanPredArb: fc.Arbitrary<Any> = fc.oneof(
  { weight: 3, arbitrary: spanScalarArb },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constantFrom("and", "or"),
      args: fc.array(spanScalarArb, { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ op: fc.constant("not"), arg: spanScalarArb }) },
);
const scorePredArb: fc.Arbitrary<Any> = fc.oneof(
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.constant({ path: "scorerId" }),
    right: fc.record({ literal: fc.constantFrom("s1", "s2") }),
  }),
  fc.record({
    op: fc.constantFrom("lt", "gte", "eq"),
    left: fc.constant({ path: "score" }),
    right: fc.record({ literal: fc.constantFrom(0, 0.5, 1) }),
  }),
  fc.record({ op: fc.constantFrom("exists", "notExists"), path: fc.constant("spanId") }),
  fc.record({
    op: fc.constantFrom("gt", "lte"),
    left: fc.constant({ path: "timestamp" }),
    right: fc.record({ literal: isoArb }),
  }),
);
const feedbackPredArb: fc.Arbitrary<Any> = fc.oneof(
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.constant({ path: "feedbackType" }),
    right: fc.record({ literal: fc.constantFrom("thumbs", "rating") }),
  }),
  fc.record({
    op: fc.constantFrom("eq", "ne"),
    left: fc.constant({ path: "value" }),
    right: fc.record({ literal: fc.constantFrom<string | number>("up", "5", 5, 1) }),
  }),
  fc.record({
    op: fc.constantFrom("lt", "gte"),
    left: fc.constant({ path: "value" }),
    right: fc.record({ literal: fc.constantFrom(1, 5) }),
  }),
  fc.record({
    op: fc.constantFrom("in", "notIn"),
    value: fc.constant({ path: "value" }),
    set: fc.constant(["up", "5"]),
  }),
  fc.record({ op: fc.constantFrom("exists", "notExists"), path: fc.constantFrom("comment", "value") }),
);
const relationArb: fc.Arbitrary<Any> = fc.oneof(
  fc.tuple(fc.constantFrom("some", "none"), feedbackPredArb).map(([q, p]) => ({ feedback: { [q]: p } })),
  fc.tuple(fc.constantFrom("some", "none"), spanPredArb).map(([q, p]) => ({ spans: { [q]: p } })),
  fc.tuple(fc.constantFrom("some", "none"), scorePredArb).map(([q, p]) => ({ scores: { [q]: p } })),
);
const { tree: wherePred } = fc.letrec<{ tree: Any }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    { weight: 4, arbitrary: traceScalarArb },
    { weight: 1, arbitrary: relationArb },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constantFrom("and", "or"),
        args: fc.array(tie("tree"), { minLength: 1, maxLength: 3 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant("not"), arg: tie("tree") }) },
  ),
}));

// ---------- the independent reference ----------

type Row = Record<string, unknown>;
const TIME = new Set(["startedAt", "endedAt", "timestamp"]);

function rootField(root: Row, field: string): unknown {
  const ms = (v: unknown) => (v == null ? null : new Date(v as string).getTime());
  if (field === "startedAt" || field === "endedAt") return ms(root[field]);
  if (field === "durationMs") return ms(root.endedAt)! - ms(root.startedAt)!;
  if (field === "status") return root.error != null ? "error" : "success";
  if (field === "tags") return Array.isArray(root.tags) ? root.tags : [];
  if (field.startsWith("metadata.")) {
    const raw = (root.metadata as Row | null)?.[field.slice(9)];
    return typeof raw === "string" && raw.trim() !== "" ? raw.trim() : null;
  }
  return root[field] ?? null;
}

function spanField(span: Row, field: string): unknown {
  const ms = (v: unknown) => (v == null ? null : new Date(v as string).getTime());
  if (field === "startedAt" || field === "endedAt") return ms(span[field]);
  if (field === "durationMs") return span.endedAt == null ? null : ms(span.endedAt)! - ms(span.startedAt)!;
  if (field === "status") return span.error != null ? "error" : "success";
  if (field === "error") return span.error ?? null;
  if (field === "model" || field === "provider") {
    const v = (span.attributes as Row | undefined)?.[field];
    return typeof v === "string" ? v : null;
  }
  return span[field] ?? null;
}

/** SQL's semantics of one scalar predicate (`compileScalarPredicate` of @mastra/pg). */
function sqlScalar(p: Any, get: (field: string) => unknown): boolean {
  if (p.type === "boolean") {
    return p.operator === "and"
      ? p.args.every((a: Any) => sqlScalar(a, get))
      : p.args.some((a: Any) => sqlScalar(a, get));
  }
  if (p.type === "not") return !sqlScalar(p.arg, get);
  const value = get(p.field);
  const lit = (x: unknown) => (TIME.has(p.field) && typeof x === "string" ? Date.parse(x) : x);
  if (p.type === "presence") return p.operator === "exists" ? value !== null : value === null;
  if (p.type === "collection") {
    const arr = value as string[];
    if (p.operator === "empty") return arr.length === 0;
    if (p.operator === "notEmpty") return arr.length > 0;
    return p.operator === "includes" ? arr.includes(p.value) : arr.length > 0 && !arr.includes(p.value);
  }
  if (p.type === "membership") {
    const hit = value !== null && p.values.map(lit).includes(value);
    return p.operator === "in" ? hit : value === null || !hit;
  }
  const right = lit(p.value) as Any;
  switch (p.operator) {
    case "eq":
      return value !== null && value === right;
    case "ne":
      return value === null || value !== right;
    case "lt":
      return value !== null && (value as Any) < right;
    case "lte":
      return value !== null && (value as Any) <= right;
    case "gt":
      return value !== null && (value as Any) > right;
    default:
      return value !== null && (value as Any) >= right;
  }
}

type Trace = { root: Row; spans: Row[]; scores: Row[]; feedback: Row[] };

/** Feedback in PG: `value` is two columns, and a predicate's literal type picks the one it reads. */
function sqlFeedback(p: Any, f: Row): boolean {
  if (p.type === "boolean") {
    return p.operator === "and"
      ? p.args.every((a: Any) => sqlFeedback(a, f))
      : p.args.some((a: Any) => sqlFeedback(a, f));
  }
  if (p.type === "not") return !sqlFeedback(p.arg, f);
  if (p.field !== "value") return sqlScalar(p, (field) => scoreField(f, field));
  if (p.type === "presence") return p.operator === "exists" ? f.value != null : f.value == null;
  const numeric = typeof (p.type === "membership" ? p.values[0] : p.value) === "number";
  const column = (typeof f.value === "number") === numeric ? f.value : null;
  return sqlScalar(p, () => column);
}

function scoreField(score: Row, field: string): unknown {
  if (field === "timestamp") return (score.timestamp as Date).getTime();
  return score[field] ?? null;
}

function sqlTrace(p: Any, t: Trace): boolean {
  if (p.type === "relation") {
    const exists = p.collection === "spans"
      ? t.spans.some((s) => sqlScalar(p.predicate, (f) => spanField(s, f)))
      : p.collection === "scores"
      ? t.scores.some((s) => sqlScalar(p.predicate, (f) => scoreField(s, f)))
      : t.feedback.some((f) => sqlFeedback(p.predicate, f));
    return p.quantifier === "some" ? exists : !exists;
  }
  if (p.type === "boolean") {
    return p.operator === "and" ? p.args.every((a: Any) => sqlTrace(a, t)) : p.args.some((a: Any) => sqlTrace(a, t));
  }
  if (p.type === "not") return !sqlTrace(p.arg, t);
  return sqlScalar(p, (f) => rootField(t.root, f));
}

let allScores: Row[] = [];
let allFeedback: Row[] = [];

function eligible(all: Row[], plan: { timeRange: { from: string; to: string }; scope?: Any }): Trace[] {
  const from = Date.parse(plan.timeRange.from);
  const to = Date.parse(plan.timeRange.to);
  const scoped = (r: Row) =>
    !plan.scope ||
    (r.organizationId === plan.scope.organizationId &&
      (plan.scope.resourceId === undefined || r.resourceId === plan.scope.resourceId));
  const out: Trace[] = [];
  for (const root of all.filter((r) => r.parentSpanId === null)) {
    const started = (root.startedAt as Date).getTime();
    if (root.endedAt == null || started < from || started >= to || !scoped(root)) continue;
    out.push({
      root,
      spans: all.filter((s) => s.traceId === root.traceId && scoped(s)),
      scores: allScores.filter((s) => s.traceId === root.traceId && scoped(s)),
      feedback: allFeedback.filter((s) => s.traceId === root.traceId && scoped(s)),
    });
  }
  return out;
}

function referenceTraces(all: Row[], plan: Any): string[] {
  const rows = eligible(all, plan).filter((t) => !plan.where || sqlTrace(plan.where, t));
  const key = (t: Trace) => (t.root[plan.orderBy.field] as Date).getTime();
  const dir = plan.orderBy.direction === "asc" ? 1 : -1;
  rows.sort((a, b) => (key(a) - key(b)) * dir || ((a.root.traceId as string) < (b.root.traceId as string) ? -1 : 1));
  return rows.map((t) => t.root.traceId as string);
}

function referenceThreads(all: Row[], plan: Any): string[] {
  const traces = eligible(all, { ...plan.traces, scope: plan.scope }).filter((t) =>
    !plan.traces.where || sqlTrace(plan.traces.where, t)
  );
  const ids = [...new Set(traces.map((t) => t.root.threadId).filter((x): x is string => typeof x === "string"))];
  const holds = (p: Any, id: string): boolean => {
    if (p.type === "relation") {
      const some = traces.some((t) => t.root.threadId === id && sqlTrace(p.predicate, t));
      return p.quantifier === "some" ? some : !some;
    }
    if (p.type === "boolean") {
      return p.operator === "and" ? p.args.every((a: Any) => holds(a, id)) : p.args.some((a: Any) => holds(a, id));
    }
    return !holds(p.arg, id);
  };
  return ids.filter((id) => !plan.where || holds(plan.where, id)).sort();
}

// ---------- the property ----------

const scopeArb = fc.constantFrom<Any>(undefined, { organizationId: "o1" }, { organizationId: "o2", resourceId: "r1" });
const rangeArb = fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 10 })).map(([a, n]) => ({
  from: at(a).toISOString(),
  to: at(a + n).toISOString(),
}));
const orderArb = fc.record({
  field: fc.constantFrom("startedAt", "endedAt"),
  direction: fc.constantFrom("asc", "desc"),
});

const RUNS = Number(Deno.env.get("TQ_RUNS") ?? 150);
let refused = 0;
let multiPage = 0;
let planned = 0;
function plan(request: Any, scope: Any): Any {
  try {
    const out = planTraceQuery(parseTraceQueryRequest(request), { scope });
    planned++;
    return out;
  } catch {
    refused++;
    return undefined; // a request core's planner refuses
  }
}

const DISCOVERY_PATHS = [
  ["trace", "entityName"],
  ["trace", "entityType"],
  ["trace", "environment"],
  ["trace", "status"],
  ["trace", "tags"],
  ["trace", "metadata.k"],
  ["trace", "metadata.j"],
  ["spans", "name"],
] as const;
let dictionaryAnswers = 0;
let runs = 0;

function ranked(counts: Map<string, number>, search: string | undefined): [string, number][] {
  return [...counts]
    .filter(([key]) => search === undefined || key.toLowerCase().includes(search.toLowerCase()))
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
}

/** Observed fields and values, from the dictionary and from the walk, equal the reference's. */
async function checkDiscovery(
  obs: Any,
  all: Row[],
  timeRange: Any,
  scope: Any,
  limit: number,
  modes: readonly ("dictionary" | "walk")[],
): Promise<void> {
  for (const mode of modes) {
    setTraceQueryDiscoveryMode(mode);
    for (const search of [undefined, "K"]) {
      const fieldsPlan = planTraceQueryObservedFields(
        parseGetTraceQueryFieldsArgs({ timeRange, predicateScope: "trace", search, limit }),
        { scope },
      );
      const fields = await obs.getTraceQueryObservedFields(fieldsPlan);
      const counts = new Map<string, number>();
      for (const t of eligible(all, fieldsPlan)) {
        for (const [k, v] of Object.entries((t.root.metadata ?? {}) as Row)) {
          if (typeof v === "string" && v.trim() !== "") {
            counts.set(`metadata.${k}`, (counts.get(`metadata.${k}`) ?? 0) + 1);
          }
        }
      }
      const expectedFields = ranked(counts, search);
      const label = `${mode} fields ${JSON.stringify({ timeRange, scope, search })}`;
      assert.deepEqual(
        fields.observedFields.map((f: Any) => [f.path, f.occurrences]),
        expectedFields.slice(0, limit),
        label,
      );
      assert.equal(fields.observedFieldsTruncated, expectedFields.length > limit, label);
      assert.equal(lastDiscoveryRoute, mode, label);
      if (mode === "dictionary") dictionaryAnswers++;
    }
    for (const [predicateScope, path] of DISCOVERY_PATHS) {
      for (const search of path === "entityName" || path === "metadata.k" ? [undefined, "v"] : [undefined]) {
        const valuesPlan = planTraceQueryValues(
          parseGetTraceQueryValuesArgs({ timeRange, predicateScope, path, search, limit: limit * 2 }),
          { scope },
        );
        const values = await obs.getTraceQueryValues(valuesPlan);
        const tally = new Map<string, number>();
        for (const t of eligible(all, valuesPlan)) {
          const found = predicateScope === "spans"
            ? t.spans.map((s) => spanField(s, path))
            : path === "tags"
            ? [...new Set(rootField(t.root, path) as string[])]
            : [rootField(t.root, path)];
          for (const v of found) if (typeof v === "string") tally.set(v, (tally.get(v) ?? 0) + 1);
        }
        const expectedValues = ranked(tally, search);
        const label = `${mode} ${predicateScope}.${path} ${JSON.stringify({ timeRange, scope, search })}`;
        assert.deepEqual(
          values.values.map((v: Any) => [v.value, v.count]),
          expectedValues.slice(0, limit * 2),
          label,
        );
        assert.equal(values.valuesTruncated, expectedValues.length > limit * 2, label);
        assert.equal(lastDiscoveryRoute, predicateScope === "trace" ? mode : "walk", label);
      }
    }
  }
  setTraceQueryDiscoveryMode(undefined);
}

Deno.test("queryTraces / queryThreads / discovery equal the reference evaluator on random plans", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(traceArb, { minLength: 1, maxLength: 14 }),
      fc.array(fc.tuple(fc.option(wherePred, { nil: undefined }), rangeArb, orderArb, scopeArb), {
        minLength: 1,
        maxLength: 4,
      }),
      fc.integer({ min: 1, max: 4 }),
      fc.constantFrom(undefined, 1, 2, 3),
      async (specs, queries, limit, budget) => {
        setTraceQueryScanBudget(budget); // tiny budgets: every answer is assembled from many resumed calls
        const { storage } = createTestStorage();
        const obs = (await storage.getStore("observability"))! as Any;
        const all = records(specs);
        await obs.batchCreateSpans({ records: all });
        allScores = scoreRecords(specs);
        if (allScores.length > 0) await obs.batchCreateScores({ scores: allScores });
        allFeedback = feedbackRecords(specs);
        if (allFeedback.length > 0) await obs.batchCreateFeedback({ feedbacks: allFeedback });
        for (const [where, timeRange, orderBy, scope] of queries) {
          // keyset: walk every page via core's cursors
          const keyset = plan({ timeRange, where, orderBy: [orderBy], page: { limit } }, scope);
          if (!keyset) continue;
          const expected = referenceTraces(all, keyset);
          if (expected.length > limit) multiPage++;
          const seen: string[] = [];
          let p = keyset;
          for (let guard = 0; guard < 20; guard++) {
            const res = await obs.queryTraces(p);
            assert.ok(res.traces.length <= limit);
            seen.push(...res.traces.map((t: Any) => t.traceId));
            if (!res.page.next) break;
            p = plan({ timeRange, where, orderBy: [orderBy], page: { limit, after: res.page.next } }, scope);
          }
          assert.deepEqual(seen, expected, JSON.stringify({ where: keyset.where, timeRange, orderBy, scope }));
          // page mode
          const page = 1;
          const paged = await obs.queryTraces(
            plan({ timeRange, where, orderBy: [orderBy], pagination: { page, perPage: limit } }, scope),
          );
          assert.equal(paged.pagination.total, expected.length);
          assert.deepEqual(paged.traces.map((t: Any) => t.traceId), expected.slice(page * limit, (page + 1) * limit));
          // delta: from watermark 0, every eligible match in root-write order (here: the order traces were written)
          const deltaPlan = plan({ timeRange, where, mode: "delta", limit }, scope);
          const written = referenceTraces(all, keyset).sort((a, b) => Number(a.slice(1)) - Number(b.slice(1)));
          let after = encodeTraceQueryDeltaCursor(deltaPlan, "convex", "0");
          const polled: string[] = [];
          for (let guard = 0; guard < 30; guard++) {
            const res = await obs.queryTraces(plan({ timeRange, where, mode: "delta", limit, after }, scope));
            polled.push(...res.traces.map((t: Any) => t.traceId));
            after = res.deltaCursor;
            if (!res.delta.hasMore) break;
          }
          assert.deepEqual(polled, written, "delta");
          // threads: traces filtered by the predicate, threads with some / none of their traces in error
          const threadPlan = planThreadQuery(
            parseQueryThreadsInput({
              traces: { timeRange, where },
              where: {
                traces: {
                  [limit % 2 ? "some" : "none"]: { op: "eq", left: { path: "status" }, right: { literal: "error" } },
                },
              },
              page: { limit: 100 },
            }),
            { scope },
          );
          const threads = await obs.queryThreads(threadPlan);
          assert.deepEqual(threads.threads.map((t: Any) => t.threadId), referenceThreads(all, threadPlan));
        }
        // discovery (first query's range and scope), from the dictionary and from the walk: one run in three
        if (runs++ % 3 !== 0) return;
        const [, timeRange, , scope] = queries[0];
        await checkDiscovery(obs, all, timeRange, scope, limit, ["dictionary", "walk"]);
        // then deletes, roots ending late and root metadata changing: the dictionary follows
        const removed = new Set(specs.map((_, i) => `t${i}`).filter((_, i) => i % 3 === limit % 3));
        if (removed.size > 0) await obs.batchDeleteTraces({ traceIds: [...removed] });
        let current = all.filter((r) => !removed.has(r.traceId as string));
        const updates: Any[] = [];
        for (const root of current.filter((r) => r.parentSpanId === null)) {
          const i = Number((root.traceId as string).slice(1));
          if (root.endedAt === null) updates.push({ ...root, endedAt: at(specs[i].start + 1) });
          else if (i % 2 === 0) updates.push({ ...root, metadata: { k: `late${i % 4}`, j: "w" } });
        }
        for (const u of updates) {
          await obs.updateSpan({
            traceId: u.traceId,
            spanId: "root",
            updates: u.endedAt === null ? { metadata: u.metadata } : { endedAt: u.endedAt, metadata: u.metadata },
          });
        }
        current = current.map((r) => updates.find((u) => u.traceId === r.traceId && r.spanId === "root") ?? r);
        await checkDiscovery(obs, current, timeRange, scope, limit, ["dictionary"]);
      },
    ),
    { numRuns: RUNS },
  );
  // most random requests must reach the store (the planner refuses only ill-typed ones)
  assert.ok(planned > refused * 3, `planned ${planned}, refused ${refused}`);
  assert.ok(multiPage >= Math.ceil(RUNS / 15), `only ${multiPage} plans had more than one page`);
  assert.ok(dictionaryAnswers >= RUNS / 3, `only ${dictionaryAnswers} discovery answers came from the dictionary`);
  console.log(`plans with several pages: ${multiPage}`);
  console.log(`plans executed: ${planned}, refused by core's planner: ${refused}`);
});
