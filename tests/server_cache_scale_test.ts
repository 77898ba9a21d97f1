/**
 * What ConvexServerCache calls cost as the cache grows: at 1,000 and 10,000
 * entries (and a 10,000-event stream), `get`, `increment` and
 * `listPushIndexed` touch the same few documents, and reading the tail of
 * a stream reads what it returns. Prints the figures.
 */
import assert from "node:assert/strict";
import { encodeValue } from "../convex/kit/codec.ts";
import { ConvexServerCache } from "../src/cache/serverCache.ts";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure, type Usage } from "./helpers/metrics.ts";

/** Inserts `count` value entries and a stream of `count` events directly (fast seeding). */
async function seed(backend: Backend, count: number): Promise<void> {
  for (let start = 0; start < count; start += 5000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < Math.min(count, start + 5000); i++) {
        await ctx.db.insert("cache_entries", {
          key: `k${i}`,
          kind: "value",
          gen: `g${i}`,
          length: 0,
          value: encodeValue({ i }),
        });
        await ctx.db.insert("cache_items", {
          gen: "stream",
          pos: i,
          value: encodeValue({ type: "chunk", i }),
          indexed: i,
        });
      }
    });
  }
  await backend.run(async (ctx) => {
    await ctx.db.insert("cache_entries", { key: "topic", kind: "list", gen: "stream", length: count });
    await ctx.db.insert("cache_entries", {
      key: "topic:counter",
      kind: "value",
      gen: "c",
      length: 0,
      value: `${count}`,
    });
  });
}

const fmt = (u: Usage) => `${u.documentsRead} read / ${u.documentsWritten} written`;

Deno.test("server cache: per-call cost is flat from 1,000 to 10,000 entries and stream events", async () => {
  const lines: string[] = [];
  const costs: Record<number, Usage[]> = {};
  for (const size of [1_000, 10_000]) {
    const backend = createBackend();
    await seed(backend, size);
    const cache = new ConvexServerCache({ client: inProcessClient(backend), ttlMs: 0 });
    const get = await measure(() => cache.get(`k${size - 7}`));
    assert.deepEqual(get.result, { i: size - 7 });
    const increment = await measure(() => cache.increment("hits"));
    const push = await measure(() => cache.listPushIndexed("topic", "topic:counter", { type: "chunk" }));
    assert.equal(push.result, size);
    const tail = await measure(() => cache.listFromTo("topic", size - 9));
    assert.equal((tail.result as unknown[]).length, 10);
    assert.deepEqual(
      (tail.result as { index: number }[]).map((e) => e.index),
      Array.from({ length: 10 }, (_, i) => size - 9 + i),
    );
    costs[size] = [get.usage, increment.usage, push.usage, tail.usage];
    lines.push(
      `@${size}: get ${fmt(get.usage)}; increment ${fmt(increment.usage)}; listPushIndexed ${fmt(push.usage)}; ` +
        `listFromTo(last 10) ${fmt(tail.usage)}`,
    );
  }
  for (const [i, name] of ["get", "increment", "listPushIndexed", "listFromTo"].entries()) {
    assert.equal(
      costs[10_000][i].documentsRead,
      costs[1_000][i].documentsRead,
      `${name} reads the same at 10x the data`,
    );
    assert.ok(costs[10_000][i].documentsRead <= 11, `${name}: ${fmt(costs[10_000][i])}`);
  }
  console.log(lines.join("\n"));
});
