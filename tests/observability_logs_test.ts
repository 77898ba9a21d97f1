/**
 * Logs (issue 17): differential property test of `batchCreateLogs` and
 * `listLogs` (page and delta modes, every filter, both orders) against
 * core's InMemoryStore, plus bad input.
 *
 * Normalised: rows whose timestamps tie come in id order on our side
 * (ascending or descending with the requested direction), in insertion
 * order in InMemoryStore; the expected page is cut from InMemoryStore's
 * full list re-sorted with that tie-break.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MastraError } from "@mastra/core/error";
import { compareDelta, type CursorPair, pageCursors } from "./helpers/deltaCursors.ts";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";

const maybe = <T>(...values: T[]) => fc.constantFrom<T | undefined | null>(undefined, null, ...values);

const logArb = fc.record({
  logId: fc.constantFrom("l0", "l1", "l2", "l3", "l4", "l5", "l6", "l7"),
  timestamp: fc.integer({ min: 0, max: 5 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 60_000)),
  level: fc.constantFrom("debug", "info", "warn", "error", "fatal"),
  message: fc.constantFrom("hello", "boom"),
  data: fc.constantFrom<unknown>(undefined, { k: 1 }, { $schema: "x", d: new Date(3) }),
  traceId: maybe("t1", "t2"),
  spanId: maybe("s1"),
  entityType: maybe("agent", "tool"),
  entityName: maybe("a", "b"),
  resourceId: maybe("r1", "r2"),
  threadId: maybe("th1"),
  organizationId: maybe("o1"),
  environment: maybe("prod", "dev"),
  serviceName: maybe("svc"),
  executionSource: maybe("local", "cloud"),
  source: maybe("local"),
  tags: fc.constantFrom<unknown>(undefined, null, [], ["x"], ["x", "y"]),
}, { requiredKeys: ["logId", "timestamp", "level", "message"] });

const filtersArb = fc.record({
  level: fc.oneof(fc.constantFrom("info", "error"), fc.constant(["warn", "fatal"])),
  traceId: fc.constantFrom("t1", "t2"),
  entityType: fc.constantFrom("agent", "tool"),
  entityName: fc.constantFrom("a"),
  resourceId: fc.constantFrom("r1"),
  environment: fc.constantFrom("prod"),
  executionSource: fc.constantFrom("local"),
  tags: fc.constantFrom(["x"], ["x", "y"], []),
  timestamp: fc.record({
    start: fc.integer({ min: 0, max: 5 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 60_000)),
    end: fc.integer({ min: 0, max: 5 }).map((n) => new Date(Date.UTC(2026, 0, 1) + n * 60_000)),
    startExclusive: fc.boolean(),
    endExclusive: fc.boolean(),
  }, { requiredKeys: [] }),
}, { requiredKeys: [] });

type Op =
  | { kind: "write"; logs: Record<string, unknown>[] }
  | { kind: "page"; filters: Record<string, unknown>; page: number; perPage: number; direction: "ASC" | "DESC" }
  | { kind: "delta"; filters: Record<string, unknown>; useCursor: boolean; limit: number }
  | { kind: "deleteTraces"; traceIds: string[] };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      logs: fc.array(logArb, { minLength: 1, maxLength: 6 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("page" as const),
      filters: filtersArb,
      page: fc.integer({ min: 0, max: 2 }),
      perPage: fc.integer({ min: 1, max: 4 }),
      direction: fc.constantFrom("ASC" as const, "DESC" as const),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("delta" as const),
      filters: filtersArb,
      useCursor: fc.boolean(),
      limit: fc.integer({ min: 1, max: 3 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant("deleteTraces" as const), traceIds: fc.subarray(["t1", "t2", "t9"]) }),
  },
);

function sortLogs(logs: Record<string, unknown>[], direction: "ASC" | "DESC") {
  const dir = direction === "ASC" ? 1 : -1;
  return [...logs].sort((a, b) =>
    dir * ((a.timestamp as Date).getTime() - (b.timestamp as Date).getTime()) ||
    dir * ((a.logId as string) < (b.logId as string) ? -1 : (a.logId as string) > (b.logId as string) ? 1 : 0)
  );
}

async function outcome<T>(fn: () => Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await fn() };
  } catch (error) {
    return { error };
  }
}

Deno.test("logs: random operation sequences agree with InMemoryStore", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 12 }), async (ops) => {
      const { storage } = createTestStorage();
      const ours = (await storage.getStore("observability"))! as ObservabilityStorage;
      const theirs = (await new InMemoryStore().getStore("observability"))! as ObservabilityStorage;
      // Cursors are opaque and differ between the stores: each is handed back its own.
      const cursors: CursorPair[] = [];
      for (const op of ops) {
        if (op.kind === "write") {
          await ours.batchCreateLogs({ logs: op.logs as never });
          await theirs.batchCreateLogs({ logs: structuredClone(op.logs) as never });
        } else if (op.kind === "deleteTraces") {
          await ours.batchDeleteTraces({ traceIds: op.traceIds });
          await theirs.batchDeleteTraces({ traceIds: op.traceIds });
        } else if (op.kind === "page") {
          const args = {
            filters: op.filters,
            pagination: { page: op.page, perPage: op.perPage },
            orderBy: { field: "timestamp" as const, direction: op.direction },
          };
          const mine = await outcome(() => ours.listLogs(args as never));
          const all = await outcome(() => theirs.listLogs({ ...args, pagination: { page: 0, perPage: 100 } } as never));
          if ("error" in all) {
            assert.ok("error" in mine, "both must reject");
            assert.ok((mine as { error: unknown }).error instanceof MastraError);
            continue;
          }
          assert.ok("ok" in mine, `ours failed: ${(mine as { error: Error }).error}`);
          const sorted = sortLogs(all.ok.logs as never, op.direction);
          const start = op.page * op.perPage;
          assert.deepEqual(mine.ok.logs, sorted.slice(start, start + op.perPage));
          assert.deepEqual(mine.ok.pagination, {
            total: sorted.length,
            page: op.page,
            perPage: op.perPage,
            hasMore: start + op.perPage < sorted.length,
          });
          cursors.push(await pageCursors(mine.ok.deltaCursor, theirs, "listLogs"));
        } else {
          const after = op.useCursor && cursors.length > 0 ? cursors[cursors.length - 1] : undefined;
          cursors.push(await compareDelta(ours, theirs, "listLogs", op.filters, op.limit, after));
        }
      }
    }),
    { numRuns: Number(Deno.env.get("OBS_RUNS") ?? 60) },
  );
});

Deno.test("logs: bad input is a clear MastraError and writes nothing", async () => {
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("observability"))!;
  const good = { logId: "ok", timestamp: new Date(1), level: "info", message: "m" };
  for (
    const [logs, pattern] of [
      [[good, { ...good, logId: undefined }], /missing required id field 'logId'/],
      [[{ ...good, timestamp: "yesterday" }], /timestamp/],
      ["nope", /must be an array/],
      [[null], /must be an object/],
    ] as const
  ) {
    await assert.rejects(() => ours.batchCreateLogs({ logs } as never), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, pattern);
      assert.match(error.message, /batchCreateLogs/);
      return true;
    });
  }
  const listed = await ours.listLogs({});
  assert.equal(listed.pagination?.total, 0);
  await assert.rejects(() => ours.listLogs({ mode: "delta", after: "x" } as never), MastraError);
  await assert.rejects(() => ours.listLogs({ filters: { level: "loud" } } as never), MastraError);
});

Deno.test("logs: delta polls running beside parallel writers see every log once, each writer's in its order", async () => {
  const { storage } = createTestStorage();
  const o = (await storage.getStore("observability"))! as ObservabilityStorage;
  const WRITERS = 6;
  const BATCHES = 8;
  const seen: string[] = [];
  let after = (await o.listLogs({ mode: "delta" } as never)).deltaCursor!;
  let writing = true;
  const poller = (async () => {
    for (;;) {
      const done = !writing;
      const window = await o.listLogs({ mode: "delta", after, limit: 5 } as never);
      seen.push(...window.logs.map((log) => log.logId as string));
      after = window.deltaCursor!;
      if (done && !window.delta!.hasMore) return;
    }
  })();
  await Promise.all(
    Array.from({ length: WRITERS }, async (_, w) => {
      for (let b = 0; b < BATCHES; b++) {
        await o.batchCreateLogs({
          logs: [0, 1].map((k) => ({
            logId: `w${w}-b${b}-${k}`,
            timestamp: new Date(Date.UTC(2026, 0, 1) + b),
            level: "info",
            message: "m",
          })) as never,
        });
      }
    }),
  );
  writing = false;
  await poller;
  assert.equal(seen.length, WRITERS * BATCHES * 2);
  assert.equal(new Set(seen).size, seen.length, "no log comes twice");
  for (let w = 0; w < WRITERS; w++) {
    const mine = seen.filter((id) => id.startsWith(`w${w}-`));
    const written = Array.from({ length: BATCHES }, (_, b) => [`w${w}-b${b}-0`, `w${w}-b${b}-1`]).flat();
    assert.deepEqual(mine, written, `writer ${w}'s logs in the order they were written`);
  }
});
