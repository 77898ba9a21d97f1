/**
 * Semantic recall end to end: `@mastra/memory`'s `Memory` with ConvexStorage
 * and ConvexVector on the same in-process deployment and a deterministic
 * local embedder (words hashed into a fixed-dimension vector; no network).
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import { Memory } from "@mastra/memory";
import { createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";

const DIM = 256;

function hash(text: string, seed: number): number {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

const STOP = new Set(["the", "a", "an", "is", "my", "i", "what", "was", "of", "to", "and", "in", "do", "you", "it"]);

/** Bag of words hashed into DIM dimensions, unit length: texts sharing words are close. */
function embed(text: string): number[] {
  const v = new Array<number>(DIM).fill(0);
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  for (const word of words) {
    if (STOP.has(word)) continue;
    const stem = word.replace(/s$/, "");
    v[hash(stem, 1) % DIM] += hash(stem, 2) % 2 === 0 ? 1 : -1;
  }
  v[DIM - 1] += 0.01; // never all zeros
  const n = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / n);
}

/** A deterministic embedding model in AI SDK v2's shape, as Memory expects. */
const embedder = {
  specificationVersion: "v2" as const,
  provider: "local-hash",
  modelId: "bag-of-words",
  maxEmbeddingsPerCall: 100,
  supportsParallelCalls: true,
  doEmbed: ({ values }: { values: string[] }) => Promise.resolve({ embeddings: values.map(embed) }),
};

function message(id: string, threadId: string, role: "user" | "assistant", at: number, text: string): MastraDBMessage {
  return {
    id,
    role,
    threadId,
    resourceId: "user-1",
    createdAt: new Date(Date.UTC(2026, 0, 1, 12, 0, at)),
    content: { format: 2, parts: [{ type: "text", text }] },
  } as MastraDBMessage;
}

Deno.test("Memory semantic recall over ConvexVector finds messages by meaning across a resource's threads", async () => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const vector = new ConvexVector({ client: inProcessClient(backend) });
  type MemoryOptions = NonNullable<ConstructorParameters<typeof Memory>[0]>;
  const memory = new Memory({
    storage: storage as unknown as MemoryOptions["storage"],
    vector: vector as unknown as MemoryOptions["vector"],
    embedder: embedder as unknown as MemoryOptions["embedder"],
    options: { lastMessages: 2, semanticRecall: { topK: 2, messageRange: 1, scope: "resource" } },
  });
  for (const id of ["pets", "travel", "other-user"]) {
    await memory.saveThread({
      thread: {
        id,
        resourceId: id === "other-user" ? "user-2" : "user-1",
        title: id,
        createdAt: new Date(Date.UTC(2026, 0, 1)),
        updatedAt: new Date(Date.UTC(2026, 0, 1)),
      },
    });
  }
  await memory.saveMessages({
    messages: [
      message("p1", "pets", "user", 1, "I adopted a dog last spring."),
      message("p2", "pets", "assistant", 2, "Congratulations! What is the dog called?"),
      message("p3", "pets", "user", 3, "My dog is called Biscuit and loves long walks on the beach."),
      message("p4", "pets", "assistant", 4, "Biscuit sounds like a happy dog."),
      message("p5", "pets", "user", 5, "Also I bake sourdough bread every weekend."),
    ],
  });
  await memory.saveMessages({
    messages: [
      message("t1", "travel", "user", 1, "Plan a trip to Lisbon in May."),
      message("t2", "travel", "assistant", 2, "Lisbon in May is warm; pack light clothes."),
      message("t3", "travel", "user", 3, "Book a hotel near the river."),
    ],
  });
  const other = { ...message("o1", "other-user", "user", 1, "My dog Rex chases cats."), resourceId: "user-2" };
  await memory.saveMessages({ messages: [other] });

  const indexes = await vector.listIndexes();
  assert.equal(indexes.length, 1, JSON.stringify(indexes));
  const stats = await vector.describeIndex({ indexName: indexes[0] });
  assert.equal(stats.dimension, DIM);
  assert.equal(stats.count, 9);

  // From the travel thread, ask about the dog: semantic recall finds the pets thread's message.
  const recalled = await memory.recall({
    threadId: "travel",
    resourceId: "user-1",
    vectorSearchString: "What was the name of my dog, the one who loves walks?",
  });
  const ids = recalled.messages.map((m) => m.id);
  assert.ok(ids.includes("p3"), `recalled ${ids}`);
  // messageRange 1 brings the neighbours of the hit, resolved through listMessages' include.
  assert.ok(ids.includes("p2") && ids.includes("p4"), `recalled ${ids}`);
  // The other user's dog is never recalled (resource_id pushed down into the vector search).
  assert.ok(!ids.includes("o1"), `recalled ${ids}`);
  // The last messages of the current thread come too.
  assert.ok(ids.includes("t2") && ids.includes("t3"), `recalled ${ids}`);
  assert.equal(vector.lastQueryStats?.pushdown, "f0");
  assert.equal(vector.lastQueryStats?.searches, 1);

  // Deleting a thread removes its vectors (Memory filters on thread_id: an index-backed delete).
  await memory.deleteThread("pets");
  await memory.settled(); // Memory deletes a thread's vectors in the background
  assert.equal((await vector.describeIndex({ indexName: indexes[0] })).count, 4);
  const after = await memory.recall({ threadId: "travel", resourceId: "user-1", vectorSearchString: "my dog Biscuit" });
  assert.ok(!after.messages.some((m) => m.threadId === "pets"));
});
