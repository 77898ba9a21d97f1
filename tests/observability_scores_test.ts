/**
 * Observability scores (issue 17): differential property test against
 * core's InMemoryStore of createScore/batchCreateScores, listScores (pages
 * by timestamp or score, delta polls), getScoreById, deleteScores (with
 * tenant scope), batchDeleteTraces' linked scores, and the aggregate,
 * breakdown, time series and percentiles. Scores are integers, so sums agree
 * exactly. Normalised: list ties by id.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MastraError } from "@mastra/core/error";
import { compareDelta, type CursorPair, pageCursors } from "./helpers/deltaCursors.ts";
import { InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { lastSignalQuery } from "../src/observability/signals/signalAnalytics.ts";

// deno-lint-ignore no-explicit-any
type Any = any;
const BASE = Date.UTC(2026, 0, 5);
const H = 3_600_000;
const OFFSETS = [0, 1, H - 1, H, 5 * H, 24 * H, 26 * H, -24 * H];
const at = (i: number) => new Date(BASE + OFFSETS[i]);
const maybe = <T>(...values: T[]) => fc.constantFrom<T | undefined | null>(undefined, null, ...values);
const IDS = ["s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8"];

const scoreArb = fc.record({
  scoreId: fc.constantFrom(...IDS),
  timestamp: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  scorerId: fc.constantFrom("relevance", "toxicity"),
  score: fc.integer({ min: 0, max: 10 }),
  scoreSource: maybe("automated", "manual"),
  source: maybe("experiment"),
  traceId: maybe("t1", "t2"),
  entityType: maybe("agent", "tool"),
  entityName: maybe("a", "b"),
  resourceId: maybe("r1", "r2"),
  organizationId: maybe("o1"),
  executionSource: maybe("local"),
  experimentId: maybe("x1"),
  tags: fc.constantFrom<unknown>(undefined, ["k"]),
  metadata: fc.constantFrom<unknown>(undefined, null, { v: 1 }, { v: 2, w: [1] }),
}, { requiredKeys: ["scoreId", "timestamp", "scorerId", "score"] });

const filtersArb = fc.record({
  scorerId: fc.constantFrom<unknown>("relevance", ["relevance", "toxicity"], ["toxicity"]),
  scoreSource: fc.constantFrom("automated", "experiment"),
  entityType: fc.constantFrom("agent"),
  entityName: fc.constantFrom("a"),
  resourceId: fc.constantFrom("r1"),
  traceId: fc.constantFrom("t1"),
  executionSource: fc.constantFrom("local"),
  tags: fc.constantFrom(["k"]),
  metadata: fc.constantFrom({ v: 1 }, { w: [1] }),
  timestamp: fc.record({
    start: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
    end: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
    startExclusive: fc.boolean(),
  }, { requiredKeys: [] }),
}, { requiredKeys: [] }).map((f) => {
  // keep queries selective but rarely empty: at most one filter
  const keys = Object.keys(f).slice(0, 1);
  return Object.fromEntries(keys.map((k) => [k, (f as Any)[k]]));
});

const someFilters = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: filtersArb });
const opArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("write"), scores: fc.array(scoreArb, { minLength: 1, maxLength: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("writeOne"), score: scoreArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("page"),
      filters: someFilters,
      page: fc.integer({ min: 0, max: 1 }),
      perPage: fc.integer({ min: 1, max: 4 }),
      field: fc.constantFrom("timestamp", "score"),
      direction: fc.constantFrom("ASC", "DESC"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("delta"), filters: someFilters, limit: fc.integer({ min: 1, max: 3 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("get"), id: fc.constantFrom(...IDS, "nope") }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete"),
      ids: fc.subarray(IDS),
      organizationId: fc.option(fc.constantFrom("o1")),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteTraces"), traceIds: fc.subarray(["t1", "t2"]) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("query"),
      method: fc.constantFrom("aggregate", "breakdown", "timeseries", "percentiles"),
      scorerId: fc.constantFrom("relevance", "toxicity"),
      scoreSource: fc.option(fc.constantFrom("automated", "manual")),
      aggregation: fc.constantFrom("sum", "avg", "min", "max", "count", "last", "count_distinct"),
      groupBy: fc.option(
        fc.constantFrom(
          ["entityName"],
          ["entityType", "resourceId"],
          ["scoreSource"],
          ["metadata"],
          ["entityType", "entityName"],
          ["experimentId"],
          ["source", "entityName"],
        ),
      ),
      interval: fc.constantFrom("1h", "1d", "15m"),
      comparePeriod: fc.option(fc.constantFrom("previous_period", "previous_day", "previous_week")),
      percentiles: fc.constantFrom([0.5], [0, 0.25, 0.9, 1]),
      filters: someFilters,
    }),
  },
) as fc.Arbitrary<Any>;

function queryArgs(q: Any): Any {
  const base = { scorerId: q.scorerId, ...(q.scoreSource ? { scoreSource: q.scoreSource } : {}), filters: q.filters };
  switch (q.method) {
    case "aggregate":
      return { ...base, aggregation: q.aggregation, ...(q.comparePeriod ? { comparePeriod: q.comparePeriod } : {}) };
    case "breakdown":
      return { ...base, aggregation: q.aggregation, groupBy: q.groupBy ?? ["entityName"] };
    case "timeseries":
      return {
        ...base,
        aggregation: q.aggregation,
        interval: q.interval,
        ...(q.groupBy ? { groupBy: q.groupBy } : {}),
      };
    default:
      return { ...base, percentiles: q.percentiles, interval: q.interval };
  }
}

async function runQuery(store: Any, q: Any): Promise<Any> {
  const method = { aggregate: "getScoreAggregate", breakdown: "getScoreBreakdown", timeseries: "getScoreTimeSeries" }[
    q.method as string
  ] ?? "getScorePercentiles";
  return await store[method](queryArgs(q));
}

function sortRows(rows: Any[], field: string, direction: string): Any[] {
  const dir = direction === "ASC" ? 1 : -1;
  const key = (r: Any) => field === "score" ? r.score : r.timestamp.getTime();
  return [...rows].sort((a, b) => dir * (key(a) - key(b)) || dir * (a.scoreId < b.scoreId ? -1 : 1));
}

Deno.test("observability scores: random operation sequences agree with InMemoryStore", async () => {
  let nonEmpty = 0;
  let fromRollups = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(scoreArb, { minLength: 3, maxLength: 10 }),
      fc.array(opArb, { minLength: 1, maxLength: 12 }),
      async (initial, rest) => {
        const ops = [{ kind: "write", scores: initial }, ...rest];
        const { storage } = createTestStorage();
        const ours = (await storage.getStore("observability"))! as Any;
        const theirs = (await new InMemoryStore().getStore("observability"))! as Any;
        // Cursors are opaque and differ between the stores: each is handed back its own.
        const cursors: CursorPair[] = [];
        for (const op of ops) {
          if (op.kind === "write") {
            await ours.batchCreateScores({ scores: op.scores });
            await theirs.batchCreateScores({ scores: structuredClone(op.scores) });
          } else if (op.kind === "writeOne") {
            await ours.createScore({ score: op.score });
            await theirs.createScore({ score: structuredClone(op.score) });
          } else if (op.kind === "get") {
            assert.deepEqual(await ours.getScoreById(op.id), await theirs.getScoreById(op.id));
          } else if (op.kind === "delete") {
            const args = { scoreIds: op.ids, ...(op.organizationId ? { organizationId: op.organizationId } : {}) };
            await ours.deleteScores(args);
            await theirs.deleteScores(args);
          } else if (op.kind === "deleteTraces") {
            await ours.batchDeleteTraces({ traceIds: op.traceIds });
            await theirs.batchDeleteTraces({ traceIds: op.traceIds });
          } else if (op.kind === "page") {
            const args = {
              filters: op.filters,
              pagination: { page: op.page, perPage: op.perPage },
              orderBy: { field: op.field, direction: op.direction },
            };
            const mine = await ours.listScores(args);
            const all = await theirs.listScores({ ...args, pagination: { page: 0, perPage: 100 } });
            const sorted = sortRows(all.scores, op.field, op.direction);
            const start = op.page * op.perPage;
            assert.deepEqual(mine.scores, sorted.slice(start, start + op.perPage));
            assert.equal(mine.pagination.total, sorted.length);
            cursors.push(await pageCursors(mine.deltaCursor, theirs, "listScores"));
          } else if (op.kind === "delta") {
            const after = cursors.at(-1);
            cursors.push(await compareDelta(ours, theirs, "listScores", op.filters, op.limit, after));
          } else {
            const expected = await runQuery(theirs, op);
            if (JSON.stringify(expected).match(/"value":[1-9]|"points":\[\{|"groups":\[\{/)) nonEmpty++;
            assert.deepEqual(await runQuery(ours, op), expected, JSON.stringify(queryArgs(op)));
            if (!lastSignalQuery.fallback && lastSignalQuery.cellsRead > 0) fromRollups++;
          }
        }
      },
    ),
    {
      numRuns: Number(Deno.env.get("OBS_RUNS") ?? 50),
      // A run found once: a time series grouped by an object-valued column (metadata) keeps one series per value.
      examples: [[
        [{
          scoreId: "s7",
          timestamp: new Date("2026-01-05T00:00:00.000Z"),
          scorerId: "toxicity",
          score: 0,
          metadata: { v: 1 },
        }],
        [
          {
            kind: "write",
            scores: [
              {
                scoreId: "s0",
                timestamp: new Date("2026-01-05T00:00:00.000Z"),
                scorerId: "toxicity",
                score: 0,
                metadata: { v: 2, w: [1] },
              },
            ],
          },
          {
            kind: "query",
            method: "timeseries",
            scorerId: "toxicity",
            scoreSource: null,
            aggregation: "sum",
            groupBy: ["metadata"],
            interval: "1h",
            comparePeriod: null,
            percentiles: [0.5],
            filters: {},
          },
        ],
        // deno-lint-ignore no-explicit-any
      ] as any],
    },
  );
  console.log(`non-empty analytics answers compared: ${nonEmpty}, served from rollups: ${fromRollups}`);
  assert.ok(nonEmpty > 10);
  assert.ok(fromRollups > 0, "some random queries are answered from the rollups");
});

Deno.test("observability scores: bad input is a clear MastraError and writes nothing", async () => {
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("observability"))!;
  const good = { scoreId: "ok", timestamp: new Date(1), scorerId: "s", score: 1 };
  for (
    const [scores, pattern] of [
      [[good, { ...good, scoreId: undefined }], /missing required id field 'scoreId'/],
      [[{ ...good, score: "high" }], /finite number/],
      [[{ ...good, scorerId: 3 }], /scorerId must be a string/],
      [[{ ...good, timestamp: 5 }], /timestamp must be a Date/],
    ] as const
  ) {
    await assert.rejects(() => ours.batchCreateScores({ scores } as never), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, pattern);
      return true;
    });
  }
  assert.equal((await ours.listScores({})).pagination?.total, 0);
  await assert.rejects(() => ours.deleteScores({ scoreIds: "s" } as never), MastraError);
  await assert.rejects(() => ours.getScoreAggregate({ scorerId: "s", aggregation: "median" } as never), MastraError);
});
