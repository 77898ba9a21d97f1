/**
 * Core's own `Scheduler` (the tick loop behind `mastra.schedules`) over
 * ConvexStorage: four scheduler instances, each with its own ConvexStorage
 * on one backend, tick at the same time; every due schedule fires exactly
 * once per window, its trigger is recorded and its next fire time advanced.
 */
import assert from "node:assert/strict";
import { Scheduler } from "@mastra/core/workflows";
import type { SchedulesStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";

Deno.test("core's Scheduler: four racing instances fire each due schedule exactly once", async () => {
  const backend = createBackend();
  const published: { topic: string; runId: string }[] = [];
  const pubsub = {
    publish: (topic: string, event: { runId: string }) => {
      published.push({ topic, runId: event.runId });
      return Promise.resolve();
    },
  };
  const stores: SchedulesStorage[] = [];
  for (let i = 0; i < 4; i++) {
    stores.push((await new ConvexStorage({ client: inProcessClient(backend) }).getStore("schedules"))!);
  }
  const past = Date.now() - 120_000;
  for (let s = 0; s < 6; s++) {
    await stores[0].createSchedule({
      id: `sched-${s}`,
      target: s % 2 === 0
        ? { type: "workflow", workflowId: "daily-report", inputData: { n: s } }
        : { type: "agent", agentId: "helper", prompt: "check in" },
      cron: "*/5 * * * *",
      timezone: "UTC",
      status: s === 5 ? "paused" : "active",
      nextFireAt: past + s,
      createdAt: past,
      updatedAt: past,
    });
  }
  const schedulers = stores.map((schedulesStore) =>
    // deno-lint-ignore no-explicit-any
    new Scheduler({ schedulesStore, pubsub: pubsub as any, config: { tickIntervalMs: 60_000 } })
  );
  await Promise.all(schedulers.map((scheduler) => scheduler.tick()));
  await Promise.all(schedulers.map((scheduler) => scheduler.tick()));

  const runIds = published.map((event) => event.runId).sort();
  assert.deepStrictEqual(runIds, [0, 1, 2, 3, 4].map((s) => `sched_sched-${s}_${past + s}`).sort());
  for (let s = 0; s < 5; s++) {
    const row = (await stores[1].getSchedule(`sched-${s}`))!;
    assert.ok(row.nextFireAt > Date.now(), "advanced into the future");
    assert.equal(row.lastRunId, `sched_sched-${s}_${past + s}`);
    // Workflow fires record a "published" trigger; agent fires are recorded by the agent worker.
    const triggers = await stores[2].listTriggers(`sched-${s}`);
    assert.equal(triggers.length, s % 2 === 0 ? 1 : 0);
    if (s % 2 === 0) assert.equal(triggers[0].outcome, "published");
  }
  assert.equal((await stores[3].getSchedule("sched-5"))!.nextFireAt, past + 5, "paused: untouched");
  assert.deepStrictEqual(await stores[0].listDueSchedules(Date.now()), []);
});
