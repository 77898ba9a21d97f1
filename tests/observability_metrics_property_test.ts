/**
 * Metrics (issue 17): differential property test against core's
 * InMemoryStore of `batchCreateMetrics`, `listMetrics`,
 * `getMetricAggregate` (with `count_distinct` and `comparePeriod`),
 * `getMetricBreakdown`, `getMetricTimeSeries` and `getMetricPercentiles`,
 * over random events spread across hours and days, upserts of known ids,
 * trace deletions, and random queries both within the rollup families
 * (served from cells) and outside them (served by event walks).
 *
 * Values and costs are integers, so sums agree exactly; buckets hold few
 * events, so percentiles are exact. Normalised: breakdown groups with equal
 * values and series order (compared sorted), list ties (by id).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { compareDelta, type CursorPair, pageCursors } from "./helpers/deltaCursors.ts";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { lastMetricQuery } from "../src/observability/signals/metrics.ts";

const BASE = Date.UTC(2026, 0, 5);
const H = 3_600_000;
const OFFSETS = [0, 1, 30 * 60_000, H - 1, H, 5 * H + 7, 23 * H + 59 * 60_000, 24 * H, 26 * H, 72 * H + 5, -3 * H];
const at = (i: number) => new Date(BASE + OFFSETS[i]);
const maybe = <T>(...values: T[]) => fc.constantFrom<T | undefined | null>(undefined, null, ...values);
const NAMES = ["mastra_agent_duration_ms", "mastra_model_total_input_tokens", "custom"];

const metricArb = fc.record({
  metricId: fc.constantFrom(...Array.from({ length: 14 }, (_, i) => `m${i}`)),
  timestamp: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  name: fc.constantFrom(...NAMES),
  value: fc.integer({ min: -5, max: 1000 }),
  traceId: maybe("t1", "t2"),
  entityType: maybe("agent", "tool", "workflow"),
  entityName: maybe("a", "b"),
  provider: maybe("openai"),
  model: maybe("gpt", "claude"),
  resourceId: maybe("r1", "r2"),
  threadId: maybe("th1", "th2", "th3"),
  environment: maybe("prod", "dev"),
  serviceName: maybe("svc"),
  executionSource: maybe("local"),
  tags: fc.constantFrom<unknown>(undefined, ["x"]),
  estimatedCost: fc.constantFrom<unknown>(undefined, null, 1, 3),
  costUnit: maybe("usd", "eur"),
  labels: fc.constantFrom<Record<string, string>>({}, { status: "ok" }, { status: "error" }, {
    status: "ok",
    other: "x",
  }, { entityName: "lab" }),
}, { requiredKeys: ["metricId", "timestamp", "name", "value", "labels"] });

const inFamilyFilters = fc.oneof(
  fc.constant({}),
  fc.record({ entityType: fc.constantFrom("agent", "tool") }),
  fc.record({ entityType: fc.constantFrom("agent", "tool"), entityName: fc.constantFrom("a", "b") }),
  fc.record({ entityName: fc.constantFrom("a", "b"), labels: fc.constantFrom({ status: "ok" }, { status: "error" }) }),
  fc.record({ model: fc.constantFrom("gpt"), entityType: fc.constantFrom("agent") }, { requiredKeys: ["model"] }),
  fc.record({ resourceId: fc.constantFrom("r1"), entityType: fc.constantFrom("agent") }, {
    requiredKeys: ["resourceId"],
  }),
  fc.record({ threadId: fc.constantFrom("th1") }),
  fc.record({ environment: fc.constantFrom("prod"), serviceName: fc.constantFrom("svc") }, { requiredKeys: [] }),
  fc.record({ name: fc.constantFrom(["custom"], NAMES) }),
);
const outOfFamilyFilters = fc.record({
  traceId: fc.constantFrom("t1"),
  tags: fc.constantFrom(["x"]),
  executionSource: fc.constantFrom("local"),
  labels: fc.constantFrom({ other: "x" }),
}, { requiredKeys: [] });
const timestampArb = fc.record({
  start: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  end: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  startExclusive: fc.boolean(),
  endExclusive: fc.boolean(),
}, { requiredKeys: [] });
const filtersArb = fc.tuple(
  inFamilyFilters,
  fc.oneof({ weight: 4, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: outOfFamilyFilters }),
  fc.option(timestampArb),
).map(([a, b, ts]) => ({ ...a, ...b, ...(ts ? { timestamp: ts } : {}) }));

const AGGREGATIONS = ["sum", "avg", "min", "max", "count", "count_distinct", "last"] as const;
const DISTINCT = [
  "threadId",
  "resourceId",
  "entityName",
  "model",
  "name",
  "environment",
  "provider",
  "executionSource",
];
const GROUP_BYS = [
  ["entityName"],
  ["entityType", "entityName"],
  ["status"],
  ["model"],
  ["provider", "model"],
  ["resourceId"],
  ["threadId"],
  ["entityName", "status"],
  ["name"],
  ["traceId"],
  ["other"],
];
const queryArb = fc.record({
  method: fc.constantFrom("aggregate", "breakdown", "timeseries", "percentiles"),
  names: fc.subarray(NAMES, { minLength: 1 }),
  aggregation: fc.constantFrom(...AGGREGATIONS),
  distinctColumn: fc.constantFrom(...DISTINCT),
  groupBy: fc.option(fc.constantFrom(...GROUP_BYS)),
  interval: fc.constantFrom("1h", "1h", "1d", "1d", "15m"),
  comparePeriod: fc.option(fc.constantFrom("previous_period", "previous_day", "previous_week")),
  limit: fc.option(fc.integer({ min: 1, max: 3 })),
  orderDirection: fc.option(fc.constantFrom("ASC", "DESC")),
  percentiles: fc.constantFrom([0.5], [0.5, 0.95], [0, 1, 0.25]),
  filters: filtersArb,
});

type Op =
  | { kind: "write"; metrics: Record<string, unknown>[] }
  | { kind: "query"; query: Any }
  | { kind: "list"; filters: Record<string, unknown>; page: number; perPage: number; direction: "ASC" | "DESC" }
  | { kind: "delete"; traceIds: string[] }
  | { kind: "delta"; filters: Record<string, unknown>; useCursor: boolean; limit: number };

const opArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      metrics: fc.array(metricArb, { minLength: 1, maxLength: 10 }),
    }),
  },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("query" as const), query: queryArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      filters: filtersArb,
      page: fc.integer({ min: 0, max: 1 }),
      perPage: fc.integer({ min: 1, max: 5 }),
      direction: fc.constantFrom("ASC" as const, "DESC" as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("delete" as const), traceIds: fc.subarray(["t1", "t2"]) }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delta" as const),
      filters: filtersArb,
      useCursor: fc.boolean(),
      limit: fc.integer({ min: 1, max: 3 }),
    }),
  },
) as fc.Arbitrary<Op>;

// deno-lint-ignore no-explicit-any
type Any = any;

function callArgs(q: Any): Any {
  const base = { name: q.names, filters: q.filters };
  switch (q.method) {
    case "aggregate":
      return {
        ...base,
        aggregation: q.aggregation,
        ...(q.aggregation === "count_distinct" ? { distinctColumn: q.distinctColumn } : {}),
        ...(q.comparePeriod ? { comparePeriod: q.comparePeriod } : {}),
      };
    case "breakdown":
      return {
        ...base,
        aggregation: q.aggregation,
        groupBy: q.groupBy ?? ["entityName"],
        ...(q.aggregation === "count_distinct" ? { distinctColumn: q.distinctColumn } : {}),
        ...(q.limit ? { limit: q.limit } : {}),
        ...(q.orderDirection ? { orderDirection: q.orderDirection } : {}),
      };
    case "timeseries":
      return {
        ...base,
        aggregation: q.aggregation,
        interval: q.interval,
        ...(q.groupBy ? { groupBy: q.groupBy } : {}),
        ...(q.aggregation === "count_distinct" ? { distinctColumn: q.distinctColumn } : {}),
      };
    default:
      return { name: q.names[0], percentiles: q.percentiles, interval: q.interval, filters: q.filters };
  }
}

async function run(store: ObservabilityStorage, q: Any): Promise<Any> {
  const args = callArgs(q);
  switch (q.method) {
    case "aggregate":
      return await store.getMetricAggregate(args);
    case "breakdown":
      return await store.getMetricBreakdown(args);
    case "timeseries":
      return await store.getMetricTimeSeries(args);
    default:
      return await store.getMetricPercentiles(args);
  }
}

function normalize(q: Any, result: Any): Any {
  if (q.method === "breakdown") {
    if (q.limit) return result.groups.map((g: Any) => g.value);
    return [...result.groups].sort((a: Any, b: Any) =>
      a.value - b.value || JSON.stringify(a.dimensions).localeCompare(JSON.stringify(b.dimensions))
    );
  }
  if (q.method === "timeseries") {
    return [...result.series].sort((a: Any, b: Any) => a.name.localeCompare(b.name));
  }
  return result;
}

function sortById(rows: Any[], direction: "ASC" | "DESC") {
  const dir = direction === "ASC" ? 1 : -1;
  return [...rows].sort((a, b) =>
    dir * (a.timestamp.getTime() - b.timestamp.getTime()) || dir * (a.metricId < b.metricId ? -1 : 1)
  );
}

Deno.test("metrics: random events and queries agree with InMemoryStore", async () => {
  let fromCells = 0;
  let fallbacks = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 14 }), async (ops) => {
      const { storage } = createTestStorage();
      const ours = (await storage.getStore("observability"))! as ObservabilityStorage;
      const theirs = (await new InMemoryStore().getStore("observability"))! as ObservabilityStorage;
      // Delta cursors are opaque and differ between the stores: each is handed back its own.
      const cursors: CursorPair[] = [];
      for (const op of ops) {
        if (op.kind === "write") {
          await ours.batchCreateMetrics({ metrics: op.metrics as never });
          await theirs.batchCreateMetrics({ metrics: structuredClone(op.metrics) as never });
        } else if (op.kind === "delete") {
          await ours.batchDeleteTraces({ traceIds: op.traceIds });
          await theirs.batchDeleteTraces({ traceIds: op.traceIds });
        } else if (op.kind === "list") {
          const args = {
            filters: op.filters,
            pagination: { page: op.page, perPage: op.perPage },
            orderBy: { field: "timestamp" as const, direction: op.direction },
          };
          const mine = await ours.listMetrics(args as never);
          const all = await theirs.listMetrics({ ...args, pagination: { page: 0, perPage: 100 } } as never);
          const sorted = sortById(all.metrics, op.direction);
          const start = op.page * op.perPage;
          assert.deepEqual(mine.metrics, sorted.slice(start, start + op.perPage));
          assert.equal(mine.pagination!.total, sorted.length);
          cursors.push(await pageCursors(mine.deltaCursor, theirs, "listMetrics"));
        } else if (op.kind === "delta") {
          const after = op.useCursor ? cursors.at(-1) : undefined;
          cursors.push(await compareDelta(ours, theirs, "listMetrics", op.filters, op.limit, after));
        } else {
          const q = op.query;
          const expected = await run(theirs, q);
          const actual = await run(ours, q);
          if (lastMetricQuery.fallback) fallbacks++;
          else fromCells++;
          assert.deepEqual(normalize(q, actual), normalize(q, expected), JSON.stringify(callArgs(q)));
        }
      }
    }),
    { numRuns: Number(Deno.env.get("OBS_RUNS") ?? 60) },
  );
  console.log(`queries served from cells: ${fromCells}, by event walks: ${fallbacks}`);
  assert.ok(fromCells >= 10, "random queries within the rollup families are answered from cells");
});
