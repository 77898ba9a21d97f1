/**
 * Schedules beyond the differential test: racing schedulers on one
 * backend, the scheduler's view of 10,000 schedules, deleting a long
 * trigger history, trigger ids, bad input and clearing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import type { Schedule, SchedulesStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

function schedule(id: string, overrides: Partial<Schedule> = {}): Schedule {
  return {
    id,
    target: { type: "workflow", workflowId: "wf" },
    cron: "* * * * *",
    status: "active",
    nextFireAt: 60_000,
    createdAt: 1,
    updatedAt: 1,
    ...overrides,
  };
}

async function schedulers(backend: Backend, n: number): Promise<SchedulesStorage[]> {
  return await Promise.all(
    Array.from(
      { length: n },
      async () => (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("schedules"))!,
    ),
  );
}

async function countRows(backend: Backend, table: string): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) => (await ctx.db.query(table).collect()).length);
}

Deno.test("racing schedulers: of 8 instances claiming the same fire, exactly one wins, each fire once", async () => {
  const backend = createBackend();
  const instances = await schedulers(backend, 8);
  for (let s = 0; s < 5; s++) await instances[0].createSchedule(schedule(`s${s}`, { nextFireAt: 60_000 }));
  // Three ticks: every instance polls, then races to claim every due schedule.
  for (let tick = 1; tick <= 3; tick++) {
    const now = tick * 60_000;
    const claims = await Promise.all(instances.map(async (store, i) => {
      const due = await store.listDueSchedules(now);
      const won: string[] = [];
      for (const row of due) {
        if (await store.updateScheduleNextFire(row.id, row.nextFireAt, now + 60_000, now, `run-${tick}-${i}`)) {
          won.push(row.id);
        }
      }
      return won;
    }));
    const winners = claims.flat().sort();
    assert.deepStrictEqual(winners, ["s0", "s1", "s2", "s3", "s4"], `tick ${tick}`);
  }
  const row = (await instances[3].getSchedule("s2"))!;
  assert.equal(row.nextFireAt, 4 * 60_000);
  assert.equal(row.lastFireAt, 3 * 60_000);
  // A paused schedule is never claimed.
  await instances[0].updateSchedule("s0", { status: "paused" });
  assert.equal(await instances[1].updateScheduleNextFire("s0", 4 * 60_000, 5 * 60_000, 1, "x"), false);
  assert.equal(await instances[1].updateScheduleNextFire("gone", 1, 2, 1, "x"), false);
});

Deno.test("scheduler view: 10,000 schedules of which 10 are due reads about 10 documents", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const schedules = (await storage.getStore("schedules"))!;
  const now = 1_800_000_000_000;
  // Seed directly in the component, in two transactions of 5,000.
  for (let part = 0; part < 2; part++) {
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) => {
      for (let i = part * 5000; i < (part + 1) * 5000; i++) {
        const due = i % 1000 === 0; // 10 due
        await ctx.db.insert("schedules", {
          id: `s${String(i).padStart(5, "0")}`,
          target: JSON.stringify({ type: "workflow", workflowId: `wf-${i % 7}` }),
          workflowId: `wf-${i % 7}`,
          cron: "* * * * *",
          // Paused schedules that are past due must not be read either.
          status: !due && i % 3 === 1 ? "paused" : "active",
          nextFireAt: due ? now - 1000 + i / 1000 : i % 3 === 1 ? now - 5000 : now + 60_000 + i,
          createdAt: i,
          updatedAt: i,
        });
      }
    });
  }
  const due = await measure(() => schedules.listDueSchedules(now));
  const dueIds = due.result.map((s) => s.id);
  assert.equal(dueIds.length, 10);
  assert.deepStrictEqual(dueIds, Array.from({ length: 10 }, (_, k) => `s${String(k * 1000).padStart(5, "0")}`));
  const limited = await measure(() => schedules.listDueSchedules(now, 3));
  assert.equal(limited.result.length, 3);
  const nothing = await measure(() => schedules.listDueSchedules(now - 10_000));
  assert.equal(nothing.result.length, 0);
  console.log(
    `10,000 schedules, ${dueIds.length} due (active): listDueSchedules reads ${due.usage.documentsRead} documents ` +
      `(${due.usage.indexRanges} index ranges); with limit 3: ${limited.usage.documentsRead}; nothing due: ` +
      `${nothing.usage.documentsRead}`,
  );
  assert.ok(due.usage.documentsRead <= dueIds.length + 1, `read ${due.usage.documentsRead}`);
  assert.ok(limited.usage.documentsRead <= 3);
  assert.ok(nothing.usage.documentsRead <= 1);
  // listSchedules by workflow walks that workflow's index only.
  const byWorkflow = await measure(() => schedules.listSchedules({ workflowId: "wf-3", status: "active" }));
  assert.ok(byWorkflow.result.every((s) => s.target.type === "workflow" && s.target.workflowId === "wf-3"));
  console.log(
    `listSchedules({ workflowId, status }) returned ${byWorkflow.result.length} of 10,000, read ${byWorkflow.usage.documentsRead} documents`,
  );
  assert.ok(byWorkflow.usage.documentsRead <= 1430);
});

Deno.test("deleteSchedule removes a history of 5,000 triggers in bounded batches", async () => {
  const { storage, backend } = createTestStorage();
  const schedules = (await storage.getStore("schedules"))!;
  await schedules.createSchedule(schedule("s"));
  await schedules.createSchedule(schedule("other"));
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    for (let i = 0; i < 5000; i++) {
      await ctx.db.insert("schedule_triggers", {
        id: `tr${i}`,
        scheduleId: "s",
        runId: null,
        scheduledFireAt: i,
        actualFireAt: i,
        outcome: "published",
        triggerKind: "schedule-fire",
      });
    }
  });
  await schedules.recordTrigger({
    scheduleId: "other",
    runId: "r",
    scheduledFireAt: 1,
    actualFireAt: 2,
    outcome: "failed",
  });
  const newest = await schedules.listTriggers("s", { limit: 3, fromActualFireAt: 100, toActualFireAt: 4000 });
  assert.deepStrictEqual(newest.map((t) => t.actualFireAt), [3999, 3998, 3997]);
  assert.equal((await schedules.listTriggers("s")).length, 5000);
  const deleted = await measure(() => schedules.deleteSchedule("s"));
  assert.equal(await schedules.getSchedule("s"), null);
  assert.equal((await schedules.listTriggers("s")).length, 0);
  assert.equal((await schedules.listTriggers("other")).length, 1);
  assert.equal(await countRows(backend, "schedule_triggers"), 1);
  console.log(`deleteSchedule with 5,000 triggers wrote ${deleted.usage.documentsWritten} documents`);
});

Deno.test("triggers: ids generated when absent, re-recording an id replaces it, kind defaults to schedule-fire", async () => {
  const { storage } = createTestStorage();
  const schedules = (await storage.getStore("schedules"))!;
  await schedules.recordTrigger({
    scheduleId: "s",
    runId: null,
    scheduledFireAt: 1,
    actualFireAt: 1,
    outcome: "published",
  });
  const [first] = await schedules.listTriggers("s");
  assert.match(first.id!, /^[0-9a-f-]{36}$/);
  assert.equal(first.triggerKind, "schedule-fire");
  await schedules.recordTrigger({ ...first, outcome: "failed", error: "boom" });
  const all = await schedules.listTriggers("s");
  assert.equal(all.length, 1);
  assert.equal(all[0].outcome, "failed");
  assert.equal(all[0].error, "boom");
});

Deno.test("bad input gets a MastraError naming the operation and id, and writes nothing", async () => {
  const { storage, backend } = createTestStorage();
  const schedules = (await storage.getStore("schedules"))!;
  await schedules.createSchedule(schedule("ok"));
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["createSchedule", () => schedules.createSchedule(schedule("bad", { status: "on" as never })), /status must be/],
    ["createSchedule", () => schedules.createSchedule(schedule("bad", { nextFireAt: NaN })), /nextFireAt must be/],
    ["createSchedule", () => schedules.createSchedule(schedule("bad", { target: undefined as never })), /target must/],
    [
      "createSchedule",
      () => schedules.createSchedule(schedule("bad", { metadata: { n: 1n } as never })),
      /metadata cannot be stored as JSON/,
    ],
    ["updateSchedule", () => schedules.updateSchedule("ok", { createdAt: 5 } as never), /patch.createdAt cannot/],
    ["updateSchedule", () => schedules.updateSchedule("missing", { cron: "x" }), /schedule missing not found/],
    ["updateScheduleNextFire", () => schedules.updateScheduleNextFire("ok", 60_000, NaN, 1, "r"), /newNextFireAt/],
    ["listDueSchedules", () => schedules.listDueSchedules(Date.now(), -1), /limit must be a non-negative/],
    ["listSchedules", () => schedules.listSchedules({ status: "gone" as never }), /filter.status must be/],
    [
      "recordTrigger",
      () =>
        schedules.recordTrigger({
          scheduleId: "ok",
          runId: null,
          scheduledFireAt: 1,
          actualFireAt: "now" as never,
          outcome: "published",
        }),
      /actualFireAt must be/,
    ],
    ["listTriggers", () => schedules.listTriggers("ok", { limit: 1.5 }), /opts.limit must be/],
  ];
  for (const [operation, call, message] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, `${operation}: ${error}`);
      assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
      assert.match(error.message, message);
      return true;
    });
  }
  assert.deepStrictEqual(await schedules.getSchedule("ok"), schedule("ok"));
  assert.equal(await countRows(backend, "schedules"), 1);
  assert.equal(await countRows(backend, "schedule_triggers"), 0);
});

Deno.test("dangerouslyClearAll removes every schedule and trigger", async () => {
  const { storage, backend } = createTestStorage();
  const schedules = (await storage.getStore("schedules"))!;
  await schedules.createSchedule(schedule("a"));
  await schedules.recordTrigger({
    scheduleId: "a",
    runId: "r",
    scheduledFireAt: 1,
    actualFireAt: 1,
    outcome: "published",
  });
  await schedules.dangerouslyClearAll();
  assert.equal(await countRows(backend, "schedules"), 0);
  assert.equal(await countRows(backend, "schedule_triggers"), 0);
  assert.deepStrictEqual(await schedules.listSchedules(), []);
});
