/**
 * Transport faults: retries of transient failures for calls that are safe to
 * repeat, never for the rest, and nothing lost or duplicated when the network
 * between Mastra and Convex drops connections, answers 5xx, is slow, or loses
 * answers after the write committed.
 *
 * Unit tests drive `ConvexTransport` and `classifyingFetch` with fakes; the
 * fault run drives ~1,000 mixed memory operations through the real
 * `ConvexHttpClient` and the test-only Convex HTTP server with faults on 10 %
 * of requests, and compares the final state with a model of what succeeded.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual as same } from "node:util";
import { ErrorCategory, MastraError } from "@mastra/core/error";
import type { StorageThreadType } from "@mastra/core/memory";
import { ConvexError } from "convex/values";
import { ConvexStorage } from "../src/storage.ts";
import {
  classifyingFetch,
  type ConvexClientLike,
  ConvexTransport,
  createHttpClient,
  isTransient,
  TransientError,
} from "../src/transport.ts";
import { FAULT_KINDS, seededRandom, startConvexHttpServer } from "./helpers/httpServer.ts";

// ---------------------------------------------------------------------------
// ConvexTransport with a fake client

type Script = (attempt: number) => unknown;

/** A client whose every call runs `script(attempt)`: throw to fail, return to answer. */
function scriptedClient(script: Script): { client: ConvexClientLike; calls: () => number } {
  let calls = 0;
  const run = () => {
    calls++;
    const attempt = calls;
    return Promise.resolve().then(() => script(attempt));
  };
  return { client: { query: run, mutation: run, action: run }, calls: () => calls };
}

const FAST = { attempts: 4, baseDelayMs: 1 };
const ctx = { operation: "testCall", details: { threadId: "t-1" } };

async function expectMastraError(promise: Promise<unknown>): Promise<MastraError> {
  const error = await promise.then(() => assert.fail("expected a failure"), (e) => e);
  assert.ok(error instanceof MastraError, `expected a MastraError, got ${error}`);
  return error;
}

Deno.test("transport: transient failures of queries are retried until success", async () => {
  const { client, calls } = scriptedClient((attempt) => {
    if (attempt < 3) throw new TransientError("connection reset");
    return "ok";
  });
  const transport = new ConvexTransport(client, FAST);
  assert.equal(await transport.query("memory/threads:get", { id: "t-1" }, ctx), "ok");
  assert.equal(calls(), 3);
});

Deno.test("transport: network-looking errors are transient, deliberate and other errors are not", () => {
  assert.ok(isTransient(new TransientError("x")));
  assert.ok(isTransient(new TypeError("fetch failed")));
  assert.ok(isTransient(new Error("read ECONNRESET")));
  assert.ok(!isTransient(new Error("Uncaught Error: Validator error: Missing required field `id`")));
  const deliberate = new ConvexError({ code: "NOT_FOUND", message: "connection reset (looks transient, is not)" });
  assert.ok(!isTransient(deliberate));
  assert.ok(!isTransient("connection reset"), "only errors are classified");
});

Deno.test("transport: non-transient failures are never retried and become MastraErrors naming the call", async () => {
  const { client, calls } = scriptedClient(() => {
    throw new Error("Uncaught Error: boom");
  });
  const transport = new ConvexTransport(client, FAST);
  const error = await expectMastraError(transport.query("memory/threads:get", { id: "t-1" }, ctx));
  assert.equal(calls(), 1);
  assert.match(error.message, /testCall/);
  assert.match(error.message, /threadId="t-1"/);
  assert.match(error.message, /boom/);
  assert.equal(error.category, ErrorCategory.THIRD_PARTY);
  assert.equal(error.id, "CONVEX_STORAGE_TEST_CALL_FAILED");
});

Deno.test("transport: a ConvexError with data is never retried, even if its message looks transient", async () => {
  const { client, calls } = scriptedClient(() => {
    throw new ConvexError({ code: "NOT_FOUND", message: "connection reset by thread t-1" });
  });
  const transport = new ConvexTransport(client, FAST);
  for (
    const call of [
      () => transport.query("memory/threads:get", {}, ctx),
      () => transport.mutation("memory/threads:update", {}, { ...ctx, idempotent: true }),
      () => transport.action("memory/threads:act", {}, { ...ctx, idempotent: true }),
    ]
  ) {
    const before = calls();
    const error = await expectMastraError(call());
    assert.equal(calls() - before, 1);
    assert.equal(error.id, "CONVEX_STORAGE_TEST_CALL_NOT_FOUND");
    assert.equal(error.category, ErrorCategory.USER);
  }
});

Deno.test("transport: mutations and actions are retried only when idempotent", async () => {
  const alwaysTransient = () =>
    scriptedClient(() => {
      throw new TransientError("Convex answered HTTP 503");
    });
  for (const kind of ["mutation", "action"] as const) {
    for (const idempotent of [undefined, false, true]) {
      const { client, calls } = alwaysTransient();
      const transport = new ConvexTransport(client, FAST);
      const options = idempotent === undefined ? ctx : { ...ctx, idempotent };
      const error = await expectMastraError(transport[kind]("memory/threads:save", {}, options));
      assert.equal(calls(), idempotent ? FAST.attempts : 1, `${kind} idempotent=${idempotent}`);
      assert.match(error.message, /HTTP 503/);
      assert.ok(error.cause instanceof TransientError);
    }
  }
});

Deno.test("transport: a retried write whose every answer is lost says it may have been applied, with its ids", async () => {
  for (const kind of ["mutation", "action"] as const) {
    const { client, calls } = scriptedClient(() => {
      throw new TypeError("fetch failed");
    });
    const transport = new ConvexTransport(client, FAST);
    const error = await expectMastraError(
      transport[kind]("workflows/runs:update", { opId: "op-42" }, { ...ctx, idempotent: true }),
    );
    assert.equal(calls(), FAST.attempts);
    assert.match(error.message, /testCall failed \(threadId="t-1", opId="op-42", outcome="unknown"\)/);
    assert.match(error.message, /may have been applied/);
    assert.match(error.message, /sent 4 times with operation id op-42 and every answer was lost/);
    assert.equal(error.details?.outcome, "unknown");
    assert.equal(error.details?.threadId, "t-1");
  }
  // A query that never got an answer changed nothing: no such claim.
  const { client } = scriptedClient(() => {
    throw new TypeError("fetch failed");
  });
  const error = await expectMastraError(new ConvexTransport(client, FAST).query("a:b", {}, ctx));
  assert.doesNotMatch(error.message, /may have been applied/);
  assert.equal(error.details?.outcome, undefined);
});

Deno.test("transport: the number of attempts follows the policy, with growing delays", async () => {
  for (const attempts of [1, 2, 5]) {
    const { client, calls } = scriptedClient(() => {
      throw new TransientError("fetch failed");
    });
    const transport = new ConvexTransport(client, { attempts, baseDelayMs: 1 });
    await expectMastraError(transport.query("memory/threads:get", {}, ctx));
    assert.equal(calls(), attempts);
  }
  // Backoff: delays of base*2^(n-1), each at least half of it: 20/2 + 40/2 + 80/2 = 70 ms at least.
  const stamps: number[] = [];
  const { client } = scriptedClient(() => {
    stamps.push(performance.now());
    throw new TransientError("fetch failed");
  });
  await expectMastraError(
    new ConvexTransport(client, { attempts: 4, baseDelayMs: 20 }).query("a:b", {}, ctx),
  );
  const gaps = stamps.slice(1).map((stamp, i) => stamp - stamps[i]);
  assert.equal(gaps.length, 3);
  gaps.forEach((gap, i) => assert.ok(gap >= 10 * 2 ** i - 1, `gap ${i} was ${gap.toFixed(1)} ms`));
  assert.ok(gaps.reduce((a, b) => a + b) >= 69);
});

// ---------------------------------------------------------------------------
// classifyingFetch

Deno.test("classifyingFetch: marks network failures, 5xx, 429 and cut bodies as transient; passes the rest", async () => {
  const answer = (response: () => Response | Promise<Response>): typeof fetch => () => Promise.resolve().then(response);
  const transient = async (base: typeof fetch, pattern: RegExp) => {
    await assert.rejects(classifyingFetch(1000, base)("http://x/api/query"), (error) => {
      assert.ok(error instanceof TransientError, String(error));
      assert.match(error.message, pattern);
      return true;
    });
  };
  await transient(() => Promise.reject(new TypeError("error sending request: connection closed")), /request to Convex/);
  for (const status of [500, 502, 503, 504, 429]) {
    await transient(answer(() => new Response("busy", { status })), new RegExp(`HTTP ${status}: busy`));
  }
  const cut = new ReadableStream({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('{"status":"succ'));
      controller.error(new TypeError("error reading a body from connection"));
    },
  });
  await transient(answer(() => new Response(cut, { status: 200 })), /reading Convex's answer failed/);

  for (const [status, body] of [[200, '{"status":"success","value":1}'], [560, '{"status":"error"}'], [403, "no"]]) {
    const response = await classifyingFetch(
      1000,
      answer(() => new Response(body as string, { status: status as number })),
    )(
      "http://x",
    );
    assert.equal(response.status, status);
    assert.equal(await response.text(), body);
  }
  // A hung request is bounded by the timeout and transient.
  const hung: typeof fetch = (_input, init) =>
    new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
  await transient(hung, /request to Convex failed/);
});

// ---------------------------------------------------------------------------
// Through the HTTP server: each fault kind on its own

/** Wraps a client to count the attempts the transport makes and how many failed. */
function countingClient(inner: ConvexClientLike) {
  const counts = { attempts: 0, failed: 0, transient: 0 };
  const wrap = <A extends unknown[]>(call: (...args: A) => Promise<unknown>) => async (...args: A) => {
    counts.attempts++;
    try {
      return await call(...args);
    } catch (error) {
      counts.failed++;
      if (isTransient(error)) counts.transient++;
      throw error;
    }
  };
  const client: ConvexClientLike = {
    query: wrap(inner.query.bind(inner)),
    mutation: wrap(inner.mutation.bind(inner)),
    action: wrap(inner.action.bind(inner)),
  };
  return { client, counts };
}

async function threadRows(server: Awaited<ReturnType<typeof startConvexHttpServer>>) {
  return await server.backend.run(async (ctx) => await ctx.db.query("threads").collect());
}

Deno.test("faults over HTTP: every fault kind on an idempotent write ends with the write applied exactly once", async () => {
  await using server = await startConvexHttpServer();
  const { client, counts } = countingClient(createHttpClient(server.url, server.adminKey, { timeoutMs: 5_000 }));
  const storage = new ConvexStorage({ client, retry: { attempts: 4, baseDelayMs: 1 } });
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  for (const kind of FAULT_KINDS) {
    server.injectNext(kind);
    const thread = { id: `t-${kind}`, resourceId: "r", title: kind, createdAt: new Date(1), updatedAt: new Date(2) };
    await memory.saveThread({ thread });
    assert.deepEqual(await memory.getThreadById({ threadId: thread.id }), thread);
  }
  const rows = await threadRows(server);
  assert.equal(rows.length, FAULT_KINDS.length, "no duplicate rows");
  assert.equal((await memory.listThreads({ filter: { resourceId: "r" } })).total, FAULT_KINDS.length);
  assert.deepEqual(server.stats.injected, {
    drop: 1,
    dropAfterCommit: 1,
    truncateAfterCommit: 1,
    error5xx: 1,
    delay: 1,
  });
  console.log("per-kind run:", {
    clientAttempts: counts.attempts,
    failedAttempts: counts.failed,
    server: server.stats,
  });
});

Deno.test("faults over HTTP: a non-idempotent mutation is not retried by the transport; the error surfaces", async () => {
  await using server = await startConvexHttpServer();
  const { client, counts } = countingClient(createHttpClient(server.url, server.adminKey, { timeoutMs: 5_000 }));
  const storage = new ConvexStorage({ client, retry: { attempts: 4, baseDelayMs: 1 } });
  const row = { id: "t-once", resourceId: "r", createdAt: 1, updatedAt: 1 };
  const call = () =>
    storage.transport.mutation("memory/threads:save", { thread: row }, {
      operation: "appendOnce",
      details: { threadId: row.id },
    });

  // 5xx before handling: nothing ran, one attempt, a MastraError.
  server.injectNext("error5xx");
  let error = await expectMastraError(call());
  assert.match(error.message, /appendOnce.*HTTP 5\d\d/);
  assert.equal(counts.attempts, 1);
  assert.equal(server.stats.executed, 0);

  // Answer cut after commit: it ran once, one attempt, a MastraError; the caller must find out what happened.
  server.injectNext("truncateAfterCommit");
  error = await expectMastraError(call());
  assert.match(error.message, /appendOnce/);
  assert.equal(counts.attempts, 2);
  assert.equal(server.stats.executed, 1);
  assert.equal((await threadRows(server)).length, 1);

  // Connection dropped before / after the commit: exactly one request reached the server each time.
  // (Deno's fetch re-sends a request once when a reused keep-alive connection drops; non-idempotent
  // calls go on a connection of their own so that it cannot.)
  for (const kind of ["drop", "dropAfterCommit", "drop", "dropAfterCommit"] as const) {
    await call(); // a successful call first, which would leave a keep-alive connection to reuse
    const before: { apiRequests: number; executed: number; attempts: number } = {
      apiRequests: server.stats.apiRequests,
      executed: server.stats.executed,
      attempts: counts.attempts,
    };
    server.injectNext(kind);
    error = await expectMastraError(call());
    assert.match(error.message, /appendOnce/);
    assert.equal(counts.attempts - before.attempts, 1, kind);
    assert.equal(server.stats.apiRequests - before.apiRequests, 1, `${kind}: the request was sent once`);
    assert.equal(server.stats.executed - before.executed, kind === "drop" ? 0 : 1, kind);
  }
  // Nothing is left open (the test sanitizers check) and there is still one row.
  assert.equal((await threadRows(server)).length, 1);

  // The same call marked idempotent is retried through the same faults and succeeds.
  const attempts = counts.attempts;
  server.injectNext("error5xx", "truncateAfterCommit");
  await storage.transport.mutation("memory/threads:save", { thread: row }, { operation: "save", idempotent: true });
  assert.equal(counts.attempts - attempts, 3);
  console.log("non-idempotent run:", { clientAttempts: counts.attempts, server: server.stats });
  assert.equal((await threadRows(server)).length, 1);
});

Deno.test("faults over HTTP: an idempotent write whose every answer is lost after commit says it may have been applied", async () => {
  await using server = await startConvexHttpServer();
  const client = createHttpClient(server.url, server.adminKey, { timeoutMs: 5_000 });
  const storage = new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 1 } });
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  const thread = { id: "t-lost", resourceId: "r", title: "x", createdAt: new Date(1), updatedAt: new Date(2) };
  // Every answer of a write is lost after it committed.
  server.setFaults({
    rate: 1,
    seed: 1,
    kinds: ["dropAfterCommit", "truncateAfterCommit"],
    applies: ({ endpoint }) => endpoint === "mutation",
  });
  const error = await expectMastraError(memory.saveThread({ thread }));
  server.setFaults(undefined);
  assert.match(error.message, /saveThread.*threadId="t-lost"/);
  assert.match(error.message, /may have been applied.*sent 3 times.*every answer was lost/);
  assert.doesNotMatch(error.message, /failed[^;]*: fetch failed$/);
  assert.equal(error.details?.outcome, "unknown");
  // It was applied, once.
  assert.deepEqual(await memory.getThreadById({ threadId: "t-lost" }), thread);
  assert.equal((await threadRows(server)).length, 1);
});

Deno.test("faults over HTTP: a clone whose copy answers are all lost leaves nothing visible and says so", async () => {
  await using server = await startConvexHttpServer();
  const client = createHttpClient(server.url, server.adminKey, { timeoutMs: 5_000 });
  const storage = new ConvexStorage({ client, retry: { attempts: 2, baseDelayMs: 1 } });
  await storage.init();
  const memory = (await storage.getStore("memory"))!;
  await memory.saveThread({
    thread: { id: "src", resourceId: "r", title: "s", createdAt: new Date(1), updatedAt: new Date(1) },
  });
  await memory.saveMessages({
    messages: Array.from({ length: 3 }, (_, i) => ({
      id: `m${i}`,
      threadId: "src",
      resourceId: "r",
      role: "user" as const,
      createdAt: new Date(10 + i),
      content: { format: 2 as const, parts: [{ type: "text" as const, text: `${i}` }] },
    })),
  });
  server.setFaults({
    rate: 1,
    seed: 1,
    kinds: ["dropAfterCommit", "truncateAfterCommit"],
    applies: ({ path }) => path === "memory/messages:copyBatch",
  });
  const error = await expectMastraError(memory.cloneThread({ sourceThreadId: "src" }));
  server.setFaults(undefined);
  assert.match(error.message, /copyThread/);
  assert.match(error.message, /Nothing of the clone remains: the incomplete thread [0-9a-f-]{36} was removed/);
  assert.deepEqual((await threadRows(server)).map((row) => row.id), ["src"]);
  assert.equal((await memory.listThreads({ filter: { resourceId: "r" } })).total, 1);
  const messages = await server.backend.run(async (ctx) => await ctx.db.query("messages").collect());
  assert.deepEqual(messages.map((row) => row.threadId), ["src", "src", "src"]);
});

Deno.test("faults over HTTP: the fault policy is deterministic for a seed", async () => {
  const sequence = async (seed: number) => {
    await using server = await startConvexHttpServer({
      faults: { rate: 0.3, seed, kinds: ["error5xx", "delay"], delayMs: 1 },
    });
    const outcomes: string[] = [];
    for (let i = 0; i < 40; i++) {
      const response = await fetch(`${server.url}/api/function`, {
        method: "POST",
        headers: { Authorization: `Convex ${server.adminKey}` },
        body: JSON.stringify({ componentPath: "mastra", path: "system/info:info", args: {} }),
      });
      await response.body?.cancel();
      outcomes.push(String(response.status));
    }
    return { outcomes: outcomes.join(","), injected: server.stats.injected };
  };
  const a = await sequence(7);
  assert.deepEqual(await sequence(7), a);
  assert.notDeepEqual((await sequence(8)).outcomes, a.outcomes);
  assert.ok(a.injected.error5xx > 0 && a.injected.delay > 0);
});

// ---------------------------------------------------------------------------
// The fault run: ~1,000 mixed operations, faults on 10 % of requests

type ResourceModel = { workingMemory?: string; metadata: Record<string, unknown> };

Deno.test("faults over HTTP: 1,000 mixed operations with 10 % faults lose nothing and duplicate nothing", async () => {
  const OPS = 1_000;
  const SEED = 20261127;
  const THREAD_IDS = Array.from({ length: 40 }, (_, i) => `thread-${i}`);
  const RESOURCE_IDS = Array.from({ length: 8 }, (_, i) => `resource-${i}`);
  const started = performance.now();

  await using server = await startConvexHttpServer();
  const { client, counts } = countingClient(createHttpClient(server.url, server.adminKey, { timeoutMs: 5_000 }));
  let clock = 1_700_000_000_000;
  const storage = new ConvexStorage({ client, retry: { attempts: 2, baseDelayMs: 1 }, now: () => clock });
  await storage.init();
  const memory = (await storage.getStore("memory"))!;

  // Count the logical calls the domains make (each may take several attempts).
  let logicalCalls = 0;
  const transport = storage.transport;
  for (const method of ["query", "mutation", "action"] as const) {
    const original = transport[method].bind(transport) as (...args: unknown[]) => Promise<unknown>;
    (transport as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      logicalCalls++;
      return original(...args);
    };
  }

  const threads = new Map<string, StorageThreadType>();
  const resources = new Map<string, ResourceModel>();
  const random = seededRandom(SEED);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const opCounts: Record<string, number> = {};
  const errorsByOp: Record<string, number> = {};
  let errorsSurfaced = 0;
  let inconsistentReads = 0;

  /** Runs one operation; after a surfaced error, re-issues the same call until it succeeds (it must converge). */
  async function run<T>(name: string, call: () => Promise<T>): Promise<T> {
    opCounts[name] = (opCounts[name] ?? 0) + 1;
    for (let attempt = 1;; attempt++) {
      try {
        return await call();
      } catch (error) {
        assert.ok(error instanceof MastraError, `${name} surfaced a non-MastraError: ${error}`);
        assert.match(error.message, new RegExp(name));
        errorsSurfaced++;
        errorsByOp[name] = (errorsByOp[name] ?? 0) + 1;
        if (attempt >= 25) throw error;
      }
    }
  }

  const expectedList = (resourceId: string) =>
    [...threads.values()]
      .filter((t) => t.resourceId === resourceId)
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
      .map((t) => t.id);

  server.resetStats();
  server.setFaults({ rate: 0.1, seed: SEED, kinds: FAULT_KINDS, delayMs: 5 });
  const callsBefore = logicalCalls;
  const attemptsBefore = counts.attempts;
  const failedBefore = counts.failed;

  for (let i = 0; i < OPS; i++) {
    clock += 1_000;
    const roll = random();
    const existing = [...threads.keys()];
    if (roll < 0.25 || (roll < 0.4 && existing.length === 0)) {
      const thread: StorageThreadType = {
        id: pick(THREAD_IDS),
        resourceId: pick(RESOURCE_IDS),
        title: `title ${i}`,
        metadata: { op: i, $schema: "s", nested: { list: [i, null, "x"] } },
        createdAt: new Date(clock),
        updatedAt: new Date(clock),
      };
      await run("saveThread", () => memory.saveThread({ thread }));
      threads.set(thread.id, thread);
    } else if (roll < 0.35) {
      const id = pick(existing);
      const title = random() < 0.5 ? `renamed ${i}` : undefined;
      const metadata = { [`k${i % 5}`]: i };
      const updated = await run("updateThread", () => memory.updateThread({ id, title, metadata }));
      const before = threads.get(id)!;
      const next = {
        ...before,
        ...(title !== undefined ? { title } : {}),
        metadata: { ...before.metadata, ...metadata },
        updatedAt: new Date(clock),
      };
      threads.set(id, next);
      if (!same(updated, next)) inconsistentReads++;
    } else if (roll < 0.4) {
      const threadId = pick(existing);
      await run("deleteThread", () => memory.deleteThread({ threadId }));
      threads.delete(threadId);
    } else if (roll < 0.48) {
      const resource = {
        id: pick(RESOURCE_IDS),
        workingMemory: `# memory ${i}`,
        metadata: { saved: i },
        createdAt: new Date(clock),
        updatedAt: new Date(clock),
      };
      await run("saveResource", () => memory.saveResource({ resource }));
      resources.set(resource.id, { workingMemory: resource.workingMemory, metadata: resource.metadata });
    } else if (roll < 0.65) {
      const resourceId = pick(RESOURCE_IDS);
      const workingMemory = random() < 0.7 ? `# updated ${i}` : undefined;
      const metadata = random() < 0.6 ? { [`m${i % 4}`]: i } : undefined;
      await run("updateResource", () => memory.updateResource({ resourceId, workingMemory, metadata }));
      const before = resources.get(resourceId);
      resources.set(resourceId, {
        workingMemory: workingMemory ?? before?.workingMemory,
        metadata: { ...before?.metadata, ...metadata },
      });
    } else if (roll < 0.8) {
      const threadId = pick(THREAD_IDS);
      const got = await run("getThreadById", () => memory.getThreadById({ threadId }));
      if (!same(got, threads.get(threadId) ?? null)) inconsistentReads++;
    } else if (roll < 0.9) {
      const resourceId = pick(RESOURCE_IDS);
      const got = await run("getResourceById", () => memory.getResourceById({ resourceId }));
      const want = resources.get(resourceId);
      const agrees = want === undefined
        ? got === null
        : got !== null && got.workingMemory === want.workingMemory && same(got.metadata ?? {}, want.metadata);
      if (!agrees) inconsistentReads++;
    } else {
      const resourceId = pick(RESOURCE_IDS);
      const perPage = random() < 0.5 ? false : 100;
      const list = await run("listThreads", () => memory.listThreads({ filter: { resourceId }, perPage }));
      const want = expectedList(resourceId);
      if (list.total !== want.length || !same(list.threads.map((t) => t.id), want)) {
        inconsistentReads++;
      }
    }
  }

  // Figures of the faulty phase, then faults off for the final comparison.
  const injected = { ...server.stats.injected };
  const apiRequests = server.stats.apiRequests;
  const attempts = counts.attempts - attemptsBefore;
  const failedAttempts = counts.failed - failedBefore;
  const calls = logicalCalls - callsBefore;
  server.setFaults(undefined);

  let lost = 0;
  let unexpected = 0;
  for (const id of THREAD_IDS) {
    const got = await memory.getThreadById({ threadId: id });
    const want = threads.get(id) ?? null;
    if (want && !same(got, want)) lost++;
    if (!want && got) unexpected++;
  }
  for (const id of RESOURCE_IDS) {
    const got = await memory.getResourceById({ resourceId: id });
    const want = resources.get(id);
    if (want && (got?.workingMemory !== want.workingMemory || !same(got?.metadata ?? {}, want.metadata))) {
      lost++;
    }
    if (!want && got) unexpected++;
  }
  const rows = await threadRows(server);
  const resourceRows = await server.backend.run(async (ctx) => await ctx.db.query("resources").collect());
  const duplicated = (rows.length - new Set(rows.map((r) => r.id)).size) +
    (resourceRows.length - new Set(resourceRows.map((r) => r.id)).size);
  let counterDrift = 0;
  for (const resourceId of RESOURCE_IDS) {
    const { total, threads: listed } = await memory.listThreads({ filter: { resourceId }, perPage: false });
    const stored = rows.filter((r) => r.resourceId === resourceId).length;
    if (total !== stored || listed.length !== stored || stored !== expectedList(resourceId).length) counterDrift++;
  }

  const nonDelayFaults = FAULT_KINDS.filter((k) => k !== "delay").reduce((sum, k) => sum + injected[k], 0);
  const fetchResends = apiRequests - attempts;
  const transportRetries = attempts - calls;
  const figures = {
    ops: OPS,
    opsByKind: opCounts,
    logicalCalls: calls,
    httpRequests: apiRequests,
    faultsInjected: { total: Object.values(injected).reduce((a, b) => a + b, 0), ...injected },
    failedAttemptsSeenByTransport: failedAttempts,
    resentByDenoFetch: fetchResends,
    transportRetries,
    errorsSurfaced,
    errorsByOp,
    inconsistentReads,
    lost,
    unexpected,
    duplicated,
    counterDrift,
    threadsAtEnd: threads.size,
    seconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  };
  console.log("transport fault run:", JSON.stringify(figures, null, 2));

  // Faults really happened, at about the configured rate, of every kind.
  assert.ok(apiRequests >= OPS);
  for (const kind of FAULT_KINDS) assert.ok(injected[kind] > 0, `no ${kind} fault injected`);
  const rate = figures.faultsInjected.total / apiRequests;
  assert.ok(rate > 0.06 && rate < 0.14, `fault rate ${rate}`);
  // Every fault that was not a mere delay reached the transport as a failed attempt, unless Deno's
  // fetch re-sent the request on its own (a dropped, reused keep-alive connection).
  assert.ok(fetchResends >= 0);
  assert.equal(failedAttempts + fetchResends, nonDelayFaults);
  // ...and every failed attempt was either retried by the transport or surfaced as a MastraError.
  assert.equal(failedAttempts, transportRetries + errorsSurfaced);
  assert.ok(transportRetries > 0);
  // Nothing lost, nothing duplicated, reads always agreed with what had succeeded.
  assert.equal(inconsistentReads, 0);
  assert.equal(lost, 0);
  assert.equal(unexpected, 0);
  assert.equal(duplicated, 0);
  assert.equal(counterDrift, 0);
});
