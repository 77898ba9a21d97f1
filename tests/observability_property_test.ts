/**
 * Differential property test of spans and traces: random operation
 * sequences applied to ConvexStorage (on the in-process Convex backend) and
 * to @mastra/core's InMemoryStore must give the same answers.
 *
 * Normalised, because the contract leaves them open:
 * - `createdAt`/`updatedAt`, which each store stamps from its own clock;
 * - the order of rows whose sort keys tie: InMemoryStore keeps insertion
 *   order, we break ties by trace id (and span id), ascending or descending
 *   with the requested direction. The expected page is cut from
 *   InMemoryStore's full list re-sorted with that tie-break;
 * - error texts (both must throw; ours must be a MastraError).
 * Delta cursors are opaque and differ between the stores (ours is a
 * position in sharded streams): each store is handed back its own cursors,
 * and the rows every poll answers must agree. Page answers' cursors feed the
 * next poll when the page is unfiltered (core answers the newest matching
 * row's number for filtered pages; we answer the stream's head, documented
 * in `src/observability/tracing/lists.ts`). Filters InMemoryStore ignores (`traceId` and the
 * parent/root entity fields on `listTraces`) are covered by the example tests.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MastraError } from "@mastra/core/error";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";

const TRACE_IDS = ["t0", "t1", "t2", "t3", "t4", "t5"];
/** Span ids with a fixed parent and type, so a span never changes from root to child or branch to non-branch. */
const SPANS: Record<string, { parent?: string | null; type: string }> = {
  r1: { parent: null, type: "agent_run" },
  r2: { type: "workflow_run" }, // root without a parentSpanId key
  c1: { parent: "r1", type: "tool_call" },
  c2: { parent: "r1", type: "model_generation" },
};
const SPAN_IDS = Object.keys(SPANS);

const time = fc.integer({ min: 0, max: 6 }).map((n) => new Date(1_000 * n));
const maybe = <T>(...values: T[]) => fc.constantFrom<T | undefined | null>(undefined, null, ...values);
const metadataValue = fc.constantFrom<unknown>(undefined, null, { k: 1 }, { k: 2, $schema: "s" }, {
  k: 1,
  d: new Date(5),
});
const scopeValue = fc.constantFrom<unknown>(undefined, null, { core: "1" }, { core: "2", git: "x" });
const tagsValue = fc.constantFrom<unknown>(undefined, null, [], ["a"], ["a", "b"], ["b"]);

const spanFields = {
  name: fc.constantFrom("n1", "n2"),
  isEvent: fc.boolean(),
  startedAt: time,
  endedAt: fc.oneof(fc.constantFrom(undefined, null), time),
  error: fc.constantFrom<unknown>(undefined, null, { message: "boom" }),
  entityType: maybe("agent", "workflow_run"),
  entityId: maybe("e1", "e2"),
  entityName: maybe("a", "b"),
  resourceId: maybe("res1", "res2"),
  organizationId: maybe("o1", "o2"),
  userId: maybe("u1"),
  threadId: maybe("th1", "th2"),
  environment: maybe("prod", "dev"),
  serviceName: maybe("svc"),
  metadata: metadataValue,
  scope: scopeValue,
  tags: tagsValue,
  input: fc.constantFrom<unknown>(undefined, "hi", { messages: [{ role: "user", content: "yo" }] }, {
    _id: 1,
    $x: [undefined, null, 2n],
  }),
  attributes: fc.constantFrom<unknown>(undefined, { model: "m", "~t": 1 }),
};

const spanArb = fc.record({
  traceId: fc.constantFrom(...TRACE_IDS),
  spanId: fc.constantFrom(...SPAN_IDS),
  fields: fc.record(spanFields, { requiredKeys: ["name", "isEvent", "startedAt"] }),
}).map(({ traceId, spanId, fields }) => {
  const { parent, type } = SPANS[spanId];
  return { ...fields, traceId, spanId, spanType: type, ...(parent === undefined ? {} : { parentSpanId: parent }) };
});

const updateArb = fc.record({
  traceId: fc.constantFrom(...TRACE_IDS),
  spanId: fc.constantFrom(...SPAN_IDS),
  updates: fc.record({
    endedAt: spanFields.endedAt,
    error: spanFields.error,
    entityName: spanFields.entityName,
    resourceId: spanFields.resourceId,
    metadata: spanFields.metadata,
    tags: spanFields.tags,
    startedAt: spanFields.startedAt,
  }, { requiredKeys: [] }),
});

const range = fc.record({
  start: time,
  end: time,
  startExclusive: fc.boolean(),
  endExclusive: fc.boolean(),
}, { requiredKeys: ["startExclusive", "endExclusive"] });

const commonFilters = {
  startedAt: range,
  endedAt: range,
  entityType: fc.constantFrom<string | null>("agent", "workflow_run", null),
  entityName: fc.constantFrom<string | null>("a", "b", null),
  entityId: fc.constantFrom<string | null>("e1", null),
  resourceId: fc.constantFrom<string | null>("res1", "res2"),
  organizationId: fc.constantFrom<string | null>("o1", null),
  environment: fc.constantFrom<string | null>("prod"),
  threadId: fc.constantFrom<string | null>("th1"),
  status: fc.constantFrom("success", "error", "running"),
  metadata: fc.constantFrom<Record<string, unknown>>({ k: 1 }, {}, { k: 1, d: new Date(5) }),
  scope: fc.constantFrom<Record<string, unknown>>({ core: "1" }, {}),
  tags: fc.constantFrom(["a"], [], ["a", "b"]),
};
/** At most `max` filters at once, so that lists are often non-empty. */
function someOf(fields: Record<string, fc.Arbitrary<unknown>>, max = 2): fc.Arbitrary<Record<string, unknown>> {
  return fc.uniqueArray(fc.constantFrom(...Object.keys(fields)), { maxLength: max }).chain((keys) =>
    fc.record(Object.fromEntries(keys.map((key) => [key, fields[key]])))
  );
}
const traceFilterFields = {
  ...commonFilters,
  spanType: fc.constantFrom("agent_run", "workflow_run"),
  hasChildError: fc.boolean(),
};
const dateFilters = { startedAt: range, endedAt: range };
const traceFilters = fc.oneof(someOf(traceFilterFields), someOf(dateFilters));
const branchFilters = fc.oneof(
  someOf({ ...commonFilters, spanType: fc.constantFrom("agent_run", "tool_call", "model_generation") }),
  someOf(dateFilters),
);
const listShape = {
  page: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3 })),
  perPage: fc.integer({ min: 1, max: 4 }),
  field: fc.constantFrom("startedAt", "endedAt"),
  direction: fc.constantFrom("ASC", "DESC"),
};

type Span = Record<string, unknown> & { traceId: string; spanId: string };
type Update = { traceId: string; spanId: string; updates: Record<string, unknown> };
type ListOp = { filters: Record<string, unknown>; page: number; perPage: number; field: string; direction: string };
type Op =
  | { kind: "create"; span: Span }
  | { kind: "batchCreate"; spans: Span[] }
  | { kind: "update"; update: Update }
  | { kind: "batchUpdate"; updates: Update[] }
  | { kind: "delete"; traceIds: string[]; organizationId?: string; resourceId?: string }
  | { kind: "getSpan"; traceId: string; spanId: string }
  | { kind: "getSpans"; traceId: string; spanIds: string[] }
  | { kind: "getRootSpan"; traceId: string }
  | { kind: "getTrace"; traceId: string; light: boolean }
  | { kind: "getBranch"; traceId: string; spanId: string; depth?: number }
  | { kind: "listTraces" } & ListOp
  | { kind: "listBranches" } & ListOp
  | {
    kind: "delta";
    what: "traces" | "branches";
    filters: Record<string, unknown>;
    limit: number;
    from: "cursor" | "zero" | "reset" | "bad";
  }
  | { kind: "clear" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: spanArb.map((span): Op => ({ kind: "create", span })), weight: 5 },
  {
    arbitrary: fc.array(spanArb, { minLength: 1, maxLength: 4 }).map((spans): Op => ({ kind: "batchCreate", spans })),
    weight: 4,
  },
  { arbitrary: updateArb.map((update): Op => ({ kind: "update", update })), weight: 3 },
  {
    arbitrary: fc.array(updateArb, { minLength: 1, maxLength: 3 }).map((updates): Op => ({
      kind: "batchUpdate",
      updates,
    })),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      traceIds: fc.subarray(TRACE_IDS, { minLength: 0, maxLength: 2 }),
      organizationId: fc.constantFrom("o1", "o2"),
      resourceId: fc.constantFrom("res1"),
    }, { requiredKeys: ["traceIds"] }).map((args): Op => ({ kind: "delete", ...args })),
    weight: 1,
  },
  {
    arbitrary: fc.record({ traceId: fc.constantFrom(...TRACE_IDS), spanId: fc.constantFrom(...SPAN_IDS, "zz") }).map((
      a,
    ): Op => ({ kind: "getSpan", ...a })),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      traceId: fc.constantFrom(...TRACE_IDS),
      spanIds: fc.array(fc.constantFrom(...SPAN_IDS, "zz"), { minLength: 1, maxLength: 4 }),
    }).map((a): Op => ({ kind: "getSpans", ...a })),
    weight: 1,
  },
  { arbitrary: fc.constantFrom(...TRACE_IDS).map((traceId): Op => ({ kind: "getRootSpan", traceId })), weight: 1 },
  {
    arbitrary: fc.record({ traceId: fc.constantFrom(...TRACE_IDS), light: fc.boolean() }).map((a): Op => ({
      kind: "getTrace",
      ...a,
    })),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      traceId: fc.constantFrom(...TRACE_IDS),
      spanId: fc.constantFrom(...SPAN_IDS),
      depth: fc.integer({ min: 0, max: 2 }),
    }, { requiredKeys: ["traceId", "spanId"] }).map((a): Op => ({ kind: "getBranch", ...a })),
    weight: 1,
  },
  {
    arbitrary: fc.record({ filters: traceFilters, ...listShape }).map((a): Op => ({ kind: "listTraces", ...a })),
    weight: 5,
  },
  {
    arbitrary: fc.record({ filters: branchFilters, ...listShape }).map((a): Op => ({ kind: "listBranches", ...a })),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      what: fc.constantFrom("traces" as const, "branches" as const),
      filters: someOf({
        entityName: commonFilters.entityName,
        status: commonFilters.status,
        metadata: commonFilters.metadata,
      }, 1),
      limit: fc.integer({ min: 1, max: 3 }),
      from: fc.constantFrom("cursor" as const, "cursor" as const, "zero" as const, "reset" as const, "bad" as const),
    }).map((a): Op => ({ kind: "delta", ...a })),
    weight: 3,
  },
  { arbitrary: fc.constant<Op>({ kind: "clear" }), weight: 1 },
);

/** Replaces the store-stamped timestamps. */
function stamp<T>(value: T): T {
  if (Array.isArray(value)) return value.map(stamp) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = key === "createdAt" || key === "updatedAt" ? "<stamped>" : stamp(inner);
    }
    return out as T;
  }
  return value;
}

type Row = { traceId: string; spanId: string; startedAt: Date; endedAt?: Date | null };

/** Re-sorts a full list with our tie-break (trace id, then span id, in the requested direction). */
function withTieBreak<T extends Row>(rows: T[], field: string, direction: string, bySpan: boolean): T[] {
  const dir = direction === "ASC" ? 1 : -1;
  const key = (row: T) =>
    field === "endedAt" ? (row.endedAt == null ? Infinity : row.endedAt.getTime()) : row.startedAt.getTime();
  const id = (row: T) => bySpan ? JSON.stringify([row.traceId, row.spanId]) : row.traceId;
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
    return (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0) * dir;
  });
}

function bySpanOrder<T extends Row>(spans: T[]): T[] {
  return [...spans].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || (a.spanId < b.spanId ? -1 : 1));
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
async function run(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Non-empty answers per operation kind (printed with OBS_STATS=1). */
const stats: Record<string, number> = {};

function sameOutcome(ours: Outcome, theirs: Outcome, op: Op): void {
  if (Deno.env.get("OBS_STATS") && theirs.ok) {
    const v = theirs.value as Record<string, unknown[]> | null;
    const rows = v && (v.spans ?? v.branches);
    if (v && (!Array.isArray(rows) || rows.length > 0)) stats[op.kind] = (stats[op.kind] ?? 0) + 1;
    else stats[`${op.kind}:empty`] = (stats[`${op.kind}:empty`] ?? 0) + 1;
  }
  if (!theirs.ok) {
    if (ours.ok) assert.fail(`expected an error for ${fc.stringify(op)}, got ${fc.stringify(ours.value)}`);
    assert.ok(ours.error instanceof MastraError, `not a MastraError: ${ours.error}`);
    return;
  }
  if (!ours.ok) throw ours.error;
  try {
    assert.deepEqual(stamp(ours.value), stamp(theirs.value));
  } catch (error) {
    throw new Error(`${fc.stringify(op)}: ${(error as Error).message}`);
  }
}

async function apply(
  op: Op,
  ours: ObservabilityStorage,
  theirs: ObservabilityStorage,
  cursors: { ours: Record<string, string | undefined>; theirs: Record<string, string | undefined> },
): Promise<void> {
  const both = async (fn: (store: ObservabilityStorage) => Promise<unknown>) =>
    sameOutcome(await run(() => fn(ours)), await run(() => fn(theirs)), op);
  switch (op.kind) {
    case "create":
      return both((s) => s.createSpan({ span: op.span as never }));
    case "batchCreate":
      return both((s) => s.batchCreateSpans({ records: op.spans as never }));
    case "update":
      return both((s) => s.updateSpan(op.update as never));
    case "batchUpdate": {
      // Only existing spans: a failing batch is all-or-nothing here, applied up to the failure there.
      const existing: Update[] = [];
      for (const u of op.updates) if (await theirs.getSpan({ traceId: u.traceId, spanId: u.spanId })) existing.push(u);
      return both((s) => s.batchUpdateSpans({ records: existing as never }));
    }
    case "delete": {
      const { kind: _, ...args } = op;
      return both((s) => s.batchDeleteTraces(args));
    }
    case "getSpan":
      return both((s) => s.getSpan({ traceId: op.traceId, spanId: op.spanId }));
    case "getSpans":
      return both((s) => s.getSpans({ traceId: op.traceId, spanIds: op.spanIds }));
    case "getRootSpan":
      return both((s) => s.getRootSpan({ traceId: op.traceId }));
    case "getTrace": {
      const read = (s: ObservabilityStorage) =>
        op.light ? s.getTraceLight({ traceId: op.traceId }) : s.getTrace({ traceId: op.traceId });
      const mine = await run(() => read(ours));
      const expected = await run(async () => {
        const trace = await read(theirs);
        return trace && { ...trace, spans: bySpanOrder(trace.spans as Row[]) };
      });
      return sameOutcome(mine, expected, op);
    }
    case "getBranch": {
      const args = { traceId: op.traceId, spanId: op.spanId, ...(op.depth !== undefined ? { depth: op.depth } : {}) };
      const mine = await run(() => ours.getBranch(args));
      const expected = await run(async () => {
        const branch = await theirs.getBranch(args);
        // Core sorts the branch by startedAt; on ties the anchor comes first, then our structure order (span id).
        const anchorFirst = (a: Row, b: Row) =>
          a.startedAt.getTime() - b.startedAt.getTime() || (a.spanId === op.spanId ? -1 : 0) ||
          (b.spanId === op.spanId ? 1 : 0) || (a.spanId < b.spanId ? -1 : 1);
        return branch && { ...branch, spans: [...branch.spans as Row[]].sort(anchorFirst) };
      });
      return sameOutcome(mine, expected, op);
    }
    case "listTraces":
    case "listBranches": {
      const traces = op.kind === "listTraces";
      const orderBy = { field: op.field, direction: op.direction };
      const list = (s: ObservabilityStorage, page: number, perPage: number) =>
        traces
          ? s.listTraces({ filters: op.filters, pagination: { page, perPage }, orderBy } as never)
          : s.listBranches({ filters: op.filters, pagination: { page, perPage }, orderBy } as never);
      const mine = await run(() => list(ours, op.page, op.perPage));
      const expected = await run(async () => {
        const page = await list(theirs, op.page, op.perPage) as Record<string, unknown>;
        const full = await list(theirs, 0, 100) as Record<string, unknown>;
        const key = traces ? "spans" : "branches";
        const sorted = withTieBreak(full[key] as Row[], op.field, op.direction, !traces);
        return { ...page, [key]: sorted.slice(op.page * op.perPage, (op.page + 1) * op.perPage) };
      });
      const what = traces ? "traces" : "branches";
      const unfiltered = Object.keys(op.filters).length === 0;
      if (unfiltered && mine.ok && expected.ok) {
        cursors.ours[what] = (mine.value as { deltaCursor: string }).deltaCursor;
        cursors.theirs[what] = (expected.value as { deltaCursor: string }).deltaCursor;
      }
      for (const o of [mine, expected]) if (o.ok) delete (o.value as Record<string, unknown>).deltaCursor;
      return sameOutcome(mine, expected, op);
    }
    case "delta": {
      const args = (side: Record<string, string | undefined>) => {
        const after = { cursor: side[op.what], zero: "0", reset: undefined, bad: "x1" }[op.from];
        return { mode: "delta", filters: op.filters, limit: op.limit, ...(after ? { after } : {}) } as never;
      };
      const call = (s: ObservabilityStorage, side: Record<string, string | undefined>) =>
        op.what === "traces" ? s.listTraces(args(side)) : s.listBranches(args(side));
      const mine = await run(() => call(ours, cursors.ours));
      const theirsOutcome = await run(() => call(theirs, cursors.theirs));
      if (mine.ok) cursors.ours[op.what] = (mine.value as { deltaCursor: string }).deltaCursor;
      if (theirsOutcome.ok) cursors.theirs[op.what] = (theirsOutcome.value as { deltaCursor: string }).deltaCursor;
      for (const o of [mine, theirsOutcome]) {
        if (o.ok) {
          const cursor = (o.value as Record<string, unknown>).deltaCursor;
          assert.ok(typeof cursor === "string" && cursor.length > 0, "a delta answer carries a cursor");
          delete (o.value as Record<string, unknown>).deltaCursor;
        }
      }
      return sameOutcome(mine, theirsOutcome, op);
    }
    case "clear":
      await ours.dangerouslyClearAll();
      await theirs.dangerouslyClearAll();
      cursors.ours = {};
      cursors.theirs = {};
      return;
  }
}

Deno.test("observability: random operation sequences agree with InMemoryStore", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 10, maxLength: 40, size: "max" }), async (ops) => {
      const { storage } = createTestStorage();
      const ours = (await storage.getStore("observability"))!;
      const theirs = (await new InMemoryStore().getStore("observability"))!;
      const cursors = { ours: {}, theirs: {} };
      for (const op of ops) await apply(op, ours, theirs, cursors);
    }),
    { numRuns: Number(Deno.env.get("OBS_RUNS") ?? 200) },
  );
  if (Deno.env.get("OBS_STATS")) console.log(stats);
});
