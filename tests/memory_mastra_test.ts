/**
 * Mastra-level check: `@mastra/memory`'s `Memory` over `ConvexStorage`
 * saves a conversation (text, a tool call with its result, an attachment)
 * and recalls it, with no LLM involved.
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import { Memory } from "@mastra/memory";
import { createTestStorage } from "./helpers/backend.ts";

function message(
  id: string,
  role: "user" | "assistant",
  at: number,
  parts: unknown[],
  extra: Record<string, unknown> = {},
): MastraDBMessage {
  return {
    id,
    role,
    threadId: "conv-1",
    resourceId: "user-1",
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, at)),
    content: { format: 2, parts, ...extra },
  } as MastraDBMessage;
}

Deno.test("Memory over ConvexStorage saves a conversation and recalls it", async () => {
  const { storage } = createTestStorage();
  await storage.init();
  // @mastra/memory may resolve its own copy of @mastra/core's types; the runtime contract is the same.
  type MemoryStorageOption = NonNullable<ConstructorParameters<typeof Memory>[0]>["storage"];
  const memory = new Memory({ storage: storage as unknown as MemoryStorageOption, options: { lastMessages: 10 } });

  const thread = await memory.saveThread({
    thread: {
      id: "conv-1",
      resourceId: "user-1",
      title: "Weather",
      metadata: { topic: "weather" },
      createdAt: new Date(Date.UTC(2026, 0, 1)),
      updatedAt: new Date(Date.UTC(2026, 0, 1)),
    },
  });
  assert.equal(thread.id, "conv-1");

  const conversation = [
    message("u1", "user", 1, [{ type: "text", text: "What's the weather in Paris?" }]),
    message("a1", "assistant", 2, [
      {
        type: "tool-invocation",
        toolInvocation: {
          state: "result",
          toolCallId: "call-1",
          toolName: "weather",
          args: { city: "Paris", $schema: "https://json-schema.org/draft/2020-12/schema" },
          result: { temperature: 21, unit: "C" },
        },
      },
      { type: "text", text: "It is 21°C in Paris." },
    ]),
    message("u2", "user", 3, [
      { type: "text", text: "And this picture?" },
      {
        type: "file",
        mimeType: "image/png",
        data: "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwABBAEAwS2OUAAAAABJRU5ErkJggg==",
      },
    ], { metadata: { client: "web" } }),
    message("a2", "assistant", 4, [{ type: "text", text: "A single transparent pixel." }]),
  ];
  const saved = await memory.saveMessages({ messages: conversation });
  assert.equal(saved.messages.length, 4);

  const recalled = await memory.recall({ threadId: "conv-1", resourceId: "user-1" });
  assert.deepEqual(recalled.messages.map((m) => m.id), ["u1", "a1", "u2", "a2"]);
  assert.equal(recalled.total, 4);
  const stored = new Map(recalled.messages.map((m) => [m.id, m]));
  assert.deepEqual(stored.get("a1")!.content.parts, conversation[1].content.parts);
  assert.deepEqual(stored.get("u2")!.content.parts, conversation[2].content.parts);
  assert.deepEqual(stored.get("u2")!.content.metadata, { client: "web" });
  assert.equal(stored.get("u1")!.createdAt.getTime(), conversation[0].createdAt.getTime());

  // The last two messages only, newest kept last, as an agent turn reads them.
  const lastTwo = await memory.recall({ threadId: "conv-1", resourceId: "user-1", perPage: 2 });
  assert.deepEqual(lastTwo.messages.map((m) => m.id), ["u2", "a2"]);
  assert.equal(lastTwo.hasMore, true);

  // The thread was touched by the save, and lists under its resource.
  const threads = await memory.listThreads({ filter: { resourceId: "user-1" } });
  assert.deepEqual(threads.threads.map((t) => t.id), ["conv-1"]);
  assert.ok(threads.threads[0].updatedAt.getTime() > Date.UTC(2026, 0, 1));

  // Clone, then delete the original: the copy stays whole.
  const clone = await memory.cloneThread({ sourceThreadId: "conv-1", newThreadId: "conv-2" });
  assert.equal(clone.clonedMessages.length, 4);
  await memory.deleteThread("conv-1");
  assert.equal(await memory.getThreadById({ threadId: "conv-1" }), null);
  const copy = await memory.recall({ threadId: "conv-2", resourceId: "user-1" });
  assert.deepEqual(copy.messages.map((m) => m.content.parts), conversation.map((m) => m.content.parts));
});
