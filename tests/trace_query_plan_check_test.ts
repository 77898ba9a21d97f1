/**
 * Trace-query plans holding an element this store does not understand (an
 * unknown comparison operator, predicate type, relation, quantifier,
 * pagination mode or ordering) are refused with a clear USER error, by the
 * client before anything runs and by the component for a client that skips
 * the check; never evaluated as another operator or silently matching
 * nothing (issue 25, item 3).
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { TrustedThreadQueryPlan, TrustedTraceQueryPlan } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { checkPredicate } from "../convex/observability/traceQuery/traceQueryEval.ts";

const timeRange = { from: "2026-01-01T00:00:00.000Z", to: "2026-01-02T00:00:00.000Z" };

function tracesPlan(where?: unknown, overrides: Record<string, unknown> = {}): TrustedTraceQueryPlan {
  return {
    result: "traces",
    timeRange,
    orderBy: { field: "startedAt", direction: "desc" },
    paginationMode: "keyset",
    limit: 10,
    binding: "b",
    ...(where === undefined ? {} : { where }),
    ...overrides,
  } as unknown as TrustedTraceQueryPlan;
}

const comparison = (operator: string, value: unknown = "x") => ({ type: "comparison", field: "name", operator, value });

const refused: [string, TrustedTraceQueryPlan | TrustedThreadQueryPlan, RegExp][] = [
  ["unknown comparison operator", tracesPlan(comparison("like")), /where: unknown comparison operator "like"/],
  [
    "unknown predicate type",
    tracesPlan({ type: "regex", field: "name", pattern: "a" }),
    /unknown predicate type "regex"/,
  ],
  [
    "nested unknown operator",
    tracesPlan({ type: "boolean", operator: "and", args: [comparison("eq"), { type: "not", arg: comparison("~=") }] }),
    /where\.args\[1\]\.arg: unknown comparison operator "~="/,
  ],
  ["unknown boolean operator", tracesPlan({ type: "boolean", operator: "xor", args: [] }), /unknown boolean operator/],
  [
    "unknown relation collection",
    tracesPlan({ type: "relation", collection: "logs", quantifier: "some", predicate: comparison("eq") }),
    /unknown trace relation collection "logs"/,
  ],
  [
    "unknown quantifier",
    tracesPlan({ type: "relation", collection: "spans", quantifier: "all", predicate: comparison("eq") }),
    /unknown quantifier "all"/,
  ],
  [
    "unknown operator inside a relation",
    tracesPlan({ type: "relation", collection: "spans", quantifier: "some", predicate: comparison("startsWith") }),
    /where\.predicate: unknown comparison operator "startsWith"/,
  ],
  [
    "unknown membership operator",
    tracesPlan({ type: "membership", field: "name", operator: "within", values: [] }),
    /unknown membership operator/,
  ],
  [
    "a comparison value of another kind",
    tracesPlan(comparison("eq", { $date: 1 })),
    /value must be a string or a finite number/,
  ],
  ["unknown pagination mode", tracesPlan(undefined, { paginationMode: "cursor" }), /paginationMode must be one of/],
  [
    "unknown order field",
    tracesPlan(undefined, { orderBy: { field: "duration", direction: "desc" } }),
    /orderBy\.field must be one of "startedAt", "endedAt", got "duration"/,
  ],
  ["unknown result", tracesPlan(undefined, { result: "spans" }), /result must be one of/],
  [
    "unknown thread predicate",
    {
      result: "threads",
      traces: { timeRange },
      where: { type: "relation", collection: "spans", quantifier: "some", predicate: comparison("eq") },
      orderBy: { field: "threadId", direction: "asc" },
      limit: 10,
      binding: "b",
    } as unknown as TrustedThreadQueryPlan,
    /unknown thread relation collection "spans"/,
  ],
];

Deno.test("trace-query plans: every element the store does not understand is refused by the client", async () => {
  const { storage } = createTestStorage();
  const observability = (await storage.getStore("observability"))!;
  for (const [name, plan, message] of refused) {
    const call = plan.result === "threads"
      ? observability.queryThreads(plan as TrustedThreadQueryPlan)
      : observability.queryTraces(plan as TrustedTraceQueryPlan);
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, `${name}: ${error}`);
      assert.equal(error.category, "USER", `${name}: ${error.message}`);
      assert.match(error.message, /unsupported trace-query plan/, name);
      assert.match(error.message, message, name);
      return true;
    }, name);
  }
  // Known plans still run.
  assert.deepEqual(
    (await observability.queryTraces(tracesPlan(comparison("gte", "a"))) as { traces: unknown[] }).traces,
    [],
  );
});

Deno.test("trace-query plans: the component refuses unknown elements too, for a client that skips the check", async () => {
  const { storage } = createTestStorage();
  for (const where of [comparison("like"), { type: "regex", field: "name" }, { type: "relation", collection: "x" }]) {
    await assert.rejects(
      storage.transport.query("observability/traceQuery/traceQuery:scan", {
        from: 0,
        to: 1,
        where: JSON.stringify([where]),
        sort: "startedAt",
        order: "desc",
        withRoot: false,
      }, { operation: "queryTraces" }),
      (error: unknown) =>
        error instanceof MastraError && error.category === "USER" && /unsupported trace-query plan/.test(error.message),
    );
  }
});

Deno.test("trace-query plans: nesting is bounded before any recursion", () => {
  let deep: unknown = comparison("eq");
  for (let i = 0; i < 100_000; i++) deep = { type: "not", arg: deep };
  assert.throws(() => checkPredicate(deep, "trace"), /nests deeper than 64 levels \(the predicate nesting limit\)/);
});
