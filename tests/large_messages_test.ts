/**
 * Messages of any size: content over one Convex document (base64
 * attachments) is stored in chunks and comes back byte-identical through
 * every read, copy, update and delete; half-written values are never
 * visible and are swept.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MastraDBMessage } from "@mastra/core/memory";
import { InMemoryStore } from "@mastra/core/storage";
import { createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { sweepLater } from "./helpers/blobs.ts";
import { measure } from "./helpers/metrics.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";

/** Deterministic pseudo-random base64 of `bytes` bytes. */
function base64Of(bytes: number, seed = 1): string {
  const data = new Uint8Array(bytes);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  let binary = "";
  for (let i = 0; i < data.length; i += 0x8000) binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(binary);
}

function bigMessage(id: string, threadId: string, t: number, attachment: string): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId: "r1",
    role: "user",
    type: "text",
    createdAt: new Date(t),
    content: {
      format: 2,
      parts: [
        { type: "text", text: "see attached ключ 𝄞" },
        { type: "file", data: attachment, mimeType: "application/octet-stream" },
      ],
      metadata: { k: id, $schema: "x" },
    },
  } as unknown as MastraDBMessage;
}

function smallMessage(id: string, threadId: string, t: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId: "r1",
    role: "assistant",
    type: "text",
    createdAt: new Date(t),
    content: { format: 2, parts: [{ type: "text", text: id }], metadata: { k: id } },
  } as MastraDBMessage;
}

function attachmentOf(message: MastraDBMessage | undefined): string {
  const parts = (message?.content as unknown as { parts: { type: string; data?: string }[] }).parts;
  return parts.find((part) => part.type === "file")!.data!;
}

// deno-lint-ignore no-explicit-any
async function countRows(backend: any, table: string, where?: (row: any) => boolean): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) =>
    (await ctx.db.query(table).collect()).filter(where ?? (() => true)).length
  );
}

const thread = (id: string) => ({ id, resourceId: "r1", title: "T", createdAt: new Date(1), updatedAt: new Date(1) });

Deno.test("a 10 MB message round-trips byte-identical through saves, lists, includes, copies and deletes", async () => {
  const started = performance.now();
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const reference = new InMemoryStore();
  const refMemory = (await reference.getStore("memory"))!;
  const attachment = base64Of(7_600_000);
  assert.ok(attachment.length >= 10_000_000, `${attachment.length} characters`);
  const messages = [
    smallMessage("a", "t1", 10),
    bigMessage("big", "t1", 20, attachment),
    smallMessage("c", "t1", 30),
  ];
  for (const m of [memory, refMemory]) {
    await m.saveThread({ thread: thread("t1") });
    await m.saveMessages({ messages });
  }
  assert.ok(await countRows(backend, "blob_chunks") > 30, "stored in chunks");

  const all = await memory.listMessages({ threadId: "t1" });
  assert.deepEqual(all, await refMemory.listMessages({ threadId: "t1" }));
  assert.ok(attachmentOf(all.messages[1]) === attachment, "byte-identical");
  const byId = await memory.listMessagesById({ messageIds: ["big", "a", "big"] });
  assert.deepEqual(byId, await refMemory.listMessagesById({ messageIds: ["big", "a", "big"] }));
  const byResource = await memory.listMessagesByResourceId({ resourceId: "r1", orderBy: { direction: "DESC" } });
  assert.deepEqual(
    byResource,
    await refMemory.listMessagesByResourceId({ resourceId: "r1", orderBy: { direction: "DESC" } }),
  );
  const include = { threadId: "t1", perPage: 0 as const, include: [{ id: "c", withPreviousMessages: 1 }] };
  assert.deepEqual(await memory.listMessages(include), await refMemory.listMessages(include));
  const filtered = { threadId: "t1", filter: { metadata: { k: "big" } } };
  assert.deepEqual(await memory.listMessages(filtered), await refMemory.listMessages(filtered));

  // A page that skips the large message reads none of its chunks.
  const { result: page, usage } = await measure(() => memory.listMessages({ threadId: "t1", perPage: 1, page: 2 }));
  assert.deepEqual(page.messages.map((m) => m.id), ["c"]);
  assert.ok(usage.bytesRead < 100_000, `read ${usage.bytesRead} bytes`);

  // Saving the same large message again replaces its blob; the old one is swept.
  await memory.saveMessages({ messages: [messages[1]] });
  assert.equal(await countRows(backend, "blobs"), 1);

  // A copy gets its own blob and survives the source thread.
  const clone = await memory.cloneThread({ sourceThreadId: "t1", newThreadId: "t2" });
  await refMemory.cloneThread({ sourceThreadId: "t1", newThreadId: "t2" });
  assert.equal(clone.clonedMessages.length, 3);
  assert.equal(await countRows(backend, "blobs"), 2);
  const picked = await memory.cloneThread({
    sourceThreadId: "t1",
    newThreadId: "t3",
    options: { messageFilter: { messageIds: ["big", "c"] } },
  });
  assert.equal(picked.clonedMessages.length, 2);
  assert.ok(attachmentOf(picked.clonedMessages[0]) === attachment);
  await memory.deleteMessages(["big"]);
  await refMemory.deleteMessages(["big"]);
  assert.equal(await countRows(backend, "blobs"), 2, "the source's blob is released and swept");
  await memory.deleteThread({ threadId: "t1" });
  await refMemory.deleteThread({ threadId: "t1" });
  const copied = await memory.listMessages({ threadId: "t2" });
  const copiedRef = await refMemory.listMessages({ threadId: "t2" });
  const withoutIds = (list: MastraDBMessage[]) => list.map(({ id: _id, ...rest }) => rest);
  assert.deepEqual(withoutIds(copied.messages), withoutIds(copiedRef.messages));
  assert.ok(attachmentOf(copied.messages[1]) === attachment, "the copy is intact after the source is gone");
  await memory.deleteThread({ threadId: "t2" });
  await memory.deleteThread({ threadId: "t3" });
  assert.equal(await countRows(backend, "messages"), 0);
  assert.equal(await countRows(backend, "blobs"), 0, "deleteThread releases and sweeps large contents");
  console.log(`10 MB message: ${attachment.length} characters; ${Math.round(performance.now() - started)} ms`);
});

Deno.test("updating large content merges inside Convex up to 12 MiB and with compare-and-set beyond", async () => {
  const started = performance.now();
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const reference = new InMemoryStore();
  const refMemory = (await reference.getStore("memory"))!;
  const ten = base64Of(7_600_000, 2);
  const fourteen = base64Of(10_600_000, 3);
  const messages = [
    bigMessage("m10", "t1", 10, ten),
    bigMessage("m14", "t1", 20, fourteen),
    smallMessage("s", "t1", 30),
  ];
  for (const m of [memory, refMemory]) {
    await m.saveThread({ thread: thread("t1") });
    await m.saveMessages({ messages });
  }
  const patch = [
    { id: "m10", content: { metadata: { extra: 1 } } },
    { id: "m14", content: { metadata: { extra: 2 } } },
    { id: "s", content: { metadata: { extra: 3 } }, role: "user" },
  ] as unknown as MastraDBMessage[];
  const updated = await memory.updateMessages({ messages: patch });
  const updatedRef = await refMemory.updateMessages({ messages: patch });
  assert.deepEqual(updated, updatedRef);
  // A large patch replaces small content; the patch's own upload is swept later.
  const bigPatch = [{ id: "s", content: { parts: [{ type: "file", data: ten }] } }] as unknown as MastraDBMessage[];
  assert.deepEqual(
    await memory.updateMessages({ messages: bigPatch }),
    await refMemory.updateMessages({ messages: bigPatch }),
  );
  assert.deepEqual(await memory.listMessages({ threadId: "t1" }), await refMemory.listMessages({ threadId: "t1" }));
  assert.equal(await countRows(backend, "blobs", (b) => b.state === "committed"), 3);
  assert.equal(await countRows(backend, "blobs"), 3, "uploaded patches are released and swept");

  // A patch larger than any transaction can read is merged on the client.
  const huge = base64Of(9_600_000, 4);
  const hugePatch = [{
    id: "s",
    content: { parts: [{ type: "file", data: huge }], metadata: { h: 1 } },
  }] as unknown as MastraDBMessage[];
  assert.deepEqual(
    await memory.updateMessages({ messages: hugePatch }),
    await refMemory.updateMessages({ messages: hugePatch }),
  );
  assert.equal(await countRows(backend, "blobs"), 3);

  // Concurrent client-side merges on the 14 MB message never lose an update.
  const parallel = Array.from({ length: 6 }, (_, i) => ({ id: "m14", content: { metadata: { [`p${i}`]: i } } }));
  await Promise.all(parallel.map((p) => memory.updateMessages({ messages: [p as unknown as MastraDBMessage] })));
  const [m14] = (await memory.listMessagesById({ messageIds: ["m14"] })).messages;
  assert.deepEqual((m14.content as { metadata: unknown }).metadata, {
    k: "m14",
    $schema: "x",
    extra: 2,
    p0: 0,
    p1: 1,
    p2: 2,
    p3: 3,
    p4: 4,
    p5: 5,
  });
  assert.ok(attachmentOf(m14) === fourteen);
  await memory.deleteThread({ threadId: "t1" });
  await sweepLater(storage, backend);
  assert.equal(await countRows(backend, "blobs", (b) => b.state !== "committed"), 0);
  console.log(`large updates: ${Math.round(performance.now() - started)} ms`);
});

Deno.test("a large message whose save failed after the upload is never visible and is swept", async () => {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let failSave = true;
  const client: ConvexClientLike = {
    ...inner,
    mutation: (ref, args, options) => {
      if (failSave && ref === "memory/messages:save") {
        return Promise.reject(new Error("deployment went away"));
      }
      return inner.mutation(ref, args, options);
    },
  };
  const storage = new ConvexStorage({ client });
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({ thread: thread("t1") });
  const message = bigMessage("big", "t1", 10, base64Of(1_000_000));
  await assert.rejects(() => memory.saveMessages({ messages: [message] }), MastraError);
  assert.equal(await countRows(backend, "blobs", (b) => b.state === "pending"), 1, "uploaded, not adopted");
  assert.deepEqual((await memory.listMessages({ threadId: "t1" })).messages, []);
  // A retried save uploads again and completes; the abandoned upload is swept an hour later.
  failSave = false;
  await memory.saveMessages({ messages: [message] });
  assert.ok(attachmentOf((await memory.listMessages({ threadId: "t1" })).messages[0]) === attachmentOf(message));
  await sweepLater(storage, backend);
  assert.equal(await countRows(backend, "blobs"), 1);
  assert.equal(await countRows(backend, "blobs", (b) => b.state === "committed"), 1);
});
