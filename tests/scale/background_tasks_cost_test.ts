/**
 * Cost of background-task pages at depth: among a few thousand tasks
 * written through the storage API (so every rank tree is kept), the middle
 * page of 40 of every tree-backed filter of `listTasks` (all tasks, one or
 * several statuses, agent, agent + status, thread, run, a date range on the
 * ordering column, each ordering column) reads at most 40 + 4·log2(N)
 * documents in one call, and returns exactly the rows and total the plain
 * walk does. Also reports what a task write costs in documents written.
 * (The running counts, by agent and across agents, are checked against the
 * seed too.)
 */
import assert from "node:assert/strict";
import type { BackgroundTask, TaskFilter } from "@mastra/core/background-tasks";
import { taskCounters, taskTreeEntries } from "../../convex/backgroundTasks/counterNames.ts";
import { adjustCounters, counterShard } from "../../convex/kit/counters.ts";
import { RankBatch } from "../../convex/kit/rankTree.ts";
import { taskToRow } from "../../src/backgroundTasks/rows.ts";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient, settleRankTrees } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";

const N = 3000;
const PER_PAGE = 40;
const BASE = 1_700_000_000_000;
const STATUSES = ["pending", "running", "suspended", "completed", "failed", "cancelled", "timed_out"] as const;

function seedTask(i: number): BackgroundTask {
  const status = STATUSES[(i * 7919) % 11 % 7];
  // Several tasks per timestamp, so ties are broken by id.
  const at = (offset: number) => new Date(BASE + Math.floor(i / 3) * 1000 + offset);
  const task: BackgroundTask = {
    id: `task-${String((i * 7_333) % N).padStart(5, "0")}`,
    status,
    toolName: "search",
    toolCallId: `call-${i}`,
    args: { i },
    agentId: `agent-${i % 4}`,
    threadId: `thread-${i % 20}`,
    runId: `run-${i % 15}`,
    createdAt: at(0),
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 1000,
  };
  if (status !== "pending") task.startedAt = at(100 + (i % 7) * 10);
  if (status === "suspended") task.suspendedAt = at(500);
  if (status === "completed" || status === "failed") task.completedAt = at(900 - (i % 5) * 50);
  return task;
}

/** A storage whose client counts the calls made. */
function countingStorage() {
  const backend = createBackend();
  const client = inProcessClient(backend);
  const calls = { n: 0 };
  const counted = {
    ...client,
    query: (path: Parameters<typeof client.query>[0], args: Record<string, unknown>) => {
      calls.n++;
      return client.query(path, args);
    },
  };
  return { storage: new ConvexStorage({ client: counted }), backend, calls };
}

Deno.test("background tasks: the middle page of every tree-backed filter reads 40 + 4·log2(N) in one call", async () => {
  const { storage, backend, calls } = countingStorage();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  // The first tasks through the API (an empty table: the trees are complete from the start), measuring writes.
  const writes: number[] = [];
  const VIA_API = 60;
  for (let i = 0; i < VIA_API; i++) {
    const { usage } = await measure(() => tasks.createTask(seedTask(i)));
    writes.push(usage.documentsWritten);
  }
  // The rest in bulk, with the rows, counters and tree entries `create` writes (far faster than one call each).
  for (let start = VIA_API; start < N; start += 500) {
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) => {
      const ranks = new RankBatch();
      const deltas: [string, number][] = [];
      for (let i = start; i < Math.min(N, start + 500); i++) {
        const row = taskToRow(seedTask(i));
        await ctx.db.insert("background_tasks", row);
        deltas.push([counterShard(taskCounters.tasksInStatus(row.status), row.id), 1]);
        deltas.push([taskCounters.tasksOfAgentInStatus(row.agentId, row.status), 1]);
        ranks.change([], taskTreeEntries(row));
      }
      await adjustCounters(ctx, deltas);
      await ranks.applyNow(ctx); // bulk load: into the nodes, as a rebuild does
    });
  }
  const late = await measure(() => tasks.createTask({ ...seedTask(N), id: "task-late" }));
  // An update that moves a task between statuses and sets a date column.
  const moved = await measure(() =>
    tasks.updateTask("task-00001", { status: "completed", completedAt: new Date(BASE + 5_000_000) })
  );
  // Pages below are measured against the trees alone: the API writes' pending changes (read in addition until
  // their folds run) are folded first.
  await settleRankTrees(backend);
  const seeded = Array.from({ length: N }, (_, i) => seedTask(i));
  assert.equal(await tasks.getRunningCount(), seeded.filter((t) => t.status === "running").length);
  assert.equal(
    await tasks.getRunningCountByAgent("agent-2"),
    seeded.filter((t) => t.status === "running" && t.agentId === "agent-2").length,
  );
  const budget = PER_PAGE + 4 * Math.log2(N);
  const filters: [string, TaskFilter][] = [
    ["all tasks", {}],
    ["all tasks by startedAt (unset first)", { orderBy: "startedAt" }],
    ["all tasks by completedAt desc", { orderBy: "completedAt", orderDirection: "desc" }],
    ["all tasks by suspendedAt", { orderBy: "suspendedAt" }],
    ["status", { status: "completed" }],
    ["status by startedAt desc", { status: "running", orderBy: "startedAt", orderDirection: "desc" }],
    ["2 statuses", { status: ["completed", "failed"] }],
    ["agent", { agentId: "agent-1" }],
    ["agent by completedAt", { agentId: "agent-2", orderBy: "completedAt" }],
    ["agent + status", { agentId: "agent-1", status: "completed" }],
    ["agent + 2 statuses", { agentId: "agent-3", status: ["pending", "running"] }],
    ["thread", { threadId: "thread-7" }],
    ["run", { runId: "run-3", orderDirection: "desc" }],
    ["date range", { fromDate: new Date(BASE + 200_000), toDate: new Date(BASE + 800_000) }],
    ["date range desc by startedAt", {
      dateFilterBy: "startedAt",
      orderBy: "startedAt",
      orderDirection: "desc",
      toDate: new Date(BASE + 700_000),
    }],
    ["status + date range", { status: "completed", fromDate: new Date(BASE + 100_000) }],
    ["agent + date range", { agentId: "agent-0", toDate: new Date(BASE + 900_000) }],
  ];
  const report: string[] = [];
  const misses: string[] = [];
  for (const [name, filter] of filters) {
    const all = await tasks.listTasks(filter);
    const page = Math.floor(all.total / 2 / PER_PAGE);
    calls.n = 0;
    const { result, usage } = await measure(() => tasks.listTasks({ ...filter, page, perPage: PER_PAGE }));
    assert.equal(result.total, all.total, name);
    assert.deepStrictEqual(
      result.tasks.map((t) => t.id),
      all.tasks.slice(page * PER_PAGE, (page + 1) * PER_PAGE).map((t) => t.id),
      name,
    );
    assert.ok(result.tasks.length === PER_PAGE, `${name}: a full page (total ${all.total})`);
    report.push(`${name}: ${usage.documentsRead} docs, ${calls.n} call(s) (page ${page}, total ${all.total})`);
    if (calls.n !== 1) misses.push(`${name}: ${calls.n} calls`);
    if (usage.documentsRead > budget) misses.push(`${name}: read ${usage.documentsRead} > ${budget.toFixed(0)}`);
  }
  // deno-lint-ignore no-explicit-any
  const nodes = await backend.run(async (ctx: any) => (await ctx.db.query("rank_nodes").collect()).length);
  writes.sort((a, b) => a - b);
  console.log(
    `${N} tasks, budget ${budget.toFixed(0)} documents per page:\n  ${report.join("\n  ")}\n` +
      `createTask writes median ${writes[writes.length >> 1]}, max ${writes[writes.length - 1]} documents ` +
      `(first ${VIA_API}), ${late.usage.documentsWritten} at ${N}; ` +
      `updateTask (status + completedAt) writes ${moved.usage.documentsWritten}; ${nodes} tree nodes`,
  );
  assert.deepStrictEqual(misses, []);
});

Deno.test("background tasks written before the trees: lists walk until rebuildRankTrees, then seek", async () => {
  const { storage, backend, calls } = countingStorage();
  const tasks = (await storage.getStore("backgroundTasks"))!;
  const n = 600;
  // Rows and counters as an older version wrote them: no trees, no coverage mark, unsharded status counters.
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    const deltas: [string, number][] = [];
    for (let i = 0; i < n; i++) {
      const row = taskToRow(seedTask(i));
      await ctx.db.insert("background_tasks", row);
      deltas.push([taskCounters.tasksInStatus(row.status), 1]);
      deltas.push([taskCounters.tasksOfAgentInStatus(row.agentId, row.status), 1]);
    }
    await adjustCounters(ctx, deltas);
  });
  // A write after the upgrade puts its task in the trees, which still miss every older task.
  await tasks.createTask({ ...seedTask(n), id: "task-late" });
  const filters: TaskFilter[] = [{}, { status: "completed" }, { agentId: "agent-1" }, { threadId: "thread-3" }, {
    runId: "run-2",
    orderBy: "startedAt",
  }, { status: ["failed", "pending"], fromDate: new Date(BASE + 50_000) }];
  const pages = async () => {
    const out = [];
    for (const filter of filters) {
      const all = await tasks.listTasks(filter);
      const page = Math.floor(all.total / 2 / 10);
      calls.n = 0;
      const { result, usage } = await measure(() => tasks.listTasks({ ...filter, page, perPage: 10 }));
      assert.equal(result.total, all.total);
      assert.deepStrictEqual(
        result.tasks.map((t) => t.id),
        all.tasks.slice(page * 10, page * 10 + 10).map((t) => t.id),
      );
      out.push({ read: usage.documentsRead, total: all.total });
    }
    return out;
  };
  const before = await pages();
  assert.equal(before[0].total, n + 1);
  await storage.rebuildRankTrees();
  const after = await pages();
  assert.deepStrictEqual(after.map((p) => p.total), before.map((p) => p.total));
  console.log(`middle pages of 10 before / after the rebuild: ${before.map((p, i) => `${p.read}/${after[i].read}`)}`);
  // The all-tasks middle page walked half the list before; it seeks now.
  assert.ok(before[0].read > n / 2 && after[0].read < 60, JSON.stringify({ before, after }));
});
