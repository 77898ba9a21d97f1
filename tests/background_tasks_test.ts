/**
 * Background tasks beyond the differential test: races between several
 * ConvexStorage instances on one backend, the cost of the hot-path reads,
 * deletes of any size, large values, bad input and clearing.
 *
 * convex-test runs one mutation at a time (like Convex's serialisable
 * transactions); the instances interleave between calls, so any
 * read-then-write split over two calls would lose updates here.
 */
import assert from "node:assert/strict";
import type { BackgroundTask } from "@mastra/core/background-tasks";
import { MastraError } from "@mastra/core/error";
import type { BackgroundTasksStorage } from "@mastra/core/storage";
import { taskCounters } from "../convex/backgroundTasks/counterNames.ts";
import { ConvexStorage } from "../src/storage.ts";
import { type Backend, createBackend, createTestStorage, inProcessClient } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

function task(id: string, overrides: Partial<BackgroundTask> = {}): BackgroundTask {
  return {
    id,
    status: "pending",
    toolName: "search",
    toolCallId: `call-${id}`,
    args: { q: id },
    agentId: "agent-1",
    runId: "run-1",
    createdAt: new Date(1_700_000_000_000),
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 60_000,
    ...overrides,
  };
}

async function stores(backend: Backend, n: number): Promise<BackgroundTasksStorage[]> {
  return await Promise.all(
    Array.from(
      { length: n },
      async () => (await new ConvexStorage({ client: inProcessClient(backend) }).getStore("backgroundTasks"))!,
    ),
  );
}

async function countRows(backend: Backend, table: string): Promise<number> {
  // deno-lint-ignore no-explicit-any
  return await backend.run(async (ctx: any) => (await ctx.db.query(table).collect()).length);
}

Deno.test("racing claims: of several instances moving one task pending -> running, exactly one wins", async () => {
  const backend = createBackend();
  const instances = await stores(backend, 6);
  for (let t = 0; t < 10; t++) await instances[0].createTask(task(`t${t}`, { agentId: `agent-${t % 2}` }));
  const results = await Promise.all(
    instances.flatMap((store) =>
      Array.from(
        { length: 10 },
        (_, t) =>
          store.updateTask(`t${t}`, { status: "running", startedAt: new Date() }, { expectedStatus: "pending" }),
      )
    ),
  );
  assert.equal(results.filter(Boolean).length, 10, "one winner per task");
  assert.equal(await instances[1].getRunningCount(), 10);
  assert.equal(await instances[2].getRunningCountByAgent("agent-0"), 5);
  assert.equal(await instances[3].getRunningCountByAgent("agent-1"), 5);
});

Deno.test("running counts stay exact under concurrent status changes from several instances", async () => {
  const backend = createBackend();
  const instances = await stores(backend, 4);
  const ids = Array.from({ length: 24 }, (_, i) => `t${i}`);
  await Promise.all(ids.map((id, i) => instances[i % 4].createTask(task(id, { agentId: `agent-${i % 3}` }))));
  // Every instance pushes every task through pending -> running -> completed, racing the others.
  const step = (store: BackgroundTasksStorage, id: string) =>
    store.updateTask(id, { status: "running" }, { expectedStatus: "pending" }).then(async (won) => {
      if (won && Number(id.slice(1)) % 2 === 0) {
        await store.updateTask(id, { status: "completed", completedAt: new Date() }, { expectedStatus: "running" });
      }
    });
  await Promise.all(instances.flatMap((store) => ids.map((id) => step(store, id))));
  // Unconditional updates race too: a status set without expectation moves the counters by the actual change.
  await Promise.all(instances.map((store) => store.updateTask("t1", { status: "failed" })));
  const expectedRunning = ids.filter((id) => Number(id.slice(1)) % 2 === 1 && id !== "t1").length;
  assert.equal(await instances[0].getRunningCount(), expectedRunning);
  for (let a = 0; a < 3; a++) {
    const listed = await instances[1].listTasks({ agentId: `agent-${a}`, status: "running" });
    assert.equal(await instances[2].getRunningCountByAgent(`agent-${a}`), listed.tasks.length);
    assert.equal(listed.total, listed.tasks.length);
  }
  const all = await instances[3].listTasks({});
  assert.equal(all.total, 24);
  const byStatus = await instances[3].listTasks({ status: ["completed", "failed"] });
  assert.equal(byStatus.total, 13);
});

Deno.test("hot paths read what they return: running counts and pages over 3,000 tasks", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const tasks = (await storage.getStore("backgroundTasks"))!;
  // Seed directly in the component: 3,000 tasks of 3 agents, 1 in 10 running.
  const statusOf = (i: number) => (i % 10 === 0 ? "running" : i % 10 < 5 ? "completed" : "pending");
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const status = statusOf(i);
      const agentId = `agent-${i % 3}`;
      await ctx.db.insert("background_tasks", {
        id: `t${String(i).padStart(5, "0")}`,
        status,
        toolName: "search",
        toolCallId: `call-${i}`,
        agentId,
        runId: `run-${i % 50}`,
        createdAt: 1_700_000_000_000 + i * 1000,
        retryCount: 0,
        maxRetries: 0,
        timeoutMs: 1000,
        args: "{}",
      });
      for (const name of [taskCounters.tasksInStatus(status), taskCounters.tasksOfAgentInStatus(agentId, status)]) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    for (const [name, value] of counts) await ctx.db.insert("counters", { name, value });
  });
  // Rows (and counters) as a deployment from before the trees holds them: its lists walk until a rebuild.
  assert.equal(await tasks.getRunningCount(), 300, "counted on the status index before the rebuild");
  assert.equal((await tasks.listTasks({ status: "pending", page: 2, perPage: 20 })).total, 1500);
  await storage.rebuildRankTrees();
  const running = await measure(() => tasks.getRunningCount());
  assert.equal(running.result, 300);
  const byAgent = await measure(() => tasks.getRunningCountByAgent("agent-1"));
  assert.equal(byAgent.result, 100);
  const page = await measure(() =>
    tasks.listTasks({ status: "pending", orderDirection: "desc", page: 2, perPage: 20 })
  );
  assert.equal(page.result.total, 1500);
  assert.equal(page.result.tasks.length, 20);
  const deep = await measure(() => tasks.listTasks({ status: ["pending", "running"], page: 89, perPage: 20 }));
  assert.equal(deep.result.total, 1800);
  const byRun = await measure(() => tasks.listTasks({ runId: "run-7", status: "pending", perPage: 5 }));
  assert.equal(byRun.result.total, 60);
  console.log(
    `3,000 tasks: getRunningCount reads ${running.usage.documentsRead} documents, ` +
      `getRunningCountByAgent ${byAgent.usage.documentsRead}, ` +
      `listTasks(status, page 2 of 20) ${page.usage.documentsRead}, ` +
      `listTasks(2 statuses, last page, 89 of 20, read from the end) ${deep.usage.documentsRead}, ` +
      `listTasks(runId + status, counted by walking the run's 60 tasks) ${byRun.usage.documentsRead}`,
  );
  // The coverage mark, then the roots of the `running` family's 8 shards (or the agent's one tree).
  assert.ok(running.usage.documentsRead <= 9 && byAgent.usage.documentsRead <= 2);
  assert.ok(page.usage.documentsRead <= 70, `page read ${page.usage.documentsRead}`);
  // k + 4·log2 N: the page, then the roots and paths of the two statuses' tree shards.
  assert.ok(
    deep.usage.documentsRead <= 20 + 4 * Math.ceil(Math.log2(1800)),
    `deep page read ${deep.usage.documentsRead}`,
  );
  assert.ok(byRun.usage.documentsRead <= 70, `run page read ${byRun.usage.documentsRead}`);

  // deleteTasks by filter at any size: bounded batches, counters follow.
  const deleted = await measure(() => tasks.deleteTasks({ status: "completed", agentId: "agent-2" }));
  assert.equal((await tasks.listTasks({ status: "completed" })).total, 800);
  assert.equal((await tasks.listTasks({ agentId: "agent-2" })).total, 600);
  // Core's cleanup: completed before a cutoff, by completion date. Reads what it deletes.
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    const completed = await ctx.db.query("background_tasks")
      // deno-lint-ignore no-explicit-any
      .withIndex("by_status_createdAt", (q: any) => q.eq("status", "completed")).take(100);
    for (const doc of completed) {
      await ctx.db.patch(doc._id, { completedAt: 1_600_000_000_000 });
    }
  });
  // Rows changed behind the API's back: the trees follow after a rebuild.
  await storage.rebuildRankTrees();
  const cleanup = await measure(() =>
    tasks.deleteTasks({ status: ["completed"], toDate: new Date(1_650_000_000_000), dateFilterBy: "completedAt" })
  );
  assert.equal((await tasks.listTasks({ status: "completed" })).total, 700);
  console.log(
    `cleanup deleteTasks(completed before cutoff) of 100 of 800 completed read ${cleanup.usage.documentsRead} documents`,
  );
  assert.ok(
    // convex-test counts a delete as a read too; plus the rank-tree nodes the 100 tasks leave (full trees
    // here: 5 trees × 4 date columns per task, whose leaves batch many of them), bounded per deleted task, and
    // the pending rank changes (at most PENDING_CAP per tree, see convex/kit/rankPending.ts) a write reads: 160 more.
    cleanup.usage.documentsRead <= 8 * 100 + 160,
    `cleanup read ${cleanup.usage.documentsRead}`,
  );
  await tasks.deleteTasks({ toDate: new Date(1_700_000_000_000 + 1500 * 1000) });
  assert.equal((await tasks.listTasks({})).total, await countRows(backend, "background_tasks"));
  assert.equal(await tasks.getRunningCount(), 150);
  console.log(`deleteTasks of 400 of 3,000 tasks wrote ${deleted.usage.documentsWritten} documents`);
});

Deno.test("values of any size round-trip; replaced large values are reclaimed", async () => {
  const { storage, backend } = createTestStorage();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const big = "x".repeat(1_500_000);
  await tasks.createTask(task("big", { args: { prompt: big } }));
  assert.equal(((await tasks.getTask("big"))!.args as { prompt: string }).prompt.length, big.length);
  assert.ok(await tasks.updateTask("big", { status: "completed", result: { text: big + "y" } }));
  const got = (await tasks.getTask("big"))!;
  assert.equal((got.result as { text: string }).text.length, big.length + 1);
  assert.equal(((await tasks.listTasks({ status: "completed" })).tasks[0].result as { text: string }).text.at(-1), "y");
  assert.ok(await tasks.updateTask("big", { result: undefined }));
  assert.equal((await tasks.getTask("big"))!.result, undefined);
  await tasks.deleteTask("big");
  assert.equal(await countRows(backend, "blob_chunks"), 0);
});

Deno.test("bad input gets a MastraError naming the operation and id, and writes nothing", async () => {
  const { storage, backend } = createTestStorage();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  await tasks.createTask(task("ok"));
  const cases: [string, () => Promise<unknown>, RegExp][] = [
    ["createTask", () => tasks.createTask(task("bad", { status: "done" as never })), /status must be one of/],
    [
      "createTask",
      () => tasks.createTask(task("bad", { createdAt: "yesterday" as never })),
      /createdAt must be a valid date/,
    ],
    ["createTask", () => tasks.createTask(task("", {})), /task.id must be a non-empty string/],
    ["createTask", () => tasks.createTask(task("bad", { args: { f: () => 1 } as never })), /function/i],
    ["updateTask", () => tasks.updateTask("ok", { agentId: "other" } as never), /update.agentId cannot be updated/],
    ["updateTask", () => tasks.updateTask("ok", { status: "nope" as never }), /update.status must be one of/],
    ["updateTask", () => tasks.updateTask("ok", { retryCount: NaN }), /retryCount must be a finite number/],
    ["listTasks", () => tasks.listTasks({ orderBy: "updatedAt" as never }), /orderBy must be one of/],
    ["listTasks", () => tasks.listTasks({ page: 1, perPage: -2 }), /perPage must be a non-negative integer/],
    ["deleteTasks", () => tasks.deleteTasks({ status: ["running", "gone" as never] }), /status\[1\] must be one of/],
  ];
  for (const [operation, call, message] of cases) {
    await assert.rejects(call, (error: unknown) => {
      assert.ok(error instanceof MastraError, `${operation}: ${error}`);
      assert.match(error.message, new RegExp(`ConvexStorage\\.${operation} failed`));
      assert.match(error.message, message);
      return true;
    });
  }
  const after = (await tasks.getTask("ok"))!;
  assert.equal(after.status, "pending");
  assert.equal(after.agentId, "agent-1");
  assert.equal(await countRows(backend, "background_tasks"), 1);
  assert.equal(await tasks.updateTask("missing", { status: "running" }), false);
});

Deno.test("dangerouslyClearAll removes every task, counter and tree", async () => {
  const { storage, backend } = createTestStorage();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  for (let i = 0; i < 5; i++) await tasks.createTask(task(`t${i}`, { status: "running" }));
  await tasks.dangerouslyClearAll();
  assert.equal(await tasks.getRunningCount(), 0);
  assert.equal((await tasks.listTasks({})).total, 0);
  assert.equal(await countRows(backend, "background_tasks"), 0);
  // Only the table's coverage mark stays: the empty table's (empty) trees still hold every row.
  // deno-lint-ignore no-explicit-any
  const names = await backend.run(async (ctx: any) =>
    (await ctx.db.query("counters").collect()).map((c: { name: string }) => c.name)
  );
  assert.deepStrictEqual(names, ["coverage:background_tasks"]);
  assert.equal(await countRows(backend, "rank_nodes"), 0);
  await tasks.createTask(task("again", { status: "running" }));
  assert.equal((await tasks.listTasks({ status: "running", page: 0, perPage: 1 })).total, 1);
});

Deno.test("lists longer than one call's budget resume exactly, also over unset sort values and merged statuses", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const n = 4300; // above the 4,000 documents one call reads
  const statusOf = (i: number) => (i % 3 === 0 ? "running" : i % 3 === 1 ? "pending" : "failed");
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    const counts = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const status = statusOf(i);
      await ctx.db.insert("background_tasks", {
        id: `t${String(i).padStart(5, "0")}`,
        status,
        toolName: "search",
        toolCallId: `call-${i}`,
        agentId: "agent",
        runId: "run",
        createdAt: 1000 + (i % 97),
        // Half never started: unset values sort first.
        ...(i % 2 === 0 ? { startedAt: 5000 + (i % 13) } : {}),
        retryCount: 0,
        maxRetries: 0,
        timeoutMs: 1000,
        args: "{}",
      });
      for (const name of [taskCounters.tasksInStatus(status), taskCounters.tasksOfAgentInStatus("agent", status)]) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    for (const [name, value] of counts) await ctx.db.insert("counters", { name, value });
  });
  const key = (t: BackgroundTask) => [t.startedAt?.getTime() ?? -1, t.id] as const;
  const sorted = (list: BackgroundTask[], sign: number) =>
    list.every((t, i) => {
      if (i === 0) return true;
      const [a, ai] = key(list[i - 1]);
      const [b, bi] = key(t);
      return sign * (a - b) < 0 || (a === b && sign * (ai < bi ? -1 : 1) < 0);
    });
  for (const orderDirection of ["asc", "desc"] as const) {
    const merged = await tasks.listTasks({
      status: ["running", "failed", "pending"],
      orderBy: "startedAt",
      orderDirection,
    });
    const expected = n;
    assert.equal(merged.total, expected);
    assert.equal(merged.tasks.length, expected);
    assert.equal(new Set(merged.tasks.map((t) => t.id)).size, expected, "no row repeated");
    assert.ok(sorted(merged.tasks, orderDirection === "asc" ? 1 : -1), `sorted ${orderDirection}`);
  }
  // Counted by walking (runId has no counter), across several calls.
  const counted = await tasks.listTasks({ runId: "run", status: "pending", orderBy: "startedAt", page: 3, perPage: 7 });
  const pending = Array.from({ length: n }, (_, i) => i).filter((i) => statusOf(i) === "pending");
  assert.equal(counted.total, pending.length);
  assert.equal(counted.tasks.length, 7);
  // Date range on the sort column: set values only, from inclusive, to exclusive.
  const ranged = await tasks.listTasks({ dateFilterBy: "startedAt", orderBy: "startedAt", toDate: new Date(5003) });
  assert.equal(
    ranged.total,
    Array.from({ length: n }, (_, i) => i).filter((i) => i % 2 === 0 && 5000 + (i % 13) < 5003).length,
  );
  assert.ok(ranged.tasks.every((t) => t.startedAt !== undefined && t.startedAt.getTime() < 5003));
});
