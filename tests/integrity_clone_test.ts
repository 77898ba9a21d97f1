/**
 * Integrity class 4: `cloneThread` is resumable and safe to retry. An
 * interrupted clone is completed by retrying the same call (same
 * `newThreadId`); a start call whose answer was lost is retried by the
 * transport without making a second clone; a finished clone still
 * refuses a second clone into the same id, as core does.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type ConvexClientLike, type FunctionPath, TransientError } from "../src/transport.ts";

const at = (ms: number) => new Date(1_700_000_000_000 + ms);
const source: StorageThreadType = { id: "src", resourceId: "r1", title: "S", createdAt: at(0), updatedAt: at(0) };

function message(index: number, text: string): MastraDBMessage {
  return {
    id: `m${index}`,
    threadId: "src",
    resourceId: "r1",
    role: "user",
    createdAt: at(1000 + index),
    content: { format: 2, parts: [{ type: "text", text }] },
  };
}

type Fault = (path: FunctionPath, phase: "before" | "after") => void;

function storageWith(backend: Backend, fault: Fault): ConvexStorage {
  const inner = inProcessClient(backend);
  const client: ConvexClientLike = {
    ...inner,
    mutation: async (path, args, options) => {
      fault(path, "before");
      const result = await inner.mutation(path, args, options);
      fault(path, "after");
      return result;
    },
  };
  return new ConvexStorage({ client, retry: { attempts: 4, baseDelayMs: 1 } });
}

async function setup(backend: Backend): Promise<MastraDBMessage[]> {
  const memory = (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("memory"))!;
  await memory.saveThread({ thread: source });
  // A large message in the middle splits the copy into several calls.
  const messages = [
    message(0, "a"),
    message(1, "b"),
    message(2, "x".repeat(300_000)),
    message(3, "c"),
    message(4, "d"),
  ];
  await memory.saveMessages({ messages });
  return messages;
}

async function threadsIn(backend: Backend): Promise<string[]> {
  return (await backend.run((ctx) => ctx.db.query("threads").collect())).map((row) => row.id).sort();
}

Deno.test("integrity 4: an interrupted clone is completed by retrying the same call", async () => {
  const backend = createBackend();
  const messages = await setup(backend);
  let batches = 0;
  const memory = (await storageWith(backend, (path, phase) => {
    if (path === "memory/messages:copyBatch" && phase === "before" && ++batches === 2) {
      throw new Error("the process died in the middle of the copy");
    }
  }).getStore("memory"))!;
  await assert.rejects(() => memory.cloneThread({ sourceThreadId: "src", newThreadId: "copy" }));
  const retried = await memory.cloneThread({ sourceThreadId: "src", newThreadId: "copy" });
  assert.equal(retried.thread.id, "copy");
  assert.deepEqual(Object.keys(retried.messageIdMap ?? {}).sort(), messages.map((m) => m.id));
  const { messages: copied } = await memory.listMessages({ threadId: "copy", perPage: false });
  assert.deepEqual(copied.map((m) => m.content.parts), messages.map((m) => m.content.parts));
  const clone = (retried.thread.metadata as { clone: { lastMessageId: string; sourceThreadId: string } }).clone;
  assert.equal(clone.sourceThreadId, "src");
  assert.equal(clone.lastMessageId, "m4", "names the newest source message, which was copied");
  assert.deepEqual(await threadsIn(backend), ["copy", "src"]);
  // Complete now: a second clone into the same id is refused like core does.
  const again = await memory.cloneThread({ sourceThreadId: "src", newThreadId: "copy" }).catch((e) => e);
  assert.ok(again instanceof MastraError && /already exists/.test(again.message), String(again));
  assert.equal((await backend.run((ctx) => ctx.db.query("clone_progress").collect())).length, 0);
});

Deno.test("integrity 4: a lost answer of the start call is retried without making a second clone", async () => {
  const backend = createBackend();
  const messages = await setup(backend);
  let lost = 0;
  const memory = (await storageWith(backend, (path, phase) => {
    if (path === "memory/messages:copyStart" && phase === "after" && lost++ === 0) {
      throw new TransientError("request to Convex failed: connection reset (answer lost after commit)");
    }
  }).getStore("memory"))!;
  const result = await memory.cloneThread({ sourceThreadId: "src" });
  assert.equal(lost, 2, "the start call was sent twice");
  assert.deepEqual(await threadsIn(backend), [result.thread.id, "src"].sort());
  const { messages: copied } = await memory.listMessages({ threadId: result.thread.id, perPage: false });
  assert.equal(copied.length, messages.length);
  const { total } = await memory.listThreads({ filter: { resourceId: "r1" } });
  assert.equal(total, 2, "the thread counter counts one clone");
});

/** Loses the answer of `path` after it committed, `times` times (Infinity: always). */
function losing(path: FunctionPath, times: number, also?: FunctionPath): Fault {
  let lost = 0;
  return (called, phase) => {
    if (phase === "after" && (called === path || called === also) && lost++ < times) {
      throw new TransientError("request to Convex failed: connection reset (answer lost after commit)");
    }
  };
}

async function messagesIn(backend: Backend): Promise<string[]> {
  return (await backend.run((ctx) => ctx.db.query("messages").collect())).map((row) => row.threadId as string);
}

Deno.test("integrity 4: lost answers in the middle of a clone without newThreadId are resumed under the same id", async () => {
  const backend = createBackend();
  const messages = await setup(backend);
  // More lost answers than the transport's attempts (4): the call itself resumes its clone.
  const memory = (await storageWith(backend, losing("memory/messages:copyBatch", 6)).getStore("memory"))!;
  const result = await memory.cloneThread({ sourceThreadId: "src" });
  assert.deepEqual(await threadsIn(backend), [result.thread.id, "src"].sort(), "one clone, not two");
  const { messages: copied } = await memory.listMessages({ threadId: result.thread.id, perPage: false });
  assert.equal(copied.length, messages.length);
  assert.equal((await memory.listThreads({ filter: { resourceId: "r1" } })).total, 2);
  assert.equal((await backend.run((ctx) => ctx.db.query("clone_progress").collect())).length, 0);
});

Deno.test("integrity 4: a clone without newThreadId whose answers stay lost leaves nothing visible and says so", async () => {
  const backend = createBackend();
  await setup(backend);
  const memory = (await storageWith(backend, losing("memory/messages:copyBatch", Infinity)).getStore("memory"))!;
  const error = await memory.cloneThread({ sourceThreadId: "src" }).catch((e) => e);
  assert.ok(error instanceof MastraError, String(error));
  assert.match(error.message, /copyThread/);
  assert.match(error.message, /may have been applied/);
  assert.match(error.message, /Nothing of the clone remains: the incomplete thread [0-9a-f-]{36} was removed/);
  assert.deepEqual(await threadsIn(backend), ["src"]);
  assert.deepEqual([...new Set(await messagesIn(backend))], ["src"], "no copied message is left");
  assert.equal((await memory.listThreads({ filter: { resourceId: "r1" } })).total, 1);
});

Deno.test("integrity 4: when even removing the incomplete clone fails, the error names it and how to finish", async () => {
  const backend = createBackend();
  await setup(backend);
  const memory = (await storageWith(
    backend,
    losing("memory/messages:copyBatch", Infinity, "memory/threads:remove"),
  ).getStore("memory"))!;
  const error = await memory.cloneThread({ sourceThreadId: "src" }).catch((e) => e);
  assert.ok(error instanceof MastraError, String(error));
  const clone = (await threadsIn(backend)).find((id) => id !== "src");
  assert.ok(clone === undefined || error.message.includes(clone));
  assert.match(error.message, /thread [0-9a-f-]{36} may exist as an incomplete clone of src, and removing it failed/);
  assert.match(error.message, /deleteThread "[0-9a-f-]{36}" removes it/);
  assert.equal(error.details?.partial, true);
});

Deno.test("integrity 4: a clone into a given id whose answers stay lost says what exists; the same call finishes it", async () => {
  const backend = createBackend();
  const messages = await setup(backend);
  const faulty = (await storageWith(backend, losing("memory/messages:copyBatch", Infinity)).getStore("memory"))!;
  const error = await faulty.cloneThread({ sourceThreadId: "src", newThreadId: "copy" }).catch((e) => e);
  assert.ok(error instanceof MastraError, String(error));
  assert.match(
    error.message,
    /thread copy may exist as an incomplete clone of src \(\d+ messages? copied so far\); calling cloneThread again with newThreadId "copy"/,
  );
  assert.equal(error.details?.partial, true);
  const memory = (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("memory"))!;
  const done = await memory.cloneThread({ sourceThreadId: "src", newThreadId: "copy" });
  assert.equal(Object.keys(done.messageIdMap ?? {}).length, messages.length);
  assert.deepEqual(await threadsIn(backend), ["copy", "src"]);
});

Deno.test("integrity 4: a refused clone (the id exists) says nothing of a partial clone and touches nothing", async () => {
  const backend = createBackend();
  await setup(backend);
  const memory = (await storageWith(backend, () => {}).getStore("memory"))!;
  const error = await memory.cloneThread({ sourceThreadId: "src", newThreadId: "src" }).catch((e) => e);
  assert.ok(error instanceof MastraError && /already exists/.test(error.message), String(error));
  assert.doesNotMatch(error.message, /part-way|incomplete/);
  assert.equal(error.category, "USER");
  assert.deepEqual(await threadsIn(backend), ["src"]);
  assert.equal((await memory.listMessages({ threadId: "src", perPage: false })).messages.length, 5);
});

Deno.test("integrity 4: lost answers of the finishing call do not restart or duplicate the clone", async () => {
  const backend = createBackend();
  const messages = await setup(backend);
  const memory = (await storageWith(backend, losing("memory/messages:copyFinish", 6)).getStore("memory"))!;
  const result = await memory.cloneThread({ sourceThreadId: "src" });
  assert.equal(Object.keys(result.messageIdMap ?? {}).length, messages.length);
  assert.deepEqual(await threadsIn(backend), [result.thread.id, "src"].sort());
});
