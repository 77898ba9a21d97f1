/**
 * Trace lists at depth and the tracing write path:
 * - deep pages of every trace-list family (and time ranges) agree with
 *   core's InMemoryStore, and a delta poller walking the whole stream sees
 *   every trace once, in InMemoryStore's order;
 * - a middle page of 40 among a few thousand traces reads at most
 *   40 + 4·log2(N) documents, in one call, for every index family;
 * - two span writes of unrelated traces write no common document.
 */
import assert from "node:assert/strict";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import schema from "../convex/schema.ts";
import { deltaShard } from "../convex/observability/deltaCursor.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

type SpanInput = Record<string, unknown>;
type Row = { traceId: string; startedAt: Date; endedAt?: Date | null };

/** A storage on a fresh backend whose client counts calls. */
function countingStore() {
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
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function pick<T>(next: () => number, values: T[]): T {
  return values[Math.floor(next() * values.length)];
}

/** Root spans of `n` traces with repeated start times (ties) and a few values per family. */
function traces(n: number, seed = 7): SpanInput[] {
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

/** InMemoryStore's full list re-sorted with our tie-break (trace id in the requested direction). */
function withTieBreak(rows: Row[], field: string, direction: string): Row[] {
  const dir = direction === "ASC" ? 1 : -1;
  const key = (row: Row) =>
    field === "endedAt" ? (row.endedAt == null ? Infinity : row.endedAt.getTime()) : row.startedAt.getTime();
  return [...rows].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (ka !== kb) return (ka < kb ? -1 : 1) * dir;
    return (a.traceId < b.traceId ? -1 : a.traceId > b.traceId ? 1 : 0) * dir;
  });
}

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

const FILTERS: Record<string, unknown>[] = [
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

Deno.test("observability: deep trace pages and whole-stream delta polls agree with InMemoryStore", async () => {
  const { storage } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const spans = traces(300);
  // In several batches, so that delta entries of the shards interleave.
  for (let i = 0; i < spans.length; i += 50) {
    for (const s of [ours, theirs]) await s.batchCreateSpans({ records: spans.slice(i, i + 50) as never });
  }
  // Some roots end later: status moves between trees.
  const updates = spans.filter((_, i) => i % 9 === 0).map((s) => ({
    traceId: s.traceId as string,
    spanId: "root",
    updates: { endedAt: new Date(9_000), error: null },
  }));
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: updates as never });

  for (const filters of FILTERS) {
    for (const [field, direction] of [["startedAt", "DESC"], ["startedAt", "ASC"], ["endedAt", "DESC"]]) {
      const orderBy = { field, direction };
      const all: Row[] = [];
      for (let page = 0;; page++) {
        const got = await theirs.listTraces({ filters, pagination: { page, perPage: 100 }, orderBy } as never);
        all.push(...got.spans as unknown as Row[]);
        if (!got.pagination!.hasMore) break;
      }
      const sorted = withTieBreak(all, field, direction);
      const total = sorted.length;
      for (const perPage of [7, 40]) {
        const last = Math.max(0, Math.ceil(total / perPage) - 1);
        for (const page of new Set([0, 1, Math.floor(last / 2), Math.floor(last / 3), last - 1, last, last + 1])) {
          if (page < 0) continue;
          const mine = await ours.listTraces({ filters, pagination: { page, perPage }, orderBy } as never);
          const label = JSON.stringify({ filters, orderBy, page, perPage });
          assert.equal(mine.pagination!.total, total, label);
          assert.equal(mine.pagination!.hasMore, (page + 1) * perPage < total, label);
          assert.deepEqual(
            stamp(mine.spans),
            stamp(sorted.slice(page * perPage, (page + 1) * perPage)),
            label,
          );
        }
      }
    }
  }

  // Whole-stream delta polls, from the start, in small windows, with and without filters.
  for (const filters of [{}, { status: "success" }, { entityName: "c" }, { metadata: { n: 2 } }]) {
    const poll = async (s: ObservabilityStorage) => {
      const seen: string[] = [];
      let after = "0";
      for (;;) {
        const window = await s.listTraces({ mode: "delta", filters, after, limit: 17 } as never);
        seen.push(...window.spans.map((span) => span.traceId));
        after = window.deltaCursor!;
        if (!window.delta!.hasMore) break;
      }
      return seen;
    };
    const mine = await poll(ours);
    assert.deepEqual(mine, await poll(theirs), JSON.stringify(filters));
    assert.equal(new Set(mine).size, mine.length);
  }
});

Deno.test("observability: a middle trace page of 40 reads at most 40 + 4·log2(N) documents in one call", async () => {
  const { storage, calls } = countingStore();
  const o = (await storage.getStore("observability"))!;
  const n = 2000;
  const spans = traces(n, 11);
  for (let i = 0; i < spans.length; i += 500) await o.batchCreateSpans({ records: spans.slice(i, i + 500) as never });
  const bound = 40 + 4 * Math.log2(n);
  const lines: string[] = [];
  const failures: string[] = [];
  // The index families (and a startedAt range on them); other filters walk their matches (see `traces.ts`).
  const indexed = FILTERS.filter((f) =>
    !("metadata" in f) && !("entityName" in f && !("entityType" in f)) && !("status" in f && "entityType" in f)
  );
  for (const filters of indexed) {
    const first = await o.listTraces({ filters, pagination: { page: 0, perPage: 40 } } as never);
    const total = first.pagination!.total;
    const page = Math.floor(total / 80);
    calls.n = 0;
    const { result, usage } = await measure(() =>
      o.listTraces({ filters, pagination: { page, perPage: 40 } } as never)
    );
    const label = `${JSON.stringify(filters)} page ${page} of ${total}`;
    lines.push(`${label}: ${usage.documentsRead} documents, ${calls.n} call(s)`);
    assert.equal(result.spans.length, Math.min(40, total - page * 40), label);
    if (calls.n !== 1 || usage.documentsRead > bound) failures.push(label);
  }
  console.log(`bound ${bound.toFixed(1)} at N = ${n}\n${lines.join("\n")}`);
  assert.deepEqual(failures, []);
});

/** Every document of every table, by id, as JSON (to diff what a write changed). */
async function snapshot(backend: ReturnType<typeof createBackend>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const table of Object.keys(schema.tables)) {
    // deno-lint-ignore no-explicit-any
    const rows = await backend.run((ctx: any) => ctx.db.query(table).collect()) as Record<string, unknown>[];
    for (const row of rows) out.set(`${table}:${row._id}`, JSON.stringify(row));
  }
  return out;
}

function changed(before: Map<string, string>, after: Map<string, string>): Set<string> {
  const out = new Set<string>();
  for (const [id, doc] of after) if (before.get(id) !== doc) out.add(id);
  for (const id of before.keys()) if (!after.has(id)) out.add(id);
  return out;
}

Deno.test("observability: span writes of unrelated traces write no common document", async () => {
  const { storage, backend } = countingStore();
  const o = (await storage.getStore("observability"))!;
  // Same agent, environment, tenant and status (the values every trace of a deployment shares).
  const shared = { entityType: "agent", entityName: "weather", entityId: "weather", environment: "prod" };
  const root = (traceId: string, extra: SpanInput = {}) => ({
    traceId,
    spanId: "root",
    name: "agent",
    spanType: "agent_run",
    isEvent: false,
    startedAt: new Date(1_000),
    parentSpanId: null,
    organizationId: "acme",
    ...shared,
    ...extra,
  });
  const child = (traceId: string) => ({
    traceId,
    spanId: "tool",
    name: "tool",
    spanType: "tool_call",
    isEvent: false,
    startedAt: new Date(1_001),
    parentSpanId: "root",
    ...shared,
  });
  // Warm up: the values' first writes create their counters and trees, and dictionary entries.
  await o.batchCreateSpans({ records: [root("warm1"), child("warm1"), root("warm2"), child("warm2")] as never });
  // Two traces in different shards of every sharded structure.
  let a = "", b = "";
  for (let i = 0; !b; i++) {
    const id = `trace-${i}`;
    if (!a) a = id;
    else if (deltaShard(id) !== deltaShard(a)) b = id;
  }
  const writes = async (id: string, resourceId: string) => {
    const ops = [
      () => o.createSpan({ span: root(id, { resourceId, threadId: `thread-${id}` }) as never }),
      () => o.createSpan({ span: child(id) as never }),
      () => o.updateSpan({ traceId: id, spanId: "tool", updates: { endedAt: new Date(1_500) } } as never),
      () => o.updateSpan({ traceId: id, spanId: "root", updates: { endedAt: new Date(2_000) } } as never),
    ];
    const out: Set<string>[] = [];
    for (const op of ops) {
      const before = await snapshot(backend);
      await op();
      out.push(changed(before, await snapshot(backend)));
    }
    return out;
  };
  const ofA = await writes(a, "res-a");
  const ofB = await writes(b, "res-b");
  const names = ["create root", "create child", "end child", "end root"];
  for (let i = 0; i < names.length; i++) {
    const common = [...ofA[i]].filter((id) => ofB[i].has(id));
    assert.deepEqual(common, [], `${names[i]}: documents written by both traces`);
    assert.ok(ofA[i].size > 0 && ofB[i].size > 0);
  }
});
