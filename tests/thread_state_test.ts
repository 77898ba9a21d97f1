/**
 * The thread-state domain beyond the differential test: one call and one
 * document per get and per set, values of any size back exactly (inline,
 * out of line, over 1 MiB), deleting a thread deletes its state, state is
 * shared by two storages on one deployment, and bad input gets a
 * `MastraError` and changes nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { countingClient } from "./helpers/counting.ts";
import { measure } from "./helpers/metrics.ts";

async function setup() {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const storage = new ConvexStorage({ client: counted.client });
  await storage.init();
  const state = (await storage.getStore("threadState"))!;
  return { backend, storage, state, calls: counted.calls };
}

Deno.test("thread state: a get and a set are one call each and read one document", async () => {
  const { state, calls } = await setup();
  for (let i = 0; i < 20; i++) await state.setState({ threadId: `other${i}`, type: "task", value: [{ i }] });
  const tasks = [{ id: "1", content: "write tests", status: "in_progress", activeForm: "Writing tests" }];
  calls.length = 0;
  const set = await measure(() => state.setState({ threadId: "t", type: "task", value: tasks }));
  assert.deepEqual(calls, ["threadState/state:set"]);
  assert.ok(set.usage.documentsRead <= 1, `set read ${set.usage.documentsRead} documents`);
  assert.equal(set.usage.documentsWritten, 1);
  calls.length = 0;
  const get = await measure(() => state.getState({ threadId: "t", type: "task" }));
  assert.deepEqual(calls, ["threadState/state:get"]);
  assert.equal(get.usage.documentsRead, 1);
  assert.deepStrictEqual(get.result, tasks);
  calls.length = 0;
  const replace = await measure(() => state.setState({ threadId: "t", type: "task", value: [] }));
  assert.deepEqual(calls, ["threadState/state:set"]);
  // convex-test counts a replaced document as read once more: still the one document.
  assert.equal(replace.usage.documentsRead, 2);
  assert.equal(replace.usage.documentsWritten, 1);
  assert.deepStrictEqual(await state.getState({ threadId: "t", type: "task" }), []);
});

Deno.test("thread state: values of 300 KB and 3 MB come back exactly, and replacing them frees their chunks", async () => {
  const { backend, state } = await setup();
  const medium = { text: "é".repeat(150_000), at: new Date(5) };
  const large = { blob: new Uint8Array(2_000_000).map((_, i) => i % 251), text: "x".repeat(1_000_000) };
  await state.setState({ threadId: "t", type: "medium", value: medium });
  await state.setState({ threadId: "t", type: "large", value: large });
  assert.deepStrictEqual(await state.getState({ threadId: "t", type: "medium" }), medium);
  assert.deepStrictEqual(await state.getState({ threadId: "t", type: "large" }), large);
  await state.setState({ threadId: "t", type: "large", value: "small" });
  assert.equal(await state.getState({ threadId: "t", type: "large" }), "small");
  await state.deleteState({ threadId: "t", type: "medium" });
  assert.equal(await state.getState({ threadId: "t", type: "medium" }), undefined);
  // Every chunk is gone once nothing refers to it (the client swept what the writes released).
  const chunks = await backend.run(async (ctx) => (await ctx.db.query("blob_chunks").collect()).length);
  assert.equal(chunks, 0);
});

Deno.test("thread state: deleting a thread deletes its state (and only its state)", async () => {
  const { state, storage } = await setup();
  const memory = (await storage.getStore("memory"))!;
  const now = new Date();
  for (const id of ["doomed", "kept"]) {
    await memory.saveThread({ thread: { id, resourceId: "r", title: id, createdAt: now, updatedAt: now } });
    await state.setState({ threadId: id, type: "task", value: [id] });
    await state.setState({ threadId: id, type: "goal", value: { objective: "x".repeat(400_000) } });
  }
  await memory.deleteThread({ threadId: "doomed" });
  assert.equal(await state.getState({ threadId: "doomed", type: "task" }), undefined);
  assert.equal(await state.getState({ threadId: "doomed", type: "goal" }), undefined);
  assert.deepStrictEqual(await state.getState({ threadId: "kept", type: "task" }), ["kept"]);
  assert.equal(
    ((await state.getState({ threadId: "kept", type: "goal" })) as { objective: string }).objective.length,
    400_000,
  );
});

Deno.test("thread state: two storages on one deployment see the same state", async () => {
  const backend = createBackend();
  const a = await new ConvexStorage({ client: inProcessClient(backend) }).getStore("threadState");
  const b = await new ConvexStorage({ client: inProcessClient(backend) }).getStore("threadState");
  await a!.setState({ threadId: "t", type: "task", value: [{ id: "1" }] });
  assert.deepStrictEqual(await b!.getState({ threadId: "t", type: "task" }), [{ id: "1" }]);
});

Deno.test("thread state: bad input gets a MastraError naming the operation and changes nothing", async () => {
  const { state } = await setup();
  await state.setState({ threadId: "t", type: "task", value: 1 });
  const cases: [string, () => Promise<unknown>][] = [
    ["setState", () => state.setState({ threadId: "", type: "task", value: 2 })],
    ["setState", () => state.setState({ threadId: "t", type: 7 as never, value: 2 })],
    ["setState", () => state.setState({ threadId: "t", type: "task", value: () => 2 })],
    ["setState", () => state.setState({ threadId: "t".repeat(2000), type: "task", value: 2 })],
    ["getState", () => state.getState({ threadId: undefined as never, type: "task" })],
    ["deleteState", () => state.deleteState({ threadId: "t", type: null as never })],
  ];
  for (const [operation, call] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, String(error));
      assert.equal(error.category, "USER");
      assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
      return true;
    });
  }
  assert.equal(await state.getState({ threadId: "t", type: "task" }), 1);
});

Deno.test("thread state: deleting a thread with 1,200 state slots takes bounded calls and leaves none", async () => {
  const { backend, state, storage } = await setup();
  const memory = (await storage.getStore("memory"))!;
  const now = new Date();
  await memory.saveThread({ thread: { id: "big", resourceId: "r", title: "big", createdAt: now, updatedAt: now } });
  await backend.run(async (ctx) => {
    for (let i = 0; i < 1200; i++) {
      const type = `type-${i}`;
      await ctx.db.insert("thread_state", { threadId: "big", type, key: JSON.stringify(["big", type]), value: "1" });
    }
  });
  assert.equal(await state.getState({ threadId: "big", type: "type-7" }), 1);
  await memory.deleteThread({ threadId: "big" });
  const left = await backend.run(async (ctx) => (await ctx.db.query("thread_state").collect()).length);
  assert.equal(left, 0);
  assert.equal(await memory.getThreadById({ threadId: "big" }), null);
});
