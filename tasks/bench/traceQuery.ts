/**
 * Bench rows of Mastra Studio's trace explorer on our store (issue 19): documents read and
 * round trips per call of the common trace-query plans, observed fields and values, and of
 * the plans that fall back to bounded walks, at growing numbers of traces. Part of
 * `deno task bench` (`tasks/bench.ts`); standalone: `deno run -A tasks/bench/traceQuery.ts 10000,100000`.
 *
 * Data at size N: N traces one second apart, each a root span (an agent or a workflow run,
 * 10 entity names, 1 in 10 in error, 1 in 4 in `staging`, N/100 resources, N/10 threads, 4
 * organizations, tags `studio` + `vip` on 1 in 5, metadata `customer` (50 values) and `plan`
 * (3 values)) and one model-generation child span. Seeded fast but faithfully: templates are
 * written through the store's API (`batchCreateSpans`), their span and trace rows cloned
 * with the identifiers and times replaced, in chunks inside the backend, and the trace
 * dictionary and counters updated by the same code the write path runs
 * (`TraceDictionaryBatch`) or set to what N writes would leave.
 */
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
import { measure } from "../../tests/helpers/metrics.ts";
import { createOurs, type Subject } from "./subjects.ts";
import { traceDictionaryEntries } from "../../convex/observability/tracing/traceDictionary.ts";
import { MAX_ENTRIES } from "../../convex/kit/rankTree.ts";
import type { SortKey } from "../../convex/kit/walk.ts";
import { observabilityCounters } from "../../convex/observability/counterNames.ts";
import { TRACE_FAMILIES, type TraceRow } from "../../convex/observability/tracing/validators.ts";
import { counterShard } from "../../convex/kit/counters.ts";
import { lastDiscoveryRoute, setTraceQueryDiscoveryMode } from "../../src/observability/traceQuery/traceQuery.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
type Doc = Record<string, unknown>;

const T0 = 1_700_000_000_000;
const START_TOKEN = 1_111_111_111_111;
const CHUNK = 2000;

const pad = (i: number) => String(i).padStart(7, "0");

function spec(i: number, n: number) {
  return {
    traceId: `tr-${pad(i)}`,
    entityType: i % 2 ? "agent" : "workflow_run",
    entityName: `name-${i % 10}`,
    error: i % 10 === 3,
    environment: i % 4 === 0 ? "staging" : "production",
    resourceId: `user-${i % 100}`,
    threadId: `thread-${i % Math.max(1, Math.floor(n / 10))}`,
    organizationId: `org-${i % 4}`,
    vip: i % 5 === 0,
    customer: `c${i % 50}`,
    plan: ["free", "pro", "team"][i % 3],
  };
}

function templateSpans(variant: { error: boolean; vip: boolean }, traceId: string): Doc[] {
  const start = new Date(START_TOKEN);
  return [{
    traceId,
    spanId: "root",
    parentSpanId: null,
    name: "agent run",
    spanType: "agent_run",
    isEvent: false,
    startedAt: start,
    endedAt: new Date(START_TOKEN + 800),
    error: variant.error ? { message: "boom" } : null,
    entityType: "__ETYPE__",
    entityId: "__ETYPE__-id",
    entityName: "__ENAME__",
    environment: "__ENV__",
    threadId: "__THREAD__",
    resourceId: "__RES__",
    organizationId: "__ORG__",
    tags: variant.vip ? ["studio", "vip"] : ["studio"],
    metadata: { customer: "__CUS__", plan: "__PLAN__" },
    input: { messages: [{ role: "user", content: "What is the weather?" }] },
    createdAt: start,
    updatedAt: null,
  }, {
    traceId,
    spanId: "llm",
    parentSpanId: "root",
    name: "llm",
    spanType: "model_generation",
    isEvent: false,
    startedAt: new Date(START_TOKEN + 100),
    endedAt: new Date(START_TOKEN + 700),
    error: null,
    organizationId: "__ORG__",
    attributes: { model: "gpt-5", provider: "openai" },
    createdAt: start,
    updatedAt: null,
  }];
}

function clone(doc: Doc, tokens: [string, string][]): Doc {
  const { _id: _, _creationTime: __, ...rest } = doc;
  let text = JSON.stringify(rest);
  for (const [from, to] of tokens) text = text.replaceAll(from, to);
  return JSON.parse(text) as Doc;
}

/** Seeds `n` traces (see the module comment). */
async function seed(subject: Subject, n: number): Promise<void> {
  const obs = (await subject.storage.getStore("observability"))! as Any;
  const t0 = performance.now();
  const variants = [false, true].flatMap((error) => [false, true].map((vip) => ({ error, vip })));
  const templates = new Map<string, { trace: Doc; spans: Doc[] }>();
  for (const [k, variant] of variants.entries()) {
    const traceId = `__TRACE${k}__`;
    await obs.batchCreateSpans({ records: templateSpans(variant, traceId) });
    const rows = await subject.backend.run(async (ctx: Any) => {
      const trace = await ctx.db.query("ai_traces").withIndex("by_mastra_id", (q: Any) => q.eq("id", traceId))
        .unique();
      const spans = await ctx.db.query("ai_spans").withIndex("by_trace_span", (q: Any) => q.eq("traceId", traceId))
        .collect();
      return { trace, spans };
    }) as { trace: Doc; spans: Doc[] };
    templates.set(`${variant.error}/${variant.vip}`, rows);
  }
  await obs.batchDeleteTraces({ traceIds: variants.map((_, k) => `__TRACE${k}__`) });
  console.error(`  templates: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const counters = new Map<string, number>();
  const bump = (name: string) => counters.set(name, (counters.get(name) ?? 0) + 1);
  // the dictionary, built tree by tree (the same entries the write path enters; order does not matter)
  const dictionaryRows = new Map<string, { level: string; slot: string; value: string }>();
  const trees = new Map<string, SortKey[]>();
  for (let lo = 0; lo < n; lo += CHUNK) {
    const hi = Math.min(n, lo + CHUNK);
    await subject.backend.run(async (ctx: Any) => {
      for (let i = lo; i < hi; i++) {
        const s = spec(i, n);
        const k = variants.findIndex((v) => v.error === s.error && v.vip === s.vip);
        const template = templates.get(`${s.error}/${s.vip}`)!;
        const time = T0 + i * 1000;
        const tokens: [string, string][] = [
          [`__TRACE${k}__`, s.traceId],
          ["__ETYPE__", s.entityType],
          ["__ENAME__", s.entityName],
          ["__ENV__", s.environment],
          ["__THREAD__", s.threadId],
          ["__RES__", s.resourceId],
          ["__ORG__", s.organizationId],
          ["__CUS__", s.customer],
          ["__PLAN__", s.plan],
          [String(START_TOKEN + 800), String(time + 800)],
          [String(START_TOKEN + 700), String(time + 700)],
          [String(START_TOKEN + 100), String(time + 100)],
          [String(START_TOKEN), String(time)],
        ];
        const trace = clone(template.trace, tokens);
        delete trace.deleting;
        trace.listed = true;
        await ctx.db.insert("ai_traces", trace);
        for (const span of template.spans) {
          const row = clone(span, tokens);
          if (row.branch) {
            bump(counterShard(observabilityCounters.branchSpans(), s.traceId));
          }
          await ctx.db.insert("ai_spans", row);
        }
        const entries = traceDictionaryEntries(trace as TraceRow);
        for (const row of entries.rows) dictionaryRows.set(JSON.stringify(row), row);
        for (const { tree, key } of entries.trees) {
          const keys = trees.get(tree) ?? [];
          keys.push(key);
          trees.set(tree, keys);
        }
        for (const family of TRACE_FAMILIES) {
          const values = family.map((field) => trace[field] === undefined ? 0 : trace[field]);
          const name = observabilityCounters.tracesOfFamily(family, values);
          bump(family.length === 0 ? counterShard(name, s.traceId) : name);
        }
      }
    });
  }
  console.error(`  rows cloned: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  // Nodes written directly in `kit/rankTree.ts`'s layout, as appends leave them (full leaves of
  // MAX_ENTRIES keys, one root above): the same trees, without convex-test's scan per root lookup.
  const pending = [...trees];
  while (pending.length > 0) {
    const batch: [string, SortKey[]][] = [];
    let docs = 0;
    let keys = 0;
    while (pending.length > 0 && docs < 6000 && keys < 100_000) {
      const next = pending.pop()!;
      batch.push(next);
      docs += Math.ceil(next[1].length / MAX_ENTRIES) + 1;
      keys += next[1].length;
    }
    await subject.backend.run(async (ctx: Any) => {
      for (const [tree, keys] of batch) {
        if (keys.length <= MAX_ENTRIES) {
          await ctx.db.insert("rank_nodes", { tree, root: true, leaf: true, count: keys.length, keys, children: [] });
          continue;
        }
        const children = [];
        for (let lo = 0; lo < keys.length; lo += MAX_ENTRIES) {
          const part = keys.slice(lo, lo + MAX_ENTRIES);
          const node = await ctx.db.insert("rank_nodes", {
            tree,
            root: false,
            leaf: true,
            count: part.length,
            keys: part,
            children: [],
          });
          children.push({ node, min: part[0], count: part.length });
        }
        if (children.length > MAX_ENTRIES) throw new Error(`bench seeding: tree ${tree} too large`);
        await ctx.db.insert("rank_nodes", { tree, root: true, leaf: false, count: keys.length, keys: [], children });
      }
    });
  }
  console.error(`  ${trees.size} trees built: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const rows = [...dictionaryRows.values()];
  for (let lo = 0; lo < rows.length; lo += 4000) {
    await subject.backend.run(async (ctx: Any) => {
      for (const row of rows.slice(lo, lo + 4000)) await ctx.db.insert("obs_trace_dictionary", row);
    });
  }
  // counters as n API writes leave them (one read of the table, writes in chunks); the templates'
  // placeholder dictionary rows removed
  const existing = new Map(
    await subject.backend.run(async (ctx: Any) =>
      (await ctx.db.query("counters").collect()).map((row: Any) => [row.name, row._id])
    ) as [string, string][],
  );
  const entries = [...counters];
  for (let lo = 0; lo < entries.length; lo += 3000) {
    await subject.backend.run(async (ctx: Any) => {
      for (const [name, value] of entries.slice(lo, lo + 3000)) {
        const id = existing.get(name);
        if (id) await ctx.db.patch(id, { value });
        else await ctx.db.insert("counters", { name, value });
      }
    });
  }
  await subject.backend.run(async (ctx: Any) => {
    for (const row of await ctx.db.query("obs_trace_dictionary").collect()) {
      if (row.value.includes("__")) await ctx.db.delete(row._id);
    }
  });
}

type Call = { name: string; route: string; run: (obs: Any, n: number) => Promise<unknown> };

const range = (n: number) => ({ from: new Date(T0).toISOString(), to: new Date(T0 + n * 1000).toISOString() });
const lastHour = (n: number) => ({
  from: new Date(T0 + n * 1000 - 3_600_000).toISOString(),
  to: new Date(T0 + n * 1000).toISOString(),
});
const lastMinutes = (n: number, minutes: number) => ({
  from: new Date(T0 + n * 1000 - minutes * 60_000).toISOString(),
  to: new Date(T0 + n * 1000).toISOString(),
});
const eq = (path: string, literal: string) => ({ op: "eq", left: { path }, right: { literal } });
const newest = [{ field: "startedAt", direction: "desc" }];

function keyset(where: unknown, options: { scope?: Any; hour?: boolean; orderBy?: Any } = {}) {
  return (obs: Any, n: number) =>
    obs.queryTraces(
      planTraceQuery(
        parseTraceQueryRequest({
          timeRange: options.hour ? lastHour(n) : range(n),
          ...(where ? { where } : {}),
          orderBy: options.orderBy ?? newest,
          page: { limit: 25 },
        }),
        options.scope ? { scope: options.scope } : {},
      ),
    );
}

function fields(options: { scope?: Any; search?: string } = {}) {
  return (obs: Any, n: number) =>
    obs.getTraceQueryObservedFields(
      planTraceQueryObservedFields(
        parseGetTraceQueryFieldsArgs({ timeRange: range(n), predicateScope: "trace", search: options.search }),
        options.scope ? { scope: options.scope } : {},
      ),
    );
}

function values(predicateScope: string, path: string, options: { scope?: Any; hour?: boolean; minutes?: number } = {}) {
  return (obs: Any, n: number) =>
    obs.getTraceQueryValues(
      planTraceQueryValues(
        parseGetTraceQueryValuesArgs({
          timeRange: options.minutes ? lastMinutes(n, options.minutes) : options.hour ? lastHour(n) : range(n),
          predicateScope,
          path,
        }),
        options.scope ? { scope: options.scope } : {},
      ),
    );
}

const CALLS: Call[] = [
  { name: "traces: time range, newest 25", route: "index", run: keyset(undefined) },
  { name: "traces: last hour, newest 25", route: "index", run: keyset(undefined, { hour: true }) },
  { name: "traces: + entityType = agent", route: "index", run: keyset(eq("entityType", "agent")) },
  {
    name: "traces: + entityType & entityName",
    route: "index",
    run: keyset({ op: "and", args: [eq("entityType", "agent"), eq("entityName", "name-3")] }),
  },
  { name: "traces: + status = error", route: "index", run: keyset(eq("status", "error")) },
  { name: "traces: + resourceId", route: "index", run: keyset(eq("resourceId", "user-7")) },
  { name: "traces: + threadId", route: "index", run: keyset(eq("threadId", "thread-42")) },
  { name: "traces: + environment = staging", route: "index", run: keyset(eq("environment", "staging")) },
  {
    name: "traces: tenant org-1 + entityType",
    route: "index",
    run: keyset(eq("entityType", "agent"), { scope: { organizationId: "org-1" } }),
  },
  {
    name: "traces: + tags includes vip (1 in 5)",
    route: "walk",
    run: keyset({ op: "includes", path: "tags", value: "vip" }),
  },
  { name: "traces: + metadata.customer (1 in 50)", route: "walk", run: keyset(eq("metadata.customer", "c7")) },
  {
    name: "traces: some span model = gpt-5",
    route: "walk",
    run: keyset({ spans: { some: eq("model", "gpt-5") } }),
  },
  {
    name: "traces: page mode, page 0 of 25",
    route: "walk",
    run: (obs: Any, n: number) =>
      obs.queryTraces(
        planTraceQuery(parseTraceQueryRequest({ timeRange: lastHour(n), pagination: { page: 0, perPage: 25 } })),
      ),
  },
  {
    name: "threads: last hour",
    route: "walk",
    run: (obs: Any, n: number) =>
      obs.queryThreads(planThreadQuery(parseQueryThreadsInput({ traces: { timeRange: lastHour(n) } }))),
  },
  { name: "observed fields (trace)", route: "dictionary", run: fields() },
  { name: "observed fields, tenant org-1", route: "dictionary", run: fields({ scope: { organizationId: "org-1" } }) },
  { name: "observed fields, search 'cust'", route: "dictionary", run: fields({ search: "cust" }) },
  { name: "values: entityName", route: "dictionary", run: values("trace", "entityName") },
  { name: "values: status, last hour", route: "dictionary", run: values("trace", "status", { hour: true }) },
  { name: "values: tags", route: "dictionary", run: values("trace", "tags") },
  { name: "values: metadata.customer (50)", route: "dictionary", run: values("trace", "metadata.customer") },
  {
    name: "values: metadata.plan, tenant org-2/user-2",
    route: "dictionary",
    run: values("trace", "metadata.plan", { scope: { organizationId: "org-2", resourceId: "user-2" } }),
  },
  { name: "values: spans.name, last 5 min (300 traces)", route: "walk", run: values("spans", "name", { minutes: 5 }) },
  { name: "values: spans.model, last 5 min", route: "walk", run: values("spans", "model", { minutes: 5 }) },
  { name: "observed fields, walk forced", route: "walk (forced)", run: fields() },
];

/** The calls of `--quick`. */
const QUICK = [
  "traces: time range, newest 25",
  "traces: + entityType & entityName",
  "traces: + threadId",
  "traces: tenant org-1 + entityType",
  "traces: + tags includes vip (1 in 5)",
  "threads: last hour",
  "observed fields (trace)",
  "values: entityName",
  "values: metadata.plan, tenant org-2/user-2",
];

/** Figures of one call. */
type Cost = { read: number; trips: number; ms: number; route: string; wrong: boolean };

/** Runs the trace-explorer calls at each size; returns a markdown table. */
export async function traceQueryBenchTable(
  sizes: readonly number[],
  log: (line: string) => void = (line) => console.error(line),
  only?: (name: string) => boolean,
): Promise<string> {
  const calls = only ? CALLS.filter((call) => only(call.name)) : CALLS;
  const results = new Map<number, Cost[]>();
  for (const n of sizes) {
    await using subject = await createOurs();
    const started = performance.now();
    await seed(subject, n);
    log(`trace query bench: seeded ${n} traces in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    const obs = (await subject.storage.getStore("observability"))! as Any;
    const costs: Cost[] = [];
    for (const call of calls) {
      setTraceQueryDiscoveryMode(call.route === "walk (forced)" ? "walk" : undefined);
      const trips = subject.roundTrips();
      const t = performance.now();
      const { usage, result } = await measure(() => call.run(obs, n));
      const route = call.route.startsWith("dictionary") || call.name.startsWith("values") ||
          call.name.startsWith("observed")
        ? lastDiscoveryRoute ?? call.route
        : call.route;
      const ms = performance.now() - t;
      const tripsUsed = subject.roundTrips() - trips;
      log(`  ${n}: ${call.name}: ${usage.documentsRead} read, ${(ms / 1000).toFixed(1)} s`);
      let wrong = false;
      if (route === "dictionary") {
        // the same answer from the walk (not measured)
        setTraceQueryDiscoveryMode("walk");
        wrong = JSON.stringify(await call.run(obs, n)) !== JSON.stringify(result);
        setTraceQueryDiscoveryMode(undefined);
      }
      costs.push({ read: usage.documentsRead, trips: tripsUsed, ms, route, wrong });
    }
    setTraceQueryDiscoveryMode(undefined);
    results.set(n, costs);
  }
  const num = (x: number) => x.toLocaleString("en");
  const header = ["call", "served by", ...sizes.flatMap((n) => [`read @${num(n)}`, `trips @${num(n)}`])];
  const body = calls.map((call, i) => [
    call.name,
    [...new Set(sizes.map((n) => results.get(n)![i].route))].join(" / "),
    ...sizes.flatMap((n) => {
      const cost = results.get(n)![i];
      return [`${num(cost.read)}${cost.wrong ? " WRONG" : ""}`, num(cost.trips)];
    }),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((r) => r[c].length)));
  const line = (r: string[]) =>
    "| " + r.map((x, c) => (c < 2 ? x.padEnd(widths[c]) : x.padStart(widths[c]))).join(" | ") + " |";
  const rule = "|" + widths.map((w, c) => (c < 2 ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [
    "Trace explorer (issue 19): documents read and round trips per call, keyset pages of 25, time range = all data " +
    "unless 'last hour'. 'index': one trace-family index range (O(page + log N)); 'dictionary': the trace dictionary " +
    "(O(candidates x log N)); 'walk': bounded resumable walk over the range (cost grows with the traces in range).",
    "",
    line(header),
    rule,
    ...body.map(line),
  ].join("\n");
}

if (import.meta.main) {
  const sizes = (Deno.args[0] ?? "10000,100000").split(",").map(Number);
  // `--quick`: a few calls of each kind (on convex-test, every index range scans its table: big sizes are slow)
  // `--discovery`: the observed-fields and values calls only
  const quick = Deno.args.includes("--quick") ? QUICK : undefined;
  const discovery = Deno.args.includes("--discovery");
  const only = quick
    ? (name: string) => quick.includes(name)
    : discovery
    ? (name: string) => name.startsWith("observed") || name.startsWith("values")
    : undefined;
  console.log(await traceQueryBenchTable(sizes, undefined, only));
}
