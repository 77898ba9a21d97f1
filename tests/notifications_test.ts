/**
 * The notifications domain beyond the differential test: racing creates
 * of one notification from several servers coalesce into one record with
 * the right count; a retried create (lost answer) counts once; the due
 * list reads what is due, not what is pending; a bulk status change is
 * one mutation; generated ids; bad input gets a `MastraError` and changes
 * nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../src/storage.ts";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { countingClient } from "./helpers/counting.ts";
import { measure } from "./helpers/metrics.ts";

const signal = { threadId: "t", source: "ci", kind: "build", summary: "Build failed", coalesceKey: "main" };

Deno.test("notifications: 30 racing creates from three servers coalesce into one record counting 30", async () => {
  const backend = createBackend();
  const servers = await Promise.all(
    [0, 1, 2].map(async () =>
      (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("notifications"))!
    ),
  );
  await Promise.all(
    Array.from(
      { length: 30 },
      (_, i) => servers[i % 3].createNotification({ ...signal, attributes: { [`k${i % 4}`]: i } }),
    ),
  );
  const all = await servers[0].listNotifications({ threadId: "t" });
  assert.equal(all.length, 1);
  assert.equal(all[0].coalescedCount, 30);
  assert.deepEqual(Object.keys(all[0].attributes ?? {}).sort(), ["k0", "k1", "k2", "k3"]);
});

Deno.test("notifications: a create whose answer is lost is retried and counts once", async () => {
  const backend = createBackend();
  let dropNext = false;
  const inner = inProcessClient(backend);
  const client = {
    ...inner,
    mutation: async (path: `${string}:${string}`, args: Record<string, unknown>, options?: unknown) => {
      const answer = await inner.mutation(path, args, options as never);
      if (dropNext && path === "notifications/notifications:create") {
        dropNext = false;
        throw new TypeError("fetch failed: connection reset");
      }
      return answer;
    },
  };
  const store = (await new ConvexStorage({ client, retry: { attempts: 3, baseDelayMs: 1 } }).getStore(
    "notifications",
  ))!;
  await store.createNotification(signal);
  dropNext = true;
  const record = await store.createNotification(signal);
  assert.equal(record.coalescedCount, 2);
  assert.equal((await store.listNotifications({ threadId: "t" }))[0].coalescedCount, 2);
  const generated = await store.createNotification({ threadId: "t", source: "x", kind: "y", summary: "z" });
  assert.match(generated.id, /^[0-9a-f-]{36}$/);
});

Deno.test("notifications: the due list reads what is due (20 of 2,000 pending), in one call", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const store = (await new ConvexStorage({ client: counted.client }).getStore("notifications"))!;
  const now = 1_700_000_000_000;
  await backend.run(async (ctx) => {
    for (let i = 0; i < 2000; i++) {
      const due = i % 100 === 0;
      const at = due ? now - 10_000 + i : now + 60_000 + i;
      await ctx.db.insert("notifications", {
        id: `n${i}`,
        threadId: `thread${i % 50}`,
        source: "s",
        kind: "k",
        summary: "x",
        priority: "medium",
        status: "pending",
        coalescedCount: 1,
        createdAt: now,
        updatedAt: now,
        deliveryAttempts: 0,
        deliverAt: at,
        dueAt: at,
      });
    }
  });
  counted.calls.length = 0;
  const { result, usage } = await measure(() => store.listDueNotifications({ now: new Date(now) }));
  assert.equal(result.length, 20);
  assert.deepEqual(result.map((r) => r.id), Array.from({ length: 20 }, (_, i) => `n${i * 100}`));
  assert.deepEqual(counted.calls, ["notifications/notifications:due"]);
  assert.ok(usage.documentsRead <= 21, `read ${usage.documentsRead} documents`);
  // A bulk status change of 25 ids (duplicates and unknown ids included) is one mutation.
  counted.calls.length = 0;
  // Due ids are all in thread0; n1..n3 are other threads' and are skipped like unknown ids.
  const ids = [...result.slice(0, 10).map((r) => r.id), "n0", "n1", "missing", "n2", "n3"];
  const updated = await store.updateNotificationsStatus({ threadId: "thread0", ids, status: "delivered" });
  assert.deepEqual(counted.calls, ["notifications/notifications:updateStatus"]);
  assert.deepEqual(updated.map((r) => r.id), result.slice(0, 10).map((r) => r.id));
  assert.ok(updated.every((r) => r.status === "delivered" && r.deliveredAt instanceof Date));
  assert.equal((await store.listDueNotifications({ now: new Date(now) })).length, 10);
});

Deno.test("notifications: bad input gets a MastraError naming the operation and changes nothing", async () => {
  const store = (await new ConvexStorage({ client: inProcessClient(createBackend()) }).getStore("notifications"))!;
  const created = await store.createNotification({ ...signal, id: "n1" });
  const cases: [string, () => Promise<unknown>][] = [
    ["createNotification", () => store.createNotification({ ...signal, threadId: "" })],
    ["createNotification", () => store.createNotification({ ...signal, summary: 5 as never })],
    ["createNotification", () => store.createNotification({ ...signal, priority: "asap" as never })],
    ["createNotification", () => store.createNotification({ ...signal, deliverAt: new Date(NaN) })],
    ["createNotification", () => store.createNotification({ ...signal, payload: { f: () => 1 } })],
    ["createNotification", () => store.createNotification({ ...signal, payload: "x".repeat(1_100_000) })],
    ["updateNotification", () => store.updateNotification({ threadId: "t", id: "missing", status: "seen" })],
    ["updateNotification", () => store.updateNotification({ threadId: "t", id: "n1", status: "gone" as never })],
    [
      "updateNotificationsStatus",
      () => store.updateNotificationsStatus({ threadId: "t", ids: "n1" as never, status: "seen" }),
    ],
    ["listNotifications", () => store.listNotifications({ threadId: "t", limit: -1 })],
    ["listDueNotifications", () => store.listDueNotifications({ now: "soon" as never })],
    ["getNotification", () => store.getNotification({ threadId: "t", id: 3 as never })],
  ];
  for (const [operation, call] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, `${operation}: ${error}`);
      assert.equal(error.category, "USER", error.message);
      assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
      return true;
    });
  }
  assert.deepStrictEqual(await store.listNotifications({ threadId: "t" }), [created]);
});
