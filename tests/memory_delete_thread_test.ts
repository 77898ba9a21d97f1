/**
 * Issue 25, item 2: an interrupted `deleteThread` leaves nothing visible.
 *
 * The first mutation of a delete hides the thread and its messages from
 * every read and total; the deployment finishes the deletion by itself
 * (scheduled steps), so a caller that dies after the first commit still gets
 * a complete deletion. Checked against core's `InMemoryStore` after
 * `deleteThread`: every thread and message read (by id, by thread, by
 * resource, include windows, any page, any order, metadata filters), the app
 * reads, and writes onto the deleted thread's id and its messages' ids.
 * After the scheduled steps ran with no caller: no row, no rank entry, no
 * counter drift (counters recounted from the rows), large values released.
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import type { MastraDBMessage, StorageThreadType } from "@mastra/core/memory";
import type { MemoryStorage } from "@mastra/core/storage";
import { type Backend, componentHandle, createBackend, inProcessClient } from "./helpers/backend.ts";
import { FakeClock } from "./helpers/fakeClock.ts";
import { withFakeDate } from "./helpers/fakeDate.ts";
import { ConvexStorage } from "../src/storage.ts";
import type { ConvexClientLike } from "../src/transport.ts";
import { treeTotal } from "../convex/kit/rankTree.ts";
import { familyTrees } from "../convex/kit/rankFamily.ts";
import { memoryTrees } from "../convex/memory/counterNames.ts";

const T0 = 1_700_000_000_000;
const at = (ms: number) => new Date(T0 + ms);

const THREADS: StorageThreadType[] = [
  { id: "big", resourceId: "r1", title: "Big", metadata: { tag: "x" }, createdAt: at(10), updatedAt: at(10) },
  { id: "keep", resourceId: "r1", title: "Keep", metadata: { tag: "x" }, createdAt: at(20), updatedAt: at(20) },
  { id: "other", resourceId: "r2", title: "Other", createdAt: at(30), updatedAt: at(30) },
  { id: "plain", resourceId: "r1", title: "Plain", createdAt: at(40), updatedAt: at(40) },
];

function message(id: string, threadId: string, resourceId: string, ms: number, text: string): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: "user",
    createdAt: at(ms),
    content: { format: 2, parts: [{ type: "text", text }] },
  };
}

/**
 * "big": 24 messages of 200 KB (more than one 4 MiB step), one stored in
 * pieces (600 KB), two under another resource; "keep" and "other" have small
 * messages interleaved in time with big's.
 */
function fixtureMessages(): MastraDBMessage[] {
  const big = Array.from(
    { length: 24 },
    (_, i) => message(`big-${i}`, "big", i % 12 === 5 ? "r2" : "r1", 1000 + 10 * i, `${i}`.padEnd(200_000, "x")),
  );
  big.push(message("big-large", "big", "r1", 1005, "L".repeat(600_000)));
  const keep = Array.from({ length: 6 }, (_, i) => message(`keep-${i}`, "keep", "r1", 1003 + 40 * i, `keep ${i}`));
  const other = Array.from({ length: 4 }, (_, i) => message(`other-${i}`, "other", "r2", 1007 + 50 * i, `o ${i}`));
  return [...big, ...keep, ...other];
}

type Stores = { ours: MemoryStorage; core: MemoryStorage; backend: Backend; clock: FakeClock; storage: ConvexStorage };

/** Both stores with the same threads, messages and thread state; ours on a backend whose scheduler waits for `clock`. */
async function setup(clock: FakeClock, client?: (backend: Backend) => ConvexClientLike): Promise<Stores> {
  const backend = createBackend();
  const storage = new ConvexStorage({
    client: client ? client(backend) : inProcessClient(backend),
    now: () => clock.now,
    retry: { attempts: 1, baseDelayMs: 1 },
  });
  const ours = (await storage.getStore("memory"))!;
  const core = (await new InMemoryStore().getStore("memory"))!;
  for (const store of [ours, core]) for (const thread of THREADS) await store.saveThread({ thread });
  await saveBoth({ ours, core, clock }, fixtureMessages());
  await (await storage.getStore("threadState"))!.setState({ threadId: "big", type: "plan", value: { step: 3 } });
  return { ours, core, backend, clock, storage };
}

/**
 * Saves messages in both stores, one thread's at a time on a later clock
 * tick, so threads' `updatedAt` never tie (the stores order ties differently).
 */
async function saveBoth(
  { ours, core, clock }: Pick<Stores, "ours" | "core" | "clock">,
  messages: MastraDBMessage[],
): Promise<void> {
  for (const threadId of new Set(messages.map((m) => m.threadId))) {
    clock.now += 1000;
    const group = messages.filter((m) => m.threadId === threadId);
    for (const store of [ours, core]) await store.saveMessages({ messages: group });
  }
}

/** A client whose caller dies right after the first `memory/threads:remove` committed: no later call is sent. */
function dyingAfterFirstRemove(backend: Backend): ConvexClientLike {
  const inner = inProcessClient(backend);
  let dead = false;
  return {
    ...inner,
    mutation: async (path, args, options) => {
      if (dead) throw new Error("the caller is gone");
      const result = await inner.mutation(path, args, options);
      if (path === "memory/threads:remove") {
        dead = true;
        throw new Error("the caller died after the first step committed");
      }
      return result;
    },
  };
}

function threadView(thread: StorageThreadType | null) {
  return thread && {
    id: thread.id,
    resourceId: thread.resourceId,
    title: thread.title,
    metadata: thread.metadata,
    createdAt: thread.createdAt.getTime(),
  };
}

function messageView(message: MastraDBMessage) {
  return {
    id: message.id,
    threadId: message.threadId,
    resourceId: message.resourceId,
    createdAt: new Date(message.createdAt).getTime(),
  };
}

/** Every thread and message read Mastra has, on both stores: the same answers. */
async function assertSameReads({ ours, core }: Stores, when: string): Promise<void> {
  const both = async <T>(what: string, read: (store: MemoryStorage) => Promise<T>, view: (value: T) => unknown) => {
    const [mine, theirs] = [await read(ours), await read(core)];
    assert.deepStrictEqual(view(mine), view(theirs), `${when}: ${what}`);
  };
  for (const thread of THREADS) {
    await both(`getThreadById ${thread.id}`, (s) => s.getThreadById({ threadId: thread.id }), threadView);
    await both(
      `getThreadById ${thread.id} of r1`,
      (s) => s.getThreadById({ threadId: thread.id, resourceId: "r1" }),
      threadView,
    );
  }
  const threadPage = (page: Awaited<ReturnType<MemoryStorage["listThreads"]>>) => ({
    ids: page.threads.map((thread) => thread.id),
    total: page.total,
    hasMore: page.hasMore,
  });
  for (const filter of [undefined, { resourceId: "r1" }, { resourceId: "r2" }, { metadata: { tag: "x" } }]) {
    for (const field of ["createdAt", "updatedAt"] as const) {
      for (const direction of ["ASC", "DESC"] as const) {
        for (const [page, perPage] of [[0, 1], [1, 1], [2, 1], [0, 2], [1, 2], [0, false]] as const) {
          await both(
            `listThreads ${JSON.stringify({ filter, field, direction, page, perPage })}`,
            (s) => s.listThreads({ ...(filter ? { filter } : {}), orderBy: { field, direction }, page, perPage }),
            threadPage,
          );
        }
      }
    }
  }
  const messagePage = (page: Awaited<ReturnType<MemoryStorage["listMessages"]>>) => ({
    messages: page.messages.map(messageView),
    total: page.total,
    hasMore: page.hasMore,
  });
  const lists: Parameters<MemoryStorage["listMessages"]>[0][] = [
    { threadId: "big" },
    { threadId: "big", resourceId: "r1" },
    { threadId: ["big", "keep"], perPage: false },
    { threadId: ["big", "keep"], perPage: 3, page: 1 },
    { threadId: "keep", resourceId: "r1", perPage: 2, page: 1, orderBy: { field: "createdAt", direction: "DESC" } },
    {
      threadId: "keep",
      perPage: 1,
      include: [
        { id: "big-3", threadId: "big", withPreviousMessages: 2, withNextMessages: 2 },
        { id: "keep-2", withPreviousMessages: 1, withNextMessages: 1 },
        { id: "big-large" },
      ],
    },
  ];
  for (const args of lists) {
    await both(`listMessages ${JSON.stringify(args)}`, (s) => s.listMessages(args), messagePage);
  }
  const ids = fixtureMessages().map((m) => m.id);
  await both(
    "listMessagesById",
    (s) => s.listMessagesById({ messageIds: ids }),
    (r) => r.messages.map(messageView).sort((a, b) => a.id.localeCompare(b.id)),
  );
  for (const resourceId of ["r1", "r2"]) {
    const pages: Parameters<MemoryStorage["listMessagesByResourceId"]>[0][] = [
      { resourceId, perPage: false },
      { resourceId, perPage: 3, page: 0 },
      { resourceId, perPage: 3, page: 2 },
      { resourceId, perPage: 4, page: 1, orderBy: { field: "createdAt", direction: "DESC" } },
      { resourceId, perPage: false, filter: { dateRange: { start: at(1040), end: at(1150) } } },
      { resourceId, perPage: 2, page: 1, filter: { dateRange: { start: at(1040) } } },
    ];
    for (const args of pages) {
      await both(
        `listMessagesByResourceId ${JSON.stringify(args)}`,
        (s) => s.listMessagesByResourceId(args),
        messagePage,
      );
    }
  }
}

/** The app's reads (convex/memory/appReads.ts) show no trace of "big". */
async function assertAppReadsWithoutBig(backend: Backend): Promise<void> {
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  const query = (name: string, args: Record<string, unknown>) =>
    raw.query(componentHandle(`memory/appReads:${name}`), args);
  assert.equal(await query("thread", { threadId: "big" }), null);
  const ofResource = await query("threadsOfResource", { resourceId: "r1", limit: 10 }) as { id: string }[];
  assert.deepEqual(ofResource.map((t) => t.id).sort(), ["keep", "plain"]);
  assert.deepEqual(await query("recentMessages", { threadId: "big", limit: 50 }), []);
  const page = await query("messagesPage", { threadId: "big", paginationOpts: { numItems: 50, cursor: null } });
  assert.deepEqual(page.page, []);
  assert.equal((await query("recentMessages", { threadId: "keep", limit: 50 }) as unknown[]).length, 6);
}

// deno-lint-ignore no-explicit-any
async function all(backend: Backend, table: string): Promise<any[]> {
  // deno-lint-ignore no-explicit-any
  return await backend.run((ctx: any) => ctx.db.query(table).collect());
}

/**
 * Every memory counter equals a recount of the rows (messages of a thread
 * being deleted in their resource's hidden counter), and every rank tree
 * holds exactly its list's rows.
 */
async function assertBookkeepingExact(backend: Backend): Promise<void> {
  const threads = await all(backend, "threads");
  const messages = await all(backend, "messages");
  const expected = new Map<string, number>();
  const add = (name: string) => expected.set(name, (expected.get(name) ?? 0) + 1);
  // The all-threads total comes from the trees (checked below); no deployment-wide counter is kept.
  for (const thread of threads) add(`threads:resource:${thread.resourceId}`);
  // Messages of a thread being deleted count in their resource's hidden counter instead of its total, once the
  // deletion took them out of that resource (all resources, or those up to `hiddenThrough`).
  const deletions = new Map((await all(backend, "thread_deletions")).map((d) => [d.threadId, d]));
  const hidden = (m: { threadId: string; resourceId: string }) => {
    const deletion = deletions.get(m.threadId);
    return deletion !== undefined &&
      (deletion.hidden === "all" || (deletion.hiddenThrough !== undefined && m.resourceId <= deletion.hiddenThrough));
  };
  for (const m of messages) {
    add(`messages:thread:${m.threadId}`);
    if (m.resourceId !== undefined) {
      add(`messages:${hidden(m) ? "hidden:" : ""}resource:${m.resourceId}`);
      add(`messages:threadResource:${JSON.stringify([m.threadId, m.resourceId])}`);
    }
  }
  const actual = new Map<string, number>();
  for (const counter of await all(backend, "counters")) {
    const name = (counter.name as string).replace(/^threads:shard:\d+$/, "threads");
    if (!/^(threads|messages)(:|$)/.test(name)) continue;
    actual.set(name, (actual.get(name) ?? 0) + counter.value);
  }
  for (const [name, value] of [...actual]) if (value === 0) actual.delete(name);
  assert.deepStrictEqual(Object.fromEntries([...actual].sort()), Object.fromEntries([...expected].sort()));
  const trees: [string, number][] = [];
  for (const field of ["createdAt", "updatedAt"] as const) {
    trees.push([familyTrees(memoryTrees.allThreads(field)).join(","), threads.length]);
    for (const r of ["r1", "r2"]) {
      trees.push([memoryTrees.threadsOfResource(r, field), threads.filter((t) => t.resourceId === r).length]);
    }
  }
  for (const r of ["r1", "r2"]) {
    trees.push([memoryTrees.messagesOfResource(r), messages.filter((m) => m.resourceId === r).length]);
  }
  for (const t of THREADS.map((thread) => thread.id)) {
    trees.push([memoryTrees.messagesOfThread(t), messages.filter((m) => m.threadId === t).length]);
  }
  for (const [names, count] of trees) {
    let total = 0;
    // deno-lint-ignore no-explicit-any
    for (const name of names.split(",")) total += await backend.run((ctx: any) => treeTotal(ctx, name));
    assert.equal(total, count, `rank tree ${names}`);
  }
}

/** Nothing of "big" is stored any more: rows, tombstone, thread state; its large content released. */
async function assertBigGone(backend: Backend): Promise<void> {
  assert.equal((await all(backend, "messages")).filter((m) => m.threadId === "big").length, 0, "no message row");
  assert.deepEqual(await all(backend, "thread_deletions"), [], "no tombstone");
  assert.equal((await all(backend, "thread_state")).filter((s) => s.threadId === "big").length, 0, "no state");
  const live = (await all(backend, "blobs")).filter((b) => /^(messages:big-|threads:big$)/.test(b.owner ?? ""));
  assert.ok(live.every((b) => b.state === "garbage"), `large values released: ${JSON.stringify(live)}`);
  await assertBookkeepingExact(backend);
}

async function withClock(fn: (clock: FakeClock) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  clock.now = T0 + 100_000;
  clock.install();
  try {
    await withFakeDate(() => clock.now, () => fn(clock));
  } finally {
    clock.restore();
  }
}

Deno.test("deleteThread interrupted after its first commit: invisible at once, finished by the deployment", async () => {
  await withClock(async (clock) => {
    const stores = await setup(clock, dyingAfterFirstRemove);
    const { ours, core, backend } = stores;
    await assertSameReads(stores, "before");
    await assert.rejects(() => ours.deleteThread({ threadId: "big" }), /caller died/);
    await core.deleteThread({ threadId: "big" });
    // Part of big's messages are still stored (the deletion needs more steps), yet no read sees any of them.
    const left = (await all(backend, "messages")).filter((m) => m.threadId === "big").length;
    assert.ok(left > 0, "the first step left messages for the deployment");
    await assertSameReads(stores, "right after the interrupted delete");
    await assertAppReadsWithoutBig(backend);
    assert.equal(
      await stores.storage.getStore("threadState").then((s) => s!.getState({ threadId: "big", type: "plan" })),
      undefined,
    );
    // Another caller cannot clone or update it either.
    const fresh = (await new ConvexStorage({
      client: inProcessClient(backend),
      now: () => clock.now,
    }).getStore("memory"))!;
    await assert.rejects(() => fresh.cloneThread({ sourceThreadId: "big" }), /not found/);
    await assert.rejects(() => core.cloneThread({ sourceThreadId: "big" }), /not found/);
    await assert.rejects(() => fresh.updateThread({ id: "big", title: "t", metadata: {} }), /not found/);
    await assert.rejects(() => core.updateThread({ id: "big", title: "t", metadata: {} }), /not found/);
    await assertBookkeepingExact(backend);
    // No caller any more: the deployment's scheduled steps finish the deletion.
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    await assertBigGone(backend);
    await assertSameReads(stores, "after the deployment finished");
  });
});

Deno.test("deleteThread that runs to the end: everything gone when it resolves; the scheduled step is harmless", async () => {
  await withClock(async (clock) => {
    const stores = await setup(clock);
    const { ours, core, backend } = stores;
    await ours.deleteThread({ threadId: "big" });
    await core.deleteThread({ threadId: "big" });
    await assertBigGone(backend);
    await assertSameReads(stores, "after deleteThread resolved");
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    await assertBigGone(backend);
    // A second delete of the gone thread is a no-op, as in core.
    await ours.deleteThread({ threadId: "big" });
    await assertBookkeepingExact(backend);
  });
});

Deno.test("deleteThread steps run twice and concurrently with the deployment's: harmless", async () => {
  await withClock(async (clock) => {
    const stores = await setup(clock, dyingAfterFirstRemove);
    const { ours, core, backend } = stores;
    await assert.rejects(() => ours.deleteThread({ threadId: "big" }));
    await core.deleteThread({ threadId: "big" });
    // deno-lint-ignore no-explicit-any
    const raw = backend.raw as any;
    for (let round = 0; round < 6; round++) {
      await Promise.all([
        raw.mutation(componentHandle("memory/threads:remove"), { id: "big" }),
        raw.mutation(componentHandle("memory/threadDeletion:step"), { threadId: "big" }),
        raw.mutation(componentHandle("memory/threadDeletion:step"), { threadId: "big" }),
      ]);
      await assertSameReads(stores, `round ${round}`);
    }
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    await assertBigGone(backend);
  });
});

Deno.test("writes onto a thread being deleted behave as after a completed delete (InMemoryStore)", async () => {
  await withClock(async (clock) => {
    const stores = await setup(clock, dyingAfterFirstRemove);
    const { core, backend } = stores;
    await assert.rejects(() => stores.ours.deleteThread({ threadId: "big" }));
    await core.deleteThread({ threadId: "big" });
    // A fresh client (the old caller is gone), the deletion still pending.
    const ours = (await new ConvexStorage({
      client: inProcessClient(backend),
      now: () => clock.now,
    }).getStore("memory"))!;
    stores.ours = ours;
    const left = () => all(backend, "messages").then((rows) => rows.filter((m) => m.threadId === "big").length);
    assert.ok(await left() > 0);
    // Updating or deleting a message of the deleted thread: unknown ids, as in core.
    for (const store of [ours, core]) {
      clock.now += 1000;
      assert.deepEqual(await store.updateMessages({ messages: [{ id: "big-20", role: "assistant" }] }), []);
      await store.deleteMessages(["big-21"]);
    }
    // Its message ids are free: saved into another thread, they are new messages there.
    await saveBoth(stores, [
      message("big-22", "keep", "r1", 5000, "reused"),
      message("big-large", "other", "r2", 5001, "r"),
    ]);
    await assertSameReads(stores, "after reusing ids");
    await assertBookkeepingExact(backend);
    assert.ok(await left() > 0, "the deletion is still pending");
    // Saving messages into the deleted thread's id: the client finishes the deletion first, then saves.
    await saveBoth(stores, [message("new-1", "big", "r1", 6000, "after")]);
    assert.equal(await left(), 1);
    assert.deepEqual(await all(backend, "thread_deletions"), []);
    await assertSameReads(stores, "after saving into the deleted id");
    // Saving a thread with the deleted id makes a new thread (holding that message, as in core).
    for (const store of [ours, core]) {
      clock.now += 1000;
      await store.saveThread({ thread: { ...THREADS[0], title: "Reborn", createdAt: at(50), updatedAt: at(50) } });
    }
    await assertSameReads(stores, "after saving the thread again");
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    await assertSameReads(stores, "after the scheduled steps");
    await assertBookkeepingExact(backend);
  });
});

Deno.test("saveThread with the id of a thread being deleted finishes the deletion, then makes a new empty thread", async () => {
  await withClock(async (clock) => {
    const stores = await setup(clock, dyingAfterFirstRemove);
    const { core, backend } = stores;
    await assert.rejects(() => stores.ours.deleteThread({ threadId: "big" }));
    await core.deleteThread({ threadId: "big" });
    const ours = (await new ConvexStorage({
      client: inProcessClient(backend),
      now: () => clock.now,
    }).getStore("memory"))!;
    stores.ours = ours;
    for (const store of [ours, core]) {
      clock.now += 1000;
      await store.saveThread({ thread: { ...THREADS[0], title: "Again" } });
    }
    await assertSameReads(stores, "after saveThread");
    assert.equal((await ours.listMessages({ threadId: "big" })).total, 0);
    await assertBookkeepingExact(backend);
  });
});

/** Both stores after a delete of "big" whose caller died after the first step; ours through a fresh client. */
async function interruptedDelete(clock: FakeClock): Promise<Stores> {
  const stores = await setup(clock, dyingAfterFirstRemove);
  await assert.rejects(() => stores.ours.deleteThread({ threadId: "big" }));
  await stores.core.deleteThread({ threadId: "big" });
  stores.ours = (await new ConvexStorage({ client: inProcessClient(stores.backend), now: () => clock.now })
    .getStore("memory"))!;
  assert.equal((await all(stores.backend, "thread_deletions")).length, 1, "the deletion is pending");
  return stores;
}

Deno.test("moving a message into a thread being deleted finishes the deletion first, as after a completed delete", async () => {
  await withClock(async (clock) => {
    const stores = await interruptedDelete(clock);
    const { ours, core, backend } = stores;
    for (const store of [ours, core]) {
      clock.now += 1000;
      const moved = await store.updateMessages({ messages: [{ id: "keep-1", threadId: "big" }] });
      assert.deepEqual(moved.map((m) => m.threadId), ["big"]);
    }
    assert.deepEqual(await all(backend, "thread_deletions"), []);
    await assertSameReads(stores, "after moving a message into the deleted thread");
    for (const store of [ours, core]) {
      clock.now += 1000;
      await store.saveThread({ thread: { ...THREADS[0], title: "Back" } });
    }
    await assertSameReads(stores, "after saving the thread again");
    await assertBookkeepingExact(backend);
  });
});

Deno.test("cloning into the id of a thread being deleted finishes the deletion first", async () => {
  await withClock(async (clock) => {
    const { ours, core, backend } = await interruptedDelete(clock);
    for (const store of [ours, core]) {
      clock.now += 1000;
      const clone = await store.cloneThread({ sourceThreadId: "keep", newThreadId: "big" });
      assert.equal(clone.clonedMessages.length, 6);
      const { messages, total } = await store.listMessages({ threadId: "big", perPage: false });
      assert.deepEqual([messages.map((m) => m.content.parts), total], [
        clone.clonedMessages.map((m) => m.content.parts),
        6,
      ]);
    }
    assert.deepEqual(await all(backend, "thread_deletions"), []);
    await assertBookkeepingExact(backend);
  });
});

Deno.test("deleteThread of a thread whose messages span many resources: totals stay exact at every step", async () => {
  await withClock(async (clock) => {
    const backend = createBackend();
    const memory = (await new ConvexStorage({ client: inProcessClient(backend), now: () => clock.now })
      .getStore("memory"))!;
    const resources = Array.from({ length: 230 }, (_, i) => `w${String(i).padStart(3, "0")}`);
    await memory.saveThread({ thread: { id: "wide", resourceId: "w000", createdAt: at(0), updatedAt: at(0) } });
    await memory.saveThread({ thread: { id: "kept", resourceId: "w150", createdAt: at(1), updatedAt: at(1) } });
    await memory.saveMessages({
      messages: [
        ...resources.map((r, i) => message(`wide-${i}`, "wide", r, 100 + i, r)),
        message("kept-0", "kept", "w150", 50, "kept"),
      ],
    });
    // deno-lint-ignore no-explicit-any
    const raw = backend.raw as any;
    const first = await raw.mutation(componentHandle("memory/threads:remove"), { id: "wide" });
    assert.equal(first.done, false, "more resources than one step takes out of their totals");
    assert.equal(await memory.getThreadById({ threadId: "wide" }), null);
    assert.equal((await memory.listMessages({ threadId: "wide" })).total, 0);
    assert.deepEqual((await memory.listMessagesById({ messageIds: ["wide-3", "wide-200"] })).messages, []);
    for (const r of ["w000", "w099"]) {
      assert.equal((await memory.listMessagesByResourceId({ resourceId: r })).total, 0, r);
    }
    await assertBookkeepingExact(backend);
    let steps = 0;
    while (!(await raw.mutation(componentHandle("memory/threadDeletion:step"), { threadId: "wide" })).done) {
      await assertBookkeepingExact(backend);
      assert.ok(++steps < 10);
    }
    for (const r of ["w000", "w150", "w229"]) {
      const { messages, total } = await memory.listMessagesByResourceId({ resourceId: r, perPage: false });
      assert.deepEqual([messages.map((m) => m.id), total], r === "w150" ? [["kept-0"], 1] : [[], 0], r);
    }
    await backend.finishAllScheduledFunctions(() => clock.runAll());
    assert.equal((await all(backend, "messages")).length, 1);
    await assertBookkeepingExact(backend);
  });
});
