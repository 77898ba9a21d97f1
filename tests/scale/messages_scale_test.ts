/**
 * Scale of the message operations on the in-process backend with Convex's
 * transaction limits on. What is measured is documents read per call (from
 * convex-test's per-transaction counters) and the number of calls, never
 * wall time: convex-test answers an index range by scanning its whole
 * table, so its time grows with the table whatever our code does.
 */
import assert from "node:assert/strict";
import type { MemoryStorage } from "@mastra/core/storage";
import { counterShard } from "../../convex/kit/counters.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { memoryCounters } from "../../convex/memory/counterNames.ts";
import { messagesOfThreadResource } from "../../convex/memory/messageStore.ts";
import { type Backend, createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import type { ConvexStorage } from "../../src/storage.ts";

const BIG = 100_000;
const THREAD = "big";
const RESOURCE = "r-big";

/** Message `i` of the big thread: three messages share each timestamp, so ties are everywhere. */
const idOf = (i: number) => `msg-${String(i).padStart(6, "0")}`;
const timeOf = (i: number) => 1_000_000 + Math.floor(i / 3);

/** Inserts the big thread's rows directly, in chunks that fit one transaction, with exact counters. */
async function seedBigThread(backend: Backend): Promise<void> {
  await backend.run(async (ctx) => {
    await ctx.db.insert("threads", {
      id: THREAD,
      resourceId: RESOURCE,
      title: "big",
      createdAt: 1,
      updatedAt: 1,
    });
  });
  const content = encodeValue({ format: 2, parts: [{ type: "text", text: "hello there" }] });
  for (let start = 0; start < BIG; start += 10_000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < Math.min(BIG, start + 10_000); i++) {
        await ctx.db.insert("messages", {
          id: idOf(i),
          threadId: THREAD,
          resourceId: RESOURCE,
          role: i % 2 ? "assistant" : "user",
          type: "text",
          content,
          createdAt: timeOf(i),
        });
      }
    });
  }
  await backend.run(async (ctx) => {
    for (const name of [memoryCounters.messagesOfThread(THREAD), memoryCounters.messagesOfResource(RESOURCE)]) {
      await ctx.db.insert("counters", { name, value: BIG });
    }
    await ctx.db.insert("counters", { name: messagesOfThreadResource(THREAD, RESOURCE), value: BIG });
    await ctx.db.insert("counters", { name: counterShard(memoryCounters.threads(), THREAD), value: 1 });
    await ctx.db.insert("counters", { name: memoryCounters.threadsOfResource(RESOURCE), value: 1 });
  });
}

/** Counts the calls `storage` makes to Convex while `fn` runs. */
async function countCalls<T>(storage: ConvexStorage, fn: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const transport = storage.transport as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const originals = { query: transport.query, mutation: transport.mutation };
  let calls = 0;
  for (const name of ["query", "mutation"] as const) {
    transport[name] = (...args: unknown[]) => {
      calls++;
      return originals[name].apply(storage.transport, args);
    };
  }
  try {
    return { result: await fn(), calls };
  } finally {
    transport.query = originals.query;
    transport.mutation = originals.mutation;
  }
}

const expectedIds = (from: number, count: number) => Array.from({ length: count }, (_, k) => idOf(from + k));

Deno.test("messages scale: a 100,000-message thread", async (t) => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))! as MemoryStorage;
  await seedBigThread(backend);
  const figures: Record<string, string | number> = {};

  await t.step("first, middle and last pages of 40 read about one page", async () => {
    const page = async (p: number, direction: "ASC" | "DESC" = "ASC") => {
      const { result: { result, calls }, usage } = await measure(() =>
        countCalls(storage, () =>
          memory.listMessages({
            threadId: THREAD,
            resourceId: RESOURCE,
            page: p,
            perPage: 40,
            orderBy: { field: "createdAt", direction },
          }))
      );
      assert.equal(result.total, BIG);
      return { result, calls, read: usage.documentsRead };
    };
    const first = await page(0);
    assert.deepEqual(first.result.messages.map((m) => m.id), expectedIds(0, 40));
    assert.equal(first.result.hasMore, true);
    assert.ok(first.read <= 40 + 5, `first page read ${first.read} documents`);
    figures["first page (asc): documents read"] = first.read;
    figures["first page (asc): calls"] = first.calls;

    const last = await page(BIG / 40 - 1);
    assert.deepEqual(last.result.messages.map((m) => m.id), expectedIds(BIG - 40, 40));
    assert.equal(last.result.hasMore, false);
    assert.ok(last.read <= 40 + 5, `last page read ${last.read} documents`);
    figures["last page (asc): documents read"] = last.read;
    figures["last page (asc): calls"] = last.calls;

    const newest = await page(0, "DESC");
    assert.deepEqual(newest.result.messages.map((m) => m.id), expectedIds(BIG - 40, 40).reverse());
    assert.ok(newest.read <= 40 + 5, `newest page read ${newest.read} documents`);
    figures["first page (desc, Mastra's recall): documents read"] = newest.read;

    const middle = await page(BIG / 80);
    assert.deepEqual(middle.result.messages.map((m) => m.id), expectedIds(BIG / 2, 40));
    figures["middle page (offset 50,000): documents read"] = middle.read;
    figures["middle page (offset 50,000): calls"] = middle.calls;

    // The thread was seeded directly, without rank buckets; build them as an upgrade would, then seek.
    const rebuildCalls = await (memory as unknown as { rebuildMessageRanks(a: { threadId: string }): Promise<number> })
      .rebuildMessageRanks({ threadId: THREAD });
    const seeked = await page(BIG / 80);
    assert.deepEqual(seeked.result.messages.map((m) => m.id), expectedIds(BIG / 2, 40));
    assert.ok(seeked.read < 40 + 256 + BIG / 256, `middle page with rank buckets read ${seeked.read} documents`);
    assert.equal(seeked.calls, 1);
    figures["rank buckets rebuilt: calls"] = rebuildCalls;
    figures["middle page with rank buckets: documents read"] = seeked.read;
    figures["middle page with rank buckets: calls"] = seeked.calls;
  });

  await t.step("consecutive pages never repeat or skip, ties included", async () => {
    const seen: string[] = [];
    for (let p = 0; p < 4; p++) {
      const { messages } = await memory.listMessages({ threadId: THREAD, page: p, perPage: 7 });
      seen.push(...messages.map((m) => m.id));
    }
    assert.deepEqual(seen, expectedIds(0, 28));
    const tail: string[] = [];
    for (let p = 3; p >= 0; p--) {
      const { messages } = await memory.listMessages({
        threadId: THREAD,
        page: Math.floor(BIG / 7) - p,
        perPage: 7,
      });
      tail.push(...messages.map((m) => m.id));
    }
    const start = (Math.floor(BIG / 7) - 3) * 7;
    assert.deepEqual(tail, expectedIds(start, BIG - start));
  });

  await t.step("a date range near the end reads only the range", async () => {
    const { result, usage } = await measure(() =>
      memory.listMessages({
        threadId: THREAD,
        filter: { dateRange: { start: new Date(timeOf(BIG - 31)) } },
        perPage: 10,
      })
    );
    assert.equal(result.total, 31);
    assert.deepEqual(result.messages.map((m) => m.id), expectedIds(BIG - 31, 10));
    assert.ok(usage.documentsRead <= 40, `date range read ${usage.documentsRead}`);
    figures["dateRange of 31 at the end: documents read"] = usage.documentsRead;
  });

  await t.step("include with context reads only the window", async () => {
    const { result, usage } = await measure(() =>
      memory.listMessages({
        threadId: THREAD,
        perPage: 0,
        include: [{ id: idOf(BIG / 2), withPreviousMessages: 2, withNextMessages: 2 }],
      })
    );
    assert.deepEqual(result.messages.map((m) => m.id), expectedIds(BIG / 2 - 2, 5));
    assert.ok(usage.documentsRead <= 12, `include read ${usage.documentsRead}`);
    figures["include ±2 in the middle: documents read"] = usage.documentsRead;
  });

  await t.step("perPage: false returns everything in order over several calls", async () => {
    const { result: { result, calls }, usage } = await measure(() =>
      countCalls(storage, () => memory.listMessages({ threadId: THREAD, perPage: false }))
    );
    assert.equal(result.messages.length, BIG);
    assert.equal(result.total, BIG);
    assert.equal(result.hasMore, false);
    for (let i = 0; i < BIG; i++) {
      if (result.messages[i].id !== idOf(i)) assert.fail(`message ${i} is ${result.messages[i].id}`);
    }
    figures["perPage:false: calls"] = calls;
    figures["perPage:false: documents read"] = usage.documentsRead;
  });

  await t.step("deleteThread removes all 100,000 messages within limits", async () => {
    const { result: { calls }, usage } = await measure(() =>
      countCalls(storage, () => memory.deleteThread({ threadId: THREAD }))
    );
    figures["deleteThread: calls"] = calls;
    figures["deleteThread: documents written"] = usage.documentsWritten;
    const left = await backend.run(async (ctx) => ({
      messages: (await ctx.db.query("messages").take(1)).length,
      counters: (await ctx.db.query("counters").collect()).map((row) => row.name),
      threads: (await ctx.db.query("threads").collect()).length,
    }));
    // Only the threads table's coverage mark is left: with the last thread gone, the (empty) trees hold every thread.
    assert.deepEqual(left, { messages: 0, counters: ["coverage:threads"], threads: 0 });
    assert.equal((await memory.listMessages({ threadId: THREAD })).total, 0);
  });

  console.log("100,000-message thread:", figures);
});

Deno.test("messages scale: cloneThread copies inside Convex in bounded batches", async () => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))! as MemoryStorage;
  await memory.saveThread({
    thread: { id: "src", resourceId: "r", title: "S", createdAt: new Date(1), updatedAt: new Date(1) },
  });
  const content = encodeValue({ format: 2, parts: [{ type: "text", text: "hi" }] });
  await backend.run(async (ctx) => {
    for (let i = 0; i < 2_000; i++) {
      await ctx.db.insert("messages", {
        id: idOf(i),
        threadId: "src",
        resourceId: "r",
        role: "user",
        type: "text",
        content,
        createdAt: timeOf(i),
      });
    }
    await ctx.db.insert("counters", { name: memoryCounters.messagesOfThread("src"), value: 2_000 });
    await ctx.db.insert("counters", { name: memoryCounters.messagesOfResource("r"), value: 2_000 });
    await ctx.db.insert("counters", { name: messagesOfThreadResource("src", "r"), value: 2_000 });
  });
  const { result: { result, calls } } = await measure(() =>
    countCalls(storage, () =>
      memory.copyThread({
        sourceThreadId: "src",
        newThreadId: "copy",
        resourceId: "r2",
        options: { messageLimit: 1_500, messageFilter: { endDate: new Date(timeOf(1_799)) } },
      }))
  );
  // The newest 1,500 messages up to the end date (inclusive): 300 .. 1,799.
  const expected = expectedIds(300, 1_500);
  assert.deepEqual(Object.keys(result.messageIdMap ?? {}).sort(), expected);
  assert.equal((result.thread.metadata?.clone as { lastMessageId?: string }).lastMessageId, idOf(1_799));
  assert.equal(result.thread.title, "Clone of S");
  const copied = await memory.listMessages({ threadId: "copy", perPage: false });
  assert.equal(copied.total, 1_500);
  assert.ok(copied.messages.every((m) => m.resourceId === "r2"));
  assert.deepEqual(new Set(copied.messages.map((m) => m.id)), new Set(Object.values(result.messageIdMap ?? {})));
  assert.equal((await memory.listMessagesByResourceId({ resourceId: "r2", perPage: 0 })).total, 1_500);
  console.log("copyThread of 1,500 of 2,000 messages:", { calls });
});

Deno.test("messages scale: several threads merge in one total order across resumed calls", async () => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))! as MemoryStorage;
  const threads = ["a", "b", "c"];
  const content = encodeValue({ format: 2, parts: [] });
  const all: { id: string; createdAt: number }[] = [];
  await backend.run(async (ctx) => {
    for (let i = 0; i < 9_000; i++) {
      const threadId = threads[(i * 7) % 3];
      // Many ties across threads: 9,000 messages over 1,000 timestamps.
      const row = {
        id: `x${(i * 7919) % 9_000}`,
        threadId,
        resourceId: "r",
        role: "user",
        content,
        createdAt: i % 1_000,
      };
      all.push(row);
      await ctx.db.insert("messages", row);
    }
    for (const threadId of threads) {
      await ctx.db.insert("counters", { name: memoryCounters.messagesOfThread(threadId), value: 3_000 });
    }
  });
  all.sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1));
  const { result, calls } = await countCalls(storage, () => memory.listMessages({ threadId: threads, perPage: false }));
  assert.ok(calls > 1, "the walk resumed across calls");
  assert.equal(result.total, 9_000);
  assert.deepEqual(result.messages.map((m) => m.id), all.map((m) => m.id));
  const pages: string[] = [];
  for (let page = 0; page < 9; page++) {
    const { messages } = await memory.listMessages({
      threadId: threads,
      page,
      perPage: 1_000,
      orderBy: { field: "createdAt", direction: "DESC" },
    });
    pages.push(...messages.map((m) => m.id));
  }
  assert.deepEqual(pages, all.map((m) => m.id).reverse());
});
