/**
 * Real-time watches through Convex's own WebSocket client: `ConvexStorage`
 * opens `BaseConvexClient` (admin auth, component subscriptions) on the test
 * server, which speaks Convex's sync protocol over the in-process backend
 * (`helpers/syncServer.ts`) and pushes new results after every commit.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../mod.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";
import { createReactiveClient } from "../src/watches/reactiveClient.ts";

const T0 = 1_767_225_600_000;

/** `redirect` maps a watched path to another (e.g. one that is not deployed). */
async function setup(redirect: Record<string, `${string}:${string}`> = {}) {
  const server = await startConvexHttpServer();
  const reactive = createReactiveClient(server.url, server.adminKey);
  let watchCount = 0;
  /** Subscriptions still waiting for their first result (the socket connects, then the query runs). */
  const waitingFirst = new Set<object>();
  const storage = new ConvexStorage({
    convexUrl: server.url,
    adminKey: server.adminKey,
    retry: { attempts: 1, baseDelayMs: 10 },
    reactiveClient: {
      onUpdate: (path, args, callback, onError) => {
        watchCount++;
        const token = {};
        waitingFirst.add(token);
        const stop = reactive.onUpdate(
          redirect[path] ?? path,
          args,
          (value) => (waitingFirst.delete(token), callback(value)),
          (error) => (waitingFirst.delete(token), onError?.(error)),
        );
        return () => {
          watchCount--;
          waitingFirst.delete(token);
          stop();
        };
      },
    },
  });
  // Settled: every watch has its first result, and then nothing moves any more (no request in flight: a watch
  // reads through the domain after each new result; no sync work pending).
  const client = {
    get watchCount() {
      return watchCount;
    },
    settled: async () => {
      while (waitingFirst.size > 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await server.quiet(80);
    },
  };
  const close = async () => {
    await reactive.close?.();
    await storage.close();
    await server.close();
  };
  return { storage, client, server, close };
}

const message = (id: string, text: string, at: number) => ({
  id,
  threadId: "thread-1",
  resourceId: "user-1",
  type: "user" as const,
  content: text,
  createdAt: at,
});

Deno.test("watchThread: current value at once, again after each change, never after unsubscribe", async () => {
  const { storage, client, close } = await setup();
  const seen: (string | null)[] = [];
  const stop = storage.watchThread("thread-1", (thread) => seen.push(thread ? thread.title ?? "" : null));
  await client.settled();
  assert.deepStrictEqual(seen, [null]);
  await storage.saveThread({ thread: { id: "thread-1", resourceId: "user-1", title: "First", createdAt: T0 } });
  await client.settled();
  const memory = (await storage.getStore("memory"))!;
  await memory.updateThread({ id: "thread-1", title: "Second" });
  await client.settled();
  // A change elsewhere does not call back.
  await storage.saveThread({ thread: { id: "thread-2", resourceId: "user-1", title: "Other", createdAt: T0 } });
  await client.settled();
  assert.deepStrictEqual(seen, [null, "First", "Second"]);
  stop();
  stop(); // idempotent
  assert.equal(client.watchCount, 0);
  await memory.updateThread({ id: "thread-1", title: "Third" });
  await client.settled();
  assert.deepStrictEqual(seen, [null, "First", "Second"]);
  await close();
});

Deno.test("watchMessages follows the latest messages of a thread; watchThreads a user's threads", async () => {
  const { storage, client, close } = await setup();
  await storage.saveThread({ thread: { id: "thread-1", resourceId: "user-1", title: "Trip", createdAt: T0 } });
  const latest: string[][] = [];
  const threads: string[][] = [];
  const stopMessages = storage.watchMessages("thread-1", (messages) => {
    latest.push(messages.map((m) => m.id));
  }, { last: 2 });
  const stopThreads = storage.watchThreads("user-1", (list) => threads.push(list.map((t) => t.id)));
  await client.settled();
  for (const [i, text] of ["hi", "flights?", "May"].entries()) {
    await storage.saveMessage({ message: message(`m${i}`, text, T0 + i) });
    await client.settled();
  }
  const future = Date.now() + 60_000; // newer than the messages' bump of thread-1's updatedAt
  await storage.saveThread({ thread: { id: "thread-2", resourceId: "user-1", title: "New", createdAt: future } });
  await client.settled();
  assert.deepStrictEqual(latest, [[], ["m0"], ["m0", "m1"], ["m1", "m2"]]);
  assert.deepStrictEqual(threads.at(0), ["thread-1"]);
  assert.deepStrictEqual(threads.at(-1), ["thread-2", "thread-1"]);
  stopMessages();
  stopThreads();

  // A fixed page.
  const pages: string[][] = [];
  const stopPage = storage.watchMessages("thread-1", (m) => pages.push(m.map((x) => x.id)), { page: 1, perPage: 2 });
  await client.settled();
  await storage.saveMessage({ message: message("m3", "ok", T0 + 3) });
  await client.settled();
  assert.deepStrictEqual(pages, [["m2"], ["m2", "m3"]]);
  stopPage();
  await close();
});

Deno.test("watchWorkflowRun sees each persisted state of a run", async () => {
  const { storage, client, close } = await setup();
  const statuses: (string | null)[] = [];
  const stop = storage.watchWorkflowRun({ runId: "run-1", workflowName: "book-trip" }, (run) => {
    statuses.push(run ? String((run.snapshot as { status?: string }).status) : null);
  });
  await client.settled();
  for (const stateType of ["running", "suspended", "success"]) {
    await storage.saveWorkflowRun({
      workflowRun: { id: "run-1", workflowName: "book-trip", stateType, state: { stateType }, createdAt: T0 },
    });
    await client.settled();
  }
  stop();
  assert.deepStrictEqual(statuses, [null, "running", "suspended", "success"]);
  await close();
});

Deno.test("watch errors reach onError as MastraErrors; bad watch arguments throw at once", async () => {
  // The thread watch pointed at a function that is not deployed.
  const { storage, client, close } = await setup({ "memory/threads:get": "missing/module:get" });
  const errors: Error[] = [];
  const values: unknown[] = [];
  const stop = storage.watchThread("thread-1", (v) => values.push(v), { onError: (e) => errors.push(e) });
  await client.settled();
  stop();
  assert.deepStrictEqual(values, []);
  assert.equal(errors.length, 1);
  assert.ok(errors[0] instanceof MastraError);
  assert.match(errors[0].message, /ConvexStorage\.watchThread failed \(threadId="thread-1"\)/);

  assert.throws(
    () => storage.watchMessages("thread-1", () => {}, { last: 100_000 }),
    (e: unknown) => e instanceof MastraError && /perPage of a watch/.test(e.message),
  );
  const noReactive = new ConvexStorage({
    client: {
      query: () => Promise.resolve(null),
      mutation: () => Promise.resolve(null),
      action: () => Promise.resolve(null),
    },
  });
  assert.throws(
    () => noReactive.watchThread("t", () => {}),
    (e: unknown) => e instanceof MastraError && /reactive client/.test(e.message),
  );
  await close();
});
