/**
 * Cost of the agent-runtime hot paths at 10,000 rows, in documents read
 * and round trips (never time): `listDueNotifications` with 20 due among
 * 10,000 pending notifications of 50 threads reads the 20 due ones in one
 * call; `getState` / `setState` among 10,000 threads' task lists touch
 * one document in one call.
 */
import assert from "node:assert/strict";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { countingClient } from "../helpers/counting.ts";
import { measure } from "../helpers/metrics.ts";

const N = 10_000;
const DUE = 20;
const T0 = Date.UTC(2026, 0, 1);
const pad = (i: number) => String(i).padStart(6, "0");

Deno.test("runtime cost at 10,000 rows: the due list reads what is due; thread state one document per call", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const storage = new ConvexStorage({ client: counted.client });
  const notifications = (await storage.getStore("notifications"))!;
  const state = (await storage.getStore("threadState"))!;
  const tasks = [{ id: "1", content: "Ship it", status: "pending", activeForm: "Shipping it" }];
  for (let start = 0; start < N; start += 2000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < start + 2000; i++) {
        const due = T0 + (i - DUE + 1) * 60_000;
        await ctx.db.insert("notifications", {
          id: `note-${pad(i)}`,
          threadId: `thread-${pad(i % 50)}`,
          source: "ci",
          kind: "build",
          summary: "Build failed",
          priority: "medium",
          status: "pending",
          coalescedCount: 1,
          createdAt: T0 + i,
          updatedAt: T0 + i,
          deliveryAttempts: 0,
          deliverAt: due,
          dueAt: due,
        });
        const key = JSON.stringify([`thread-${pad(i)}`, "task"]);
        await ctx.db.insert("thread_state", {
          threadId: `thread-${pad(i)}`,
          type: "task",
          key,
          value: JSON.stringify(tasks),
        });
      }
    });
  }
  const rows: string[] = [];
  const run = async (label: string, fn: () => Promise<unknown>) => {
    counted.calls.length = 0;
    const { result, usage } = await measure(fn);
    rows.push(
      `${label}: ${usage.documentsRead} read, ${usage.documentsWritten} written, ${counted.calls.length} round trip(s)`,
    );
    return { result, usage, trips: counted.calls.length };
  };
  const due = await run(
    `listDueNotifications(now, 100), ${DUE} due of ${N} pending`,
    () => notifications.listDueNotifications({ now: new Date(T0), limit: 100 }),
  );
  assert.equal((due.result as unknown[]).length, DUE);
  assert.ok(due.usage.documentsRead <= DUE && due.trips === 1);
  const get = await run(
    `getState among ${N} threads`,
    () => state.getState({ threadId: "thread-005000", type: "task" }),
  );
  assert.deepEqual(get.result, tasks);
  assert.ok(get.usage.documentsRead === 1 && get.trips === 1);
  const set = await run(
    `setState among ${N} threads`,
    () => state.setState({ threadId: "thread-005000", type: "task", value: [] }),
  );
  // convex-test counts the replaced document as read once more: still the one document.
  assert.ok(set.usage.documentsRead <= 2 && set.usage.documentsWritten === 1 && set.trips === 1);
  console.log(rows.join("\n"));
});
