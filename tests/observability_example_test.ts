/**
 * Focused tests of the observability domain: the filters core's in-memory
 * store does not cover, paging with ties, large traces and batches, tenant
 * scoped deletes, large root spans, errors, and what list pages read.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { ObservabilityStorage } from "@mastra/core/storage";
import schema from "../convex/schema.ts";
import { TRACE_FAMILIES, traceIndexName } from "../convex/observability/tracing/validators.ts";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

async function store(): Promise<ObservabilityStorage> {
  const { storage } = createTestStorage({ now: () => 1_700_000_000_000 });
  return (await storage.getStore("observability"))!;
}

type SpanInput = Record<string, unknown>;

function span(traceId: string, spanId: string, extra: SpanInput = {}): SpanInput {
  return {
    traceId,
    spanId,
    name: `${traceId}/${spanId}`,
    spanType: "agent_run",
    isEvent: false,
    startedAt: new Date(1_000),
    parentSpanId: null,
    ...extra,
  };
}

const create = (o: ObservabilityStorage, spans: SpanInput[]) => o.batchCreateSpans({ records: spans as never });

Deno.test("observability: spans round-trip exactly (null vs missing, dates, $/_ keys)", async () => {
  const o = await store();
  const input = { $schema: "x", _id: 1, nested: [undefined, null, new Date(7)], "ключ": 2n };
  await o.createSpan({
    span: span("t", "r", { input, attributes: { "~t": "tag" }, endedAt: null, error: undefined }) as never,
  });
  const got = (await o.getSpan({ traceId: "t", spanId: "r" }))!.span as unknown as SpanInput;
  assert.deepEqual(got.input, input);
  assert.deepEqual(got.attributes, { "~t": "tag" });
  assert.equal(got.endedAt, null);
  assert.ok("error" in got && got.error === undefined);
  assert.deepEqual(got.createdAt, new Date(1_700_000_000_000));
  const light = (await o.getStructure({ traceId: "t" }))!.spans[0] as unknown as SpanInput;
  assert.ok(!("input" in light) && !("attributes" in light));
  assert.equal(light.name, "t/r");
});

Deno.test("observability: listTraces honours the traceId and parent/root entity filters", async () => {
  const o = await store();
  await create(o, [
    span("a", "r", { rootEntityId: "boss", parentEntityType: "agent" }),
    span("b", "r", { rootEntityId: "other" }),
    span("c", "r", { rootEntityId: "boss" }),
  ]);
  const byTrace = await o.listTraces({ filters: { traceId: "b" } });
  assert.deepEqual(byTrace.spans.map((s) => s.traceId), ["b"]);
  assert.equal(byTrace.pagination!.total, 1);
  const none = await o.listTraces({ filters: { traceId: "b", rootEntityId: "boss" } });
  assert.equal(none.spans.length, 0);
  const boss = await o.listTraces({
    filters: { rootEntityId: "boss" },
    orderBy: { field: "startedAt", direction: "ASC" },
  });
  assert.deepEqual(boss.spans.map((s) => s.traceId), ["a", "c"]);
  const parent = await o.listTraces({ filters: { parentEntityType: "agent" } as never });
  assert.deepEqual(parent.spans.map((s) => s.traceId), ["a"]);
});

Deno.test("observability: offset pages never repeat or skip traces that share a start time", async () => {
  const o = await store();
  const ids = Array.from({ length: 23 }, (_, i) => `trace-${String(i).padStart(2, "0")}`);
  await create(o, ids.map((id, i) => span(id, "r", { endedAt: i % 3 === 0 ? null : new Date(5_000) })));
  for (const field of ["startedAt", "endedAt"] as const) {
    for (const direction of ["ASC", "DESC"] as const) {
      const seen: string[] = [];
      for (let page = 0; page < 4; page++) {
        const result = await o.listTraces({ pagination: { page, perPage: 7 }, orderBy: { field, direction } });
        assert.equal(result.pagination!.total, 23);
        assert.equal(result.pagination!.hasMore, page < 3);
        seen.push(...result.spans.map((s) => s.traceId));
      }
      assert.deepEqual([...seen].sort(), ids, `${field} ${direction}`);
      if (field === "endedAt") {
        // Not-ended traces sort last ascending and first descending.
        const open = ids.filter((_, i) => i % 3 === 0);
        const head = direction === "DESC" ? seen.slice(0, open.length) : seen.slice(-open.length);
        assert.deepEqual([...head].sort(), open);
      }
    }
  }
});

Deno.test("observability: status, hasChildError and date ranges follow the root span", async () => {
  const o = await store();
  await create(o, [
    span("ok", "r", { endedAt: new Date(2_000) }),
    span("ok", "c", { parentSpanId: "r", error: { message: "child failed" }, startedAt: new Date(1_500) }),
    span("run", "r", { startedAt: new Date(3_000) }),
    span("err", "r", { startedAt: new Date(4_000), endedAt: new Date(4_500), error: { message: "x" } }),
    span("orphan", "c", { parentSpanId: "missing" }), // no root: never listed
  ]);
  const ids = async (filters: Record<string, unknown>) =>
    (await o.listTraces({ filters, orderBy: { field: "startedAt", direction: "ASC" } } as never)).spans.map((s) =>
      `${s.traceId}:${s.status}`
    );
  assert.deepEqual(await ids({}), ["ok:success", "run:running", "err:error"]);
  assert.deepEqual(await ids({ status: "running" }), ["run:running"]);
  assert.deepEqual(await ids({ hasChildError: true }), ["ok:success", "err:error"]);
  assert.deepEqual(await ids({ startedAt: { start: new Date(3_000), startExclusive: true } }), ["err:error"]);
  assert.deepEqual(await ids({ startedAt: { start: new Date(3_000) } }), ["run:running", "err:error"]);
  assert.deepEqual(await ids({ endedAt: { end: new Date(4_500), endExclusive: true } }), ["ok:success"]);
  assert.deepEqual(await ids({ endedAt: {} }), ["ok:success", "err:error"]);
  // The child's error clears: hasChildError follows.
  await o.updateSpan({ traceId: "ok", spanId: "c", updates: { error: null } as never });
  assert.deepEqual(await ids({ hasChildError: true }), ["err:error"]);
  // The root ends: status follows.
  await o.updateSpan({ traceId: "run", spanId: "r", updates: { endedAt: new Date(3_500) } as never });
  assert.deepEqual(await ids({ status: "success" }), ["ok:success", "run:success"]);
});

Deno.test("observability: large batches and traces stay within Convex's transaction limits", async () => {
  const o = await store();
  // 800 spans of 12 KB: several write calls (4 MiB each), a two-step trace read (8 MiB per
  // step) and a two-step delete (6 MiB per step).
  const spans = Array.from({ length: 800 }, (_, i) =>
    span("big", `s${String(i).padStart(4, "0")}`, {
      parentSpanId: i === 0 ? null : "s0000",
      startedAt: new Date(1_000 + (i % 50)),
      input: "x".repeat(12_000),
    }));
  await create(o, spans);
  const trace = (await o.getTrace({ traceId: "big" }))!;
  assert.equal(trace.spans.length, 800);
  for (let i = 1; i < trace.spans.length; i++) {
    assert.ok(trace.spans[i - 1].startedAt.getTime() <= trace.spans[i].startedAt.getTime());
  }
  await o.batchUpdateSpans({
    records: spans.map((s) => ({ traceId: "big", spanId: s.spanId as string, updates: { endedAt: new Date(9_000) } })),
  } as never);
  assert.equal((await o.getRootSpan({ traceId: "big" }))!.span.endedAt?.getTime(), 9_000);
  assert.equal((await o.listBranches({})).pagination!.total, 800);
  await o.batchDeleteTraces({ traceIds: ["big"] });
  assert.equal(await o.getTrace({ traceId: "big" }), null);
  assert.equal((await o.listTraces({})).pagination!.total, 0);
  assert.equal((await o.listBranches({})).pagination!.total, 0);
});

Deno.test("observability: list pages with large root spans fetch the roots in bounded calls", async () => {
  const o = await store();
  const big = "y".repeat(600_000);
  for (let i = 0; i < 10; i++) await o.createSpan({ span: span(`t${i}`, "r", { input: big }) as never });
  const page = await o.listTraces({ pagination: { page: 0, perPage: 10 } });
  assert.equal(page.spans.length, 10);
  assert.ok(page.spans.every((s) => s.input === big));
});

Deno.test("observability: scoped deletes only remove traces of that tenant", async () => {
  const o = await store();
  await create(o, [
    span("a", "r", { organizationId: "o1", resourceId: "r1" }),
    span("b", "r", { organizationId: "o2", resourceId: "r1" }),
    span("c", "x", { parentSpanId: "gone", organizationId: "o1" }), // rootless: scoped by its first span
  ]);
  await o.batchDeleteTraces({ traceIds: ["a", "b", "c", "nope"], organizationId: "o1" });
  assert.equal(await o.getTrace({ traceId: "a" }), null);
  assert.equal(await o.getTrace({ traceId: "c" }), null);
  assert.notEqual(await o.getTrace({ traceId: "b" }), null);
  await o.batchDeleteTraces({ traceIds: ["b"], organizationId: "o2", resourceId: "r2" });
  assert.notEqual(await o.getTrace({ traceId: "b" }), null);
});

Deno.test("observability: bad input and missing spans fail with MastraErrors and write nothing", async () => {
  const o = await store();
  await assert.rejects(() => o.createSpan({ span: span("t", "") as never }), MastraError);
  await assert.rejects(() => create(o, [span("t", "ok"), span("", "x")]), MastraError);
  await assert.rejects(() => o.createSpan({ span: span("t", "d", { startedAt: "not a date" }) as never }), MastraError);
  assert.equal(await o.getTrace({ traceId: "t" }), null);
  await assert.rejects(
    () => o.updateSpan({ traceId: "t", spanId: "nope", updates: {} as never }),
    (error: MastraError) => error instanceof MastraError && /not found/i.test(error.message),
  );
  await assert.rejects(
    () => o.createSpan({ span: span("t", "huge", { output: "z".repeat(1_100_000) }) as never }),
    (error: MastraError) => error instanceof MastraError && /TOO_LARGE/.test(error.id),
  );
  await assert.rejects(() => o.listTraces({ mode: "delta", after: "abc" } as never), MastraError);
});

Deno.test("observability: strategy, features and delta polling", async () => {
  const o = await store();
  assert.equal(o.observabilityStrategy.preferred, "batch-with-updates");
  assert.ok(o.getFeatures()?.includes("delta-polling"));
  const start = await o.listTraces({ mode: "delta" } as never);
  assert.equal(start.deltaCursor, "0");
  await create(o, [span("a", "r"), span("b", "r", { spanType: "tool_call" })]);
  const next = await o.listTraces({ mode: "delta", after: start.deltaCursor, limit: 1 } as never);
  assert.deepEqual(next.spans.map((s) => s.traceId), ["a"]);
  assert.equal(next.delta!.hasMore, true);
  const rest = await o.listTraces({ mode: "delta", after: next.deltaCursor, limit: 5 } as never);
  assert.deepEqual(rest.spans.map((s) => s.traceId), ["b"]);
  const branches = await o.listBranches({ mode: "delta", after: "0", filters: { spanType: "tool_call" } } as never);
  assert.deepEqual(branches.branches.map((s) => s.traceId), ["b"]);
});

Deno.test("observability: a trace page reads about a page of rows, not the table", async () => {
  const o = await store();
  const spans: SpanInput[] = [];
  for (let i = 0; i < 400; i++) {
    const traceId = `t${String(i).padStart(3, "0")}`;
    spans.push(
      span(traceId, "r", {
        startedAt: new Date(1_000 + i),
        entityType: i % 2 ? "agent" : "workflow_run",
        entityName: `e${i % 4}`,
        metadata: { n: i % 10 },
        input: "i".repeat(500),
      }),
      span(traceId, "c", { parentSpanId: "r", spanType: "tool_call", startedAt: new Date(1_001 + i) }),
    );
  }
  await create(o, spans);
  const cases: [string, Record<string, unknown>, number][] = [
    ["first page, no filter", { pagination: { page: 0, perPage: 20 } }, 400],
    ["last page, no filter", { pagination: { page: 19, perPage: 20 } }, 400],
    ["entityType+entityName (index + counter)", { filters: { entityType: "agent", entityName: "e1" } }, 100],
    ["startedAt range (index range, counted)", {
      filters: { startedAt: { start: new Date(1_100), end: new Date(1_149) } },
    }, 50],
    ["metadata (counting walk)", { filters: { metadata: { n: 3 } } }, 40],
  ];
  for (const [name, args, total] of cases) {
    const { result, usage } = await measure(() => o.listTraces(args as never));
    assert.equal(result.pagination!.total, total, name);
    console.log(`listTraces ${name}: ${usage.documentsRead} documents read, ${usage.bytesRead} bytes`);
    if (!name.includes("counting") && !name.includes("range")) assert.ok(usage.documentsRead < 60, name);
  }
});

Deno.test("observability: every trace-list family has its two indexes in the schema", () => {
  const table = schema.tables.ai_traces as unknown as {
    " indexes"(): { indexDescriptor: string; fields: string[] }[];
  };
  const indexes = new Map(table[" indexes"]().map((index) => [index.indexDescriptor, index.fields]));
  for (const family of TRACE_FAMILIES) {
    for (const sort of ["startedAt", "endedSort"] as const) {
      assert.deepEqual(indexes.get(traceIndexName(family, sort)), ["listed", ...family, sort, "id"]);
    }
  }
});
