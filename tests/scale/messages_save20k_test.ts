/**
 * `saveMessages` of 20,000 messages in one call on the in-process backend
 * with Convex's transaction limits on: the client splits the call into
 * batches within Convex's limits, and a retried batch neither loses nor
 * duplicates a message.
 *
 * This file is slow (minutes) only because convex-test answers every index
 * lookup by scanning the whole table (each upsert looks its id up); on
 * Convex each lookup is one index seek. It runs in parallel with the rest.
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { MemoryStorage } from "@mastra/core/storage";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const COUNT = 20_000;

Deno.test("messages scale: saveMessages of 20,000 messages in one call", async () => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))! as MemoryStorage;
  await memory.saveThread({
    thread: { id: "t", resourceId: "r", createdAt: new Date(1), updatedAt: new Date(1) },
  });
  const messages = Array.from({ length: COUNT }, (_, i) => ({
    id: `m${String(i).padStart(5, "0")}`,
    threadId: "t",
    resourceId: "r",
    role: "user",
    createdAt: new Date(1000 + i),
    content: { format: 2, parts: [{ type: "text", text: `message ${i}` }] },
  })) as unknown as MastraDBMessage[];
  const batches: number[] = [];
  const transport = storage.transport as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const mutation = transport.mutation;
  let failNext = true;
  transport.mutation = async (...args: unknown[]) => {
    if (args[0] === "memory/messages:save") batches.push((args[1] as { messages: unknown[] }).messages.length);
    const result = await mutation.apply(storage.transport, args);
    // Simulate a lost response after the 5th batch committed: the caller retries the whole piece.
    if (args[0] === "memory/messages:save" && batches.length === 5 && failNext) {
      failNext = false;
      return await mutation.apply(storage.transport, args);
    }
    return result;
  };
  const { result, usage } = await measure(() => memory.saveMessages({ messages }));
  transport.mutation = mutation;
  assert.equal(result.messages.length, COUNT);

  const count = await backend.run(async (ctx) => (await ctx.db.query("messages").collect()).length);
  assert.equal(count, COUNT, "nothing lost, nothing duplicated");
  const list = await memory.listMessages({ threadId: "t", resourceId: "r", perPage: false });
  assert.equal(list.total, COUNT);
  assert.deepEqual(list.messages.map((m) => m.id), messages.map((m) => m.id));
  assert.equal((await memory.listMessagesByResourceId({ resourceId: "r", perPage: 1 })).total, COUNT);
  console.log("saveMessages of 20,000:", {
    calls: batches.length,
    largestBatch: Math.max(...batches),
    documentsWritten: usage.documentsWritten,
  });
  assert.ok(Math.max(...batches) <= 400);
});
