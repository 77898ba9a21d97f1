/**
 * Differential property test of the notifications domain: random
 * sequences of creates (with dedupe / coalesce keys, so coalescing is
 * common), gets, updates, bulk status changes, filtered lists and due
 * lists, applied to ConvexStorage (in-process backend) and to
 * @mastra/core's InMemoryStore, must give the same answers, compared
 * exactly, order included (errors: both must throw, ours a MastraError).
 * A fake `Date` that moves in coarse steps gives both stores the same
 * "now" and many ties on `updatedAt`, where order is insertion order.
 */
import fc from "fast-check";
import { InMemoryStore, type NotificationsStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { fakeNow, withFakeDate } from "./helpers/fakeDate.ts";
import { assertSameOutcome } from "./helpers/normalize.ts";

const THREADS = ["t1", "t2"];
const IDS = ["n1", "n2", "n3"];
const BASE = 1_700_000_000_000;
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const at = fc.integer({ min: 0, max: 6 }).map((n) => new Date(BASE + n * 60_000));
const attrs = fc.dictionary(
  fc.constantFrom("a", "b", "$x"),
  fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean(), fc.constant(null)),
  { maxKeys: 2 },
);
const meta = fc.dictionary(fc.constantFrom("m", "_n"), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
const status = fc.constantFrom("pending", "delivered", "seen", "dismissed", "archived", "discarded", "failed");
const priority = fc.constantFrom("low", "medium", "high", "urgent");

const create = fc.record({
  id: optional(fc.constantFrom(...IDS)),
  threadId: fc.constantFrom(...THREADS),
  source: fc.constantFrom("ci", "Mail"),
  kind: fc.constantFrom("build", "alert"),
  summary: fc.constantFrom("Build failed", "new MAIL", "ok"),
  priority: optional(priority),
  payload: optional(fc.oneof(fc.jsonValue({ maxDepth: 1 }), fc.constant(null))),
  resourceId: optional(fc.constantFrom("r1", "r2")),
  agentId: optional(fc.constantFrom("a1", "a2")),
  sourceId: optional(fc.constantFrom("s1")),
  dedupeKey: optional(fc.constantFrom("d1", "d2", "")),
  coalesceKey: optional(fc.constantFrom("c1", "c2")),
  attributes: optional(attrs),
  metadata: optional(meta),
  deliverAt: fc.option(at, { nil: undefined, freq: 4 }),
  summaryAt: optional(at),
  deliveryReason: optional(fc.constantFrom("idle", "queue")),
  createdAt: optional(at),
}, { requiredKeys: ["threadId", "source", "kind", "summary"] });

const update = fc.record({
  status: optional(status),
  summary: optional(fc.constantFrom("edited")),
  payload: optional(fc.jsonValue({ maxDepth: 1 })),
  attributes: optional(attrs),
  metadata: optional(meta),
  deliverAt: optional(fc.oneof(fc.constant(null), at)),
  summaryAt: optional(fc.oneof(fc.constant(null), at)),
  deliveryReason: optional(fc.constantFrom("retry")),
  deliveryAttempts: optional(fc.integer({ min: 0, max: 3 })),
  lastDeliveryAttemptAt: optional(at),
  lastDeliveryError: optional(fc.constantFrom("boom")),
  deliveredSignalId: optional(fc.constantFrom("sig1")),
  summarySignalId: optional(fc.constantFrom("sig2")),
}, { requiredKeys: [] });

/** Usually absent, so lists often return several rows. */
const rarely = <T>(arb: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
const filterValue = <T>(arb: fc.Arbitrary<T>) =>
  rarely(fc.oneof(arb, fc.array(arb, { maxLength: 3 }), fc.constant(""))) as fc.Arbitrary<unknown>;

type Op =
  | { kind: "create"; input: Record<string, unknown> }
  | { kind: "get"; threadId: string; id: string }
  | { kind: "update"; threadId: string; id: string; set: Record<string, unknown> }
  | { kind: "bulk"; threadId: string; ids: string[]; status: string }
  | { kind: "list"; input: Record<string, unknown> }
  | { kind: "due"; input: Record<string, unknown> };

const threadId = fc.constantFrom(...THREADS);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("create" as const), input: create }) },
  fc.record({ kind: fc.constant("get" as const), threadId, id: fc.constantFrom(...IDS) }),
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("update" as const), threadId, id: fc.constantFrom(...IDS), set: update }),
  },
  fc.record({
    kind: fc.constant("bulk" as const),
    threadId,
    ids: fc.array(fc.constantFrom(...IDS, "nope"), { maxLength: 5 }),
    status,
  }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      input: fc.record({
        threadId,
        status: filterValue(status),
        priority: filterValue(priority),
        source: rarely(fc.constantFrom("ci", "Mail", "")),
        resourceId: rarely(fc.constantFrom("r1", "r2")),
        agentId: rarely(fc.constantFrom("a1", "a2")),
        search: rarely(fc.constantFrom("MAIL", "build", "fail", "")),
        limit: optional(fc.integer({ min: 0, max: 4 })),
      }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("due" as const),
      input: fc.record({
        now: fc.integer({ min: -1, max: 12 }).map((n) => new Date(BASE + n * 60_000)),
        limit: optional(fc.integer({ min: 0, max: 4 })),
        agentId: rarely(fc.constantFrom("a1", "a2", "")),
        resourceId: rarely(fc.constantFrom("r1", "r2")),
      }, { requiredKeys: ["now"] }),
    }),
  },
);

async function apply(store: NotificationsStorage, o: Op): Promise<unknown> {
  switch (o.kind) {
    case "create":
      return await store.createNotification(structuredClone(o.input) as never);
    case "get":
      return await store.getNotification({ threadId: o.threadId, id: o.id });
    case "update":
      return await store.updateNotification({ ...structuredClone(o.set), threadId: o.threadId, id: o.id } as never);
    case "bulk":
      return await store.updateNotificationsStatus({ threadId: o.threadId, ids: o.ids, status: o.status as never });
    case "list":
      return await store.listNotifications(structuredClone(o.input) as never);
    case "due":
      return await store.listDueNotifications(structuredClone(o.input) as never);
  }
}

/** Generated ids are random on both sides: a create without an id gets `g<index>` on both (see notifications_test.ts). */
function withId(o: Op, index: number): Op {
  return o.kind === "create" && o.input.id === undefined ? { ...o, input: { ...o.input, id: `g${index}` } } : o;
}

Deno.test("notifications behave exactly like InMemoryStore (property)", async () => {
  const stats: Record<string, number> = {};
  await withFakeDate(() => fakeNow.ms, () =>
    fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(op, fc.integer({ min: 0, max: 2 })), { minLength: 5, maxLength: 40 }),
        async (steps) => {
          const reference = (await new InMemoryStore().getStore("notifications"))!;
          const { storage } = createTestStorage();
          const ours = (await storage.getStore("notifications"))!;
          fakeNow.ms = BASE;
          for (const [index, [generated, tick]] of steps.entries()) {
            const o = withId(generated, index);
            fakeNow.ms += tick * 60_000; // often the same minute: ties on updatedAt
            const label = `op ${index} ${JSON.stringify(o)}`;
            const expected = await assertSameOutcome(label, () => apply(reference, o), () => apply(ours, o));
            const size = expected.ok && Array.isArray(expected.value) ? `:${Math.min(expected.value.length, 2)}` : "";
            const key = `${o.kind}:${expected.ok ? "ok" : "err"}${size}`;
            stats[key] = (stats[key] ?? 0) + 1;
          }
        },
      ),
      { numRuns: 60 },
    ));
  console.log(stats);
});
