/**
 * Trace fixtures shared by the trace-page tests: a storage whose client
 * counts calls, deterministic root spans of many traces, the filters of
 * every trace-list family.
 */
import assert from "node:assert/strict";
import type { ObservabilityStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "./backend.ts";

/** Shared fixture. */
export type SpanInput = Record<string, unknown>;
/** Shared fixture. */
export type Row = { traceId: string; spanId?: string; startedAt: Date; endedAt?: Date | null };

/** A storage on a fresh backend whose client counts calls. */
/** Shared fixture. */
export function countingStore() {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  const calls = { n: 0 };
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      calls.n++;
      return inner.query(path, args);
    },
    mutation: (path, args) => {
      calls.n++;
      return inner.mutation(path, args);
    },
  };
  const storage = new ConvexStorage({ client, now: () => 1_700_000_000_000 });
  return { storage, backend, calls };
}

/** Deterministic pseudo-random numbers. */
/** Shared fixture. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Shared fixture. */
export function pick<T>(next: () => number, values: T[]): T {
  return values[Math.floor(next() * values.length)];
}

/** Root spans of `n` traces with repeated start times (ties) and a few values per family. */
/** Shared fixture. */
export function traces(n: number, seed = 7): SpanInput[] {
  const next = random(seed);
  const out: SpanInput[] = [];
  for (let i = 0; i < n; i++) {
    const started = 1_000 + Math.floor(next() * n / 3) * 10;
    const ended = pick(next, [null, started + 5, started + 50]);
    out.push({
      traceId: `t${String(i).padStart(5, "0")}`,
      spanId: "root",
      name: "root",
      spanType: pick(next, ["agent_run", "workflow_run"]),
      isEvent: false,
      startedAt: new Date(started),
      endedAt: ended === null ? null : new Date(ended),
      parentSpanId: null,
      error: next() < 0.2 ? { message: "boom" } : undefined,
      entityType: pick(next, ["agent", "workflow_run"]),
      entityName: pick(next, ["a", "b", "c"]),
      entityId: pick(next, ["e1", "e2", "e3"]),
      resourceId: pick(next, ["r1", "r2", "r3", "r4"]),
      threadId: pick(next, ["th1", "th2", "th3", "th4", "th5"]),
      userId: pick(next, ["u1", "u2"]),
      sessionId: pick(next, ["s1", "s2"]),
      runId: pick(next, ["run1", "run2", "run3"]),
      organizationId: pick(next, ["o1", "o2"]),
      environment: pick(next, ["prod", "dev"]),
      metadata: { n: i % 7 },
      input: { prompt: `hello ${i}` },
    });
  }
  return out;
}

/**
 * Children of each root of {@link traces}: a `tool_call` (a branch anchor)
 * starting with its root or 10 ms later, ended or not, and (`withPlain`) a
 * `model_generation` that anchors no branch.
 */
export function children(roots: SpanInput[], withPlain = true): SpanInput[] {
  return roots.flatMap((root, i) => {
    const started = (root.startedAt as Date).getTime() + (i % 2 === 0 ? 0 : 10);
    const tool = {
      ...root,
      spanId: "tool",
      name: "tool",
      spanType: "tool_call",
      parentSpanId: "root",
      startedAt: new Date(started),
      endedAt: i % 3 === 0 ? null : new Date(started + 20 * (i % 4)),
      error: undefined,
    };
    const plain = { ...tool, spanId: "model", name: "model", spanType: "model_generation", endedAt: null };
    return withPlain ? [tool, plain] : [tool];
  });
}

/**
 * InMemoryStore's full list re-sorted with our tie-break (in the requested
 * direction): trace id for traces, `JSON.stringify([traceId, spanId])` (the
 * span row's id) for branches (`bySpan`).
 */
/** Shared fixture. */
export function withTieBreak(rows: Row[], field: string, direction: string, bySpan = false): Row[] {
  const dir = direction === "ASC" ? 1 : -1;
  const key = (row: Row) =>
    field === "endedAt" ? (row.endedAt == null ? Infinity : row.endedAt.getTime()) : row.startedAt.getTime();
  const id = (row: Row) => bySpan ? JSON.stringify([row.traceId, row.spanId]) : row.traceId;
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
    return (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0) * dir;
  });
}

/** Shared fixture. */
export function stamp<T>(value: T): T {
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

/** Shared fixture. */
export const FILTERS: Record<string, unknown>[] = [
  {},
  { entityType: "agent" },
  { entityType: "agent", entityName: "b" },
  { entityId: "e2" },
  { resourceId: "r3" },
  { threadId: "th1" },
  { userId: "u2" },
  { sessionId: "s1" },
  { runId: "run2" },
  { organizationId: "o1" },
  { environment: "dev" },
  { status: "success" },
  { status: "running", entityType: "workflow_run" },
  { startedAt: { start: new Date(1_500), end: new Date(3_000) } },
  { startedAt: { start: new Date(1_500), startExclusive: true }, resourceId: "r1" },
  { entityName: "a" },
  { metadata: { n: 3 } },
];

/** Tags of {@link tagged} traces. */
export const TAGS: string[] = ["vip", "beta", "eu", "rare"];

/** Root spans of `n` traces, most with some of {@link TAGS} (a few repeated, a tenth with none). */
export function tagged(n: number): SpanInput[] {
  const next = random(11);
  return traces(n, 5).map((span, i) => {
    const tags = TAGS.filter((tag) => next() < (tag === "rare" ? 0.03 : 0.4));
    return {
      ...span,
      ...(i % 10 === 0 ? {} : { tags: next() < 0.1 ? [...tags, pick(next, tags.length ? tags : TAGS)] : tags }),
    };
  });
}

/** A metadata string longer than the longest one kept in rank trees. */
export const LONG_VALUE: string = "x".repeat(300);

/**
 * Root spans of `n` traces with varied root metadata: pairs that have rank
 * trees (strings, numbers including -0, booleans, null) and pairs that do
 * not (a long string, an object); a tenth with no metadata.
 */
export function withMetadata(n: number): SpanInput[] {
  const next = random(23);
  return traces(n, 5).map((span, i) => {
    if (i % 10 === 0) return { ...span, metadata: undefined };
    const metadata: Record<string, unknown> = {};
    if (next() < 0.7) metadata.tier = pick(next, ["t1", "t2", "t3"]);
    metadata.n = pick(next, [0, -0, 1, 2.5]);
    if (next() < 0.5) metadata.flag = next() < 0.5;
    if (next() < 0.2) metadata.none = null;
    if (next() < 0.1) metadata.long = LONG_VALUE;
    if (next() < 0.1) metadata.obj = { a: 1 };
    return { ...span, metadata };
  });
}

/** Every trace of a filter on `s`, by `startedAt` in `direction`, read in pages of 100. */
async function allTraces(s: ObservabilityStorage, filters: Record<string, unknown>, direction: string): Promise<Row[]> {
  const out: Row[] = [];
  for (let page = 0;; page++) {
    const got = await s.listTraces({
      filters,
      pagination: { page, perPage: 100 },
      orderBy: { field: "startedAt", direction },
    } as never);
    out.push(...got.spans as unknown as Row[]);
    if (!got.pagination!.hasMore) return out;
  }
}

/**
 * Asserts that trace pages of `perPage` (first, second, middle, last, past the end; by
 * `startedAt`, both directions) of each filter have the rows, total and `hasMore` of InMemoryStore's.
 */
export async function compareTracePages(
  ours: ObservabilityStorage,
  theirs: ObservabilityStorage,
  filtersList: Record<string, unknown>[],
  perPage: number,
): Promise<void> {
  for (const filters of filtersList) {
    for (const direction of ["DESC", "ASC"]) {
      const sorted = withTieBreak(await allTraces(theirs, filters, direction), "startedAt", direction);
      const last = Math.max(0, Math.ceil(sorted.length / perPage) - 1);
      for (const page of new Set([0, 1, Math.floor(last / 2), last, last + 1])) {
        const label = JSON.stringify({ filters, direction, page });
        const mine = await ours.listTraces({
          filters,
          pagination: { page, perPage },
          orderBy: { field: "startedAt", direction },
        } as never);
        assert.equal(mine.pagination!.total, sorted.length, label);
        assert.equal(mine.pagination!.hasMore, (page + 1) * perPage < sorted.length, label);
        assert.deepEqual(stamp(mine.spans), stamp(sorted.slice(page * perPage, (page + 1) * perPage)), label);
      }
    }
  }
}
