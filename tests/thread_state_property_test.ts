/**
 * Differential property test of the thread-state domain: random sequences
 * of get/set/delete over a few threads and types, applied to ConvexStorage
 * (in-process backend) and to @mastra/core's InMemoryStore, must give the
 * same answers, compared exactly (`Date`, `Map`, `Set`, typed arrays,
 * `undefined` members and keys Convex refuses such as `$schema` and `_id`
 * included).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { InMemoryStore, type ThreadStateStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";

const THREADS = ["t1", "t2", "thread with spaces ☃"];
const TYPES = ["task", "goal", "$weird", ""];

const leaf = fc.oneof(
  fc.jsonValue({ maxDepth: 1 }),
  fc.date({ noInvalidDate: true }),
  fc.constant(undefined),
  fc.double(),
  fc.bigInt(),
  fc.uint8Array({ maxLength: 4 }),
);
const value: fc.Arbitrary<unknown> = fc.oneof(
  leaf,
  fc.array(leaf, { maxLength: 4 }),
  fc.dictionary(fc.constantFrom("id", "$schema", "_id", "ключ", "~t", "status"), leaf, { maxKeys: 4 }),
  fc.array(leaf, { maxLength: 3 }).map((items) => new Map(items.map((item, index) => [index, item]))),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 3 }).map((items) => new Set(items)),
  fc.array(
    fc.record({
      id: fc.string({ maxLength: 4 }),
      content: fc.string({ maxLength: 10 }),
      status: fc.constantFrom("pending", "in_progress", "completed"),
      activeForm: fc.string({ maxLength: 6 }),
    }),
    { maxLength: 4 },
  ),
);

type Op =
  | { kind: "get"; threadId: string; type: string }
  | { kind: "set"; threadId: string; type: string; value: unknown }
  | { kind: "delete"; threadId: string; type: string }
  | { kind: "clear" };

const slot = { threadId: fc.constantFrom(...THREADS), type: fc.constantFrom(...TYPES) };
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("get" as const), ...slot }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("set" as const), ...slot, value }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("delete" as const), ...slot }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("clear" as const) }) },
);

async function apply(store: ThreadStateStorage, o: Op): Promise<unknown> {
  switch (o.kind) {
    case "get":
      return await store.getState({ threadId: o.threadId, type: o.type });
    case "set":
      return await store.setState({ threadId: o.threadId, type: o.type, value: o.value });
    case "delete":
      return await store.deleteState({ threadId: o.threadId, type: o.type });
    case "clear":
      return await store.dangerouslyClearAll();
  }
}

Deno.test("thread state behaves exactly like InMemoryStore (property)", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 40 }), async (ops) => {
      const reference = (await new InMemoryStore().getStore("threadState"))!;
      const { storage } = createTestStorage();
      const ours = (await storage.getStore("threadState"))!;
      for (const [index, o] of ops.entries()) {
        const expected = await apply(reference, o);
        const actual = await apply(ours, o);
        assert.deepStrictEqual(
          actual,
          expected,
          `op ${index} ${o.kind} ${"threadId" in o ? `${o.threadId}/${o.type}` : ""}`,
        );
      }
      for (const threadId of THREADS) {
        for (const type of TYPES) {
          assert.deepStrictEqual(
            await ours.getState({ threadId, type }),
            await reference.getState({ threadId, type }),
            `final ${threadId}/${type}`,
          );
        }
      }
    }),
    { numRuns: 40 },
  );
});
