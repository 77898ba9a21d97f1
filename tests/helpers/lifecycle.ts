/**
 * Fixtures of the lifecycle tests (retention and erasure): a seeded world of
 * threads, messages, resources, workflow runs and traces with ages relative
 * to a reference time, a model of what it holds, and a recount that checks
 * every memory counter and rank tree against the rows actually stored.
 */
import assert from "node:assert/strict";
import type { MastraDBMessage } from "@mastra/core/memory";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { readCounter } from "../../convex/kit/counters.ts";
import { familyTrees, totalAcross } from "../../convex/kit/rankFamily.ts";
import { treeTotal } from "../../convex/kit/rankTree.ts";
import { memoryCounters, memoryTrees, threadTreeEntries } from "../../convex/memory/counterNames.ts";
import { messagesOfThreadResource, treeEntries } from "../../convex/memory/messageStore.ts";
import type { ConvexStorage } from "../../src/storage.ts";
import type { Backend } from "./backend.ts";
import { random } from "./traceFixtures.ts";

/** One day in ms. */
export const DAY = 86_400_000;

/** What the world holds (ages are days before the reference time). */
export type World = {
  threads: { id: string; resourceId: string; updatedAt: number }[];
  messages: { id: string; threadId: string; resourceId: string; createdAt: number }[];
  resources: { id: string; updatedAt: number }[];
  runs: { workflowName: string; runId: string; resourceId: string; updatedAt: number }[];
  traces: { traceId: string; resourceId: string; startedAt: number; spans: number }[];
};

/** Ages used by the fixtures, in days: none near 30 (the tests' usual `maxAge`), so server-clock drift never matters. */
const AGES = [1, 2, 5, 10, 20, 40, 60, 90];

function message(id: string, threadId: string, resourceId: string, createdAt: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: "user",
    createdAt: new Date(createdAt),
    content: { format: 2, parts: [{ type: "text", text: `text of ${id}` }] },
  } as MastraDBMessage;
}

/**
 * Seeds a world through the storage's API. `setNow` sets the storage's
 * client clock (which stamps threads' `updatedAt` and runs' times) so each
 * row gets its intended age before `reference`.
 */
export async function seedWorld(
  storage: ConvexStorage,
  setNow: (ms: number) => void,
  options: { seed: number; reference: number; resources?: string[]; threads?: number; traces?: number },
): Promise<World> {
  const next = random(options.seed);
  const pickAge = () => AGES[Math.floor(next() * AGES.length)] * DAY;
  const resources = options.resources ?? ["r1", "r2", "r3"];
  const world: World = { threads: [], messages: [], resources: [], runs: [], traces: [] };
  const memory = (await storage.getStore("memory"))!;
  const workflows = (await storage.getStore("workflows"))!;
  const observability = (await storage.getStore("observability"))!;
  for (const id of resources) {
    const updatedAt = options.reference - pickAge();
    setNow(updatedAt);
    await memory.saveResource({
      resource: {
        id,
        workingMemory: `wm of ${id}`,
        metadata: { id },
        createdAt: new Date(updatedAt),
        updatedAt: new Date(updatedAt),
      },
    });
    world.resources.push({ id, updatedAt });
  }
  for (let i = 0; i < (options.threads ?? 12); i++) {
    const resourceId = resources[Math.floor(next() * resources.length)];
    const id = `${resourceId}-t${i}`;
    const threadAt = options.reference - pickAge();
    setNow(threadAt);
    await memory.saveThread({
      thread: {
        id,
        resourceId,
        title: id,
        metadata: {},
        createdAt: new Date(threadAt - DAY),
        updatedAt: new Date(threadAt),
      },
    });
    const count = 1 + Math.floor(next() * 5);
    const messages: MastraDBMessage[] = [];
    for (let m = 0; m < count; m++) {
      // Messages are never newer than their thread's last activity.
      const createdAt = Math.min(threadAt, options.reference - pickAge()) - m;
      messages.push(message(`${id}-m${m}`, id, resourceId, createdAt));
      world.messages.push({ id: `${id}-m${m}`, threadId: id, resourceId, createdAt });
    }
    await memory.saveMessages({ messages });
    world.threads.push({ id, resourceId, updatedAt: threadAt });
  }
  for (let i = 0; i < 6; i++) {
    const resourceId = resources[i % resources.length];
    const updatedAt = options.reference - pickAge();
    setNow(updatedAt);
    const runId = `run${i}`;
    await workflows.persistWorkflowSnapshot({
      workflowName: "wf",
      runId,
      resourceId,
      snapshot: {
        runId,
        status: "success",
        value: {},
        context: {},
        activePaths: [],
        serializedStepGraph: [],
        suspendedPaths: {},
        waitingPaths: {},
        timestamp: updatedAt,
      } as unknown as WorkflowRunState,
    });
    world.runs.push({ workflowName: "wf", runId, resourceId, updatedAt });
  }
  for (let i = 0; i < (options.traces ?? 6); i++) {
    const resourceId = resources[i % resources.length];
    const startedAt = options.reference - pickAge();
    const traceId = `trace${i}`;
    const root = {
      traceId,
      spanId: "root",
      name: "root",
      spanType: "agent_run",
      isEvent: false,
      startedAt: new Date(startedAt),
      endedAt: new Date(startedAt + 10),
      parentSpanId: null,
      entityType: "agent",
      entityName: "a",
      resourceId,
    };
    const child = { ...root, spanId: "tool", name: "tool", spanType: "tool_call", parentSpanId: "root" };
    await observability.batchCreateSpans({ records: [root, child] as never });
    world.traces.push({ traceId, resourceId, startedAt, spans: 2 });
  }
  setNow(options.reference);
  return world;
}

/** Every stored row of a memory table (small worlds only). */
// deno-lint-ignore no-explicit-any
async function allRows(backend: Backend, table: string): Promise<any[]> {
  // deno-lint-ignore no-explicit-any
  return await backend.run((ctx: any) => ctx.db.query(table).collect());
}

/**
 * Checks that every memory counter and rank tree of the threads and
 * resources ever seeded equals a recount of the rows stored now.
 */
export async function assertMemoryRecount(backend: Backend, world: World): Promise<void> {
  const threads = await allRows(backend, "threads");
  const messages = await allRows(backend, "messages");
  const counters = new Map<string, number>();
  const trees = new Map<string, number>();
  const bump = (map: Map<string, number>, name: string) => map.set(name, (map.get(name) ?? 0) + 1);
  for (const thread of threads) {
    bump(counters, memoryCounters.threadsOfResource(thread.resourceId));
    for (const entry of threadTreeEntries(thread)) bump(trees, entry.tree);
  }
  for (const row of messages) {
    bump(counters, memoryCounters.messagesOfThread(row.threadId));
    bump(counters, memoryCounters.messagesOfResource(row.resourceId));
    bump(counters, messagesOfThreadResource(row.threadId, row.resourceId));
    for (const entry of treeEntries(row)) bump(trees, entry.tree);
  }
  const names = new Set<string>(counters.keys());
  const treeNames = new Set<string>(trees.keys());
  for (const thread of world.threads) {
    names.add(memoryCounters.threadsOfResource(thread.resourceId));
    names.add(memoryCounters.messagesOfThread(thread.id));
    for (const entry of threadTreeEntries({ ...thread, createdAt: 0 })) treeNames.add(entry.tree);
  }
  for (const row of world.messages) {
    names.add(memoryCounters.messagesOfResource(row.resourceId));
    names.add(messagesOfThreadResource(row.threadId, row.resourceId));
    for (const entry of treeEntries(row)) treeNames.add(entry.tree);
  }
  // deno-lint-ignore no-explicit-any
  const stored = await backend.run(async (ctx: any) => {
    // The all-threads total comes from the deployment-wide trees (memory/threadCount.ts).
    const out: Record<string, number> = {
      __threads: await totalAcross(ctx, familyTrees(memoryTrees.allThreads("createdAt"))),
    };
    for (const name of names) out[`counter ${name}`] = await readCounter(ctx, name);
    for (const name of treeNames) out[`tree ${name}`] = await treeTotal(ctx, name);
    return out;
  });
  const expected: Record<string, number> = { __threads: threads.length };
  for (const name of names) expected[`counter ${name}`] = counters.get(name) ?? 0;
  for (const name of treeNames) expected[`tree ${name}`] = trees.get(name) ?? 0;
  assert.deepEqual(stored, expected);
}

/** Ids of the stored rows of a table, sorted. */
export async function storedIds(backend: Backend, table: string, field = "id"): Promise<string[]> {
  return (await allRows(backend, table)).map((row) => String(row[field])).sort();
}
