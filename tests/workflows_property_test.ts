/**
 * Differential property test of the workflows domain: random operation
 * sequences applied to ConvexStorage (on the in-process Convex backend)
 * and to @mastra/core's InMemoryStore must give the same answers.
 *
 * Normalised, as the contract leaves them open: keys holding `undefined`,
 * the store-internal `workflow_name`/`run_id` keys InMemoryStore leaks
 * into runs, and error messages (both must throw). "Now" is the same for
 * both stores: our injected clock, and a `Date` whose no-argument form
 * returns that time while InMemoryStore's method starts. Timestamps are
 * unique, so the order of rows sharing a `createdAt` (open) never matters.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type WorkflowsStorage } from "@mastra/core/storage";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createTestStorage } from "./helpers/backend.ts";
import { type Outcome, outcome } from "./helpers/normalize.ts";

const WORKFLOWS = ["wfA", "wfB", "wf:C"];
const RUNS = ["r1", "r2", "r3", "r4"];
const RESOURCES = ["res1", "res2"];
const THREADS = ["th1", "th2"];
const STATUSES = ["running", "success", "suspended", "failed", "pending"] as const;
const STEPS = ["s1", "s2", "input"];

/** A slot makes timestamps random in order yet unique: slot * 1000 + operation index. */
const slot = fc.integer({ min: 1, max: 100 });
const time = (slotValue: number, index: number) => new Date(slotValue * 1000 + index);

const value = fc.oneof(
  fc.constantFrom(1, "x", null, true, { $schema: "s", _id: 1 }, [1, "a"]),
  fc.jsonValue({ maxDepth: 2 }),
  fc.date({ noInvalidDate: true }),
  fc.constant(undefined),
);
const pendingMarker = fc.constant({ __mastra_pending__: true });
const foreachOutput = fc.array(fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 9 }), pendingMarker), {
  maxLength: 4,
});
const stepResult = fc.oneof(
  fc.record({
    status: fc.constantFrom("success", "failed", "running"),
    output: fc.oneof(value, foreachOutput),
    startedAt: fc.integer({ min: 0, max: 100 }),
  }, { requiredKeys: ["status"] }),
  fc.record({
    status: fc.constant("suspended"),
    suspendPayload: fc.oneof(
      value,
      fc.record({
        __streamState: fc.record({
          messageList: fc.record({ memoryInfo: fc.record({ threadId: fc.constantFrom(...THREADS) }) }),
        }),
      }),
    ),
    suspendedAt: fc.integer({ min: 0, max: 100 }),
  }),
);
const inputStep = fc.record({
  messageListState: fc.record({ memoryInfo: fc.record({ threadId: fc.constantFrom(...THREADS) }) }),
});
const snapshot = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      runId: fc.constantFrom(...RUNS),
      status: fc.constantFrom(...STATUSES),
      context: fc.oneof(
        fc.dictionary(fc.constantFrom("s1", "s2"), stepResult, { maxKeys: 2 }),
        fc.record({ input: inputStep }),
      ),
      value: fc.constant({}),
      activePaths: fc.constant([]),
      timestamp: fc.integer({ min: 0, max: 1000 }),
      result: value,
    }, { requiredKeys: ["status", "context"] }),
  },
  fc.constant(undefined),
  fc.constant(null),
  fc.record({ status: fc.constantFrom(...STATUSES) }), // no context: updates must fail
);

type Op =
  | {
    kind: "persist";
    workflowName: string;
    runId: string;
    resourceId?: string;
    snapshot: unknown;
    created?: number;
    updated?: number;
  }
  | { kind: "load"; workflowName: string; runId: string }
  | { kind: "get"; runId: string; workflowName?: string }
  | { kind: "delete"; workflowName: string; runId: string }
  | {
    kind: "list";
    workflowName?: string;
    resourceId?: string;
    status?: string;
    threadId?: string;
    from?: number;
    to?: number;
    page?: number;
    perPage?: number | false;
  }
  | {
    kind: "updateResults";
    workflowName: string;
    runId: string;
    stepId: string;
    result: unknown;
    requestContext: Record<string, unknown>;
  }
  | {
    kind: "updateState";
    workflowName: string;
    runId: string;
    opts: Record<string, unknown>;
  };

const workflowName = fc.constantFrom(...WORKFLOWS);
const runId = fc.constantFrom(...RUNS);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Mostly absent, so that combined filters still leave rows to compare. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 5, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("persist" as const),
      workflowName,
      runId,
      resourceId: maybe(fc.constantFrom(...RESOURCES)),
      snapshot,
      created: maybe(slot),
      updated: maybe(slot),
    }, { requiredKeys: ["kind", "workflowName", "runId", "snapshot"] }),
  },
  fc.record({ kind: fc.constant("load" as const), workflowName, runId }),
  fc.record({ kind: fc.constant("get" as const), runId, workflowName: maybe(workflowName) }),
  fc.record({ kind: fc.constant("delete" as const), workflowName, runId }),
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      workflowName: rarely(workflowName),
      resourceId: rarely(fc.constantFrom(...RESOURCES)),
      status: rarely(fc.constantFrom(...STATUSES)),
      threadId: rarely(fc.constantFrom(...THREADS)),
      from: rarely(slot),
      to: rarely(slot),
      page: maybe(fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: -1, max: 3 }))),
      perPage: maybe(
        fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }) }, fc.constant(0), fc.constant(false as const)),
      ),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("updateResults" as const),
      workflowName,
      runId,
      stepId: fc.constantFrom(...STEPS),
      result: stepResult,
      requestContext: fc.dictionary(fc.constantFrom("a", "b", "$c"), value, { maxKeys: 2 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("updateState" as const),
      workflowName,
      runId,
      opts: fc.record({
        status: fc.constantFrom(...STATUSES),
        result: stepResult,
        error: fc.record({ message: fc.string({ maxLength: 5 }), name: fc.constant("Error") }),
        suspendedPaths: fc.dictionary(fc.constantFrom("s1", "s2"), fc.array(fc.nat(3), { maxLength: 2 })),
        expectedStatus: fc.oneof(
          fc.constantFrom(...STATUSES),
          fc.array(fc.constantFrom(...STATUSES), { maxLength: 2 }),
        ),
      }, { requiredKeys: ["status"] }),
    }),
  },
);

/** Applies one operation to a store. */
function apply(store: WorkflowsStorage, o: Op, index: number): Promise<unknown> {
  switch (o.kind) {
    case "persist":
      return store.persistWorkflowSnapshot({
        workflowName: o.workflowName,
        runId: o.runId,
        ...(o.resourceId !== undefined ? { resourceId: o.resourceId } : {}),
        snapshot: structuredClone(o.snapshot) as WorkflowRunState,
        ...(o.created !== undefined ? { createdAt: time(o.created, index) } : {}),
        ...(o.updated !== undefined ? { updatedAt: time(o.updated, index) } : {}),
      });
    case "load":
      return store.loadWorkflowSnapshot({ workflowName: o.workflowName, runId: o.runId });
    case "get":
      return store.getWorkflowRunById({
        runId: o.runId,
        ...(o.workflowName !== undefined ? { workflowName: o.workflowName } : {}),
      });
    case "delete":
      return store.deleteWorkflowRunById({ workflowName: o.workflowName, runId: o.runId });
    case "list":
      return store.listWorkflowRuns({
        ...(o.workflowName !== undefined ? { workflowName: o.workflowName } : {}),
        ...(o.resourceId !== undefined ? { resourceId: o.resourceId } : {}),
        ...(o.status !== undefined ? { status: o.status as WorkflowRunState["status"] } : {}),
        ...(o.threadId !== undefined ? { threadId: o.threadId } : {}),
        ...(o.from !== undefined ? { fromDate: new Date(o.from * 1000) } : {}),
        ...(o.to !== undefined ? { toDate: new Date(o.to * 1000) } : {}),
        ...(o.page !== undefined ? { page: o.page } : {}),
        ...(o.perPage !== undefined ? { perPage: o.perPage } : {}),
      });
    case "updateResults":
      return store.updateWorkflowResults({
        workflowName: o.workflowName,
        runId: o.runId,
        stepId: o.stepId,
        // deno-lint-ignore no-explicit-any
        result: structuredClone(o.result) as any,
        requestContext: structuredClone(o.requestContext),
      });
    case "updateState":
      return store.updateWorkflowState({
        workflowName: o.workflowName,
        runId: o.runId,
        // deno-lint-ignore no-explicit-any
        opts: structuredClone(o.opts) as any,
      });
  }
}

const RealDate = Date;

/** Runs `fn` with `new Date()` and `Date.now()` answering `now` until it returns (synchronously). */
function atTime<T>(now: number, fn: () => T): T {
  function FrozenDate(this: unknown, ...args: unknown[]) {
    // deno-lint-ignore no-explicit-any
    return args.length === 0 ? new RealDate(now) : new (RealDate as any)(...args);
  }
  FrozenDate.prototype = RealDate.prototype;
  FrozenDate.now = () => now;
  FrozenDate.parse = RealDate.parse;
  FrozenDate.UTC = RealDate.UTC;
  // deno-lint-ignore no-explicit-any
  (globalThis as any).Date = FrozenDate;
  try {
    return fn();
  } finally {
    globalThis.Date = RealDate;
  }
}

/** Drops the store-internal keys InMemoryStore leaks into runs. */
function normalizeRuns(result: Outcome): Outcome {
  if (!result.ok) return result;
  const strip = (run: unknown) => {
    if (run === null || typeof run !== "object") return run;
    const { workflow_name: _w, run_id: _r, ...rest } = run as Record<string, unknown>;
    return rest;
  };
  const value = result.value as { runs?: unknown[] } | null;
  if (value && Array.isArray(value.runs)) return { ok: true, value: { ...value, runs: value.runs.map(strip) } };
  if (value && typeof value === "object" && "runId" in value) return { ok: true, value: strip(value) };
  return result;
}

Deno.test("workflows behave exactly like InMemoryStore (property)", async () => {
  let clock = 0;
  const stats: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
      const reference = (await new InMemoryStore().getStore("workflows"))!;
      const { storage } = createTestStorage({ now: () => clock });
      const ours = (await storage.getStore("workflows"))!;
      for (const [index, o] of ops.entries()) {
        clock = 50_000 + index;
        const expected = normalizeRuns(await outcome(() => atTime(clock, () => apply(reference, o, index))));
        const actual = normalizeRuns(await outcome(() => apply(ours, o, index)));
        const key = o.kind + (expected.ok ? ":ok" : ":err");
        stats[key] = (stats[key] ?? 0) + 1;
        assert.equal(
          actual.ok,
          expected.ok,
          `op ${index} ${JSON.stringify(o)}: ${JSON.stringify({ actual, expected })}`,
        );
        if (actual.ok && expected.ok) {
          assert.deepStrictEqual(actual.value, expected.value, `op ${index} ${o.kind} ${JSON.stringify(o)}`);
        }
      }
    }),
    { numRuns: 300 },
  );
  console.log(stats);
});
