/**
 * Differential property test of the scores domain: random operation
 * sequences applied to ConvexStorage (on the in-process Convex backend)
 * and to @mastra/core's InMemoryStore must give the same answers.
 *
 * Normalised, as the contract leaves them open: keys holding `undefined`
 * and error messages (both must throw). "Now" and generated ids are the
 * same for both stores: our injected clock plus a `Date` whose
 * no-argument form returns that time while InMemoryStore's method starts,
 * and one `crypto.randomUUID` answer per operation. Timestamps are unique,
 * so the order of rows sharing a `createdAt` (open) never matters.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { SaveScorePayload } from "@mastra/core/evals";
import { InMemoryStore, type ScoresStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { outcome } from "./helpers/normalize.ts";

const IDS = ["sc1", "sc2", "sc3", "sc4", "sc5", "sc6", "sc7", "sc8"];
const SCORERS = ["scorerA", "scorerB"];
const ENTITIES = ["agent1", "wf1"];
const ENTITY_TYPES = ["AGENT", "WORKFLOW"];
const RUNS = ["run1", "run2"];
const TRACES = ["tr1", "tr2"];
const SPANS = ["sp1", "sp2"];
const TENANTS = ["org1"];
const PROJECTS = ["p1"];

/** A slot makes timestamps random in order yet unique: slot * 1000 + operation index. */
const slot = fc.integer({ min: 1, max: 100 });
const time = (slotValue: number, index: number) => new Date(slotValue * 1000 + index);
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Mostly absent, so that combined filters still leave rows to compare. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });

const value = fc.oneof(
  fc.constantFrom(1, "x", null, true, { $schema: "s", _id: 1 }, [1, "a"]),
  fc.jsonValue({ maxDepth: 2 }),
  fc.date({ noInvalidDate: true }),
);
const tenant = (pool: string[]) => fc.oneof(fc.constantFrom(...pool), fc.constant(null));
const pagination = fc.record({
  page: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, fc.integer({ min: -1, max: 3 })),
  perPage: fc.oneof(
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 4 }) },
    fc.constant(0),
    fc.constant(false as const),
  ),
});
const filters = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  fc.record({ organizationId: fc.constantFrom(...TENANTS), projectId: fc.constantFrom(...PROJECTS) }, {
    requiredKeys: [],
  }),
);

type Pagination = { page: number; perPage: number | false };
type Filters = { organizationId?: string; projectId?: string } | undefined;
type Op =
  | { kind: "save"; id?: string; score: Record<string, unknown>; created?: number }
  | { kind: "get"; id: string }
  | {
    kind: "byScorer";
    scorerId: string;
    entityId?: string;
    entityType?: string;
    source?: "LIVE" | "TEST";
    pagination: Pagination;
    filters: Filters;
  }
  | { kind: "byRun"; runId: string; pagination: Pagination; filters: Filters }
  | { kind: "byEntity"; entityId: string; entityType: string; pagination: Pagination; filters: Filters }
  | { kind: "bySpan"; traceId: string; spanId: string; pagination: Pagination; filters: Filters };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant("save" as const),
      id: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...IDS) }, fc.constant(undefined)),
      created: maybe(slot),
      score: fc.record({
        scorerId: fc.constantFrom(...SCORERS),
        entityId: fc.constantFrom(...ENTITIES),
        entityType: fc.constantFrom(...ENTITY_TYPES),
        runId: fc.constantFrom(...RUNS),
        source: fc.constantFrom("LIVE", "TEST"),
        traceId: fc.constantFrom(...TRACES),
        spanId: fc.constantFrom(...SPANS),
        organizationId: tenant(TENANTS),
        projectId: tenant(PROJECTS),
        score: fc.double({ noNaN: true, noDefaultInfinity: true }),
        reason: fc.string({ maxLength: 6 }),
        scorer: fc.dictionary(fc.constantFrom("id", "name", "$ref"), value, { maxKeys: 2 }),
        entity: fc.dictionary(fc.constantFrom("id", "_kind"), value, { maxKeys: 2 }),
        input: value,
        output: value,
        metadata: fc.dictionary(fc.constantFrom("a", "b"), value, { maxKeys: 2 }),
      }, { requiredKeys: ["scorerId", "entityId", "runId", "source", "score", "scorer", "entity", "output"] }),
    }, { requiredKeys: ["kind", "score"] }),
  },
  fc.record({ kind: fc.constant("get" as const), id: fc.constantFrom(...IDS) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("byScorer" as const),
      scorerId: fc.constantFrom(...SCORERS),
      entityId: rarely(fc.constantFrom(...ENTITIES)),
      entityType: rarely(fc.constantFrom(...ENTITY_TYPES)),
      source: rarely(fc.constantFrom("LIVE" as const, "TEST" as const)),
      pagination,
      filters,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("byRun" as const),
      runId: fc.constantFrom(...RUNS),
      pagination,
      filters,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("byEntity" as const),
      entityId: fc.constantFrom(...ENTITIES),
      entityType: fc.constantFrom(...ENTITY_TYPES),
      pagination,
      filters,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("bySpan" as const),
      traceId: fc.constantFrom(...TRACES),
      spanId: fc.constantFrom(...SPANS),
      pagination,
      filters,
    }),
  },
);

const withFilters = (filters: Filters) => (filters === undefined ? {} : { filters: structuredClone(filters) });

/** Applies one operation to a store. */
function apply(store: ScoresStorage, o: Op, index: number): Promise<unknown> {
  switch (o.kind) {
    case "save":
      return store.saveScore({
        ...structuredClone(o.score),
        ...(o.id !== undefined ? { id: o.id } : {}),
        ...(o.created !== undefined ? { createdAt: time(o.created, index) } : {}),
      } as SaveScorePayload);
    case "get":
      return store.getScoreById({ id: o.id });
    case "byScorer":
      return store.listScoresByScorerId({
        scorerId: o.scorerId,
        ...(o.entityId !== undefined ? { entityId: o.entityId } : {}),
        ...(o.entityType !== undefined ? { entityType: o.entityType } : {}),
        ...(o.source !== undefined ? { source: o.source } : {}),
        pagination: { ...o.pagination },
        ...withFilters(o.filters),
      });
    case "byRun":
      return store.listScoresByRunId({ runId: o.runId, pagination: { ...o.pagination }, ...withFilters(o.filters) });
    case "byEntity":
      return store.listScoresByEntityId({
        entityId: o.entityId,
        entityType: o.entityType,
        pagination: { ...o.pagination },
        ...withFilters(o.filters),
      });
    case "bySpan":
      return store.listScoresBySpan({
        traceId: o.traceId,
        spanId: o.spanId,
        pagination: { ...o.pagination },
        ...withFilters(o.filters),
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

/** Runs `fn` with `crypto.randomUUID` answering `id`. */
async function withUuid<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const original = crypto.randomUUID;
  crypto.randomUUID = () => id as ReturnType<typeof crypto.randomUUID>;
  try {
    return await fn();
  } finally {
    crypto.randomUUID = original;
  }
}

Deno.test("scores behave exactly like InMemoryStore (property)", async () => {
  let clock = 0;
  const stats: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 60 }), async (ops) => {
      const reference = (await new InMemoryStore().getStore("scores"))!;
      const { storage } = createTestStorage({ now: () => clock });
      const ours = (await storage.getStore("scores"))!;
      for (const [index, o] of ops.entries()) {
        clock = 500_000 + index;
        const uuid = `00000000-0000-4000-8000-${String(index).padStart(12, "0")}`;
        const expected = await withUuid(uuid, () => outcome(() => atTime(clock, () => apply(reference, o, index))));
        const actual = await withUuid(uuid, () => outcome(() => apply(ours, o, index)));
        const rows = (actual.ok && (actual.value as { scores?: unknown[] })?.scores?.length) || 0;
        const key = `${o.kind}:${expected.ok ? "ok" : "err"}${o.kind.startsWith("by") ? `:${Math.min(rows, 3)}` : ""}`;
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
