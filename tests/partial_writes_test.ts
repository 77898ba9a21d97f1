/**
 * Multi-step writes whose answers are lost after commit (issue 25, item 2):
 * each ends either complete, or with an error that says what may exist and
 * how to finish, and calling again finishes it with exact counts. Covers
 * batch writes split over calls (saveMessages, deleteMessages, vector upsert,
 * span/log/score/feedback batches), deletes of large things (deleteThread,
 * deleteIndex, deleteVectors by filter) and thread moves. (Clones:
 * `integrity_clone_test.ts`.)
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { MastraDBMessage } from "@mastra/core/memory";
import { type Backend, createBackend, inProcessClient } from "./helpers/backend.ts";
import { type LoseAnswer, loseFrom, losingClient } from "./helpers/faults.ts";
import { ConvexStorage } from "../src/storage.ts";
import { ConvexVector } from "../src/vector/convexVector.ts";
import { ConvexServerCache } from "../src/cache/serverCache.ts";

const RETRY = { attempts: 2, baseDelayMs: 1 };
const at = (ms: number) => new Date(1_700_000_000_000 + ms);

async function memoryOf(backend: Backend, lose?: LoseAnswer) {
  const client = lose ? losingClient(backend, lose) : inProcessClient(backend);
  return (await new ConvexStorage({ client, retry: RETRY }).getStore("memory"))!;
}

/** 25 messages of 200 KB: more than one 4 MiB call to write or delete. */
function bigMessages(threadId: string, resourceId = "r1"): MastraDBMessage[] {
  return Array.from({ length: 25 }, (_, i) => ({
    id: `${threadId}-m${i}`,
    threadId,
    resourceId,
    role: "user" as const,
    createdAt: at(1000 + i),
    content: { format: 2 as const, parts: [{ type: "text" as const, text: `${i}`.padEnd(200_000, "x") }] },
  }));
}

async function failure(promise: Promise<unknown>): Promise<MastraError> {
  const error = await promise.then(() => assert.fail("expected a failure"), (e) => e);
  assert.ok(error instanceof MastraError, String(error));
  return error;
}

async function count(backend: Backend, table: string): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return ((await backend.run((ctx: any) => ctx.db.query(table).collect())) as unknown[]).length;
}

Deno.test("partial writes: saveMessages split over calls says what was written; saving again completes it", async () => {
  const backend = createBackend();
  const memory = await memoryOf(backend);
  await memory.saveThread({ thread: { id: "t", resourceId: "r1", createdAt: at(0), updatedAt: at(0) } });
  const messages = bigMessages("t");
  const faulty = await memoryOf(backend, loseFrom("memory/messages:save", 2));
  const error = await failure(faulty.saveMessages({ messages }));
  assert.match(error.message, /saveMessages/);
  assert.match(
    error.message,
    /It stopped part-way: 1 of 2 calls \(\d+ messages\) were written, and call 2 may have been too \(its answer was lost\); the rest was not; saving the same messages again is safe/,
  );
  assert.equal(error.details?.partial, true);
  await memory.saveMessages({ messages });
  const { messages: stored, total } = await memory.listMessages({ threadId: "t", perPage: 5 });
  assert.equal(total, 25);
  assert.equal(stored.length, 5);
  assert.equal(await count(backend, "messages"), 25);
});

Deno.test("partial writes: deleteMessages split over calls says what was deleted; deleting again finishes", async () => {
  const backend = createBackend();
  const memory = await memoryOf(backend);
  await memory.saveThread({ thread: { id: "t", resourceId: "r1", createdAt: at(0), updatedAt: at(0) } });
  const messages = Array.from({ length: 500 }, (_, i) => ({
    ...bigMessages("t")[0],
    id: `m${i}`,
    createdAt: at(i),
    content: { format: 2 as const, parts: [{ type: "text" as const, text: `${i}` }] },
  }));
  await memory.saveMessages({ messages });
  const ids = messages.map((m) => m.id);
  const faulty = await memoryOf(backend, loseFrom("memory/messages:remove", 2));
  const error = await failure(faulty.deleteMessages(ids));
  assert.match(error.message, /1 of 2 calls \(400 message ids\) were written.*deleting the same ids again is safe/);
  await memory.deleteMessages(ids);
  assert.equal((await memory.listMessages({ threadId: "t" })).total, 0);
  assert.equal(await count(backend, "messages"), 0);
});

Deno.test("partial writes: updateMessages split over calls says how many updates were applied", async () => {
  const backend = createBackend();
  const memory = await memoryOf(backend);
  await memory.saveThread({ thread: { id: "t", resourceId: "r1", createdAt: at(0), updatedAt: at(0) } });
  const messages = Array.from({ length: 410 }, (_, i) => ({
    ...bigMessages("t")[0],
    id: `m${i}`,
    createdAt: at(i),
    content: { format: 2 as const, parts: [{ type: "text" as const, text: `${i}` }] },
  }));
  await memory.saveMessages({ messages });
  const updates = messages.map((m) => ({ id: m.id, role: "assistant" as const }));
  const faulty = await memoryOf(backend, loseFrom("memory/messages:update", 2));
  const error = await failure(faulty.updateMessages({ messages: updates }));
  assert.match(error.message, /the first 400 of 410 updates were applied, and the next ones may have been/);
  const updated = await memory.updateMessages({ messages: updates });
  assert.equal(updated.length, 410);
  assert.ok(updated.every((m) => m.role === "assistant"));
});

Deno.test("partial writes: deleteThread of a large thread says it is gone for readers and finished by the deployment", async () => {
  const backend = createBackend();
  const memory = await memoryOf(backend);
  await memory.saveThread({ thread: { id: "t", resourceId: "r1", createdAt: at(0), updatedAt: at(0) } });
  await memory.saveMessages({ messages: bigMessages("t") });
  const faulty = await memoryOf(backend, loseFrom("memory/threads:remove", 2));
  const error = await failure(faulty.deleteThread({ threadId: "t" }));
  assert.match(error.message, /may have been applied/);
  assert.match(
    error.message,
    /thread t may already be deleted for every reader .*the deployment removes what is left by itself; nothing is needed; calling deleteThread again waits until nothing is left/,
  );
  // Already invisible, before any further call (memory_delete_thread_test.ts covers every read).
  assert.equal(await memory.getThreadById({ threadId: "t" }), null);
  assert.equal((await memory.listMessages({ threadId: "t" })).total, 0);
  await memory.deleteThread({ threadId: "t" });
  assert.equal(await memory.getThreadById({ threadId: "t" }), null);
  assert.equal(await count(backend, "messages"), 0);
  assert.equal((await memory.listThreads({ filter: { resourceId: "r1" } })).total, 0);
});

Deno.test("partial writes: a thread move whose answers are lost says what is recorded; calling again completes or reverts", async () => {
  for (const finish of ["complete", "revert"] as const) {
    const backend = createBackend();
    const memory = await memoryOf(backend);
    await memory.saveThread({ thread: { id: "t", resourceId: "r1", createdAt: at(0), updatedAt: at(0) } });
    await memory.saveMessages({ messages: bigMessages("t") });
    const faulty = await memoryOf(backend, loseFrom("memory/threadMove:moveMessages", 1));
    const error = await failure(faulty.updateThreadResourceId({ threadId: "t", resourceId: "r2" }));
    assert.match(
      error.message,
      /the move of thread t to resource r2 is recorded and may be partly done .*calling updateThreadResourceId again with resourceId "r2" completes it, and with "r1" reverts it/,
    );
    const target = finish === "complete" ? "r2" : "r1";
    const thread = await memory.updateThreadResourceId({ threadId: "t", resourceId: target });
    assert.equal(thread.resourceId, target);
    const byResource = await memory.listMessagesByResourceId({ resourceId: target, perPage: false });
    assert.equal(byResource.messages.length, 25, finish);
    assert.equal((await memory.listThreads({ filter: { resourceId: target } })).total, 1);
    const other = finish === "complete" ? "r1" : "r2";
    assert.equal((await memory.listMessagesByResourceId({ resourceId: other, perPage: false })).messages.length, 0);
  }
});

Deno.test("partial writes: a refused first step adds no partial note", async () => {
  const backend = createBackend();
  const memory = await memoryOf(backend, () => false);
  const error = await failure(memory.updateThreadResourceId({ threadId: "nope", resourceId: "r2" }));
  assert.doesNotMatch(error.message, /part-way/);
  const deleted = await failure(memory.saveMessages({ messages: [{ ...bigMessages("t")[0], threadId: "" }] }));
  assert.doesNotMatch(deleted.message, /part-way/);
});

Deno.test("partial writes: vector batch writes and deletes say what was written and how to finish", async () => {
  const backend = createBackend();
  const store = new ConvexVector({ client: inProcessClient(backend), retry: RETRY });
  await store.createIndex({ indexName: "v", dimension: 3 });
  const vectors = Array.from({ length: 1100 }, (_, i) => [1, i, 2]);
  const ids = vectors.map((_, i) => `v${i}`);
  const metadata = vectors.map((_, i) => ({ half: i % 2 }));
  const faulty = new ConvexVector({
    client: losingClient(backend, loseFrom("vector/vectors:upsert", 2)),
    retry: RETRY,
  });
  let error = await failure(faulty.upsert({ indexName: "v", vectors, ids, metadata }));
  assert.equal(error.domain, "MASTRA_VECTOR");
  assert.match(error.message, /^ConvexVector\.upsert failed/);
  assert.match(
    error.message,
    /1 of 2 calls \(1000 vectors\) were written.*upserting the same vectors \(with their ids\)/,
  );
  await store.upsert({ indexName: "v", vectors, ids, metadata });
  assert.equal((await store.describeIndex({ indexName: "v" })).count, 1100);

  const deleting = new ConvexVector({
    client: losingClient(backend, loseFrom("vector/vectors:deleteWhere", 1)),
    retry: RETRY,
  });
  error = await failure(deleting.deleteVectors({ indexName: "v", filter: { half: 1 } }));
  assert.match(error.message, /some of the vectors matching the filter may be deleted.*calling deleteVectors again/);
  await store.deleteVectors({ indexName: "v", filter: { half: 1 } });
  assert.equal((await store.describeIndex({ indexName: "v" })).count, 550);

  const dropping = new ConvexVector({
    client: losingClient(backend, loseFrom("vector/indexes:drop", 1)),
    retry: RETRY,
  });
  error = await failure(dropping.deleteIndex({ indexName: "v" }));
  assert.match(error.message, /index v may be partly deleted.*calling deleteIndex again finishes/);
  await store.deleteIndex({ indexName: "v" });
  assert.deepEqual(await store.listIndexes(), []);
});

Deno.test("partial writes: observability batches, trace deletes and schedule deletes say what may exist", async () => {
  const backend = createBackend();
  const storeOf = async <K extends "observability" | "schedules">(name: K, lose?: LoseAnswer) =>
    (await new ConvexStorage({
      client: lose ? losingClient(backend, lose) : inProcessClient(backend),
      retry: RETRY,
    }).getStore(name))!;
  const logs = Array.from({ length: 150 }, (_, i) => ({
    logId: `l${i}`,
    timestamp: new Date(Date.UTC(2026, 0, 1) + i),
    level: "info",
    message: `m${i}`,
    traceId: `t${i % 3}`,
  }));
  const faulty = await storeOf("observability", loseFrom("observability/signals/logs:createLogs", 2));
  const error = await failure(faulty.batchCreateLogs({ logs } as never));
  assert.match(error.message, /1 of 2 calls \(100 logs\) were written.*creating the same logs again is safe/);
  const observability = await storeOf("observability");
  await observability.batchCreateLogs({ logs } as never);
  assert.equal((await observability.listLogs({ pagination: { page: 0, perPage: 1 } } as never)).pagination?.total, 150);

  const deleting = await storeOf("observability", loseFrom("observability/tracing/traces:deleteTraces", 1));
  const deleteError = await failure(deleting.batchDeleteTraces({ traceIds: ["t0", "t1"] }));
  assert.match(deleteError.message, /some of these traces .* may be deleted .*calling batchDeleteTraces again/);

  const schedules = await storeOf("schedules");
  await schedules.createSchedule({
    id: "s",
    target: { type: "workflow", workflowId: "wf" },
    cron: "* * * * *",
    status: "active",
    nextFireAt: 60_000,
    createdAt: 1,
    updatedAt: 1,
  } as never);
  const removing = await storeOf("schedules", loseFrom("schedules/schedules:remove", 1));
  const scheduleError = await failure(removing.deleteSchedule("s"));
  assert.match(scheduleError.message, /schedule s may be partly deleted.*calling deleteSchedule again finishes/);
  await schedules.deleteSchedule("s");
  assert.equal(await schedules.getSchedule("s"), null);
});

Deno.test("partial writes: a cache clear whose answer is lost says some entries may be deleted", async () => {
  const backend = createBackend();
  const cache = new ConvexServerCache({ client: inProcessClient(backend), retry: RETRY });
  await cache.set("a", 1);
  const faulty = new ConvexServerCache({
    client: losingClient(backend, loseFrom("cache/entries:clear", 1)),
    retry: RETRY,
  });
  const error = await failure(faulty.clear());
  assert.match(error.message, /some entries of the cache may be deleted.*calling clear again finishes/);
  await cache.clear();
  assert.equal(await cache.get("a"), undefined);
});
