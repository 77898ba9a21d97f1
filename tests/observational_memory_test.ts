/**
 * Observational memory beyond the differential property test:
 *
 * - concurrency: several ConvexStorage instances on one backend buffer
 *   chunks, swap, set flags and merge configs at the same time; nothing is
 *   lost and no swap is applied twice;
 * - large values: observations and chunks over the inline limit go to blobs
 *   and come back exactly (compared with InMemoryStore doing the same), and
 *   nothing leaks once they are replaced or cleared;
 * - a long history is read in bounded calls;
 * - documents read per getObservationalMemory and per swap (printed);
 * - bad input fails with a MastraError and writes nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { InMemoryStore, type MemoryStorage, type ObservationalMemoryRecord } from "@mastra/core/storage";
import type { MutationCtx } from "../convex/kit/functions.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

async function memoryOf(storage: ConvexStorage): Promise<MemoryStorage> {
  await storage.init();
  return (await storage.getStore("memory"))!;
}

function chunk(cycleId: string, observations: string, messageTokens = 100) {
  return {
    cycleId,
    observations,
    tokenCount: 10,
    messageIds: [`msg-${cycleId}`],
    messageTokens,
    lastObservedAt: new Date(Date.UTC(2026, 0, 1)),
  };
}

/** Blob bookkeeping of the component: every blob is committed and referred to by a live row. */
async function blobState(backend: Backend): Promise<{ blobs: number; states: string[]; refs: number }> {
  return await backend.run(async (ctx: MutationCtx) => {
    const blobs = await ctx.db.query("blobs").collect();
    let refs = 0;
    for (const row of await ctx.db.query("observational_memory").collect()) {
      refs += Object.values(row).filter((value) => typeof value === "string" && value.startsWith("~blob:")).length;
    }
    return { blobs: blobs.length, states: [...new Set(blobs.map((b) => b.state))], refs };
  });
}

Deno.test("observational memory: concurrent callers on several storages lose nothing and never double-apply", async () => {
  const backend = createBackend();
  const stores = await Promise.all(
    [0, 1, 2, 3].map(() => memoryOf(new ConvexStorage({ client: inProcessClient(backend) }))),
  );
  const record = await stores[0].initializeObservationalMemory({
    threadId: "t",
    resourceId: "r",
    scope: "thread",
    config: { observation: { messageTokens: 100 } },
  });

  // 40 chunks buffered concurrently, 10 from each storage, plus a duplicate cycle from each.
  await Promise.all(stores.flatMap((store, s) => [
    ...Array.from(
      { length: 10 },
      (_, i) => store.updateBufferedObservations({ id: record.id, chunk: chunk(`c${s}-${i}`, `- obs ${s}-${i}`) }),
    ),
    store.updateBufferedObservations({ id: record.id, chunk: chunk("c0-0", "- duplicate") }),
  ]));
  const buffered = (await stores[1].getObservationalMemory("t", "r"))!;
  assert.equal(buffered.bufferedObservationChunks!.length, 40);
  assert.equal(new Set(buffered.bufferedObservationChunks!.map((c) => c.cycleId)).size, 40);
  assert.ok(!buffered.bufferedObservationChunks!.some((c) => c.observations === "- duplicate"));

  // 24 swaps at once, each activating exactly one chunk: 24 distinct chunks activated, 16 left.
  const results = await Promise.all(Array.from({ length: 24 }, (_, i) =>
    stores[i % 4].swapBufferedToActive({
      id: record.id,
      activationRatio: 1,
      messageTokensThreshold: 100,
      currentPendingTokens: 100,
    })));
  assert.ok(results.every((r) => r.chunksActivated === 1));
  const activated = results.flatMap((r) => r.activatedCycleIds);
  assert.equal(new Set(activated).size, 24);
  const swapped = (await stores[2].getObservationalMemory("t", "r"))!;
  assert.equal(swapped.bufferedObservationChunks!.length, 16);
  const order = buffered.bufferedObservationChunks!.map((c) => c.cycleId);
  assert.deepEqual(activated.toSorted(), order.slice(0, 24).toSorted(), "the oldest 24 chunks, each once");
  for (const c of buffered.bufferedObservationChunks!.slice(0, 24)) {
    assert.equal(swapped.activeObservations.split(c.observations).length - 1, 1, `${c.cycleId} activated once`);
  }
  assert.equal(swapped.observationTokenCount, 240);

  // Changes to different fields at the same moment: none overwrites another.
  await Promise.all([
    stores[0].setObservingFlag(record.id, true),
    stores[1].setReflectingFlag(record.id, true),
    stores[2].setBufferingReflectionFlag(record.id, true),
    stores[3].setBufferingObservationFlag(record.id, true, 1234),
    stores[0].setPendingMessageTokens(record.id, 77),
    stores[1].updateObservationalMemoryConfig({ id: record.id, config: { observation: { bufferTokens: 20 } } }),
    stores[2].updateObservationalMemoryConfig({ id: record.id, config: { reflection: { observationTokens: 500 } } }),
    stores[3].updateBufferedReflection({
      id: record.id,
      reflection: "- reflected A",
      tokenCount: 2,
      inputTokenCount: 5,
      reflectedObservationLineCount: 3,
    }),
    stores[0].updateBufferedReflection({
      id: record.id,
      reflection: "- reflected B",
      tokenCount: 2,
      inputTokenCount: 5,
      reflectedObservationLineCount: 3,
    }),
  ]);
  const flagged = (await stores[3].getObservationalMemory("t", "r"))!;
  assert.equal(flagged.isObserving, true);
  assert.equal(flagged.isReflecting, true);
  assert.equal(flagged.isBufferingReflection, true);
  assert.equal(flagged.isBufferingObservation, true);
  assert.equal(flagged.lastBufferedAtTokens, 1234);
  assert.equal(flagged.pendingMessageTokens, 77);
  assert.deepEqual(flagged.config, {
    observation: { messageTokens: 100, bufferTokens: 20 },
    reflection: { observationTokens: 500 },
  });
  assert.equal(flagged.bufferedReflectionTokens, 4);
  assert.equal(flagged.bufferedReflectionInputTokens, 10);
  assert.ok(["- reflected A\n\n- reflected B", "- reflected B\n\n- reflected A"].includes(flagged.bufferedReflection!));

  // Two processes swap the same buffered reflection: exactly one new generation.
  const swaps = await Promise.allSettled(
    [0, 1, 2].map((s) => stores[s].swapBufferedReflectionToActive({ currentRecord: flagged, tokenCount: 9 })),
  );
  assert.equal(swaps.filter((s) => s.status === "fulfilled").length, 1);
  for (const failed of swaps.filter((s) => s.status === "rejected")) {
    assert.ok((failed as PromiseRejectedResult).reason instanceof MastraError);
    assert.match(String((failed as PromiseRejectedResult).reason.message), /No buffered reflection to swap/);
  }
  const history = await stores[0].getObservationalMemoryHistory("t", "r");
  assert.deepEqual(history.map((r) => r.generationCount), [1, 0]);
  assert.equal(history[1].bufferedReflection, undefined);
  assert.ok(history[0].activeObservations.startsWith(flagged.bufferedReflection!));
});

/** Normalises store-chosen ids so two stores' answers compare. */
function normalize(value: unknown, ids: string[]): unknown {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "string") {
    if (ids.includes(value)) return `record#${ids.indexOf(value)}`;
    return value.startsWith("ombuf-") ? "ombuf" : value;
  }
  if (Array.isArray(value)) return value.map((v) => normalize(v, ids));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, normalize(v, ids)]),
    );
  }
  return value;
}

Deno.test("observational memory: large observations and chunks round-trip exactly and leak nothing", async () => {
  const clock = { now: Date.UTC(2026, 5, 1) };
  const { storage, backend } = createTestStorage({ now: () => clock.now });
  const ours = await memoryOf(storage);
  const reference = (await new InMemoryStore().getStore("memory"))!;
  const big = (n: number, seed: string) =>
    Array.from({ length: n }, (_, i) => `- ${seed} line ${i}: 🧠 observé ${"x".repeat(i % 50)}`).join("\n");
  const huge = big(12_000, "active"); // ~ 900 KiB of UTF-8
  const chunkText = big(3_000, "chunk"); // ~ 200 KiB each

  const run = async (memory: MemoryStorage, ids: string[]) => {
    const answers: unknown[] = [];
    // InMemoryStore answers with its live objects, which later calls change: keep copies.
    const out = { push: (value: unknown) => answers.push(structuredClone(value)) };
    const realNow = Date.now;
    Date.now = () => clock.now; // InMemoryStore stamps with new Date(); keep both on one clock
    const RealDate = Date;
    const FixedDate = class extends RealDate {
      constructor(...args: unknown[]) {
        super(...((args.length === 0 ? [clock.now] : args) as [number]));
      }
      static override [Symbol.hasInstance](value: unknown): boolean {
        return value instanceof RealDate;
      }
    };
    globalThis.Date = FixedDate as DateConstructor;
    try {
      const record = await memory.initializeObservationalMemory({
        threadId: "t",
        resourceId: "r",
        scope: "thread",
        config: {},
      });
      ids.push(record.id);
      clock.now += 1000;
      await memory.updateActiveObservations({
        id: record.id,
        observations: huge,
        tokenCount: 5000,
        lastObservedAt: new Date(clock.now),
        observedMessageIds: Array.from({ length: 20_000 }, (_, i) => `message-${i}`),
      });
      for (const cycle of ["a", "b", "c"]) {
        clock.now += 1000;
        await memory.updateBufferedObservations({ id: record.id, chunk: chunk(cycle, `${cycle}:${chunkText}`, 300) });
      }
      out.push(await memory.getObservationalMemory("t", "r"));
      clock.now += 1000;
      out.push(
        await memory.swapBufferedToActive({
          id: record.id,
          activationRatio: 0.5,
          messageTokensThreshold: 1000,
          currentPendingTokens: 1200,
        }),
      );
      out.push(await memory.getObservationalMemory("t", "r"));
      clock.now += 1000;
      await memory.updateBufferedReflection({
        id: record.id,
        reflection: big(6_000, "reflection"),
        tokenCount: 10,
        inputTokenCount: 20,
        reflectedObservationLineCount: 11_000,
      });
      clock.now += 1000;
      const current = (await memory.getObservationalMemory("t", "r"))!;
      const next = await memory.swapBufferedReflectionToActive({ currentRecord: current, tokenCount: 77 });
      ids.push(next.id);
      out.push(next);
      out.push(await memory.getObservationalMemoryHistory("t", "r"));
    } finally {
      globalThis.Date = RealDate;
      Date.now = realNow;
    }
    return answers;
  };
  const referenceIds: string[] = [];
  const ourIds: string[] = [];
  const start = clock.now;
  const expected = normalize(await run(reference, referenceIds), referenceIds);
  clock.now = start;
  const actual = normalize(await run(ours, ourIds), ourIds);
  assert.deepStrictEqual(actual, expected);

  const stored = await backend.run(async (ctx: MutationCtx) =>
    (await ctx.db.query("observational_memory").collect()).map((row) => ({
      active: row.activeObservations?.startsWith("~blob:"),
      chunks: row.bufferedObservationChunks?.startsWith("~blob:"),
      ids: row.observedMessageIds?.startsWith("~blob:"),
    }))
  );
  assert.ok(stored.some((row) => row.active && row.ids), "large values are stored out of line");
  const state = await blobState(backend);
  assert.deepEqual(state.states, ["committed"], "replaced values were swept");
  assert.equal(state.blobs, state.refs, "every blob is referred to by a live record");

  await ours.clearObservationalMemory("t", "r");
  assert.equal(await ours.getObservationalMemory("t", "r"), null);
  assert.deepEqual(await blobState(backend), { blobs: 0, states: [], refs: 0 });
});

Deno.test("observational memory: a long history is read newest first in bounded calls", async () => {
  const { storage } = createTestStorage();
  const memory = await memoryOf(storage);
  const queries: string[] = [];
  const transport = storage.transport as unknown as { query: (...args: unknown[]) => Promise<unknown> };
  const query = transport.query.bind(storage.transport);
  transport.query = (...args: unknown[]) => {
    queries.push(args[0] as string);
    return query(...args);
  };
  let current: ObservationalMemoryRecord = await memory.initializeObservationalMemory({
    threadId: null,
    resourceId: "r",
    scope: "resource",
    config: {},
  });
  const GENERATIONS = 150;
  const text = "- observation ".repeat(4000); // ~ 56 KB per generation: 8 MB of history
  for (let i = 1; i <= GENERATIONS; i++) {
    current = await memory.createReflectionGeneration({
      currentRecord: current,
      reflection: `${i}${text}`,
      tokenCount: i,
    });
  }
  queries.length = 0;
  const all = await memory.getObservationalMemoryHistory(null, "r");
  assert.equal(all.length, GENERATIONS + 1);
  assert.deepEqual(
    all.map((r) => r.generationCount),
    Array.from({ length: GENERATIONS + 1 }, (_, i) => GENERATIONS - i),
  );
  const historyCalls = queries.filter((q) => q === "memory/observationalMemory:history").length;
  assert.ok(historyCalls >= 2, `history read in ${historyCalls} bounded calls`);
  const page = await memory.getObservationalMemoryHistory(null, "r", 5, { offset: 140 });
  assert.deepEqual(page.map((r) => r.generationCount), [10, 9, 8, 7, 6]);
  const dated = await memory.getObservationalMemoryHistory(null, "r", undefined, {
    from: all[20].createdAt,
    to: all[10].createdAt,
  });
  assert.deepEqual(
    dated.map((r) => r.id),
    all.filter((r) => r.createdAt >= all[20].createdAt && r.createdAt <= all[10].createdAt).map((r) => r.id),
  );
  console.log(`history of ${GENERATIONS + 1} generations (~8 MB): ${historyCalls} history calls`);
});

Deno.test("observational memory: documents read per getObservationalMemory and per swap", async () => {
  const { storage } = createTestStorage();
  const memory = await memoryOf(storage);
  const record = await memory.initializeObservationalMemory({
    threadId: "t",
    resourceId: "r",
    scope: "thread",
    config: {},
  });
  for (let g = 0; g < 20; g++) {
    await memory.createReflectionGeneration({ currentRecord: record, reflection: `- gen ${g}`, tokenCount: 1 });
  }
  const current = (await memory.getObservationalMemory("t", "r"))!;
  for (let i = 0; i < 10; i++) {
    await memory.updateBufferedObservations({ id: current.id, chunk: chunk(`c${i}`, `- chunk ${i}`) });
  }
  const get = await measure(() => memory.getObservationalMemory("t", "r"));
  const swap = await measure(() =>
    memory.swapBufferedToActive({
      id: current.id,
      activationRatio: 1,
      messageTokensThreshold: 100,
      currentPendingTokens: 300,
    })
  );
  const flag = await measure(() => memory.setObservingFlag(current.id, true));
  const reflectionSwapSetup = await memory.updateBufferedReflection({
    id: current.id,
    reflection: "- r",
    tokenCount: 1,
    inputTokenCount: 1,
    reflectedObservationLineCount: 1,
  });
  assert.equal(reflectionSwapSetup, undefined);
  const reflectionSwap = await measure(() =>
    memory.swapBufferedReflectionToActive({ currentRecord: current, tokenCount: 1 })
  );
  const front = reflectionSwap.result;
  console.log(JSON.stringify({
    getObservationalMemory: get.usage,
    swapBufferedToActive: swap.usage,
    setObservingFlag: flag.usage,
    swapBufferedReflectionToActive: reflectionSwap.usage,
  }));
  assert.ok(get.usage.documentsRead <= 2, `get read ${get.usage.documentsRead}`);
  assert.ok(swap.usage.documentsRead <= 3, `swap read ${swap.usage.documentsRead}`);

  // Large: 1 MB of active observations stored in chunks.
  await memory.updateActiveObservations({
    id: front.id,
    observations: "- big ".repeat(200_000),
    tokenCount: 1,
    lastObservedAt: new Date(),
  });
  const bigGet = await measure(() => memory.getObservationalMemory("t", "r"));
  const bigRecordId = bigGet.result!.id;
  assert.equal(bigRecordId, front.id);
  assert.equal(bigGet.result!.activeObservations, "- big ".repeat(200_000));
  const bigSwap = await measure(async () => {
    await memory.updateBufferedObservations({ id: bigRecordId, chunk: chunk("big", "- more") });
    return await memory.swapBufferedToActive({
      id: bigRecordId,
      activationRatio: 1,
      messageTokensThreshold: 100,
      currentPendingTokens: 100,
    });
  });
  console.log(JSON.stringify({ largeGet: bigGet.usage, largeBufferAndSwap: bigSwap.usage }));
});

Deno.test("observational memory: bad input fails with a MastraError and writes nothing", async () => {
  const { storage, backend } = createTestStorage();
  const memory = await memoryOf(storage);
  const count = () =>
    backend.run(async (ctx: MutationCtx) => (await ctx.db.query("observational_memory").collect()).length);
  const record = await memory.initializeObservationalMemory({
    threadId: "t",
    resourceId: "r",
    scope: "thread",
    config: {},
  });
  const cases: [string, () => Promise<unknown>][] = [
    ["missing record", () => memory.setObservingFlag("nope", true)],
    ["empty id", () => memory.setPendingMessageTokens("", 1)],
    ["NaN tokens", () => memory.setPendingMessageTokens(record.id, NaN)],
    ["non-string observations", () =>
      memory.updateActiveObservations({
        id: record.id,
        observations: 5 as unknown as string,
        tokenCount: 1,
        lastObservedAt: new Date(),
      })],
    ["negative limit", () => memory.getObservationalMemoryHistory("t", "r", -1)],
    ["bad from", () => memory.getObservationalMemoryHistory("t", "r", 1, { from: "yesterday" as unknown as Date })],
    ["no resource", () => memory.getObservationalMemory("t", undefined as unknown as string)],
    ["duplicate insert", () => memory.insertObservationalMemoryRecord({ ...record, threadId: "other" })],
    ["swap without reflection", () => memory.swapBufferedReflectionToActive({ currentRecord: record, tokenCount: 1 })],
  ];
  for (const [name, call] of cases) {
    await assert.rejects(call, (error: unknown) => error instanceof MastraError, name);
  }
  assert.equal(await count(), 1);
  assert.deepEqual(await memory.getObservationalMemory("t", "r"), record);
  // Mastra stores the observer's model object in the config: its functions are dropped, as JSON stores do.
  const withModel = await memory.initializeObservationalMemory({
    threadId: "t2",
    resourceId: "r",
    scope: "thread",
    config: { model: { modelId: "m", doGenerate() {} }, observation: { messageTokens: 5 } },
  });
  assert.deepEqual(withModel.config, { model: { modelId: "m" }, observation: { messageTokens: 5 } });
});

Deno.test("observational memory: dangerouslyClearAll clears it; deleteThread leaves it, as InMemoryStore does", async () => {
  const { storage } = createTestStorage();
  const memory = await memoryOf(storage);
  await memory.saveThread({ thread: { id: "t", resourceId: "r", createdAt: new Date(), updatedAt: new Date() } });
  await memory.initializeObservationalMemory({ threadId: "t", resourceId: "r", scope: "thread", config: {} });
  await memory.deleteThread({ threadId: "t" });
  assert.notEqual(await memory.getObservationalMemory("t", "r"), null, "Mastra's Memory clears it itself");
  await memory.initializeObservationalMemory({ threadId: null, resourceId: "r", scope: "resource", config: {} });
  await memory.dangerouslyClearAll();
  assert.equal(await memory.getObservationalMemory("t", "r"), null);
  assert.equal(await memory.getObservationalMemory(null, "r"), null);
});

Deno.test("observational memory: a new generation carries over config, metadata and timezone as stored", async () => {
  const { storage } = createTestStorage();
  const memory = (await storage.getStore("memory"))!;
  const at = new Date(1_700_000_000_000);
  await memory.insertObservationalMemoryRecord({
    id: "g0",
    scope: "resource",
    threadId: null,
    resourceId: "r1",
    createdAt: at,
    updatedAt: at,
    originType: "initial",
    generationCount: 0,
    activeObservations: "- first",
    totalTokensObserved: 5,
    observationTokenCount: 3,
    pendingMessageTokens: 0,
    isReflecting: false,
    isObserving: false,
    isBufferingObservation: false,
    isBufferingReflection: false,
    lastBufferedAtTokens: 0,
    lastBufferedAtTime: null,
    config: { observation: { messageTokens: 100 } },
    metadata: { tenant: "acme" },
    observedTimezone: "Asia/Tokyo",
  } as ObservationalMemoryRecord);
  // The caller's copy is stale: the config changed since it was read.
  const stale = (await memory.getObservationalMemory(null, "r1"))!;
  await memory.updateObservationalMemoryConfig({ id: "g0", config: { observation: { messageTokens: 900 } } });
  const next = await memory.createReflectionGeneration({
    currentRecord: stale,
    reflection: "- reflected",
    tokenCount: 2,
  });
  assert.equal(next.generationCount, 1);
  assert.deepEqual(next.config, { observation: { messageTokens: 900 } });
  assert.deepEqual(next.metadata, { tenant: "acme" });
  assert.equal(next.observedTimezone, "Asia/Tokyo");
  // And through a buffered reflection swap.
  await memory.updateBufferedReflection({
    id: next.id,
    reflection: "- again",
    tokenCount: 1,
    inputTokenCount: 1,
    reflectedObservationLineCount: 1,
  });
  const swapped = await memory.swapBufferedReflectionToActive({ currentRecord: next, tokenCount: 1 });
  assert.equal(swapped.generationCount, 2);
  assert.deepEqual(swapped.metadata, { tenant: "acme" });
  assert.deepEqual(swapped.config, { observation: { messageTokens: 900 } });
  assert.equal(swapped.observedTimezone, "Asia/Tokyo");
  const history = await memory.getObservationalMemoryHistory(null, "r1");
  assert.deepEqual(history.map((record) => record.metadata), [{ tenant: "acme" }, { tenant: "acme" }, {
    tenant: "acme",
  }]);
});
