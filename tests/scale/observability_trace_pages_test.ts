/**
 * Trace lists at depth and the tracing write path:
 * - deep pages of every trace-list family (and time ranges) agree with
 *   core's InMemoryStore, and a delta poller walking the whole stream sees
 *   every trace once, in InMemoryStore's order;
 * - deep branch pages (both sort fields and orders, with and without a
 *   range on the sort field) agree with InMemoryStore;
 * - branch pages and trace pages by `endedAt` stay exact on a deployment
 *   whose spans predate their rank trees (walking), and seek again once
 *   `rebuildRankTrees` built them;
 * - (the page cost at a few thousand traces is `tests/scale/observability_trace_pages_scale_test.ts`);
 * - two span writes of unrelated traces write no common document.
 */
import assert from "node:assert/strict";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import schema from "../../convex/schema.ts";
import { deltaShard } from "../../convex/observability/streams/deltaCursor.ts";
import { type createBackend, settleRankTrees } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import {
  children,
  countingStore,
  FILTERS,
  type Row,
  type SpanInput,
  stamp,
  traces,
  withTieBreak,
} from "../helpers/traceFixtures.ts";

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
      for (const perPage of field === "startedAt" && direction === "DESC" ? [7, 40] : [40]) {
        const last = Math.max(0, Math.ceil(total / perPage) - 1);
        for (const page of new Set([0, Math.floor(last / 3), Math.floor(last / 2), last, last + 1])) {
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
    console.log(`${names[i]}: ${ofA[i].size} and ${ofB[i].size} documents written, none in common`);
    assert.ok(ofA[i].size > 0 && ofB[i].size > 0);
  }
});

Deno.test("observability: delta polls running beside parallel writers see every trace once", async () => {
  const { storage } = countingStore();
  const o = (await storage.getStore("observability"))!;
  const all = traces(120, 3);
  const seen: string[] = [];
  let after = (await o.listTraces({ mode: "delta" } as never)).deltaCursor!;
  let writing = true;
  const poller = (async () => {
    for (;;) {
      const done = !writing;
      const window = await o.listTraces({ mode: "delta", after, limit: 7 } as never);
      seen.push(...window.spans.map((span) => span.traceId));
      after = window.deltaCursor!;
      if (done && !window.delta!.hasMore) return;
    }
  })();
  await Promise.all(all.map((span) => o.createSpan({ span: span as never })));
  writing = false;
  await poller;
  assert.equal(seen.length, all.length);
  assert.deepEqual([...seen].sort(), all.map((span) => span.traceId as string).sort());
});

Deno.test("observability: trace pages stay exact without their rank trees, and seek again once rebuilt", async () => {
  const { storage, backend } = countingStore();
  const o = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const spans = traces(120, 5);
  for (const s of [o, theirs]) await s.batchCreateSpans({ records: spans as never });
  const filters = { entityType: "agent" };
  const orderBy = { field: "startedAt", direction: "DESC" };
  const expected: Row[] = [];
  for (let page = 0;; page++) {
    const got = await theirs.listTraces({ filters, pagination: { page, perPage: 100 }, orderBy } as never);
    expected.push(...got.spans as unknown as Row[]);
    if (!got.pagination!.hasMore) break;
  }
  const sorted = withTieBreak(expected, "startedAt", "DESC");
  const page = Math.floor(sorted.length / 20);
  const read = async () => {
    const { result, usage } = await measure(() =>
      o.listTraces({ filters, pagination: { page, perPage: 10 }, orderBy } as never)
    );
    assert.deepEqual(stamp(result.spans), stamp(sorted.slice(page * 10, page * 10 + 10)));
    assert.equal(result.pagination!.total, sorted.length);
    return usage.documentsRead;
  };
  // Measured on folded trees, as after the rebuild below (which folds every pending change).
  await settleRankTrees(backend);
  const seeking = await read();
  // A deployment whose traces predate the trees: drop them (nodes and pending changes).
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    for (const table of ["rank_nodes", "rank_pending"]) {
      const docs = await ctx.db.query(table).collect();
      for (const doc of docs) if (doc.tree.startsWith("observability:traceTree:")) await ctx.db.delete(doc._id);
    }
  });
  const walking = await read();
  await storage.rebuildRankTrees();
  const rebuilt = await read();
  assert.ok(walking > seeking, `${walking} > ${seeking}`);
  assert.equal(rebuilt, seeking);
});

type Lister = "traces" | "branches";

/** One page of traces or branches. */
async function listPage(
  s: ObservabilityStorage,
  what: Lister,
  filters: Record<string, unknown>,
  orderBy: { field: string; direction: string },
  page: number,
  perPage: number,
): Promise<{ rows: Row[]; total: number; hasMore: boolean }> {
  const args = { filters, pagination: { page, perPage }, orderBy } as never;
  const got = what === "traces" ? await s.listTraces(args) : await s.listBranches(args);
  const rows = what === "traces" ? (got as { spans: unknown[] }).spans : (got as { branches: unknown[] }).branches;
  return { rows: rows as Row[], total: got.pagination!.total, hasMore: got.pagination!.hasMore };
}

/** InMemoryStore's whole list, re-sorted with our tie-break. */
async function expectedList(
  theirs: ObservabilityStorage,
  what: Lister,
  filters: Record<string, unknown>,
  orderBy: { field: string; direction: string },
): Promise<Row[]> {
  const all: Row[] = [];
  for (let page = 0;; page++) {
    const got = await listPage(theirs, what, filters, orderBy, page, 100);
    all.push(...got.rows);
    if (!got.hasMore) break;
  }
  return withTieBreak(all, orderBy.field, orderBy.direction, what === "branches");
}

/** Both stores with 150 traces: a root and a tool call (branch anchors) and a model generation each. */
async function branchStores() {
  const { storage, backend, calls } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const roots = traces(150, 3);
  const spans = [...roots, ...children(roots)];
  for (let i = 0; i < spans.length; i += 90) {
    for (const s of [ours, theirs]) await s.batchCreateSpans({ records: spans.slice(i, i + 90) as never });
  }
  // Some tool calls end later (their endedSort keys move), some roots too.
  const updates = roots.filter((_, i) => i % 7 === 0).flatMap((root, i) => [
    { traceId: root.traceId as string, spanId: "tool", updates: { endedAt: new Date(1_700 + i) } },
    { traceId: root.traceId as string, spanId: "root", updates: { endedAt: new Date(1_300 + 3 * i) } },
  ]);
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: updates as never });
  return { storage, backend, calls, ours, theirs };
}

/** Ranges on each sort field (traces' roots start in [1000, 1500), children up to 10 ms later). */
const RANGES: Record<string, Record<string, unknown>> = {
  startedAt: { start: new Date(1_100), end: new Date(1_400) },
  endedAt: { start: new Date(1_100), end: new Date(1_450), endExclusive: true },
};

Deno.test("observability: deep branch pages agree with InMemoryStore, with and without a range on the sort field", async () => {
  const { ours, theirs } = await branchStores();
  for (const field of ["startedAt", "endedAt"]) {
    for (const direction of ["ASC", "DESC"]) {
      for (const filters of [{}, { [field]: RANGES[field] }]) {
        const orderBy = { field, direction };
        const sorted = await expectedList(theirs, "branches", filters, orderBy);
        const total = sorted.length;
        assert.ok(total > 100, `${total} branches`);
        const perPage = 20;
        const last = Math.max(0, Math.ceil(total / perPage) - 1);
        for (const page of new Set([0, 1, Math.floor(last / 3), Math.floor(last / 2), last - 1, last, last + 1])) {
          const mine = await listPage(ours, "branches", filters, orderBy, page, perPage);
          const label = JSON.stringify({ filters, orderBy, page, perPage });
          assert.equal(mine.total, total, label);
          assert.equal(mine.hasMore, (page + 1) * perPage < total, label);
          assert.deepEqual(stamp(mine.rows), stamp(sorted.slice(page * perPage, (page + 1) * perPage)), label);
        }
      }
    }
  }
});

Deno.test("observability: branch pages and trace pages by endedAt stay exact without their rank trees, and seek again once rebuilt", async () => {
  const { storage, backend, ours, theirs } = await branchStores();
  const cases: [Lister, Record<string, unknown>, { field: string; direction: string }][] = [
    ["branches", {}, { field: "startedAt", direction: "DESC" }],
    ["branches", { startedAt: RANGES.startedAt }, { field: "startedAt", direction: "ASC" }],
    ["branches", {}, { field: "endedAt", direction: "ASC" }],
    ["branches", { endedAt: RANGES.endedAt }, { field: "endedAt", direction: "DESC" }],
    ["traces", {}, { field: "endedAt", direction: "DESC" }],
    ["traces", { endedAt: RANGES.endedAt }, { field: "endedAt", direction: "ASC" }],
  ];
  const read = async (): Promise<number[]> => {
    const out: number[] = [];
    for (const [what, filters, orderBy] of cases) {
      const sorted = await expectedList(theirs, what, filters, orderBy);
      const page = Math.floor(sorted.length / 20);
      const { result, usage } = await measure(() => listPage(ours, what, filters, orderBy, page, 10));
      const label = JSON.stringify({ what, filters, orderBy, page });
      assert.deepEqual(stamp(result.rows), stamp(sorted.slice(page * 10, page * 10 + 10)), label);
      assert.equal(result.total, sorted.length, label);
      out.push(usage.documentsRead);
    }
    return out;
  };
  const seeking = await read();
  // A deployment whose spans predate the branch trees and the traces' endedAt trees: no trees, no coverage mark.
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    for (const node of await ctx.db.query("rank_nodes").collect()) {
      if (/^observability:(branchTree|traceEndedTree):/.test(node.tree)) await ctx.db.delete(node._id);
    }
    for (const row of await ctx.db.query("counters").collect()) {
      if (row.name === "coverage:ai_spans") await ctx.db.delete(row._id);
    }
  });
  // Writes after the upgrade put their spans into the trees, which still miss the older ones.
  const later = [
    { traceId: "t00004", spanId: "tool", updates: { endedAt: new Date(1_234) } },
    { traceId: "t00005", spanId: "root", updates: { endedAt: new Date(1_235) } },
  ];
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: later as never });
  const walking = await read();
  await storage.rebuildRankTrees();
  const rebuilt = await read();
  console.log(`documents read by a middle page of 10: seeking ${seeking}, walking ${walking}, rebuilt ${rebuilt}`);
  for (let i = 0; i < cases.length; i++) {
    assert.ok(walking[i] > seeking[i] + 20, `${JSON.stringify(cases[i])}: ${walking[i]} > ${seeking[i]}`);
    assert.equal(rebuilt[i], seeking[i], JSON.stringify(cases[i]));
  }
});
