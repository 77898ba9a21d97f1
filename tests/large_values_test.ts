/**
 * Values larger than one Convex document (1 MiB) are stored in pieces and
 * read back byte-identical; half-written values are never visible and are
 * cleaned up.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { createTestStorage } from "./helpers/backend.ts";
import { sweepLater } from "./helpers/blobs.ts";
import { loadLarge, storeLarge } from "../src/kit/largeValues.ts";
import { encodeValue } from "../convex/kit/codec.ts";
import { utf8Length } from "../convex/kit/blobs.ts";

/** A string with ASCII, 2-, 3- and 4-byte UTF-8 characters, `size` characters long. */
function mixedText(size: number): string {
  const unit = "abcé€𝄞 ключ $schema _id\n";
  return unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
}

async function countRows(backend: ReturnType<typeof createTestStorage>["backend"], table: string): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx) => (await ctx.db.query(table as any).collect()).length);
}

Deno.test("a 64 MB value round-trips exactly through chunked storage", async () => {
  const { storage, backend } = createTestStorage();
  // deno-lint-ignore no-explicit-any
  const ctx = { transport: storage.transport, now: Date.now } as any;
  const encoded = encodeValue({ snapshot: mixedText(46 * 1024 * 1024) });
  const bytes = utf8Length(encoded);
  assert.ok(bytes >= 64 * 1024 * 1024, `${bytes} bytes`);
  const ref = await storeLarge(ctx, encoded, "test");
  assert.match(ref, /^~blob:/);
  // The pending blob is not readable until a row adopts it.
  await assert.rejects(() => loadLarge(ctx, ref, "test"), MastraError);
  await backend.run(async (c) => {
    const blob = await c.db.query("blobs").first();
    await c.db.patch(blob!._id, { state: "committed" });
  });
  const back = await loadLarge(ctx, ref, "test");
  assert.equal(back.length, encoded.length);
  assert.ok(back === encoded, "byte-identical");
  const head = await backend.run((c) => c.db.query("blobs").first());
  console.log(`64 MB value: ${bytes} UTF-8 bytes, ${encoded.length} characters, in ${head!.chunkCount} chunks`);
});

Deno.test("thread metadata and working memory of several MB round-trip, update and clean up", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const now = new Date(1_700_000_000_000);
  const metadata = { $schema: "x", big: mixedText(3_000_000), nested: { at: new Date(5) } };
  await memory.saveThread({ thread: { id: "t1", resourceId: "r1", metadata, createdAt: now, updatedAt: now } });
  assert.deepStrictEqual((await memory.getThreadById({ threadId: "t1" }))!.metadata, metadata);
  const listed = await memory.listThreads({ filter: { resourceId: "r1", metadata: { $schema: "x" } } }).catch((e) => e);
  assert.ok(listed instanceof MastraError, "unsafe filter keys are refused like core does");
  const { threads } = await memory.listThreads({ filter: { resourceId: "r1" } });
  assert.deepStrictEqual(threads[0].metadata, metadata);

  // Merging into large metadata happens atomically inside Convex.
  const updated = await memory.updateThread({ id: "t1", metadata: { extra: 1 } });
  assert.deepStrictEqual(updated.metadata, { ...metadata, extra: 1 });
  assert.deepStrictEqual((await memory.getThreadById({ threadId: "t1" }))!.metadata, { ...metadata, extra: 1 });

  const workingMemory = mixedText(5_000_000);
  await memory.updateResource({ resourceId: "r1", workingMemory, metadata: { big: mixedText(400_000) } });
  const resource = (await memory.getResourceById({ resourceId: "r1" }))!;
  assert.ok(resource.workingMemory === workingMemory);
  await memory.updateResource({ resourceId: "r1", workingMemory: "small now" });
  assert.equal((await memory.getResourceById({ resourceId: "r1" }))!.workingMemory, "small now");

  await memory.deleteThread({ threadId: "t1" });
  await memory.saveResource({ resource: { id: "r1", createdAt: now, updatedAt: now } });
  assert.equal(await countRows(backend, "blob_chunks"), 0, "released values are swept");
  assert.equal(await countRows(backend, "blobs"), 0);
});

Deno.test("a row never refers to a half-uploaded value; abandoned uploads are swept", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const now = Date.now();
  // Upload 1 of 3 chunks, then try to save a thread that refers to the blob.
  await storage.transport.mutation("system/blobs:putChunks", {
    blobId: "b1",
    chunkCount: 3,
    length: 10,
    chunks: [{ index: 0, data: "abc" }],
  }, { operation: "test", idempotent: true });
  await assert.rejects(
    () =>
      storage.transport.mutation("memory/threads:save", {
        thread: { id: "t1", resourceId: "r1", metadata: "~blob:b1", createdAt: now, updatedAt: now },
      }, { operation: "saveThread" }),
    (e: unknown) => e instanceof MastraError && /incomplete: 1 of 3 chunks/.test(e.message),
  );
  assert.equal(await memory.getThreadById({ threadId: "t1" }), null);
  // A retried upload of the same chunk does not duplicate it.
  await storage.transport.mutation("system/blobs:putChunks", {
    blobId: "b1",
    chunkCount: 3,
    length: 10,
    chunks: [{ index: 0, data: "abc" }, { index: 1, data: "def" }],
  }, { operation: "test", idempotent: true });
  assert.equal(await countRows(backend, "blob_chunks"), 2);
  // An hour later the abandoned upload is garbage.
  await sweepLater(storage, backend);
  assert.equal(await countRows(backend, "blob_chunks"), 0);
  assert.equal(await countRows(backend, "blobs"), 0);
});
