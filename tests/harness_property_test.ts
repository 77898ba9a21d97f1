/**
 * Differential property test of the harness domain: random sequences of
 * session saves, loads, lists, updates and pending-item changes, applied to
 * ConvexStorage (in-process backend) and to @mastra/core's InMemoryStore,
 * must give the same answers, compared exactly (errors: both must throw,
 * ours a MastraError). A fake `Date` makes both stores stamp the same "now".
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { type HarnessStorage, InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { fakeNow, withFakeDate } from "./helpers/fakeDate.ts";
import { assertSameOutcome, outcome } from "./helpers/normalize.ts";

const SESSIONS = ["s1", "s2", "s3"];
const ITEMS = ["i1", "i2"];
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const when = fc.integer({ min: 1, max: 50 }).map((n) => new Date(1_600_000_000_000 + n * 1000));
const json = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.date({ noInvalidDate: true }), fc.constant(undefined));
const bag = fc.dictionary(fc.constantFrom("a", "$schema", "_x", "ключ"), json, { maxKeys: 3 });

const item = fc.record({
  id: fc.constantFrom(...ITEMS),
  kind: fc.constantFrom("tool-approval", "question", "plan-approval"),
  status: fc.constantFrom("pending", "responded", "canceled"),
  sessionId: fc.constantFrom(...SESSIONS),
  runId: optional(fc.oneof(fc.constant(null), fc.constantFrom("run1"))),
  createdAt: when,
  updatedAt: when,
  payload: optional(bag),
  response: optional(bag),
}, { requiredKeys: ["id", "kind", "status", "sessionId", "createdAt", "updatedAt"] });

const session = fc.record({
  id: fc.constantFrom(...SESSIONS),
  ownerId: fc.constantFrom("o1", "o2"),
  resourceId: fc.constantFrom("r1"),
  threadId: fc.constantFrom("t1", "t2"),
  origin: fc.constantFrom("top-level", "subagent-tool"),
  modeId: fc.constantFrom("build", "plan"),
  modelId: fc.constantFrom("m1"),
  title: optional(fc.string({ maxLength: 6 })),
  metadata: optional(bag),
  state: optional(bag),
  source: optional(fc.record({ type: fc.constantFrom("top-level"), parentRunId: optional(fc.constant(null)) })),
  pending: optional(fc.uniqueArray(item, { selector: (i) => i.id, maxLength: 2 })),
  createdAt: when,
  lastActivityAt: when,
  closedAt: optional(fc.oneof(fc.constant(null), when)),
}, {
  requiredKeys: [
    "id",
    "ownerId",
    "resourceId",
    "threadId",
    "origin",
    "modeId",
    "modelId",
    "createdAt",
    "lastActivityAt",
  ],
});

const updates = fc.record({
  title: fc.string({ maxLength: 6 }),
  state: bag,
  modeId: fc.constantFrom("build", "plan"),
  lastActivityAt: when,
  closingAt: fc.oneof(fc.constant(null), when),
  id: fc.constant("hijack"),
  createdAt: when,
}, { requiredKeys: [] });

const itemUpdates = fc.record({
  status: fc.constantFrom("responded", "canceled", "failed"),
  response: bag,
  id: fc.constant("hijack"),
  sessionId: fc.constant("hijack"),
  createdAt: when,
}, { requiredKeys: [] });

type Op =
  | { kind: "save"; record: Record<string, unknown> }
  | { kind: "load"; id: string }
  | { kind: "list" }
  | { kind: "update"; id: string; updates: Record<string, unknown> }
  | { kind: "append"; id: string; item: Record<string, unknown> }
  | { kind: "updateItem"; id: string; itemId: string; updates: Record<string, unknown> }
  | { kind: "removeItem"; id: string; itemId: string };

const sessionId = fc.constantFrom(...SESSIONS, "missing");
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("save" as const), record: session }) },
  fc.record({ kind: fc.constant("load" as const), id: sessionId }),
  fc.record({ kind: fc.constant("list" as const) }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("update" as const), id: sessionId, updates }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("append" as const), id: sessionId, item }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("updateItem" as const),
      id: sessionId,
      itemId: fc.constantFrom(...ITEMS),
      updates: itemUpdates,
    }),
  },
  fc.record({ kind: fc.constant("removeItem" as const), id: sessionId, itemId: fc.constantFrom(...ITEMS) }),
);

async function apply(store: HarnessStorage, o: Op): Promise<unknown> {
  switch (o.kind) {
    case "save":
      return await store.saveSession(structuredClone(o.record) as never);
    case "load":
      return await store.loadSession(o.id);
    case "list":
      return await store.listSessions();
    case "update":
      return await store.updateSession(o.id, structuredClone(o.updates) as never);
    case "append":
      return await store.appendPendingItem(o.id, structuredClone(o.item) as never);
    case "updateItem":
      return await store.updatePendingItem(o.id, o.itemId, structuredClone(o.updates) as never);
    case "removeItem":
      return await store.removePendingItem(o.id, o.itemId);
  }
}

Deno.test("harness sessions behave exactly like InMemoryStore (property)", async () => {
  const stats: Record<string, number> = {};
  await withFakeDate(() => fakeNow.ms, () =>
    fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 5, maxLength: 35 }), async (ops) => {
        const reference = (await new InMemoryStore().getStore("harness"))!;
        const { storage } = createTestStorage();
        const ours = (await storage.getStore("harness"))!;
        for (const [index, o] of ops.entries()) {
          fakeNow.ms += 1000;
          const label = `op ${index} ${JSON.stringify(o)}`;
          const expected = await assertSameOutcome(label, () => apply(reference, o), () => apply(ours, o));
          const key = `${o.kind}:${expected.ok ? "ok" : "err"}`;
          stats[key] = (stats[key] ?? 0) + 1;
        }
        assert.deepStrictEqual(await outcome(() => ours.listSessions()), await outcome(() => reference.listSessions()));
      }),
      { numRuns: 40 },
    ));
  console.log(stats);
});
