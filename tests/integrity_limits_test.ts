/**
 * Integrity class 8: limits are counted in UTF-8 bytes, as Convex counts
 * them, and every update path falls back (or refuses clearly, before
 * writing) when the values involved do not fit one transaction.
 */
import assert from "node:assert/strict";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import { createTestStorage } from "./helpers/backend.ts";
import { approximateSize, utf8Length } from "../convex/kit/walk.ts";
import { assertFitsDocument } from "../convex/kit/limits.ts";

const at = new Date(1_700_000_000_000);
const thread = (id: string, extra: Partial<StorageThreadType> = {}): StorageThreadType => ({
  id,
  resourceId: "r1",
  title: "T",
  createdAt: at,
  updatedAt: at,
  ...extra,
});

Deno.test("integrity 8: document sizes are UTF-8 bytes", () => {
  const euro = "€".repeat(400_000);
  assert.equal(utf8Length(euro), 1_200_000);
  assert.equal(utf8Length("a\u00e9\u{1d11e}\ud800"), 1 + 2 + 4 + 3, "lone surrogates count 3 bytes, like Convex");
  assert.ok(approximateSize({ title: euro }) >= 1_200_000);
  assert.throws(() => assertFitsDocument("thread t", { title: euro }), /1200\d+ bytes/);
  assertFitsDocument("thread t", { title: "a".repeat(900_000) });
});

Deno.test("integrity 8: a 1.2 MB title of 400,000 '€' is refused clearly before anything is written", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const error = await memory.saveThread({ thread: thread("t", { title: "€".repeat(400_000) }) }).catch((e) => e);
  assert.ok(error instanceof MastraError, String(error));
  assert.equal(error.category, ErrorCategory.USER);
  assert.match(error.message, /bytes/);
  assert.equal(await memory.getThreadById({ threadId: "t" }), null);
  await memory.saveThread({ thread: thread("t") });
  const renamed = await memory.updateThread({ id: "t", title: "€".repeat(400_000), metadata: {} }).catch((e) => e);
  assert.ok(renamed instanceof MastraError && /bytes/.test(renamed.message), String(renamed));
  assert.equal((await memory.getThreadById({ threadId: "t" }))!.title, "T");
  const threads = await backend.run((ctx) => ctx.db.query("threads").collect());
  assert.equal(threads.length, 1);
});

Deno.test("integrity 8: a thread whose metadata is 6 M '€' (18 MB) can still be renamed and merged into", async () => {
  const { storage } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const metadata = { big: "€".repeat(6_000_000), keep: 1 };
  await memory.saveThread({ thread: thread("t", { metadata }) });
  const renamed = await memory.updateThread({ id: "t", title: "renamed", metadata: { extra: true } });
  assert.equal(renamed.title, "renamed");
  assert.deepStrictEqual(renamed.metadata, { ...metadata, extra: true });
  const back = await memory.getThreadById({ threadId: "t" });
  assert.equal(back!.title, "renamed");
  assert.deepStrictEqual(back!.metadata, { ...metadata, extra: true });
});

Deno.test("integrity 8: a message whose content is 6 M '€' (18 MB) can be updated", async () => {
  const { storage } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({ thread: thread("t") });
  const message: MastraDBMessage = {
    id: "m",
    threadId: "t",
    resourceId: "r1",
    role: "user",
    createdAt: at,
    content: { format: 2, parts: [{ type: "text", text: "€".repeat(6_000_000) }], metadata: { a: 1 } },
  };
  await memory.saveMessages({ messages: [message] });
  const [updated] = await memory.updateMessages({
    messages: [{ id: "m", content: { metadata: { b: 2 } } as never }],
  });
  assert.deepStrictEqual(updated.content.metadata, { a: 1, b: 2 });
  assert.equal((updated.content.parts[0] as { text: string }).text.length, 6_000_000);
  const { messages } = await memory.listMessagesById({ messageIds: ["m"] });
  assert.deepStrictEqual(messages[0].content.metadata, { a: 1, b: 2 });
});
