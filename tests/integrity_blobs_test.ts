/**
 * Integrity of large values (blob references):
 *
 * - class 1: data is never mistaken for a reference (only large-value
 *   fields are read as references, and a blob can only be released by the
 *   row that owns it);
 * - class 6: every age decision uses the server's clock, and a writer whose
 *   upload was reclaimed succeeds by retrying;
 * - class 5: abandoned uploads are reclaimed by the deployment itself.
 */
import assert from "node:assert/strict";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike, FunctionPath } from "../src/transport.ts";
import { ABANDONED_AFTER_MS, RECLAIM_MARGIN_MS } from "../convex/kit/blobs.ts";
import { FakeClock } from "./helpers/fakeClock.ts";

const at = new Date(1_700_000_000_000);
import type { StorageThreadType } from "@mastra/core/memory";
const thread = (id: string, extra: Record<string, unknown> = {}): StorageThreadType => ({
  id,
  resourceId: "r1",
  title: "T",
  createdAt: at,
  updatedAt: at,
  ...extra,
});
/** Metadata large enough (> 256 KiB encoded) to be stored as a blob. */
const bigMetadata = (tag: string) => ({ tag, text: `${tag}:`.padEnd(400_000, "x") });

type Hook = (path: FunctionPath, args: Record<string, unknown>) => Promise<void> | void;

/** A storage on `backend` whose mutations first run `hook` (to interleave other work or inject faults). */
function storageWith(backend: Backend, hook: Hook, now?: () => number): ConvexStorage {
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    mutation: async (path, args, options) => {
      await hook(path, args);
      return await inner.mutation(path, args, options);
    },
  };
  return new ConvexStorage({ client, ...(now ? { now } : {}) });
}

// deno-lint-ignore no-explicit-any
async function rows(backend: Backend, table: string): Promise<any[]> {
  // deno-lint-ignore no-explicit-any
  return await backend.run((ctx: any) => ctx.db.query(table).collect());
}

async function memoryOf(storage: ConvexStorage) {
  return (await storage.getStore("memory"))!;
}

// ---------------------------------------------------------------- class 1

Deno.test("integrity 1: reference-shaped strings in ordinary fields are data and round-trip", async () => {
  const backend = createBackend();
  const memory = await memoryOf(new ConvexStorage({ client: inProcessClient(backend) }));
  const honest = thread("~blob:id", { resourceId: "~blob:r", title: "~blob:hello", metadata: { ref: "~blob:x" } });
  await memory.saveThread({ thread: honest });
  assert.deepStrictEqual(await memory.getThreadById({ threadId: "~blob:id" }), honest);
  const renamed = await memory.updateThread({ id: "~blob:id", title: "~blob:other", metadata: { "~blob:k": 1 } });
  assert.equal(renamed.title, "~blob:other");
  const { threads } = await memory.listThreads({ filter: { resourceId: "~blob:r" } });
  assert.equal(threads[0].title, "~blob:other");
  assert.deepStrictEqual(threads[0].metadata, { ref: "~blob:x", "~blob:k": 1 });
  await memory.saveResource({
    resource: { id: "~blob:res", workingMemory: "~blob:wm", metadata: { a: "~blob:m" }, createdAt: at, updatedAt: at },
  });
  const resource = await memory.getResourceById({ resourceId: "~blob:res" });
  assert.equal(resource!.workingMemory, "~blob:wm");
  assert.deepStrictEqual(resource!.metadata, { a: "~blob:m" });
});

Deno.test("integrity 1: a thread titled with another thread's reference never releases that thread's value", async () => {
  const backend = createBackend();
  const memory = await memoryOf(new ConvexStorage({ client: inProcessClient(backend) }));
  const victim = thread("victim", { metadata: bigMetadata("victim") });
  await memory.saveThread({ thread: victim });
  const [stored] = (await rows(backend, "threads")).filter((row) => row.id === "victim");
  const ref: string = stored.metadata;
  assert.match(ref, /^~blob:/);
  // The attacker's title (and resourceId) is the victim's exact reference.
  await memory.saveThread({ thread: thread("attacker", { title: ref, resourceId: ref }) });
  await memory.updateThread({ id: "attacker", title: "renamed", metadata: {} });
  await memory.saveThread({ thread: thread("attacker", { title: ref }) });
  await memory.deleteThread({ threadId: "attacker" });
  assert.deepStrictEqual((await memory.getThreadById({ threadId: "victim" }))!.metadata, victim.metadata);
  const blobs = await rows(backend, "blobs");
  assert.deepEqual(blobs.map((blob) => [blob.state, blob.owner]), [["committed", "threads:victim"]]);
});

Deno.test("integrity 1: a forged reference in a large-value field can neither adopt nor release another row's blob", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const memory = await memoryOf(storage);
  const victim = thread("victim", { metadata: bigMetadata("victim") });
  await memory.saveThread({ thread: victim });
  const ref: string = (await rows(backend, "threads"))[0].metadata;
  const now = at.getTime();
  // A raw call (bypassing the client's codec) that puts the victim's reference in another row's metadata.
  await assert.rejects(
    () =>
      storage.transport.mutation("memory/threads:save", {
        thread: { id: "thief", resourceId: "r1", metadata: ref, createdAt: now, updatedAt: now },
      }, { operation: "test" }),
    (e: unknown) => e instanceof MastraError && /belongs to another row/.test(e.message),
  );
  // Releasing it through other paths is ignored: uploads, a lost workflow commit, a clear of another table.
  await storage.transport.mutation("memory/messages:releaseUploads", { refs: [ref] }, { operation: "test" });
  await storage.transport.mutation("workflows/runs:persist", {
    workflowName: "wf",
    runId: "run",
    snapshot: '{"status":"running","context":{}}',
    now,
  }, { operation: "test" });
  await storage.transport.mutation("workflows/runs:commitSnapshot", {
    workflowName: "wf",
    runId: "run",
    expected: "not-current",
    snapshot: ref,
    derived: {},
    now,
  }, { operation: "test" });
  for (const table of ["messages", "resources", "scores", "evals", "traces", "workflow_snapshots"]) {
    await storage.transport.mutation("system/info:clearTable", { table }, { operation: "test" });
  }
  assert.deepStrictEqual((await memory.getThreadById({ threadId: "victim" }))!.metadata, victim.metadata);
  assert.equal((await rows(backend, "blobs"))[0].state, "committed");
});

// ---------------------------------------------------------------- class 6

Deno.test("integrity 6: an instance whose clock runs 2 h ahead cannot reclaim another writer's upload in flight", async () => {
  const backend = createBackend();
  const skewed = await memoryOf(
    new ConvexStorage({ client: inProcessClient(backend), now: () => Date.now() + 2 * 3600_000 }),
  );
  let interleaved = false;
  const writer = await memoryOf(storageWith(backend, async (path) => {
    if (path === "memory/threads:save" && !interleaved) {
      interleaved = true;
      // Between the upload and the write that adopts it, the skewed instance deletes a thread (which sweeps).
      await skewed.saveThread({ thread: thread("other") });
      await skewed.deleteThread({ threadId: "other" });
    }
  }));
  const saved = thread("t", { metadata: bigMetadata("t") });
  await writer.saveThread({ thread: saved });
  assert.ok(interleaved);
  assert.deepStrictEqual((await writer.getThreadById({ threadId: "t" }))!.metadata, saved.metadata);
});

Deno.test("integrity 6: a writer whose upload was reclaimed gets it uploaded again and succeeds", async () => {
  const backend = createBackend();
  const reclaim = async () => {
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) => {
      for (const blob of await ctx.db.query("blobs").collect()) {
        if (blob.state !== "pending") continue;
        for (const chunk of await ctx.db.query("blob_chunks").collect()) await ctx.db.delete(chunk._id);
        await ctx.db.delete(blob._id);
      }
    });
  };
  let reclaims = 0;
  const memory = await memoryOf(storageWith(backend, async (path) => {
    if (path === "memory/threads:save" && reclaims === 0) {
      reclaims++;
      await reclaim();
    }
  }));
  const saved = thread("t", { metadata: bigMetadata("t") });
  await memory.saveThread({ thread: saved });
  assert.equal(reclaims, 1);
  assert.deepStrictEqual((await memory.getThreadById({ threadId: "t" }))!.metadata, saved.metadata);

  // Reclaimed on every attempt: a retryable (SYSTEM) error that says so, never a USER error; nothing written.
  const always = await memoryOf(storageWith(backend, async (path) => {
    if (path === "memory/threads:save") await reclaim();
  }));
  const error = await always.saveThread({ thread: thread("u", { metadata: bigMetadata("u") }) }).catch((e) => e);
  assert.ok(error instanceof MastraError, String(error));
  assert.equal(error.category, ErrorCategory.SYSTEM);
  assert.match(error.message, /reclaimed.*retry/);
  assert.equal(await always.getThreadById({ threadId: "u" }), null);
});

// ---------------------------------------------------------------- class 5

Deno.test("integrity 5: abandoned uploads are reclaimed by the deployment itself, in bounded steps", async () => {
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    let failWrites = true;
    const memory = await memoryOf(storageWith(backend, (path) => {
      if (failWrites && path === "memory/threads:save") {
        throw new Error("the write that should adopt the upload failed");
      }
    }));
    await assert.rejects(() => memory.saveThread({ thread: thread("lost", { metadata: bigMetadata("lost") }) }));
    // An upload whose writer vanished, larger than one reclaim step deletes (10 chunks of 900 KB).
    const storage = new ConvexStorage({ client: inProcessClient(backend) });
    for (let index = 0; index < 10; index++) {
      await storage.transport.mutation("system/blobs:putChunks", {
        blobId: "many",
        chunkCount: 12,
        length: 12 * 900_000,
        chunks: [{ index, data: "€".repeat(300_000) }],
      }, { operation: "test", idempotent: true });
    }
    failWrites = false;
    const kept = thread("kept", { metadata: bigMetadata("kept") });
    await memory.saveThread({ thread: kept });
    assert.equal((await rows(backend, "blobs")).filter((blob) => blob.state === "pending").length, 2);

    // Nothing happens before the reclaim window has passed...
    clock.advance(ABANDONED_AFTER_MS / 2);
    clock.runDue();
    await backend.finishInProgressScheduledFunctions();
    assert.equal((await rows(backend, "blobs")).length, 3);
    // ...and after it, with no client call at all, the deployment deletes them.
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    const blobs = await rows(backend, "blobs");
    assert.deepEqual(blobs.map((blob) => [blob.state, blob.owner]), [["committed", "threads:kept"]]);
    const chunks = await rows(backend, "blob_chunks");
    assert.ok(chunks.every((chunk) => chunk.blobId === blobs[0].blobId), "no orphan chunks");
    assert.deepStrictEqual((await memory.getThreadById({ threadId: "kept" }))!.metadata, kept.metadata);
  } finally {
    clock.restore();
  }
});

Deno.test("integrity 5: an upload still in progress is not reclaimed; it is checked again later", async () => {
  const clock = new FakeClock();
  clock.install();
  try {
    const backend = createBackend();
    const storage = new ConvexStorage({ client: inProcessClient(backend) });
    const put = (index: number) =>
      storage.transport.mutation("system/blobs:putChunks", {
        blobId: "slow",
        chunkCount: 2,
        length: 2,
        chunks: [{ index, data: "{" }],
      }, { operation: "test", idempotent: true });
    await put(0);
    clock.advance(ABANDONED_AFTER_MS - 60_000);
    await put(1); // touched just before the first check is due
    clock.advance(RECLAIM_MARGIN_MS + 120_000);
    clock.runDue();
    await backend.finishInProgressScheduledFunctions();
    assert.equal((await rows(backend, "blobs"))[0].state, "pending", "recently touched: kept");
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    assert.equal((await rows(backend, "blobs")).length, 0, "abandoned in the end: reclaimed");
  } finally {
    clock.restore();
  }
});
