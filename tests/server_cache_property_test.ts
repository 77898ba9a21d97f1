/**
 * ConvexServerCache against core's InMemoryServerCache: random operation
 * sequences (values, arrays, counters, lists, indexed pushes, deletes,
 * clears on a small shared keyspace so kinds collide) must give the same
 * answers, errors included (both must throw). TTLs are off on both sides
 * here (core's cache measures them on `performance.now()`, which fake timers
 * do not move); expiry has its own tests in server_cache_ttl_test.ts.
 *
 * Indexed pushes go to their own stream keys: when the list key holds a
 * value, core's two-call default has already bumped the counter when the
 * push fails, while ours is one transaction and writes nothing (tested in
 * server_cache_races_test.ts).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryServerCache, type MastraServerCache } from "@mastra/core/cache";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { dropUndefined } from "./helpers/normalize.ts";
import { installRootTimers } from "./helpers/scheduler.ts";

const KEYS = ["a", "b", "c", ""];
const STREAMS = ["t1", "t2"];
const COUNTERS = ["t1:counter", "t2:counter"];

const scalar = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.date({ noInvalidDate: true }),
  fc.constantFrom(undefined, 0, -0, NaN, "", { $schema: "x", _id: 1, "~t": "Date" }, { nested: [undefined, 1] }),
);
const value = fc.oneof({ weight: 3, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) });
const event = fc.record({
  type: fc.constantFrom("chunk", "finish"),
  data: scalar,
  index: fc.option(fc.integer(), { nil: undefined }),
}, {
  requiredKeys: ["type"],
});
const bound = fc.integer({ min: -4, max: 6 });

type Op =
  | { op: "get" | "delete" | "listLength" | "increment"; key: string }
  | { op: "set"; key: string; value: unknown; ttl?: number }
  | { op: "listPush"; key: string; value: unknown }
  | { op: "listFromTo"; key: string; from: number; to?: number }
  | { op: "listPushIndexed"; listKey: string; counterKey: string; value: Record<string, unknown> }
  | { op: "clear" };

const anyKey = fc.constantFrom(...KEYS, ...STREAMS, ...COUNTERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom("get" as const), key: anyKey }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constantFrom("delete" as const), key: anyKey }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constantFrom("listLength" as const), key: anyKey }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constantFrom("increment" as const), key: fc.constantFrom(...KEYS, ...COUNTERS) }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom("set" as const),
      key: fc.constantFrom(...KEYS),
      value,
      ttl: fc.constantFrom(0, -5),
    }, {
      requiredKeys: ["op", "key", "value"],
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      op: fc.constantFrom("listPush" as const),
      key: fc.constantFrom(...KEYS, ...STREAMS),
      value: scalar,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({ op: fc.constantFrom("listFromTo" as const), key: anyKey, from: bound, to: bound }, {
      requiredKeys: ["op", "key", "from"],
    }),
  },
  {
    weight: 3,
    arbitrary: fc.integer({ min: 0, max: 1 }).chain((i) =>
      event.map((e) => ({ op: "listPushIndexed" as const, listKey: STREAMS[i], counterKey: COUNTERS[i], value: e }))
    ),
  },
  { weight: 1, arbitrary: fc.constant({ op: "clear" as const }) },
);

function apply(cache: MastraServerCache, o: Op): Promise<unknown> {
  switch (o.op) {
    case "get":
      return cache.get(o.key);
    case "delete":
      return cache.delete(o.key);
    case "listLength":
      return cache.listLength(o.key);
    case "increment":
      return cache.increment(o.key);
    case "set":
      return o.ttl === undefined ? cache.set(o.key, o.value) : cache.set(o.key, o.value, o.ttl);
    case "listPush":
      return cache.listPush(o.key, o.value);
    case "listFromTo":
      return o.to === undefined ? cache.listFromTo(o.key, o.from) : cache.listFromTo(o.key, o.from, o.to);
    case "listPushIndexed":
      return cache.listPushIndexed(o.listKey, o.counterKey, o.value);
    case "clear":
      return cache.clear();
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false };
async function run(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: dropUndefined(structuredClone(await fn())) };
  } catch {
    return { ok: false };
  }
}

Deno.test("server cache: random operation sequences give the same answers as InMemoryServerCache", async () => {
  const restore = installRootTimers();
  const backend = createBackend();
  const ours = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 0 });
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 30 }), async (ops) => {
        await ours.clear();
        const theirs = new InMemoryServerCache({ ttlMs: 0 });
        for (const [index, o] of ops.entries()) {
          const expected = await run(() => apply(theirs, structuredClone(o)));
          const actual = await run(() => apply(ours, structuredClone(o)));
          assert.deepStrictEqual(actual, expected, `operation ${index} ${JSON.stringify(o)}`);
        }
      }),
      { numRuns: 50 },
    );
    await backend.finishAllScheduledFunctions(() => {}); // reclaim the dropped lists' items
    const left = await backend.run(async (ctx) => {
      const entries = await ctx.db.query("cache_entries").collect();
      const gens = new Set(entries.map((entry: { gen: string }) => entry.gen));
      const items = await ctx.db.query("cache_items").collect();
      return items.filter((item: { gen: string }) => !gens.has(item.gen)).length;
    });
    assert.equal(left, 0, "items of dropped lists are reclaimed by the scheduled jobs");
  } finally {
    restore();
  }
});
