/**
 * Listing threads costs about one page, whatever the number of threads:
 * documents read are counted on the in-process backend (never timed).
 */
import assert from "node:assert/strict";
import { memoryCounters } from "../../convex/memory/counterNames.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const THREADS = 20_000;

Deno.test(`listThreads pages over ${THREADS} threads of one resource read about one page`, async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  // Seed directly (with the counters our mutations would keep), in chunks.
  for (let start = 0; start < THREADS; start += 2000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < Math.min(THREADS, start + 2000); i++) {
        await ctx.db.insert("threads", {
          id: `thread-${String(i).padStart(6, "0")}`,
          resourceId: "big",
          title: `Thread ${i}`,
          metadata: encodeValue({ n: i, even: i % 2 === 0 }),
          createdAt: 1_700_000_000_000 + Math.floor(i / 3), // ties on purpose
          updatedAt: 1_700_000_000_000 + i,
        });
      }
    });
  }
  await backend.run(async (ctx) => {
    await ctx.db.insert("counters", { name: memoryCounters.threads(), value: THREADS });
    await ctx.db.insert("counters", { name: memoryCounters.threadsOfResource("big"), value: THREADS });
  });

  const figures: Record<string, number> = {};
  const first = await measure(() => memory.listThreads({ filter: { resourceId: "big" }, page: 0, perPage: 20 }));
  figures["first page (20)"] = first.usage.documentsRead;
  assert.equal(first.result.total, THREADS);
  assert.equal(first.result.threads.length, 20);
  assert.equal(first.result.hasMore, true);

  const last = await measure(() =>
    memory.listThreads({ filter: { resourceId: "big" }, page: THREADS / 20 - 1, perPage: 20 })
  );
  figures["last page (20)"] = last.usage.documentsRead;
  assert.equal(last.result.threads.length, 20);
  assert.equal(last.result.hasMore, false);
  // DESC by createdAt: the last page holds the oldest threads, ties broken by id.
  assert.equal(last.result.threads.at(-1)!.id, "thread-000000");

  const updatedAsc = await measure(() =>
    memory.listThreads({
      filter: { resourceId: "big" },
      orderBy: { field: "updatedAt", direction: "ASC" },
      page: 0,
      perPage: 20,
    })
  );
  figures["first page by updatedAt ASC (20)"] = updatedAsc.usage.documentsRead;
  assert.deepEqual(updatedAsc.result.threads.map((t) => t.id).slice(0, 2), ["thread-000000", "thread-000001"]);

  const all = await measure(() => memory.listThreads({ filter: { resourceId: "big" }, perPage: false }));
  figures["perPage: false (all 20,000)"] = all.usage.documentsRead;
  assert.equal(all.result.threads.length, THREADS);
  assert.equal(new Set(all.result.threads.map((t) => t.id)).size, THREADS);

  // Seeded rows have no rank trees: deep pages walk until rebuildRankTrees builds them, then seek.
  await storage.rebuildRankTrees();
  const deep = THREADS / 2 / 20;
  const globalMiddle = await measure(() => memory.listThreads({ page: deep, perPage: 20 }));
  figures[`all threads, middle page ${deep} (20)`] = globalMiddle.usage.documentsRead;
  assert.deepEqual(
    globalMiddle.result.threads.map((t) => t.id),
    all.result.threads.slice(deep * 20, deep * 20 + 20).map((t) => t.id),
  );
  const resourceMiddle = await measure(() =>
    memory.listThreads({
      filter: { resourceId: "big" },
      orderBy: { field: "updatedAt", direction: "ASC" },
      page: deep,
      perPage: 20,
    })
  );
  figures[`one resource by updatedAt, middle page ${deep} (20)`] = resourceMiddle.usage.documentsRead;
  assert.equal(resourceMiddle.result.threads[0].id, `thread-${String(deep * 20).padStart(6, "0")}`);
  console.log("documents read per listThreads call:", figures);
  assert.ok(globalMiddle.usage.documentsRead <= 20 + 4 * Math.log2(THREADS));
  assert.ok(resourceMiddle.usage.documentsRead <= 20 + 4 * Math.log2(THREADS));
  // A page of 20 costs the page plus the counter lookup, at any size.
  assert.ok(first.usage.documentsRead <= 20 + 3);
  assert.ok(last.usage.documentsRead <= 20 + 3);
  assert.ok(updatedAsc.usage.documentsRead <= 20 + 3);
});
