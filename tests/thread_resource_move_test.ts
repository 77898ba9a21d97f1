/**
 * `updateThreadResourceId` on a thread of 10,000 messages: the move runs in
 * bounded steps (each within Convex's transaction limits, which the
 * in-process backend enforces), a fault injected half-way leaves the thread
 * under its old resource with every counter exact, and calling again
 * completes the move (or moves it back, if the caller changes its mind).
 * Thread-scoped observational memory moves with the thread;
 * resource-scoped records stay where they are.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MemoryStorage } from "@mastra/core/storage";
import { readCounter } from "../convex/kit/counters.ts";
import { familyTrees, totalAcross } from "../convex/kit/rankFamily.ts";
import { memoryCounters, memoryTrees } from "../convex/memory/counterNames.ts";
import { threadListTotal } from "../convex/memory/threadCount.ts";
import { CounterBatch, messagesOfThreadResource, putMessage } from "../convex/memory/messageStore.ts";
import { encodeValue } from "../convex/kit/codec.ts";
import type { MutationCtx } from "../convex/kit/functions.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const COUNT = 10_000;

/** Writes the thread's messages straight into the component, with the same bookkeeping `saveMessages` does. */
async function seed(backend: Backend, count: number): Promise<void> {
  for (let start = 0; start < count; start += 2000) {
    await backend.run(async (ctx: MutationCtx) => {
      const counters = new CounterBatch();
      for (let i = start; i < Math.min(count, start + 2000); i++) {
        await putMessage(
          ctx,
          {
            id: `m${String(i).padStart(5, "0")}`,
            threadId: "big",
            // A few messages of the thread belong to another resource, or to none, as Mastra allows.
            ...(i % 1000 === 7 ? {} : { resourceId: i % 500 === 3 ? "someone-else" : "alice" }),
            role: "user",
            content: encodeValue({ format: 2, parts: [{ type: "text", text: `message ${i}` }] }),
            createdAt: 1_000_000 + Math.floor(i / 3), // ties on createdAt, broken by id
          },
          null,
          counters,
        );
      }
      await counters.apply(ctx);
    });
  }
}

/** The counters the move must keep exact. */
async function counters(backend: Backend): Promise<Record<string, number>> {
  return await backend.run(async (ctx: MutationCtx) => ({
    thread: await readCounter(ctx, memoryCounters.messagesOfThread("big")),
    alice: await readCounter(ctx, memoryCounters.messagesOfResource("alice")),
    bob: await readCounter(ctx, memoryCounters.messagesOfResource("bob")),
    someoneElse: await readCounter(ctx, memoryCounters.messagesOfResource("someone-else")),
    bigAlice: await readCounter(ctx, messagesOfThreadResource("big", "alice")),
    bigBob: await readCounter(ctx, messagesOfThreadResource("big", "bob")),
    threadsAlice: await readCounter(ctx, memoryCounters.threadsOfResource("alice")),
    threadsBob: await readCounter(ctx, memoryCounters.threadsOfResource("bob")),
    // The all-threads total: the trees' (the table is covered from its first thread on).
    threads: await threadListTotal(ctx) === "trees"
      ? await totalAcross(ctx, familyTrees(memoryTrees.allThreads("createdAt")))
      : -1,
  }));
}

/** Counts the messages per resource by reading every row (what the counters must agree with). */
async function actualByResource(backend: Backend): Promise<Record<string, number>> {
  return await backend.run(async (ctx: MutationCtx) => {
    const out: Record<string, number> = {};
    for await (const row of ctx.db.query("messages")) {
      const key = row.resourceId ?? "(none)";
      out[key] = (out[key] ?? 0) + 1;
    }
    return out;
  });
}

Deno.test("updateThreadResourceId moves a 10,000-message thread; a fault half-way is completed by a retry", async () => {
  const backend = createBackend();
  const base = inProcessClient(backend);
  let moveSteps = 0;
  let failAt = 6;
  const client: ConvexClientLike = {
    ...base,
    mutation: (path, args, options) => {
      if (path === "memory/threadMove:moveMessages" && ++moveSteps === failAt) {
        return Promise.reject(new Error("injected fault: connection lost"));
      }
      return base.mutation(path, args, options);
    },
  };
  const storage = new ConvexStorage({ client });
  await storage.init();
  const memory = (await storage.getStore("memory"))! as MemoryStorage;
  await memory.saveThread({
    thread: { id: "big", resourceId: "alice", title: "big", createdAt: new Date(5), updatedAt: new Date(6) },
  });
  await memory.saveThread({
    thread: { id: "other", resourceId: "alice", createdAt: new Date(5), updatedAt: new Date(6) },
  });
  await seed(backend, COUNT);
  const threadOm = await memory.initializeObservationalMemory({
    threadId: "big",
    resourceId: "alice",
    scope: "thread",
    config: {},
  });
  await memory.createReflectionGeneration({ currentRecord: threadOm, reflection: "- reflected", tokenCount: 3 });
  await memory.initializeObservationalMemory({ threadId: null, resourceId: "alice", scope: "resource", config: {} });

  const before = await counters(backend);
  assert.deepEqual(before, {
    thread: COUNT,
    alice: COUNT - 20 - 10,
    bob: 0,
    someoneElse: 20,
    bigAlice: COUNT - 30,
    bigBob: 0,
    threadsAlice: 2,
    threadsBob: 0,
    threads: 2,
  });

  // The fault: the 6th step fails; 5,000 messages have moved, the thread has not.
  await assert.rejects(
    () => memory.updateThreadResourceId({ threadId: "big", resourceId: "bob" }),
    (error: unknown) => error instanceof MastraError && /injected fault/.test(error.message),
  );
  const half = await counters(backend);
  assert.equal((await memory.getThreadById({ threadId: "big" }))!.resourceId, "alice");
  assert.equal(half.bigBob, 5000);
  assert.equal(half.bob, 5000);
  assert.equal(half.alice + half.bob + half.someoneElse, COUNT - (10 - 5)); // 5 unowned messages moved already
  const actualHalf = await actualByResource(backend);
  assert.deepEqual(
    { alice: half.alice, bob: half.bob, someoneElse: half.someoneElse },
    { alice: actualHalf.alice, bob: actualHalf.bob, someoneElse: actualHalf["someone-else"] },
  );

  // The retry completes the move; every step stays within the transaction limits.
  failAt = -1;
  const { result: moved, usage } = await measure(() =>
    memory.updateThreadResourceId({ threadId: "big", resourceId: "bob" })
  );
  assert.equal(moved.resourceId, "bob");
  assert.equal(moved.title, "big");
  assert.deepEqual(moved.createdAt, new Date(5));
  const after = await counters(backend);
  assert.deepEqual(after, {
    thread: COUNT,
    alice: 0,
    bob: COUNT,
    someoneElse: 0,
    bigAlice: 0,
    bigBob: COUNT,
    threadsAlice: 1,
    threadsBob: 1,
    threads: 2,
  });
  assert.deepEqual(await actualByResource(backend), { bob: COUNT });
  const page = await memory.listMessagesByResourceId({ resourceId: "bob", perPage: 5, page: 1000 });
  assert.equal(page.total, COUNT);
  assert.equal(page.messages.length, 5);
  assert.equal((await memory.listThreads({ filter: { resourceId: "bob" } })).total, 1);
  console.log(
    `retry of the move: ${moveSteps} message steps in all; retry read ${usage.documentsRead} documents, wrote ${usage.documentsWritten}`,
  );

  // Thread-scoped observational memory moved with the thread, the resource's own did not.
  const history = await memory.getObservationalMemoryHistory("big", "bob");
  assert.deepEqual(history.map((r) => r.resourceId), ["bob", "bob"]);
  assert.equal((await memory.getObservationalMemory(null, "alice"))!.resourceId, "alice");
  assert.equal(await memory.getObservationalMemory(null, "bob"), null);

  // Same resource again: a no-op.
  const again = await memory.updateThreadResourceId({ threadId: "big", resourceId: "bob" });
  assert.deepEqual(again, moved);
  await assert.rejects(() => memory.updateThreadResourceId({ threadId: "nope", resourceId: "bob" }), /not found/);

  // A move interrupted and then reverted: the caller moves the thread back instead of retrying.
  moveSteps = 0;
  failAt = 3;
  await assert.rejects(() => memory.updateThreadResourceId({ threadId: "big", resourceId: "carol" }));
  assert.equal((await memory.getThreadById({ threadId: "big" }))!.resourceId, "bob");
  failAt = -1;
  const back = await memory.updateThreadResourceId({ threadId: "big", resourceId: "bob" });
  assert.equal(back.resourceId, "bob");
  assert.deepEqual(await actualByResource(backend), { bob: COUNT });
  assert.equal((await counters(backend)).bigBob, COUNT);
  const pending = await backend.run(async (ctx: MutationCtx) => (await ctx.db.query("thread_moves").collect()).length);
  assert.equal(pending, 0, "no move is left recorded");

  // Without an interrupted move, a call for the thread's own resource is a no-op (as core specifies),
  // even when some of its messages belong to someone else.
  await memory.saveMessages({
    messages: [{
      id: "stray",
      threadId: "big",
      resourceId: "dave",
      role: "user",
      createdAt: new Date(9),
      content: { format: 2, parts: [{ type: "text", text: "stray" }] },
    }] as never,
  });
  const current = await memory.getThreadById({ threadId: "big" });
  assert.deepEqual(await memory.updateThreadResourceId({ threadId: "big", resourceId: "bob" }), current);
  assert.equal((await actualByResource(backend)).dave, 1);
});
