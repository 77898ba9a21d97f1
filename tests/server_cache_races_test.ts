/**
 * ConvexServerCache under concurrency and at its edges: several cache
 * instances (as several Mastra servers) on one deployment racing on
 * `increment` and `listPushIndexed` (no lost update, unique gapless
 * indices, list order = index order, one round trip each), atomic failure,
 * long lists read in bounded calls, large values, and bad input.
 */
import assert from "node:assert/strict";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import { installRootTimers } from "./helpers/scheduler.ts";

/** Asserts that `promise` rejects with an error whose message matches `pattern`. */
async function rejectsWith(promise: Promise<unknown>, pattern: RegExp, label?: string): Promise<void> {
  const error = await promise.then(() => assert.fail(`${label ?? pattern}: should fail`), (e: Error) => e);
  assert.match(error.message, pattern, label);
}

/** A client that counts the calls going through it. */
function counting(client: ConvexClientLike): { client: ConvexClientLike; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    client: {
      query: (path, args) => (calls.push(path), client.query(path, args)),
      mutation: (path, args, options) => (calls.push(path), client.mutation(path, args, options)),
      action: (path, args, options) => (calls.push(path), client.action(path, args, options)),
    },
  };
}

Deno.test("server cache races: 4 instances x 50 concurrent increments lose nothing", async () => {
  const backend = createBackend();
  const caches = Array.from({ length: 4 }, () => new ConvexServerCache({ client: inProcessClient(backend) }));
  const results = await Promise.all(
    caches.flatMap((cache) => Array.from({ length: 50 }, () => cache.increment("hits"))),
  );
  assert.deepEqual([...results].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
  assert.equal(await caches[0].get("hits"), 200);
});

Deno.test("server cache races: concurrent listPushIndexed from 4 instances gives unique gapless indices in list order, one call each", async () => {
  const backend = createBackend();
  const counted = Array.from({ length: 4 }, () => counting(inProcessClient(backend)));
  const caches = counted.map(({ client }) => new ConvexServerCache({ client }));
  const indices = await Promise.all(
    caches.flatMap((cache, server) =>
      Array.from({ length: 50 }, (_, i) => cache.listPushIndexed("topic", "topic:counter", { server, i }))
    ),
  );
  assert.deepEqual([...indices].sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i));
  const list = await caches[1].listFromTo("topic", 0) as { index: number; server: number; i: number }[];
  assert.equal(list.length, 200);
  list.forEach((event, position) => assert.equal(event.index, position, "list position = allocated index"));
  for (let server = 0; server < 4; server++) {
    const mine = list.filter((event) => event.server === server).map((event) => event.i);
    assert.deepEqual(mine, Array.from({ length: 50 }, (_, i) => i), "each server's events keep their order");
  }
  for (const { calls } of counted.slice(0, 1)) {
    assert.equal(calls.filter((path) => path === "cache/entries:pushIndexed").length, 50);
    assert.equal(
      calls.filter((path) => path !== "cache/entries:pushIndexed" && path !== "cache/entries:range").length,
      0,
    );
  }
  assert.equal(await caches[2].get("topic:counter"), 200);
});

Deno.test("server cache: listPushIndexed is atomic: when the push fails, the counter is untouched", async () => {
  const backend = createBackend();
  const cache = new ConvexServerCache({ client: inProcessClient(backend) });
  await cache.set("notAList", "scalar");
  await rejectsWith(
    cache.listPushIndexed("notAList", "c", { a: 1 }),
    /ConvexStorage\.listPushIndexed failed .*"notAList" exists but is not an array/,
  );
  assert.equal(await cache.get("c"), undefined, "core's two-call default would have left the counter at 1");
  await cache.set("c", [1]);
  await rejectsWith(cache.listPushIndexed("l", "c", { a: 1 }), /"c" exists but is not a number/);
  assert.equal(await cache.listLength("l"), 0);
});

Deno.test("server cache: a 3,000-item list reads in 3 bounded calls; large values round-trip", async () => {
  const restore = installRootTimers();
  try {
    const backend = createBackend();
    const { client, calls } = counting(inProcessClient(backend));
    const cache = new ConvexServerCache({ client });
    const items = Array.from({ length: 3000 }, (_, i) => ({ i, text: "t".repeat(100) }));
    await cache.set("long", items);
    calls.length = 0;
    const { result, usage } = await measure(() => cache.listFromTo("long", 0));
    assert.deepEqual(result, items);
    assert.equal(calls.length, 3);
    assert.ok(usage.documentsRead <= 3000 + 3 * 2, JSON.stringify(usage));
    calls.length = 0;
    const tail = await measure(() => cache.listFromTo("long", -5, -2));
    assert.deepEqual(tail.result, items.slice(-5, -1));
    assert.ok(tail.usage.documentsRead <= 6, `a slice reads what it returns: ${JSON.stringify(tail.usage)}`);
    assert.equal(calls.length, 1);
    const rowsRead = (await measure(() => cache.listLength("long"))).usage.documentsRead;
    assert.equal(rowsRead, 1, "listLength reads one document");

    const big = { text: "é".repeat(1_500_000), when: new Date(5), bytes: new Uint8Array([1, 2, 3]) }; // ~3 MB encoded
    await cache.set("big", big);
    assert.deepEqual(await cache.get("big"), big);
    await cache.listPush("bigList", "z".repeat(600_000));
    await cache.listPushIndexed("bigList", "bigList:c", { payload: "y".repeat(400_000) });
    const bigList = await cache.get("bigList") as unknown[];
    assert.equal((bigList[0] as string).length, 600_000);
    assert.deepEqual(bigList[1], { payload: "y".repeat(400_000), index: 0 });
    await cache.set("big", "small now");
    await cache.delete("bigList");
    await backend.finishAllScheduledFunctions(() => {});
    const blobs = await backend.run(async (ctx) => (await ctx.db.query("blobs").collect()).length);
    assert.equal(blobs, 0, "replaced and deleted large values are swept by the deployment");

    // 100 inline values of 200 KB: 20 MB, more than one transaction may read; clear() takes bounded calls.
    for (let i = 0; i < 100; i++) await cache.set(`v${i}`, "v".repeat(200_000));
    calls.length = 0;
    await cache.clear();
    assert.ok(calls.length >= 5, `clear took ${calls.length} calls`);
    await backend.finishAllScheduledFunctions(() => {});
    const left = await backend.run(async (ctx) => ({
      entries: (await ctx.db.query("cache_entries").collect()).length,
      items: (await ctx.db.query("cache_items").collect()).length,
    }));
    assert.deepEqual(left, { entries: 0, items: 0 });
  } finally {
    restore();
  }
});

Deno.test("server cache: bad input fails clearly and writes nothing", async () => {
  const backend = createBackend();
  const cache = new ConvexServerCache({ client: inProcessClient(backend) });
  const bad: [string, () => Promise<unknown>, RegExp][] = [
    ["key type", () => cache.get(7 as never), /ConvexStorage\.get failed .*key must be a string, got number 7/],
    ["long key", () => cache.set("k".repeat(2000), 1), /key is 2000 bytes long; ids may be at most 1024 bytes/],
    ["ttl", () => cache.set("k", 1, NaN), /ttlMs must be a number of milliseconds/],
    ["function", () => cache.set("k", { f: () => 1 }), /functions cannot be stored at f/],
    ["cycle", () => {
      const a: Record<string, unknown> = {};
      a.self = a;
      return cache.listPush("k", a);
    }, /cyclic structures cannot be stored/],
    ["from", () => cache.listFromTo("k", 1.5), /from must be an integer, got 1.5/],
    ["to", () => cache.listFromTo("k", 0, "2" as never), /to must be an integer, got string/],
    ["indexed value", () => cache.listPushIndexed("l", "c", [1] as never), /value must be an object, got an array/],
    ["indexed key", () => cache.listPushIndexed("l", null as never, {}), /counterKey must be a string/],
    [
      "array too long",
      () => cache.set("k", Array.from({ length: 4001 }, () => 1)),
      /4001 items is too long to store at once .*listPush/,
    ],
  ];
  for (const [name, call, pattern] of bad) {
    await rejectsWith(call(), pattern, name);
  }
  await cache.set("n", "text");
  await rejectsWith(
    cache.increment("n"),
    /ConvexStorage\.increment failed \(key="n"\): "n" exists but is not a number/,
  );
  await rejectsWith(cache.listLength("n"), /"n" exists but is not an array/);
  await rejectsWith(cache.listPush("n", 1), /"n" exists but is not an array/);
  const rows = await backend.run(async (ctx) => ({
    entries: (await ctx.db.query("cache_entries").collect()).length,
    items: (await ctx.db.query("cache_items").collect()).length,
  }));
  assert.deepEqual(rows, { entries: 1, items: 0 });
});
