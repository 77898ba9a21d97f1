import assert from "node:assert/strict";
import { createTestStorage } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";
import type { MastraDBMessage } from "@mastra/core/memory";

function msg(id: string, threadId: string, t: number, text = id, resourceId = "r1"): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: "user",
    createdAt: new Date(t),
    content: { format: 2, parts: [{ type: "text", text }], metadata: { k: id } },
  } as MastraDBMessage;
}

Deno.test("messages: save, list, update, delete, clone", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({
    thread: { id: "t1", resourceId: "r1", title: "T", createdAt: new Date(1), updatedAt: new Date(1) },
  });
  await memory.saveMessages({ messages: [msg("a", "t1", 10), msg("b", "t1", 20), msg("c", "t1", 30)] });
  const all = await memory.listMessages({ threadId: "t1" });
  assert.deepEqual(all.messages.map((m) => m.id), ["a", "b", "c"]);
  assert.equal(all.total, 3);
  const { result, usage } = await measure(() =>
    memory.listMessages({ threadId: "t1", resourceId: "r1", perPage: 1, page: 2, orderBy: { direction: "DESC" } })
  );
  assert.deepEqual(result.messages.map((m) => m.id), ["a"]);
  console.log(usage);
  // upsert keeps createdAt
  await memory.saveMessages({ messages: [msg("a", "t1", 99, "new")] });
  const [a] = (await memory.listMessagesById({ messageIds: ["a"] })).messages;
  assert.equal(a.createdAt.getTime(), 10);
  const upd = await memory.updateMessages({
    messages: [{ id: "b", threadId: "t2", content: { metadata: { x: 1 } } as never }],
  });
  assert.equal(upd[0].threadId, "t2");
  assert.deepEqual((upd[0].content as { metadata: unknown }).metadata, { k: "b", x: 1 });
  assert.equal((await memory.listMessages({ threadId: "t1" })).total, 2);
  assert.equal((await memory.listMessages({ threadId: ["t1", "t2"] })).total, 3);
  const inc = await memory.listMessages({
    threadId: "t1",
    perPage: 0,
    include: [{ id: "b", withPreviousMessages: 1 }],
  });
  assert.deepEqual(inc.messages.map((m) => m.id), ["b"]);
  const clone = await memory.cloneThread({ sourceThreadId: "t1", newThreadId: "t3" });
  assert.equal(clone.clonedMessages.length, 2);
  console.log(clone.thread, clone.messageIdMap);
  await memory.deleteMessages(["a"]);
  assert.equal((await memory.listMessagesByResourceId({ resourceId: "r1" })).total, 4);
  await memory.deleteThread({ threadId: "t3" });
  assert.equal((await memory.listMessagesByResourceId({ resourceId: "r1" })).total, 2);
});

Deno.test("messages: a clone with metadata larger than one row keeps it whole", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({ thread: { id: "s", resourceId: "r", createdAt: new Date(1), updatedAt: new Date(1) } });
  await memory.saveMessages({ messages: [msg("a", "s", 10, "a", "r")] });
  const big = "x".repeat(600 * 1024);
  const { thread } = await memory.cloneThread({ sourceThreadId: "s", newThreadId: "c", metadata: { big } });
  assert.equal((thread.metadata as { big: string }).big, big);
  const stored = await memory.getThreadById({ threadId: "c" });
  assert.deepEqual(stored?.metadata, thread.metadata);
  assert.equal((stored?.metadata?.clone as { lastMessageId: string }).lastMessageId, "a");
});

Deno.test("messages: a batch with a null resourceId is refused whole, as InMemoryStore refuses it", async () => {
  const { InMemoryStore } = await import("@mastra/core/storage");
  const at = new Date(1_767_225_600_000);
  const thread = { id: "t-null", resourceId: "r1", title: "t", createdAt: at, updatedAt: at, metadata: {} };
  const batch = [
    {
      id: "ok-1",
      threadId: "t-null",
      resourceId: "r1",
      role: "user",
      createdAt: at,
      content: { format: 2, parts: [] },
    },
    { id: "bad", threadId: "t-null", resourceId: null, role: "user", createdAt: at, content: { format: 2, parts: [] } },
  ] as unknown as MastraDBMessage[];
  const { storage } = createTestStorage();
  for (const store of [new InMemoryStore(), storage]) {
    const memory = (await store.getStore("memory"))!;
    await memory.saveThread({ thread });
    await assert.rejects(memory.saveMessages({ messages: batch }));
    const { messages } = await memory.listMessages({ threadId: "t-null" });
    assert.deepEqual(messages, [], `${store.constructor.name} wrote nothing`);
  }
});
