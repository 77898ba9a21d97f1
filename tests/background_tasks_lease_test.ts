/**
 * Background-task leases (issue 25, item 5): tasks carry `ownerId` and
 * `leaseExpiresAt`, `updateTask` sets and clears them, and its
 * `expectedOwnerId` / `expectedLeaseExpiresAt` options are compare-and-set
 * fences on the ownership as stored (`null` meaning unowned / no lease).
 * Fields and options that are not part of a task are still refused.
 */
import assert from "node:assert/strict";
import type { BackgroundTask } from "@mastra/core/background-tasks";
import { MastraError } from "@mastra/core/error";
import { createTestStorage } from "./helpers/backend.ts";

type LeasedTask = BackgroundTask & { ownerId?: string; leaseExpiresAt?: Date };

function task(id: string, overrides: Partial<LeasedTask> = {}): LeasedTask {
  return {
    id,
    status: "pending",
    toolName: "search",
    toolCallId: `call-${id}`,
    args: { q: id },
    agentId: "agent",
    runId: "run",
    createdAt: new Date(1_000),
    retryCount: 0,
    maxRetries: 3,
    timeoutMs: 60_000,
    ...overrides,
  };
}

async function store() {
  const { storage } = createTestStorage();
  // deno-lint-ignore no-explicit-any
  return (await storage.getStore("backgroundTasks"))! as any;
}

Deno.test("task leases: ownerId and leaseExpiresAt are stored, listed, updated and cleared", async () => {
  const tasks = await store();
  const lease = new Date(5_000);
  await tasks.createTask(task("a", { ownerId: "worker-1", leaseExpiresAt: lease }));
  await tasks.createTask(task("b"));
  const a = await tasks.getTask("a");
  assert.equal(a.ownerId, "worker-1");
  assert.deepEqual(a.leaseExpiresAt, lease);
  const b = await tasks.getTask("b");
  assert.ok(!("ownerId" in b) && !("leaseExpiresAt" in b));
  const listed = await tasks.listTasks({});
  assert.equal(listed.tasks.find((t: LeasedTask) => t.id === "a").ownerId, "worker-1");

  assert.equal(await tasks.updateTask("b", { ownerId: "worker-2", leaseExpiresAt: new Date(9_000) }), true);
  assert.equal((await tasks.getTask("b")).ownerId, "worker-2");
  // `undefined` (or null) in an update clears the field.
  assert.equal(await tasks.updateTask("b", { ownerId: undefined, leaseExpiresAt: null }), true);
  const cleared = await tasks.getTask("b");
  assert.ok(!("ownerId" in cleared) && !("leaseExpiresAt" in cleared));
});

Deno.test("task leases: expectedOwnerId / expectedLeaseExpiresAt are compare-and-set fences", async () => {
  const tasks = await store();
  const lease = new Date(5_000);
  await tasks.createTask(task("t"));
  // Claim an unowned task: expected owner null.
  assert.equal(
    await tasks.updateTask("t", { ownerId: "w1", leaseExpiresAt: lease, status: "running" }, {
      expectedOwnerId: null,
      expectedLeaseExpiresAt: null,
    }),
    true,
  );
  // A second claimer expecting it unowned loses.
  assert.equal(await tasks.updateTask("t", { ownerId: "w2" }, { expectedOwnerId: null }), false);
  assert.equal((await tasks.getTask("t")).ownerId, "w1");
  // The owner renews with the exact lease it holds; a stale lease loses.
  assert.equal(
    await tasks.updateTask("t", { leaseExpiresAt: new Date(7_000) }, {
      expectedOwnerId: "w1",
      expectedLeaseExpiresAt: lease,
    }),
    true,
  );
  assert.equal(await tasks.updateTask("t", { status: "completed" }, { expectedLeaseExpiresAt: lease }), false);
  assert.equal(await tasks.updateTask("t", { status: "completed" }, { expectedOwnerId: "w2" }), false);
  assert.equal((await tasks.getTask("t")).status, "running");
  // All fences together with the status one.
  assert.equal(
    await tasks.updateTask("t", { status: "completed", ownerId: undefined, leaseExpiresAt: undefined }, {
      expectedStatus: "running",
      expectedOwnerId: "w1",
      expectedLeaseExpiresAt: 7_000,
    }),
    true,
  );
  const done = await tasks.getTask("t");
  assert.equal(done.status, "completed");
  assert.ok(!("ownerId" in done));
  // Unowned again: null matches, an owner does not.
  assert.equal(await tasks.updateTask("t", { retryCount: 1 }, { expectedOwnerId: "w1" }), false);
  assert.equal(await tasks.updateTask("t", { retryCount: 1 }, { expectedOwnerId: null }), true);
  // A missing task never applies.
  assert.equal(await tasks.updateTask("nope", { retryCount: 1 }, { expectedOwnerId: null }), false);
});

Deno.test("task leases: fields and options that are not part of a task are refused and change nothing", async () => {
  const tasks = await store();
  await tasks.createTask(task("t"));
  const refused = async (call: Promise<unknown>, message: RegExp) =>
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, String(error));
      assert.equal(error.category, "USER");
      assert.match(error.message, message);
      return true;
    });
  await refused(tasks.createTask({ ...task("x"), lease: 5 }), /task\.lease is not a field of a background task/);
  await refused(tasks.updateTask("t", { owner: "w" }), /update\.owner cannot be updated/);
  await refused(tasks.updateTask("t", { ownerId: 42 }), /update\.ownerId/);
  await refused(tasks.updateTask("t", { retryCount: 1 }, { expectedOwner: "w" }), /options\.expectedOwner is not/);
  await refused(
    tasks.updateTask("t", { retryCount: 1 }, { expectedLeaseExpiresAt: "soon" }),
    /options\.expectedLeaseExpiresAt/,
  );
  assert.equal(await tasks.getTask("x"), null);
  assert.equal((await tasks.getTask("t")).retryCount, 0);
});
