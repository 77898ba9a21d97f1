/**
 * Expiry of ConvexServerCache, with fake timers: expired entries are
 * invisible at once (judged by the server's clock inside each function,
 * whether or not their rows are reclaimed yet), and the deployment's own
 * scheduled jobs delete their rows (entries, list items in bounded batches,
 * large values' chunks), with no reader or client involved.
 */
import assert from "node:assert/strict";
import { mock } from "node:test";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { installRootTimers } from "./helpers/scheduler.ts";

const START = 1_800_000_000_000;

/** Runs `fn` with fake `Date`/`setTimeout` from START and a backend whose scheduled functions run under Deno. */
async function withFakeTime(fn: (backend: Backend) => Promise<void>): Promise<void> {
  mock.timers.enable({ apis: ["Date", "setTimeout"], now: START });
  const restore = installRootTimers();
  try {
    await fn(createBackend());
  } finally {
    restore();
    mock.timers.reset();
  }
}

async function rowCounts(backend: Backend): Promise<Record<string, number>> {
  return await backend.run(async (ctx) => {
    const out: Record<string, number> = {};
    for (const table of ["cache_entries", "cache_items", "blobs", "blob_chunks"] as const) {
      out[table] = (await ctx.db.query(table).collect()).length;
    }
    return out;
  });
}

/**
 * Lets every due scheduled function run (and those they schedule, when due),
 * advancing fake time by `step` first. (convex-test's own
 * `finishAllScheduledFunctions` waits on a `setTimeout` it captured at load,
 * which Deno's fake timers fake as well, so it cannot be used here.)
 */
async function settle(backend: Backend, step = 0): Promise<void> {
  mock.timers.tick(step);
  for (let round = 0; round < 500; round++) {
    await backend.finishInProgressScheduledFunctions();
    const due = await backend.run(async (ctx) =>
      (await ctx.db.system.query("_scheduled_functions").collect()).filter((job: {
        state: { kind: string };
        scheduledTime: number;
      }) => job.state.kind === "pending" && job.scheduledTime <= Date.now()).length
    );
    if (due === 0) return;
    mock.timers.tick(1); // Deno's fake timers fire a due timer only when time moves
  }
  throw new Error("scheduled functions kept scheduling due work");
}

Deno.test("server cache TTL: expired entries are invisible at once, before any job has run", async () => {
  await withFakeTime(async (backend) => {
    const cache = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 0 });
    await cache.set("v", { a: 1 }, 1000);
    await cache.set("l", [1, 2, 3], 1000);
    await cache.set("n", 41, 1000);
    // Move the deployment's clock past the expiry without letting any timer (hence any job) fire:
    // readers must not depend on the reaper.
    await backend.run(async (ctx) => {
      for (const entry of await ctx.db.query("cache_entries").collect()) {
        await ctx.db.patch(entry._id, { expiresAt: Date.now() - 1 });
      }
    });
    assert.deepEqual(await rowCounts(backend), { cache_entries: 3, cache_items: 3, blobs: 0, blob_chunks: 0 });
    assert.equal(await cache.get("v"), undefined);
    assert.equal(await cache.get("l"), undefined);
    assert.equal(await cache.listLength("l"), 0);
    assert.deepEqual(await cache.listFromTo("l", 0), []);
    assert.equal(await cache.increment("n"), 1, "an expired counter counts again from 0");
    await cache.listPush("l", "fresh");
    assert.deepEqual(await cache.get("l"), ["fresh"], "a push onto an expired list starts a new list");
    await cache.set("v", "new");
    assert.equal(await cache.get("v"), "new");
  });
});

Deno.test("server cache TTL: scheduled jobs reclaim expired values, long lists and large values by themselves", async () => {
  await withFakeTime(async (backend) => {
    const cache = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 60_000 });
    const long = Array.from({ length: 3500 }, (_, i) => ({ i })); // more than one reclaim batch
    const large = "x".repeat(700_000); // stored in chunks (over 256 KiB)
    await cache.set("value", "v", 1000);
    await cache.set("list", long, 2000);
    await cache.set("large", large, 3000);
    await cache.listPush("largeItems", large); // default TTL 60 s
    await cache.set("forever", "f", 0);
    const before = await rowCounts(backend);
    assert.equal(before.cache_entries, 5);
    assert.equal(before.cache_items, 3501);
    assert.ok(before.blobs === 2 && before.blob_chunks >= 6, JSON.stringify(before));

    // (The deployment's clock may run a millisecond ahead: transactions never go back in time.)
    mock.timers.tick(995);
    await settle(backend);
    assert.equal(await cache.get("value"), "v", "not expired before its TTL");
    mock.timers.tick(8);
    assert.equal(await cache.get("value"), undefined, "expired after its TTL");
    await settle(backend);
    assert.equal((await rowCounts(backend)).cache_entries, 4, "the expiry job dropped the value's row");

    mock.timers.tick(2000);
    await settle(backend);
    assert.equal(await cache.get("list"), undefined);
    assert.equal(await cache.get("large"), undefined);
    const mid = await rowCounts(backend);
    assert.deepEqual(mid, { cache_entries: 2, cache_items: 1, blobs: 1, blob_chunks: mid.blob_chunks });
    assert.equal(mid.blob_chunks, before.blob_chunks / 2);
    assert.equal((await cache.get("largeItems") as string[])[0].length, large.length);

    mock.timers.tick(60_000);
    await settle(backend);
    assert.deepEqual(await rowCounts(backend), { cache_entries: 1, cache_items: 0, blobs: 0, blob_chunks: 0 });
    assert.equal(await cache.get("forever"), "f", "an entry without TTL stays");
  });
});

Deno.test("server cache TTL: pushes and increments refresh the TTL; the expiry job reschedules itself", async () => {
  await withFakeTime(async (backend) => {
    const cache = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 1000 });
    await cache.listPushIndexed("topic", "topic:counter", { type: "a" });
    mock.timers.tick(600);
    await cache.listPushIndexed("topic", "topic:counter", { type: "b" }); // both keys now expire at 1600
    const expiryJobs = async () =>
      (await backend.run((ctx) => ctx.db.system.query("_scheduled_functions").collect())).filter((
        job: { name: string },
      ) => job.name.includes("reaper:expire")).length;
    assert.equal(await expiryJobs(), 2, "one expiry job per key, not one per write");
    mock.timers.tick(500); // 1100: the first expiry jobs fire, find the entries alive, and reschedule
    await settle(backend);
    assert.deepEqual(await cache.listFromTo("topic", 0), [{ type: "a", index: 0 }, { type: "b", index: 1 }]);
    assert.equal(await cache.get("topic:counter"), 2);
    mock.timers.tick(500); // 1600
    await settle(backend);
    assert.deepEqual(await cache.listFromTo("topic", 0), []);
    assert.equal(await cache.get("topic:counter"), undefined);
    assert.deepEqual(await rowCounts(backend), { cache_entries: 0, cache_items: 0, blobs: 0, blob_chunks: 0 });
    // A shorter TTL set after a longer one still expires on time.
    await cache.set("k", "long", 10_000);
    await cache.set("k", "short", 100);
    mock.timers.tick(102);
    await settle(backend);
    assert.equal(await cache.get("k"), undefined);
    assert.equal((await rowCounts(backend)).cache_entries, 0);
  });
});
