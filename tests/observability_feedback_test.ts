/**
 * Observability feedback (issue 17): differential property test against
 * core's InMemoryStore of createFeedback/batchCreateFeedback, listFeedback
 * (pages, delta polls), updateFeedbackReviewStatus, deleteFeedback (with
 * tenant scope), batchDeleteTraces' linked feedback, and the aggregate,
 * breakdown, time series and percentiles of numeric values (numbers and
 * numeric strings). Normalised: list ties by id.
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
const IDS = ["f0", "f1", "f2", "f3", "f4", "f5", "f6", "f7"];

const feedbackArb = fc.record({
  feedbackId: fc.constantFrom(...IDS),
  timestamp: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  feedbackType: fc.constantFrom("thumbs", "rating"),
  value: fc.constantFrom<unknown>(1, 0, 5, -1, "3", " 4 ", "great", ""),
  feedbackSource: maybe("user", "system"),
  source: maybe("manual"),
  userId: maybe("u1"),
  feedbackUserId: maybe("u2"),
  metadata: fc.constantFrom<unknown>(undefined, { userId: "u3" }),
  reviewStatus: fc.constantFrom<unknown>(undefined, "needs-review", "reviewed"),
  traceId: maybe("t1", "t2"),
  entityType: maybe("agent", "tool"),
  entityName: maybe("a", "b"),
  resourceId: maybe("r1", "r2"),
  organizationId: maybe("o1"),
  tags: fc.constantFrom<unknown>(undefined, ["k"]),
}, { requiredKeys: ["feedbackId", "timestamp", "feedbackType", "value"] });

const oneFilter = fc.record({
  feedbackType: fc.constantFrom<unknown>("thumbs", ["thumbs", "rating"]),
  feedbackSource: fc.constantFrom("user", "manual", ""),
  reviewStatus: fc.constantFrom("needs-review", "reviewed"),
  feedbackUserId: fc.constantFrom("u2", "u3"),
  entityName: fc.constantFrom("a"),
  resourceId: fc.constantFrom("r1"),
  traceId: fc.constantFrom("t1"),
  tags: fc.constantFrom(["k"]),
  timestamp: fc.record({
    start: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
    end: fc.integer({ min: 0, max: OFFSETS.length - 1 }).map(at),
  }, { requiredKeys: [] }),
}, { requiredKeys: [] }).map((f) => Object.fromEntries(Object.entries(f).slice(0, 1)));
const someFilters = fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 3, arbitrary: oneFilter });

const opArb = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant("write"), items: fc.array(feedbackArb, { minLength: 1, maxLength: 6 }) }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("writeOne"), item: feedbackArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("page"),
      filters: someFilters,
      page: fc.integer({ min: 0, max: 1 }),
      perPage: fc.integer({ min: 1, max: 4 }),
      direction: fc.constantFrom("ASC", "DESC"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("delta"), filters: someFilters, limit: fc.integer({ min: 1, max: 3 }) }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("review"),
      id: fc.constantFrom(...IDS, "nope"),
      status: fc.constantFrom("reviewed", "needs-review"),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete"),
      ids: fc.subarray(IDS),
      organizationId: fc.option(fc.constant("o1")),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("deleteTraces"), traceIds: fc.subarray(["t1", "t2"]) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("query"),
      method: fc.constantFrom("aggregate", "breakdown", "timeseries", "percentiles"),
      feedbackType: fc.constantFrom("thumbs", "rating"),
      feedbackSource: fc.option(fc.constantFrom("user", "manual")),
      aggregation: fc.constantFrom("sum", "avg", "min", "max", "count", "last"),
      groupBy: fc.option(
        fc.constantFrom(["entityName"], ["feedbackSource", "resourceId"], ["reviewStatus"], [
          "feedbackSource",
          "entityName",
        ], ["entityType"]),
      ),
      interval: fc.constantFrom("1h", "1d", "15m"),
      comparePeriod: fc.option(fc.constantFrom("previous_period", "previous_day", "previous_week")),
      percentiles: fc.constantFrom([0.5], [0, 0.25, 0.9, 1]),
      filters: someFilters,
    }),
  },
) as fc.Arbitrary<Any>;

function queryArgs(q: Any): Any {
  const base = {
    feedbackType: q.feedbackType,
    ...(q.feedbackSource ? { feedbackSource: q.feedbackSource } : {}),
    filters: q.filters,
  };
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
  const method = {
    aggregate: "getFeedbackAggregate",
    breakdown: "getFeedbackBreakdown",
    timeseries: "getFeedbackTimeSeries",
  }[q.method as string] ?? "getFeedbackPercentiles";
  return await store[method](queryArgs(q));
}

async function outcome(fn: () => Promise<unknown>): Promise<Any> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error: (error as MastraError).id };
  }
}

Deno.test("observability feedback: random operation sequences agree with InMemoryStore", async () => {
  let nonEmpty = 0;
  let fromRollups = 0;
  await fc.assert(
    fc.asyncProperty(
      fc.array(feedbackArb, { minLength: 3, maxLength: 10 }),
      fc.array(opArb, { minLength: 1, maxLength: 12 }),
      async (initial, rest) => {
        const ops = [{ kind: "write", items: initial }, ...rest];
        const { storage } = createTestStorage();
        const ours = (await storage.getStore("observability"))! as Any;
        const theirs = (await new InMemoryStore().getStore("observability"))! as Any;
        // Cursors are opaque and differ between the stores: each is handed back its own.
        const cursors: CursorPair[] = [];
        for (const op of ops) {
          if (op.kind === "write") {
            await ours.batchCreateFeedback({ feedbacks: op.items });
            await theirs.batchCreateFeedback({ feedbacks: structuredClone(op.items) });
          } else if (op.kind === "writeOne") {
            await ours.createFeedback({ feedback: op.item });
            await theirs.createFeedback({ feedback: structuredClone(op.item) });
          } else if (op.kind === "review") {
            const args = { feedbackId: op.id, reviewStatus: op.status };
            const mine = await outcome(() => ours.updateFeedbackReviewStatus(args));
            const expected = await outcome(() => theirs.updateFeedbackReviewStatus(args));
            assert.deepEqual(mine, structuredClone(expected));
          } else if (op.kind === "delete") {
            const args = { feedbackIds: op.ids, ...(op.organizationId ? { organizationId: op.organizationId } : {}) };
            await ours.deleteFeedback(args);
            await theirs.deleteFeedback(args);
          } else if (op.kind === "deleteTraces") {
            await ours.batchDeleteTraces({ traceIds: op.traceIds });
            await theirs.batchDeleteTraces({ traceIds: op.traceIds });
          } else if (op.kind === "page") {
            const args = {
              filters: op.filters,
              pagination: { page: op.page, perPage: op.perPage },
              orderBy: { field: "timestamp", direction: op.direction },
            };
            const mine = await ours.listFeedback(args);
            const all = await theirs.listFeedback({ ...args, pagination: { page: 0, perPage: 100 } });
            const dir = op.direction === "ASC" ? 1 : -1;
            const sorted = [...all.feedback].sort((a: Any, b: Any) =>
              dir * (a.timestamp.getTime() - b.timestamp.getTime()) || dir * (a.feedbackId < b.feedbackId ? -1 : 1)
            );
            const start = op.page * op.perPage;
            assert.deepEqual(mine.feedback, sorted.slice(start, start + op.perPage));
            assert.equal(mine.pagination.total, sorted.length);
            cursors.push(await pageCursors(mine.deltaCursor, theirs, "listFeedback"));
          } else if (op.kind === "delta") {
            const after = cursors.at(-1);
            cursors.push(await compareDelta(ours, theirs, "listFeedback", op.filters, op.limit, after));
          } else {
            const expected = await runQuery(theirs, op);
            if (JSON.stringify(expected).match(/"value":-?[1-9]|"points":\[\{|"groups":\[\{/)) nonEmpty++;
            assert.deepEqual(await runQuery(ours, op), expected, JSON.stringify(queryArgs(op)));
            if (!lastSignalQuery.fallback && lastSignalQuery.cellsRead > 0) fromRollups++;
          }
        }
      },
    ),
    { numRuns: Number(Deno.env.get("OBS_RUNS") ?? 50) },
  );
  console.log(`non-empty analytics answers compared: ${nonEmpty}, served from rollups: ${fromRollups}`);
  assert.ok(nonEmpty > 10);
  assert.ok(fromRollups > 0, "some random queries are answered from the rollups");
});

Deno.test("observability feedback: bad input is a clear MastraError and writes nothing", async () => {
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("observability"))!;
  const good = { feedbackId: "ok", timestamp: new Date(1), feedbackType: "thumbs", value: 1 };
  for (
    const [feedbacks, pattern] of [
      [[good, { ...good, feedbackId: undefined }], /missing required id field 'feedbackId'/],
      [[{ ...good, feedbackType: 3 }], /feedbackType must be a string/],
      [[{ ...good, timestamp: "x" }], /timestamp/],
    ] as const
  ) {
    await assert.rejects(() => ours.batchCreateFeedback({ feedbacks } as never), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, pattern);
      return true;
    });
  }
  assert.equal((await ours.listFeedback({})).pagination?.total, 0);
  await assert.rejects(
    () => ours.updateFeedbackReviewStatus({ feedbackId: "nope", reviewStatus: "reviewed" } as never),
    (error: unknown) =>
      error instanceof MastraError && error.id === "OBSERVABILITY_UPDATE_FEEDBACK_REVIEW_STATUS_NOT_FOUND",
  );
});
