/**
 * The all-threads total without a deployment-wide document on thread
 * writes (`convex/memory/threadCount.ts`): a new deployment takes it from
 * the rank trees; a deployment from before keeps its legacy sharded count
 * exact until its trees are known complete (its first thread write, or a
 * rebuild), then drops it; between a rebuild's clear and its end, lists
 * count by walking. Totals and pages are exact at every step.
 */
import assert from "node:assert/strict";
import type { MemoryStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, componentHandle, createBackend, inProcessClient } from "./helpers/backend.ts";
import { measureDetail } from "./helpers/metrics.ts";
import { COUNTER_SHARDS } from "../convex/kit/counters.ts";

const at = Date.UTC(2026, 0, 1);

async function setup(): Promise<{ backend: Backend; memory: MemoryStorage; storage: ConvexStorage }> {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  return { backend, storage, memory: (await storage.getStore("memory"))! };
}

const save = (memory: MemoryStorage, i: number) =>
  memory.saveThread({
    thread: {
      id: `t${String(i).padStart(3, "0")}`,
      resourceId: `r${i % 3}`,
      title: `thread ${i}`,
      createdAt: new Date(at + i),
      updatedAt: new Date(at + i),
    },
  });

/** The names of the counter documents that hold the all-threads count (legacy) and the coverage mark. */
async function countDocs(backend: Backend): Promise<{ legacy: string[]; covered: boolean }> {
  const names = (await backend.run((ctx) => ctx.db.query("counters").collect())).map((c) => c.name as string);
  return {
    legacy: names.filter((n) => n === "threads" || n.startsWith("threads:shard:")).sort(),
    covered: names.includes("coverage:threads"),
  };
}

/** The thread ids `listThreads` returns page by page (newest first), and its total, checked against `ids`. */
async function assertListed(memory: MemoryStorage, ids: string[], label: string): Promise<void> {
  const expected = [...ids].sort().reverse();
  const perPage = 7;
  for (let page = 0; page * perPage < Math.max(expected.length, 1); page++) {
    const listed = await memory.listThreads({ page, perPage, orderBy: { field: "createdAt", direction: "DESC" } });
    assert.equal(listed.total, expected.length, `${label}: total`);
    assert.deepEqual(
      listed.threads.map((t) => t.id),
      expected.slice(page * perPage, (page + 1) * perPage),
      `${label}: page ${page}`,
    );
  }
}

Deno.test("a new deployment counts all threads in the trees: no shared document on thread writes", async () => {
  const { backend, memory } = await setup();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await save(memory, i)).id);
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: true });
  const { detail } = await measureDetail(() => save(memory, 20));
  ids.push("t020");
  const names = await backend.run(async (ctx) => {
    const out: string[] = [];
    for (const w of detail.writes.filter((w) => w.table === "counters")) {
      // deno-lint-ignore no-explicit-any
      const doc = await (ctx.db as any).get(w.id);
      out.push(doc?.name ?? "(deleted)");
    }
    return out;
  });
  assert.deepEqual(names, ["threads:resource:r2"], "only the thread's own resource count is written");
  await assertListed(memory, ids, "after saves");
  await memory.deleteThread({ threadId: "t003" });
  await memory.cloneThread({ sourceThreadId: "t004", newThreadId: "t100" });
  ids.splice(ids.indexOf("t003"), 1);
  ids.push("t100");
  await assertListed(memory, ids, "after a delete and a clone");
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: true });
});

Deno.test("a deployment from before keeps its legacy count until its first thread write finds the trees complete", async () => {
  const { backend, memory } = await setup();
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await save(memory, i)).id);
  // As the previous version left it: trees complete, no coverage mark, the count in shards.
  await backend.run(async (ctx) => {
    const mark = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", "coverage:threads")).unique();
    await ctx.db.delete(mark!._id);
    await ctx.db.insert("counters", { name: "threads:shard:3", value: 5 });
    await ctx.db.insert("counters", { name: "threads:shard:9", value: 7 });
  });
  await assertListed(memory, ids, "before any write (legacy count)");
  ids.push((await save(memory, 12)).id);
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: true }, "covered, legacy count dropped");
  await assertListed(memory, ids, "after the first write");
});

Deno.test("a deployment older than the trees: exact with its legacy count, then covered by a rebuild; a rebuild's clear walks", async () => {
  const { backend, memory, storage } = await setup();
  // Threads written before the trees existed: rows and an unsharded count only.
  const ids: string[] = [];
  await backend.run(async (ctx) => {
    for (let i = 0; i < 15; i++) {
      const id = `t${String(i).padStart(3, "0")}`;
      ids.push(id);
      await ctx.db.insert("threads", {
        id,
        resourceId: `r${i % 3}`,
        title: `old ${i}`,
        createdAt: at + i,
        updatedAt: at + i,
      });
    }
    await ctx.db.insert("counters", { name: "threads", value: 15 });
  });
  await assertListed(memory, ids, "old rows (legacy count, walks)");
  // Writes keep the legacy count exact; the trees are incomplete, so the table stays uncovered.
  ids.push((await save(memory, 15)).id);
  await memory.deleteThread({ threadId: "t001" });
  ids.splice(ids.indexOf("t001"), 1);
  const before = await countDocs(backend);
  assert.equal(before.covered, false);
  assert.ok(before.legacy.length >= 1 && before.legacy.length <= COUNTER_SHARDS + 1);
  await assertListed(memory, ids, "old rows after writes");
  await storage.rebuildRankTrees();
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: true }, "the rebuild covered the table");
  await assertListed(memory, ids, "rebuilt");
  // A rebuild's first step clears every tree: until it ends, lists count by walking, exactly, and writes
  // recreate no legacy count.
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  for (let done = false; !done;) ({ done } = await raw.mutation(componentHandle("system/ranks:clear"), {}));
  await assertListed(memory, ids, "cleared (walks)");
  ids.push((await save(memory, 16)).id);
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: false });
  await assertListed(memory, ids, "cleared, after a write (walks)");
  await storage.rebuildRankTrees();
  assert.deepEqual(await countDocs(backend), { legacy: [], covered: true });
  await assertListed(memory, ids, "rebuilt again");
});
