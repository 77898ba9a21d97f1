/**
 * Differential property test of the schedules domain: random operation
 * sequences applied to ConvexStorage (on the in-process Convex backend) and
 * to @mastra/core's InMemoryStore must give the same answers.
 *
 * Normalised: keys holding `undefined`, error messages (both must throw,
 * ours a MastraError), and the order of due schedules tied on
 * `nextFireAt` (core leaves them in insertion order, ours orders them by
 * id: the expected answer is core's full due list re-sorted by
 * (nextFireAt, id), then cut at `limit`). `updatedAt`, which both stores
 * stamp with "now", is compared exactly: our injected clock is set to the
 * time core stamped. `createdAt` and `actualFireAt` are unique per
 * operation, so those orders are compared as they are. Trigger ids are
 * given (generated ids are random on both sides; see schedules_test.ts).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { MastraError } from "@mastra/core/error";
import { InMemoryStore, type Schedule, type SchedulesStorage } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { type Outcome, outcome } from "./helpers/normalize.ts";

const IDS = ["s1", "s2", "s3", "s4"];
const WORKFLOWS = ["w1", "w2"];
const OWNER_TYPES = ["agent", "tenant"];
const OWNER_IDS = ["o1", "o2"];
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
/** Few distinct fire times: ties and exact CAS hits are common. */
const fireAt = fc.integer({ min: 1, max: 8 }).map((n) => n * 60_000);
const json = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.date({ noInvalidDate: true }), fc.constant(undefined));
const metadata = fc.dictionary(fc.constantFrom("a", "$schema", "_x", "ключ"), json, { maxKeys: 3 });

const target = fc.oneof(
  fc.record({
    type: fc.constant("workflow" as const),
    workflowId: fc.constantFrom(...WORKFLOWS),
    inputData: optional(json),
    resourceId: optional(fc.constantFrom("r1", "r2")),
  }, { requiredKeys: ["type", "workflowId"] }),
  fc.record({
    type: fc.constantFrom("agent" as const, "heartbeat" as const),
    agentId: fc.constantFrom("ag1", "ag2"),
    prompt: fc.string({ maxLength: 8 }),
    metadata: optional(metadata),
  }, { requiredKeys: ["type", "agentId", "prompt"] }),
);

type Op =
  | { kind: "create"; schedule: Omit<Schedule, "createdAt"> }
  | { kind: "get"; id: string }
  | { kind: "list"; filter: Record<string, unknown> | undefined }
  | { kind: "due"; now: number; limit?: number }
  | { kind: "update"; id: string; patch: Record<string, unknown> }
  | { kind: "advance"; id: string; current: boolean; expected: number; next: number; lastFireAt: number; runId: string }
  | { kind: "delete"; id: string }
  | { kind: "record"; scheduleId: string; trigger: Record<string, unknown> }
  | { kind: "triggers"; scheduleId: string; opts?: Record<string, unknown> };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("create" as const),
      schedule: fc.record({
        id: fc.constantFrom(...IDS),
        target,
        cron: fc.constantFrom("* * * * *", "0 9 * * 1"),
        timezone: optional(fc.constantFrom("UTC", "Europe/Paris")),
        status: fc.constantFrom("active" as const, "paused" as const),
        nextFireAt: fireAt,
        lastFireAt: optional(fireAt),
        lastRunId: optional(fc.constantFrom("run-a", "run-b")),
        updatedAt: fireAt,
        metadata: optional(metadata),
        ownerType: optional(fc.constantFrom(...OWNER_TYPES)),
        ownerId: optional(fc.constantFrom(...OWNER_IDS)),
      }, { requiredKeys: ["id", "target", "cron", "status", "nextFireAt", "updatedAt"] }) as fc.Arbitrary<
        Omit<Schedule, "createdAt">
      >,
    }),
  },
  fc.record({ kind: fc.constant("get" as const), id: fc.constantFrom(...IDS) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("list" as const),
      filter: optional(fc.record({
        status: fc.constantFrom("active", "paused"),
        workflowId: fc.constantFrom(...WORKFLOWS, ""),
        ownerType: fc.constantFrom(...OWNER_TYPES, null),
        ownerId: fc.constantFrom(...OWNER_IDS, null),
      }, { requiredKeys: [] })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("due" as const),
      now: fc.integer({ min: 0, max: 9 }).map((n) => n * 60_000),
      limit: optional(fc.integer({ min: 0, max: 4 })),
    }, { requiredKeys: ["kind", "now"] }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      id: fc.constantFrom(...IDS),
      patch: fc.record({
        cron: fc.constantFrom("*/5 * * * *"),
        timezone: optional(fc.constantFrom("UTC", "Asia/Tokyo")),
        status: fc.constantFrom("active", "paused"),
        nextFireAt: fireAt,
        metadata: optional(metadata),
        target: optional(target),
        ownerType: optional(fc.constantFrom(...OWNER_TYPES)),
        ownerId: optional(fc.constantFrom(...OWNER_IDS)),
      }, { requiredKeys: [] }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      id: fc.constantFrom(...IDS),
      current: fc.constantFrom(true, true, true, false),
      expected: fireAt,
      next: fireAt,
      lastFireAt: fireAt,
      runId: fc.constantFrom("run-x", "run-y"),
    }),
  },
  fc.record({ kind: fc.constant("delete" as const), id: fc.constantFrom(...IDS) }),
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("record" as const),
      scheduleId: fc.constantFrom(...IDS),
      trigger: fc.record({
        runId: fc.oneof(fc.constant(null), fc.constantFrom("run-1", "run-2")),
        scheduledFireAt: fireAt,
        outcome: fc.constantFrom("published", "failed", "skipped"),
        error: optional(fc.string({ maxLength: 6 })),
        triggerKind: optional(fc.constantFrom("schedule-fire", "manual", "queue-drain")),
        parentTriggerId: optional(fc.constantFrom("p1")),
        metadata: optional(metadata),
      }, { requiredKeys: ["runId", "scheduledFireAt", "outcome"] }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("triggers" as const),
      scheduleId: fc.constantFrom(...IDS),
      opts: optional(fc.record({
        limit: fc.integer({ min: 0, max: 4 }),
        fromActualFireAt: fc.integer({ min: 0, max: 40 }).map((n) => n * 1000),
        toActualFireAt: fc.integer({ min: 0, max: 40 }).map((n) => n * 1000),
      }, { requiredKeys: [] })),
    }, { requiredKeys: ["kind", "scheduleId"] }),
  },
);

/** Applies one operation; `index` makes `createdAt`, `actualFireAt` and trigger ids unique. */
async function apply(store: SchedulesStorage, o: Op, index: number, expected?: number): Promise<unknown> {
  switch (o.kind) {
    case "create":
      return await store.createSchedule({ ...structuredClone(o.schedule), createdAt: 1000 + index } as Schedule);
    case "get":
      return await store.getSchedule(o.id);
    case "list":
      return await store.listSchedules(structuredClone(o.filter) as never);
    case "due":
      return await store.listDueSchedules(o.now, o.limit);
    case "update":
      return await store.updateSchedule(o.id, structuredClone(o.patch));
    case "advance":
      return await store.updateScheduleNextFire(o.id, expected ?? o.expected, o.next, o.lastFireAt, o.runId);
    case "delete":
      return await store.deleteSchedule(o.id);
    case "record":
      return await store.recordTrigger({
        ...structuredClone(o.trigger),
        id: `tr${index}`,
        scheduleId: o.scheduleId,
        actualFireAt: index * 1000,
      } as never);
    case "triggers":
      return await store.listTriggers(o.scheduleId, o.opts);
  }
}

/** Core's due list with ties on `nextFireAt` ordered by id, cut at `limit`. */
async function expectedDue(reference: SchedulesStorage, now: number, limit?: number): Promise<Schedule[]> {
  const all = await reference.listDueSchedules(now);
  const sorted = [...all].sort((a, b) => a.nextFireAt - b.nextFireAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return sorted.slice(0, limit ?? sorted.length);
}

function stamped(result: Outcome): number | undefined {
  if (!result.ok) return undefined;
  const updatedAt = (result.value as { updatedAt?: unknown } | null)?.updatedAt;
  return typeof updatedAt === "number" ? updatedAt : undefined;
}

Deno.test("schedules and triggers behave exactly like InMemoryStore (property)", async () => {
  let clock = 0;
  const stats: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 10, maxLength: 50 }), async (ops) => {
      const reference = (await new InMemoryStore().getStore("schedules"))!;
      const { storage } = createTestStorage({ now: () => clock });
      const ours = (await storage.getStore("schedules"))!;
      for (const [index, o] of ops.entries()) {
        let expected: Outcome;
        let expectedNext: number | undefined;
        if (o.kind === "due") {
          expected = await outcome(() => expectedDue(reference, o.now, o.limit));
        } else if (o.kind === "advance") {
          if (o.current) expectedNext = (await reference.getSchedule(o.id))?.nextFireAt;
          expected = await outcome(() => apply(reference, o, index, expectedNext));
          clock = (await reference.getSchedule(o.id))?.updatedAt ?? clock;
        } else {
          expected = await outcome(() => apply(reference, o, index));
          if (o.kind === "update") clock = stamped(expected) ?? clock;
        }
        const actual = await outcome(() => apply(ours, o, index, expectedNext));
        const label = `op ${index} ${JSON.stringify(o)}`;
        assert.equal(actual.ok, expected.ok, `${label}: ${JSON.stringify({ actual, expected })}`);
        const key = `${o.kind}:${expected.ok ? (expected.value === true ? "true" : "ok") : "err"}`;
        stats[key] = (stats[key] ?? 0) + 1;
        if (actual.ok && expected.ok) assert.deepStrictEqual(actual.value, expected.value, label);
      }
      // The schedules themselves agree at the end.
      for (const id of IDS) {
        const mine = await outcome(() => ours.getSchedule(id));
        const theirs = await outcome(() => reference.getSchedule(id));
        assert.deepStrictEqual(mine, theirs, `final ${id}`);
      }
    }),
    { numRuns: 70 },
  );
  console.log(stats);
});

Deno.test("a duplicate schedule id is refused with a MastraError, and nothing is written", async () => {
  const { storage } = createTestStorage();
  const schedules = (await storage.getStore("schedules"))!;
  const row: Schedule = {
    id: "dup",
    target: { type: "workflow", workflowId: "w" },
    cron: "* * * * *",
    status: "active",
    nextFireAt: 10,
    createdAt: 1,
    updatedAt: 1,
  };
  await schedules.createSchedule(row);
  await assert.rejects(
    () => schedules.createSchedule({ ...row, cron: "0 0 * * *" }),
    (error: unknown) =>
      error instanceof MastraError && error.id === "CONVEX_STORAGE_CREATE_SCHEDULE_ALREADY_EXISTS" &&
      /dup/.test(error.message),
  );
  assert.equal((await schedules.getSchedule("dup"))?.cron, "* * * * *");
});
