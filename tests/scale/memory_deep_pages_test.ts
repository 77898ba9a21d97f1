/**
 * Deep pages of the memory lists, against core's `InMemoryStore`, on
 * lists large enough that pages seek through rank trees (several leaves per
 * tree, every shard of the all-threads families populated):
 *
 * - thread lists, global and per resource, by `createdAt` / `updatedAt`,
 *   ascending and descending, at random depths, while threads are saved,
 *   renamed, re-stamped by new messages, moved and deleted;
 * - message lists of one thread, of several threads (with and without a
 *   `resourceId`), of a resource, with `createdAt` ranges and `include`
 *   windows, at random depths, while messages are added, re-dated, moved
 *   and deleted;
 * - what such pages cost: documents read (`measure`) and round trips.
 *
 * The large starting state is seeded directly into the tables with the same
 * bookkeeping our mutations keep (rows, counters, rank trees), and through
 * the API into the reference store; everything after that goes through the
 * API on both sides. Timestamps are distinct so the stores' different tie
 * orders (ours by id, core's by insertion) never matter.
 */
import assert from "node:assert/strict";
import { mock } from "node:test";
import fc from "fast-check";
import type { MastraDBMessage } from "@mastra/core/memory";
import { InMemoryStore } from "@mastra/core/storage";
import { createBackend, inProcessClient, settleRankTrees } from "../helpers/backend.ts";
import type { Backend } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { memoryCounters, memoryTrees, threadTreeEntries } from "../../convex/memory/counterNames.ts";
import { CounterBatch } from "../../convex/memory/messageStore.ts";
import { adjustCounters, readCounter } from "../../convex/kit/counters.ts";
import { RankBatch, treeTotal } from "../../convex/kit/rankTree.ts";
import { familyTrees, totalAcross } from "../../convex/kit/rankFamily.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { markCovered } from "../../convex/kit/coverage.ts";
import type { MessageRow, ThreadRow } from "../../convex/memory/validators.ts";

const T0 = 1_767_225_600_000;

/** A storage on a fresh backend whose client counts the calls made. */
function countedStorage(): { storage: ConvexStorage; backend: Backend; calls: () => number } {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    ...inner,
    query: (path, args) => {
      calls++;
      return inner.query(path, args);
    },
    mutation: (path, args) => {
      calls++;
      return inner.mutation(path, args);
    },
  };
  return { storage: new ConvexStorage({ client, now: () => Date.now() }), backend, calls: () => calls };
}

/**
 * Inserts threads as `memory/threads:save` would (row, resource counter, rank trees; the coverage mark of the
 * table's first thread), in bounded transactions.
 */
async function seedThreads(backend: Backend, rows: ThreadRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 400) {
    await backend.run(async (ctx) => {
      const ranks = new RankBatch();
      const deltas: [string, number][] = [];
      if (await ctx.db.query("threads").first() === null) await markCovered(ctx as never, "threads");
      for (const row of rows.slice(start, start + 400)) {
        await ctx.db.insert("threads", row);
        ranks.change([], threadTreeEntries(row));
        deltas.push([memoryCounters.threadsOfResource(row.resourceId), 1]);
      }
      await ranks.apply(ctx);
      await adjustCounters(ctx, deltas);
    });
  }
}

/** Inserts messages as `memory/messages:save` would (row, counters, rank trees), in bounded transactions. */
async function seedMessages(backend: Backend, rows: MessageRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += 400) {
    await backend.run(async (ctx) => {
      const counters = new CounterBatch();
      for (const row of rows.slice(start, start + 400)) {
        await ctx.db.insert("messages", row);
        counters.change(null, row);
      }
      await counters.apply(ctx);
    });
  }
}

/** A page index at fraction `f` of a list of `total` rows (a little past the end sometimes). */
function pageAt(f: number, total: number, perPage: number): number {
  return Math.floor(f * (Math.ceil(total / perPage) + 1));
}

// ---------------------------------------------------------------------------
// Threads

const SEED_THREADS = 2_400;
const RESOURCES = ["r0", "r1", "r2"];

type ThreadOp =
  | { kind: "save"; pick: number; fresh: boolean; resource: number }
  | { kind: "rename"; pick: number }
  | { kind: "updateMetadata"; pick: number }
  | { kind: "message"; pick: number }
  | { kind: "delete"; pick: number }
  | {
    kind: "list";
    resource: number | null;
    field: "createdAt" | "updatedAt";
    direction: "ASC" | "DESC";
    perPage: number;
    depth: number;
  };

const threadOpArb: fc.Arbitrary<ThreadOp> = fc.oneof(
  fc.record({
    kind: fc.constant("save" as const),
    pick: fc.nat(),
    fresh: fc.boolean(),
    resource: fc.nat(RESOURCES.length - 1),
  }),
  fc.record({ kind: fc.constant("rename" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("updateMetadata" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("message" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      resource: fc.option(fc.nat(RESOURCES.length - 1), { nil: null }),
      field: fc.constantFrom("createdAt" as const, "updatedAt" as const),
      direction: fc.constantFrom("ASC" as const, "DESC" as const),
      perPage: fc.integer({ min: 1, max: 60 }),
      depth: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

Deno.test("thread lists agree with InMemoryStore at every depth, globally and per resource", async () => {
  mock.timers.enable({ apis: ["Date"], now: T0 });
  try {
    const { storage, backend } = countedStorage();
    const ours = (await storage.getStore("memory"))!;
    const reference = (await new InMemoryStore().getStore("memory"))!;
    const seeded: ThreadRow[] = Array.from({ length: SEED_THREADS }, (_, i) => ({
      id: `t-${String((i * 7919) % SEED_THREADS).padStart(5, "0")}`,
      resourceId: RESOURCES[i % RESOURCES.length],
      title: `Thread ${i}`,
      metadata: encodeValue({ n: i }),
      createdAt: T0 - 50_000_000 + i * 10,
      updatedAt: T0 - 20_000_000 + ((i * 104_729) % SEED_THREADS) * 10,
    }));
    await seedThreads(backend, seeded);
    for (const row of seeded) {
      await reference.saveThread({
        thread: {
          id: row.id,
          resourceId: row.resourceId,
          title: row.title,
          metadata: { n: Number(row.id.slice(2)) },
          createdAt: new Date(row.createdAt),
          updatedAt: new Date(row.updatedAt),
        },
      });
    }
    const ids = seeded.map((row) => row.id);
    let created = 0;
    let lists = 0;
    const apply = async (op: ThreadOp) => {
      mock.timers.tick(1);
      const id = "pick" in op ? ids[op.pick % ids.length] : "";
      switch (op.kind) {
        case "save": {
          const threadId = op.fresh ? `n-${ids.length}` : id;
          if (op.fresh) ids.push(threadId);
          const thread = {
            id: threadId,
            resourceId: RESOURCES[op.resource],
            title: "saved",
            metadata: {},
            createdAt: new Date(T0 - 40_000_000 + (created++) * 10 + 3),
            updatedAt: new Date(Date.now()),
          };
          await ours.saveThread({ thread: structuredClone(thread) });
          await reference.saveThread({ thread: structuredClone(thread) });
          return;
        }
        case "rename":
        case "updateMetadata": {
          const update = op.kind === "rename" ? { id, title: "renamed" } : { id, metadata: { touched: true } };
          const a = await ours.updateThread(structuredClone(update)).then(() => true, () => false);
          const b = await reference.updateThread(structuredClone(update)).then(() => true, () => false);
          assert.equal(a, b, `updateThread ${id}`);
          return;
        }
        case "message": {
          const message = {
            id: `msg-${Date.now()}`,
            threadId: id,
            resourceId: "r0",
            role: "user",
            type: "text",
            createdAt: new Date(Date.now()),
            content: { format: 2, parts: [{ type: "text", text: "hi" }] },
          } as unknown as MastraDBMessage;
          if (!(await reference.getThreadById({ threadId: id }))) return;
          await ours.saveMessages({ messages: [structuredClone(message)] });
          await reference.saveMessages({ messages: [structuredClone(message)] });
          return;
        }
        case "delete": {
          await ours.deleteThread({ threadId: id });
          await reference.deleteThread({ threadId: id });
          return;
        }
        case "list": {
          const filter = op.resource === null ? {} : { resourceId: RESOURCES[op.resource] };
          const all = await reference.listThreads({ filter, perPage: 1 });
          const page = pageAt(op.depth, all.total, op.perPage);
          const args = { filter, page, perPage: op.perPage, orderBy: { field: op.field, direction: op.direction } };
          const a = await ours.listThreads(structuredClone(args));
          const b = await reference.listThreads(structuredClone(args));
          const shape = (out: typeof a) => ({
            total: out.total,
            hasMore: out.hasMore,
            page: out.page,
            perPage: out.perPage,
            threads: out.threads.map((t) => `${t.id}@${t.createdAt.getTime()}/${t.updatedAt.getTime()}`),
          });
          assert.deepStrictEqual(shape(a), shape(b), JSON.stringify(args));
          lists++;
          return;
        }
      }
    };
    await fc.assert(
      fc.asyncProperty(fc.array(threadOpArb, { minLength: 1, maxLength: 8 }), async (ops) => {
        for (const op of ops) await apply(op);
      }),
      { numRuns: 60 },
    );
    // Every ordering at a few fixed depths, after all the changes.
    for (const resource of [null, 0]) {
      for (const field of ["createdAt", "updatedAt"] as const) {
        for (const direction of ["ASC", "DESC"] as const) {
          for (const depth of [0, 0.13, 0.5, 0.77, 0.999]) {
            await apply({ kind: "list", resource, field, direction, perPage: 40, depth });
          }
        }
      }
    }
    assert.ok(lists > 60, `${lists} lists compared`);
    // The pages above were served by seeks: every tree still accounts for exactly what its counter counts (all
    // threads: what the reference holds; the legacy count the seed wrote is dropped once the trees cover the table).
    const allThreads = (await reference.listThreads({ perPage: 1 })).total;
    await backend.run(async (ctx) => {
      for (const field of ["createdAt", "updatedAt"] as const) {
        assert.equal(await totalAcross(ctx, familyTrees(memoryTrees.allThreads(field))), allThreads);
        for (const resourceId of RESOURCES) {
          assert.equal(
            await treeTotal(ctx, memoryTrees.threadsOfResource(resourceId, field)),
            await readCounter(ctx, memoryCounters.threadsOfResource(resourceId)),
          );
        }
      }
    });
  } finally {
    mock.timers.reset();
  }
});

// ---------------------------------------------------------------------------
// Messages

const SEED_PER_THREAD = 700;
const THREADS = ["t1", "t2", "t3"];
/** t1's messages all belong to r1, t3's to r2, t2's to either (so t2 with a resourceId has no exact tree). */
function resourceOf(threadId: string, i: number): string {
  return threadId === "t1" ? "r1" : threadId === "t3" ? "r2" : i % 3 === 0 ? "r2" : "r1";
}

type MessageOp =
  | { kind: "add"; thread: number; at: number; resource: number }
  | { kind: "delete"; pick: number }
  | { kind: "redate"; pick: number; at: number }
  | { kind: "move"; pick: number; thread: number }
  | {
    kind: "list";
    threads: number[];
    asArray: boolean;
    resource: number | null;
    range: { start: number; end: number } | null;
    include: { pick: number; before: number; after: number }[];
    direction: "ASC" | "DESC";
    perPage: number;
    depth: number;
  }
  | {
    kind: "byResource";
    resource: number;
    range: { start: number; end: number } | null;
    direction: "ASC" | "DESC";
    perPage: number;
    depth: number;
  };

const SPAN = 3 * SEED_PER_THREAD * 10;
const rangeArb = fc.option(
  fc.tuple(fc.integer({ min: -100, max: SPAN + 100 }), fc.integer({ min: -100, max: SPAN + 100 })).map((
    [a, b],
  ) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
  { nil: null },
);
const messageOpArb: fc.Arbitrary<MessageOp> = fc.oneof(
  fc.record({
    kind: fc.constant("add" as const),
    thread: fc.nat(2),
    at: fc.integer({ min: -50, max: SPAN + 50 }),
    resource: fc.nat(1),
  }),
  fc.record({ kind: fc.constant("delete" as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant("redate" as const), pick: fc.nat(), at: fc.integer({ min: -50, max: SPAN + 50 }) }),
  fc.record({ kind: fc.constant("move" as const), pick: fc.nat(), thread: fc.nat(2) }),
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      threads: fc.array(fc.nat(2), { minLength: 1, maxLength: 3 }),
      asArray: fc.boolean(),
      resource: fc.option(fc.nat(1), { nil: null }),
      range: rangeArb,
      include: fc.oneof(
        { weight: 2, arbitrary: fc.constant<{ pick: number; before: number; after: number }[]>([]) },
        {
          weight: 1,
          arbitrary: fc.array(fc.record({ pick: fc.nat(), before: fc.nat(6), after: fc.nat(6) }), { maxLength: 3 }),
        },
      ),
      direction: fc.constantFrom("ASC" as const, "DESC" as const),
      perPage: fc.integer({ min: 1, max: 60 }),
      depth: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("byResource" as const),
      resource: fc.nat(1),
      range: rangeArb,
      direction: fc.constantFrom("ASC" as const, "DESC" as const),
      perPage: fc.integer({ min: 1, max: 60 }),
      depth: fc.double({ min: 0, max: 1, noNaN: true }),
    }),
  },
);

function messageInput(id: string, threadId: string, resourceId: string, createdAt: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: "user",
    type: "text",
    createdAt: new Date(createdAt),
    content: { format: 2, parts: [{ type: "text", text: id }] },
  } as unknown as MastraDBMessage;
}

type ListOut = { messages: MastraDBMessage[]; total: number; page: number; perPage: number | false; hasMore: boolean };
const listShape = (out: ListOut) => ({
  total: out.total,
  hasMore: out.hasMore,
  page: out.page,
  perPage: out.perPage,
  messages: out.messages.map((m) => `${m.id}@${m.threadId}:${new Date(m.createdAt).getTime() - T0}`),
});

Deno.test("message lists agree with InMemoryStore at every depth: threads, thread sets, resources, ranges, includes", async () => {
  const { storage, backend } = countedStorage();
  const ours = (await storage.getStore("memory"))!;
  const reference = (await new InMemoryStore().getStore("memory"))!;
  for (const memory of [ours, reference]) {
    for (const [i, id] of THREADS.entries()) {
      await memory.saveThread({
        thread: { id, resourceId: `r${1 + (i % 2)}`, title: id, createdAt: new Date(T0), updatedAt: new Date(T0) },
      });
    }
  }
  // Interleaved in time across the threads; distinct timestamps (multiples of 10, later ones get other residues).
  const seeded: MessageRow[] = [];
  for (let i = 0; i < SEED_PER_THREAD; i++) {
    for (const [t, threadId] of THREADS.entries()) {
      const n = i * THREADS.length + t;
      seeded.push({
        id: `m-${String(n).padStart(5, "0")}`,
        threadId,
        resourceId: resourceOf(threadId, i),
        role: "user",
        type: "text",
        content: encodeValue({ format: 2, parts: [{ type: "text", text: `m-${String(n).padStart(5, "0")}` }] }),
        createdAt: T0 + n * 10,
      });
    }
  }
  await seedMessages(backend, seeded);
  await reference.saveMessages({
    messages: seeded.map((row) => messageInput(row.id, row.threadId, row.resourceId!, row.createdAt)),
  });
  const used = new Set(seeded.map((row) => row.createdAt));
  const freeTime = (at: number) => {
    let time = T0 + at;
    while (used.has(time)) time++;
    used.add(time);
    return time;
  };
  const ids = seeded.map((row) => row.id);
  let next = 0;
  let compared = 0;
  const apply = async (op: MessageOp) => {
    switch (op.kind) {
      case "add": {
        const message = messageInput(`x-${next++}`, THREADS[op.thread], `r${1 + op.resource}`, freeTime(op.at));
        ids.push(message.id);
        await ours.saveMessages({ messages: [structuredClone(message)] });
        await reference.saveMessages({ messages: [structuredClone(message)] });
        return;
      }
      case "delete": {
        const id = ids.splice(op.pick % ids.length, 1)[0];
        await ours.deleteMessages([id]);
        await reference.deleteMessages([id]);
        return;
      }
      case "redate":
      case "move": {
        const id = ids[op.pick % ids.length];
        const update = op.kind === "redate"
          ? { id, createdAt: new Date(freeTime(op.at)) }
          : { id, threadId: THREADS[op.thread] };
        await ours.updateMessages({ messages: [structuredClone(update) as never] });
        await reference.updateMessages({ messages: [structuredClone(update) as never] });
        return;
      }
      case "list": {
        const threadIds = [...new Set(op.threads.map((t) => THREADS[t]))];
        const threadId = op.asArray ? threadIds : threadIds[0];
        const filter = op.range === null
          ? undefined
          : { dateRange: { start: new Date(T0 + op.range.start), end: new Date(T0 + op.range.end) } };
        const base = {
          threadId,
          ...(op.resource !== null ? { resourceId: `r${1 + op.resource}` } : {}),
          ...(filter ? { filter } : {}),
          orderBy: { field: "createdAt" as const, direction: op.direction },
        };
        const { total } = await reference.listMessages({ ...structuredClone(base), perPage: 1 });
        const include = op.include.map((item) => ({
          id: ids[item.pick % ids.length],
          withPreviousMessages: item.before,
          withNextMessages: item.after,
        }));
        const args = {
          ...base,
          page: pageAt(op.depth, total, op.perPage),
          perPage: op.perPage,
          ...(include.length > 0 ? { include } : {}),
        };
        const a = await ours.listMessages(structuredClone(args));
        const b = await reference.listMessages(structuredClone(args));
        assert.deepStrictEqual(listShape(a), listShape(b), JSON.stringify(args));
        compared++;
        return;
      }
      case "byResource": {
        const filter = op.range === null
          ? undefined
          : { dateRange: { start: new Date(T0 + op.range.start), end: new Date(T0 + op.range.end) } };
        const base = {
          resourceId: `r${1 + op.resource}`,
          ...(filter ? { filter } : {}),
          orderBy: { field: "createdAt" as const, direction: op.direction },
        };
        const { total } = await reference.listMessagesByResourceId({ ...structuredClone(base), perPage: 1 });
        const args = { ...base, page: pageAt(op.depth, total, op.perPage), perPage: op.perPage };
        const a = await ours.listMessagesByResourceId(structuredClone(args));
        const b = await reference.listMessagesByResourceId(structuredClone(args));
        assert.deepStrictEqual(listShape(a), listShape(b), JSON.stringify(args));
        compared++;
        return;
      }
    }
  };
  await fc.assert(
    fc.asyncProperty(fc.array(messageOpArb, { minLength: 1, maxLength: 8 }), async (ops) => {
      for (const op of ops) await apply(op);
    }),
    { numRuns: 60 },
  );
  assert.ok(compared > 60, `${compared} lists compared`);
  // The pages above were served by seeks: every tree still accounts for exactly what its counter counts.
  await backend.run(async (ctx) => {
    for (const threadId of THREADS) {
      assert.equal(
        await treeTotal(ctx, memoryTrees.messagesOfThread(threadId)),
        await readCounter(ctx, memoryCounters.messagesOfThread(threadId)),
      );
    }
    for (const resourceId of ["r1", "r2"]) {
      assert.equal(
        await treeTotal(ctx, memoryTrees.messagesOfResource(resourceId)),
        await readCounter(ctx, memoryCounters.messagesOfResource(resourceId)),
      );
    }
  });
});

// ---------------------------------------------------------------------------
// Costs

/** Documents a page of `k` may read among `n` rows: `k + 4·log2(n)`. */
const bound = (k: number, n: number) => k + 4 * Math.log2(n);

Deno.test("a middle page of 40 costs at most 40 + 4·log2(N) documents in one call; include windows ride along", async () => {
  const { storage, backend, calls } = countedStorage();
  const memory = (await storage.getStore("memory"))!;
  const N_THREADS = 3_000;
  await seedThreads(
    backend,
    Array.from({ length: N_THREADS }, (_, i) => ({
      id: `t-${String(i).padStart(5, "0")}`,
      resourceId: `r${i % 2}`,
      metadata: encodeValue({}),
      createdAt: T0 + i * 10,
      updatedAt: T0 + ((i * 7919) % N_THREADS) * 10 + 1,
    })),
  );
  const N_MESSAGES = 3_000;
  const threadIds = ["a", "b", "c"];
  await seedMessages(
    backend,
    Array.from({ length: N_MESSAGES }, (_, i) => ({
      id: `m-${String(i).padStart(5, "0")}`,
      threadId: threadIds[i % 3],
      resourceId: "user",
      role: "user",
      type: "text",
      content: encodeValue({ format: 2, parts: [{ type: "text", text: `#${i}` }] }),
      createdAt: T0 + i * 10,
    })),
  );
  // Measured against the trees alone: the seeds' pending changes (read in addition until folded) are folded first.
  await settleRankTrees(backend);
  const figures: Record<string, { docs: number; calls: number; bound: number }> = {};
  const cost = async <T>(name: string, n: number, k: number, fn: () => Promise<T>): Promise<T> => {
    const before = calls();
    const { result, usage } = await measure(fn);
    figures[name] = { docs: usage.documentsRead, calls: calls() - before, bound: Math.floor(bound(k, n)) };
    return result;
  };
  const middle = Math.floor(N_THREADS / 2 / 40);
  for (const field of ["createdAt", "updatedAt"] as const) {
    for (const direction of ["ASC", "DESC"] as const) {
      const out = await cost(
        `listThreads all, ${field} ${direction}, page ${middle}`,
        N_THREADS,
        40,
        () => memory.listThreads({ page: middle, perPage: 40, orderBy: { field, direction } }),
      );
      assert.equal(out.threads.length, 40);
      assert.equal(out.total, N_THREADS);
    }
  }
  await cost(
    `listThreads of a resource, page ${Math.floor(middle / 2)}`,
    N_THREADS / 2,
    40,
    () => memory.listThreads({ filter: { resourceId: "r1" }, page: Math.floor(middle / 2), perPage: 40 }),
  );
  const messagePage = Math.floor(N_MESSAGES / 2 / 40);
  const multi = await cost(
    `listMessages of 3 threads, page ${messagePage}`,
    N_MESSAGES,
    40,
    () => memory.listMessages({ threadId: threadIds, page: messagePage, perPage: 40 }),
  );
  assert.deepStrictEqual(
    multi.messages.map((m) => m.id),
    Array.from({ length: 40 }, (_, i) => `m-${String(messagePage * 40 + i).padStart(5, "0")}`),
  );
  assert.equal(multi.total, N_MESSAGES);
  await cost(
    `listMessages of 3 threads with resourceId, DESC, page ${messagePage}`,
    N_MESSAGES,
    40,
    () =>
      memory.listMessages({
        threadId: threadIds,
        resourceId: "user",
        page: messagePage,
        perPage: 40,
        orderBy: { field: "createdAt", direction: "DESC" },
      }),
  );
  const ranged = await cost(
    "listMessagesByResourceId in a date range, middle page",
    N_MESSAGES,
    40,
    () =>
      memory.listMessagesByResourceId({
        resourceId: "user",
        filter: { dateRange: { start: new Date(T0 + 5_000), end: new Date(T0 + 25_000) } },
        page: 10,
        perPage: 40,
      }),
  );
  assert.equal(ranged.total, 2_001);
  assert.equal(ranged.messages[0].id, "m-00900");
  const inThread = await cost(
    "listMessages of a thread in a date range, middle page",
    N_MESSAGES / 3,
    40,
    () =>
      memory.listMessages({
        threadId: "a",
        filter: { dateRange: { start: new Date(T0 + 3_000), end: new Date(T0 + 27_000) } },
        page: 5,
        perPage: 40,
      }),
  );
  assert.equal(inThread.total, 801);
  // Mastra's recall: the last messages of a thread plus semantic-recall hits with their neighbours.
  const include = [
    { id: "m-00300", withPreviousMessages: 2, withNextMessages: 2 },
    { id: "m-01201", withPreviousMessages: 2, withNextMessages: 2 },
  ];
  const recall = await cost(
    "listMessages with 2 include windows (±2)",
    N_MESSAGES / 3,
    40 + 10,
    () =>
      memory.listMessages({
        threadId: "a",
        resourceId: "user",
        include,
        perPage: 40,
        orderBy: { field: "createdAt", direction: "DESC" },
      }),
  );
  assert.equal(recall.messages.length, 40 + 10);
  assert.ok(recall.messages.some((m) => m.id === "m-01201" && m.threadId === "b"));
  console.log("documents read / calls per call:", figures);
  for (const [name, figure] of Object.entries(figures)) {
    assert.equal(figure.calls, 1, `${name}: ${figure.calls} calls`);
    assert.ok(figure.docs <= figure.bound, `${name}: ${figure.docs} documents > ${figure.bound}`);
  }
});

Deno.test("documents written per memory write on a populated deployment", async () => {
  const { storage, backend } = countedStorage();
  const memory = (await storage.getStore("memory"))!;
  await seedThreads(
    backend,
    Array.from({ length: 3_000 }, (_, i) => ({
      id: `t-${String(i).padStart(5, "0")}`,
      resourceId: `r${i % 2}`,
      metadata: encodeValue({}),
      createdAt: T0 + i * 10,
      updatedAt: T0 + i * 10 + 1,
    })),
  );
  await seedMessages(
    backend,
    Array.from({ length: 1_000 }, (_, i) => ({
      id: `m-${String(i).padStart(5, "0")}`,
      threadId: "t-00000",
      resourceId: "r0",
      role: "user",
      type: "text",
      content: encodeValue({ format: 2, parts: [{ type: "text", text: `#${i}` }] }),
      createdAt: T0 + i * 10,
    })),
  );
  const written: Record<string, number> = {};
  const writes = async (name: string, fn: () => Promise<unknown>) => {
    written[name] = (await measure(fn)).usage.documentsWritten;
  };
  const thread = (id: string) => ({
    id,
    resourceId: "r0",
    title: "x",
    metadata: {},
    createdAt: new Date(T0 + 50_000),
    updatedAt: new Date(T0 + 50_000),
  });
  await writes("saveThread (new)", () => memory.saveThread({ thread: thread("new-1") }));
  await writes("saveThread (same again)", () => memory.saveThread({ thread: thread("new-1") }));
  await writes("updateThread (title)", () => memory.updateThread({ id: "t-00010", title: "renamed" }));
  await writes("updateThread (metadata)", () => memory.updateThread({ id: "t-00011", metadata: { a: 1 } }));
  await writes(
    "saveMessages (1 message, thread of 1,000)",
    () => memory.saveMessages({ messages: [messageInput("new-m-1", "t-00000", "r0", T0 + 1_000_000)] }),
  );
  await writes(
    "saveMessages (10 messages, thread of 1,001)",
    () =>
      memory.saveMessages({
        messages: Array.from(
          { length: 10 },
          (_, i) => messageInput(`new-m-${2 + i}`, "t-00000", "r0", T0 + 1_000_010 + i),
        ),
      }),
  );
  await writes("deleteMessages (1)", () => memory.deleteMessages(["m-00500"]));
  await writes("deleteThread (no messages)", () => memory.deleteThread({ threadId: "t-00020" }));
  console.log("documents written per call:", written);
  // Row + its tree nodes (depth 2: leaf and root per tree) + counters, a small constant.
  assert.ok(written["saveThread (new)"] <= 16, `${written["saveThread (new)"]}`);
  assert.ok(written["saveMessages (1 message, thread of 1,000)"] <= 18);
});

Deno.test("include windows larger than one call, and more entries than one call takes, agree with InMemoryStore", async () => {
  const { storage, backend, calls } = countedStorage();
  const ours = (await storage.getStore("memory"))!;
  const reference = (await new InMemoryStore().getStore("memory"))!;
  const rows: MessageRow[] = Array.from({ length: 2_400 }, (_, i) => ({
    id: `m-${String(i).padStart(5, "0")}`,
    threadId: i % 10 === 0 ? "side" : "big",
    resourceId: "user",
    role: "user",
    type: "text",
    content: encodeValue({ format: 2, parts: [{ type: "text", text: `#${i}` }] }),
    createdAt: T0 + i * 10,
  }));
  await seedMessages(backend, rows);
  await reference.saveMessages({
    messages: rows.map((row) => messageInput(row.id, row.threadId, row.resourceId!, row.createdAt)),
  });
  const cases = {
    // One window of 2,151 + 1 + 8 rows: over one call's include budget (2,000 documents).
    "one huge window": [{ id: "m-02391", withPreviousMessages: 2_400, withNextMessages: 30 }],
    // 210 entries: over the 200 one call resolves; overlapping windows in both threads.
    "210 entries": Array.from({ length: 210 }, (_, i) => ({
      id: `m-${String(i * 10 + 1).padStart(5, "0")}`,
      withPreviousMessages: i % 4,
      withNextMessages: 3,
    })),
    "a huge window after small ones": [
      { id: "m-00005", withPreviousMessages: 1, withNextMessages: 1 },
      { id: "m-02393", withPreviousMessages: 2_100 },
      { id: "m-00010", withNextMessages: 2 },
    ],
  };
  const figures: Record<string, number> = {};
  for (const [name, include] of Object.entries(cases)) {
    for (const perPage of [0, 10]) {
      const args = { threadId: "side", resourceId: "user", include, perPage };
      const before = calls();
      const a = await ours.listMessages(structuredClone(args));
      figures[`${name}, perPage ${perPage}`] = calls() - before;
      const b = await reference.listMessages(structuredClone(args));
      assert.deepStrictEqual(listShape(a), listShape(b), `${name}, perPage ${perPage}`);
    }
  }
  console.log("calls per listMessages:", figures);
  assert.equal(figures["210 entries, perPage 10"], 2);
  assert.ok(figures["one huge window, perPage 10"] > 2);
});

Deno.test("threads written before the all-threads trees existed are walked until rebuildRankTrees builds them", async () => {
  const { storage, backend } = countedStorage();
  const memory = (await storage.getStore("memory"))!;
  const N = 1_200;
  // Rows and counters only, as a deployment written before the trees existed holds them.
  await backend.run(async (ctx) => {
    for (let i = 0; i < N; i++) {
      await ctx.db.insert("threads", {
        id: `t-${String(i).padStart(5, "0")}`,
        resourceId: `r${i % 3}`,
        metadata: encodeValue({}),
        createdAt: T0 + i * 10,
        updatedAt: T0 + ((i * 7919) % N) * 10,
      });
    }
    await adjustCounters(ctx, [[memoryCounters.threads(), N]]);
  });
  const page = () => memory.listThreads({ page: 12, perPage: 40, orderBy: { field: "updatedAt", direction: "ASC" } });
  const before = await measure(page);
  await storage.rebuildRankTrees();
  const after = await measure(page);
  console.log(
    `page 12 of ${N} threads: ${before.usage.documentsRead} read before the rebuild, ${after.usage.documentsRead} after`,
  );
  assert.deepStrictEqual(after.result, before.result);
  assert.equal(before.result.threads[0].id, "t-00720"); // (720 * 7919) % 1200 = 480
  assert.ok(after.usage.documentsRead <= bound(40, N), `${after.usage.documentsRead}`);
  assert.ok(before.usage.documentsRead > 480);
});
