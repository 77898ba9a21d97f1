/**
 * Rank buckets: deep pages of one thread seek through bucket counts instead
 * of reading every skipped message, and stay exact while messages are
 * appended, inserted in the middle, moved, re-dated and deleted.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { MastraDBMessage } from "@mastra/core/memory";
import { MAX_ENTRIES as RANK_BUCKET_SIZE } from "../../convex/kit/rankTree.ts";
import { createTestStorage, settleRankTrees } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const T0 = 1_767_225_600_000;

function message(id: string, threadId: string, createdAt: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId: "user-1",
    role: "user",
    type: "text",
    createdAt: new Date(createdAt),
    content: { format: 2, parts: [{ type: "text", text: id }] },
  } as MastraDBMessage;
}

Deno.test("deep pages of a thread seek through rank buckets and stay exact under every kind of change", async () => {
  const { storage, backend } = createTestStorage({ now: () => T0 });
  const memory = (await storage.getStore("memory"))!;
  const N = 2_000;
  // Appends (with ties on createdAt), the usual shape of a conversation.
  await memory.saveMessages({
    messages: Array.from(
      { length: N },
      (_, i) => message(`m-${String(i).padStart(5, "0")}`, "t1", T0 + Math.floor(i / 3)),
    ),
  });
  const pageIds = async (page: number, perPage: number, direction: "ASC" | "DESC") =>
    (await memory.listMessages({ threadId: "t1", page, perPage, orderBy: { field: "createdAt", direction } }))
      .messages.map((m) => m.id);
  const allIds = async (direction: "ASC" | "DESC") =>
    (await memory.listMessages({ threadId: "t1", perPage: false, orderBy: { field: "createdAt", direction } }))
      .messages.map((m) => m.id);

  // Measured against the trees alone: the burst's pending changes (read in addition until folded) are folded first.
  await settleRankTrees(backend);
  const middle = await measure(() => pageIds(N / 2 / 40, 40, "ASC"));
  console.log(`middle page of ${N}: ${middle.usage.documentsRead} documents read (bucket size ${RANK_BUCKET_SIZE})`);
  assert.ok(middle.usage.documentsRead < 40 + RANK_BUCKET_SIZE + N / RANK_BUCKET_SIZE + 5, "seeks, not walks");
  assert.deepStrictEqual(middle.result, (await allIds("ASC")).slice(N / 2, N / 2 + 40));

  // Random changes of every kind, then every checked page must equal a slice of the full order.
  let next = N;
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant("insert"), at: fc.integer({ min: -10, max: Math.floor(N / 3) + 10 }) }),
          fc.record({ kind: fc.constant("delete"), index: fc.nat() }),
          fc.record({
            kind: fc.constant("redate"),
            index: fc.nat(),
            at: fc.integer({ min: -10, max: Math.floor(N / 3) + 10 }),
          }),
          fc.record({ kind: fc.constant("moveOut"), index: fc.nat() }),
          fc.record({ kind: fc.constant("moveIn"), at: fc.integer({ min: 0, max: Math.floor(N / 3) }) }),
        ),
        { minLength: 1, maxLength: 8 },
      ),
      fc.integer({ min: 0, max: 60 }),
      fc.constantFrom<"ASC" | "DESC">("ASC", "DESC"),
      async (changes, page, direction) => {
        for (const change of changes) {
          const ids = await allIds("ASC");
          if (change.kind === "insert") {
            await memory.saveMessages({ messages: [message(`x-${next++}`, "t1", T0 + change.at)] });
          } else if (change.kind === "delete" && ids.length > 0) {
            await memory.deleteMessages([ids[change.index % ids.length]]);
          } else if (change.kind === "redate" && ids.length > 0) {
            await memory.updateMessages({
              messages: [{ id: ids[change.index % ids.length], createdAt: new Date(T0 + change.at) } as never],
            });
          } else if (change.kind === "moveOut" && ids.length > 0) {
            await memory.updateMessages({ messages: [{ id: ids[change.index % ids.length], threadId: "t2" }] });
          } else if (change.kind === "moveIn") {
            const id = `y-${next++}`;
            await memory.saveMessages({ messages: [message(id, "t2", T0 + change.at)] });
            await memory.updateMessages({ messages: [{ id, threadId: "t1" }] });
          }
        }
        const all = await allIds(direction);
        const perPage = 30;
        const got = await pageIds(page, perPage, direction);
        assert.deepStrictEqual(got, all.slice(page * perPage, page * perPage + perPage));
      },
    ),
    { numRuns: 40 },
  );

  // After all that, a deep page still seeks (the buckets still account for every message).
  const total = (await allIds("ASC")).length;
  await settleRankTrees(backend);
  const deep = await measure(() => pageIds(Math.floor(total / 2 / 40), 40, "DESC"));
  assert.ok(
    deep.usage.documentsRead < 40 + 2 * RANK_BUCKET_SIZE + total / RANK_BUCKET_SIZE + 10,
    `${deep.usage.documentsRead}`,
  );

  // Deleting the thread removes its buckets too.
  await memory.deleteThread({ threadId: "t1" });
  assert.equal((await memory.listMessages({ threadId: "t1" })).total, 0);
});

Deno.test("threads without buckets are served by the walk until rebuildMessageRanks builds them", async () => {
  const { storage, backend } = createTestStorage();
  const memory = (await storage.getStore("memory"))! as import("../../src/memory/memoryStorage.ts").ConvexMemoryStorage;
  const N = 1_500;
  // Seeded directly (as data written before buckets existed): counters, no buckets.
  await backend.run(async (ctx) => {
    for (let i = 0; i < N; i++) {
      await ctx.db.insert("messages", {
        id: `m-${String(i).padStart(5, "0")}`,
        threadId: "old",
        role: "user",
        type: "text",
        content: JSON.stringify({ format: 2, parts: [{ type: "text", text: `#${i}` }] }),
        createdAt: T0 + Math.floor(i / 2),
      });
    }
    await ctx.db.insert("counters", { name: "messages:thread:old", value: N });
  });
  const page = () => memory.listMessages({ threadId: "old", page: 18, perPage: 40 });
  const before = await measure(page);
  const calls = await memory.rebuildMessageRanks({ threadId: "old" });
  const after = await measure(page);
  console.log(
    `page 18 of ${N} unbucketed: ${before.usage.documentsRead} read; rebuilt in ${calls} call(s): ${after.usage.documentsRead} read`,
  );
  assert.deepStrictEqual(after.result, before.result);
  assert.equal(after.result.messages[0].id, "m-00720");
  assert.ok(after.usage.documentsRead < before.usage.documentsRead / 2);
});
