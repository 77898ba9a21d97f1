/**
 * `deno task bench:domains`: documents read and written, round trips and
 * wall time per call of the background-tasks, schedules and server-cache
 * hot paths, for our store and the official `@mastra/convex` 1.5.2, on the
 * in-process Convex backend (convex-test, transaction limits on), at
 * growing data sizes. It prints one markdown table; it does not pass or fail.
 *
 *   deno task bench:domains                     # sizes 1,000 and 10,000
 *   deno task bench:domains --sizes=1000,10000  # chosen sizes
 *   deno task bench:domains --no-official       # ours only
 *
 * Data at size N (seeded by cloning one template written through each
 * store's own API, so every row has the layout that store writes; our
 * counters are set to what N API writes would have left):
 *
 * - N background tasks of 4 agents, half `completed`, a quarter `running`, a
 *   quarter `pending`, created one millisecond apart;
 * - N active schedules, 20 of them due;
 * - N cache keys holding a value, and one list of N items built by
 *   `listPushIndexed` (with its counter key);
 * - ours only (the official store has no such domains: Mastra keeps thread
 *   state in memory over it, and has no notifications store): the task
 *   lists of N threads (thread state), N pending notifications of 50
 *   threads, 20 of them due, and knowledge: N nodes and N records of one
 *   resource scope (records about 50 nodes, one record containing
 *   "needle"), with N pending semantic outbox entries.
 *
 * The official store runs unchanged over HTTP to its own Convex functions
 * (`mastra/storage:handle`, `mastra/cache:handle`, mounted as its docs say),
 * hosted on the same kind of backend. Its `ConvexServerCache` does not
 * override `listPushIndexed`, so core's default (`increment` then
 * `listPush`, two calls) is what it runs.
 */
import { parseArgs } from "node:util";
import { defineSchema } from "convex/server";
import { convexTest } from "convex-test";
import type { MastraServerCache } from "@mastra/core/cache";
import type { BackgroundTask } from "@mastra/core/background-tasks";
import type {
  BackgroundTasksStorage,
  KnowledgeRecord,
  KnowledgeSemanticOutboxEntry,
  KnowledgeStorage,
  MastraCompositeStore,
  NotificationRecord,
  NotificationsStorage,
  Schedule,
  SchedulesStorage,
  SearchKnowledgeResult,
  ThreadStateStorage,
} from "@mastra/core/storage";
import { ConvexServerCache as OfficialCache, ConvexStore } from "@mastra/convex-official";
import {
  mastraBackgroundTasksTable,
  mastraCache,
  mastraCacheListItemsTable,
  mastraCacheTable,
  mastraChannelConfigTable,
  mastraChannelInstallationsTable,
  mastraDocumentsTable,
  mastraMessagesTable,
  mastraObservationalMemoryTable,
  mastraResourcesTable,
  mastraSchedulesTable,
  mastraScheduleTriggersTable,
  mastraScoresTable,
  mastraStorage,
  mastraThreadsTable,
  mastraWorkflowSnapshotsTable,
  TABLE_BACKGROUND_TASKS,
  TABLE_CHANNEL_CONFIG,
  TABLE_CHANNEL_INSTALLATIONS,
  TABLE_SCHEDULE_TRIGGERS,
  TABLE_SCHEDULES,
} from "@mastra/convex-official";
import ourSchema from "../../convex/schema.ts";
import { ConvexServerCache } from "../../src/cache/serverCache.ts";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { type ConvexHttpServer, startConvexHttpServer } from "../../tests/helpers/httpServer.ts";
import { measure } from "../../tests/helpers/metrics.ts";
import type { RawBackend } from "./subjects.ts";

type Doc = Record<string, unknown>;

/** One store under test, with the three domains measured here. */
type DomainSubject = AsyncDisposable & {
  readonly name: "ours" | "official";
  readonly storage: MastraCompositeStore;
  readonly tasks: BackgroundTasksStorage;
  readonly schedules: SchedulesStorage;
  readonly cache: MastraServerCache;
  /** Ours only (see the module comment). */
  readonly threadState?: ThreadStateStorage;
  /** Ours only (see the module comment). */
  readonly notifications?: NotificationsStorage;
  /** Ours only (see the module comment). */
  readonly knowledge?: KnowledgeStorage;
  readonly backend: RawBackend;
  readonly tables: readonly string[];
  /** Our counter table (the official store keeps none). */
  readonly counterTable?: string;
  /** Table names of each domain in this store. */
  readonly names: { tasks: string; schedules: string; cacheEntries: string; cacheItems: string };
  roundTrips(): number;
};

async function createOurs(): Promise<DomainSubject> {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    query: (ref, args) => (calls++, inner.query(ref, args)),
    mutation: (ref, args) => (calls++, inner.mutation(ref, args)),
    action: (ref, args) => (calls++, inner.action(ref, args)),
  };
  const storage = new ConvexStorage({ client });
  await storage.init();
  return {
    name: "ours",
    storage,
    tasks: (await storage.getStore("backgroundTasks"))!,
    schedules: (await storage.getStore("schedules"))!,
    cache: new ConvexServerCache({ client }),
    threadState: (await storage.getStore("threadState"))!,
    notifications: (await storage.getStore("notifications"))!,
    knowledge: (await storage.getStore("knowledge"))!,
    backend: backend as unknown as RawBackend,
    tables: Object.keys(ourSchema.tables),
    counterTable: "counters",
    names: {
      tasks: "background_tasks",
      schedules: "schedules",
      cacheEntries: "cache_entries",
      cacheItems: "cache_items",
    },
    roundTrips: () => calls,
    [Symbol.asyncDispose]: () => Promise.resolve(),
  };
}

/** The official package's tables, as its docs tell users to define them (the vector tables left out). */
const officialSchema = defineSchema({
  mastra_threads: mastraThreadsTable,
  mastra_messages: mastraMessagesTable,
  mastra_resources: mastraResourcesTable,
  mastra_workflow_snapshots: mastraWorkflowSnapshotsTable,
  mastra_scorers: mastraScoresTable,
  mastra_observational_memory: mastraObservationalMemoryTable,
  [TABLE_BACKGROUND_TASKS]: mastraBackgroundTasksTable,
  [TABLE_SCHEDULES]: mastraSchedulesTable,
  [TABLE_SCHEDULE_TRIGGERS]: mastraScheduleTriggersTable,
  [TABLE_CHANNEL_INSTALLATIONS]: mastraChannelInstallationsTable,
  [TABLE_CHANNEL_CONFIG]: mastraChannelConfigTable,
  mastra_cache: mastraCacheTable,
  mastra_cache_list_items: mastraCacheListItemsTable,
  mastra_documents: mastraDocumentsTable,
});

async function createOfficial(): Promise<DomainSubject> {
  const modules = {
    "/convex/_generated/server.ts": () => Promise.resolve({}),
    "/convex/mastra/storage.ts": () => Promise.resolve({ handle: mastraStorage }),
    "/convex/mastra/cache.ts": () => Promise.resolve({ handle: mastraCache }),
  };
  const backend = convexTest({ schema: officialSchema, modules, transactionLimits: true });
  const server: ConvexHttpServer = await startConvexHttpServer({
    // deno-lint-ignore no-explicit-any
    backend: { ...backend, raw: backend } as any,
    modules,
    components: {},
  });
  const storage = new ConvexStore({ id: "official", deploymentUrl: server.url, adminAuthToken: server.adminKey });
  await storage.init();
  return {
    name: "official",
    storage,
    tasks: (await storage.getStore("backgroundTasks"))!,
    schedules: (await storage.getStore("schedules"))!,
    cache: new OfficialCache({ deploymentUrl: server.url, adminAuthToken: server.adminKey }),
    backend: backend as unknown as RawBackend,
    tables: Object.keys(officialSchema.tables),
    names: {
      tasks: TABLE_BACKGROUND_TASKS,
      schedules: TABLE_SCHEDULES,
      cacheEntries: "mastra_cache",
      cacheItems: "mastra_cache_list_items",
    },
    roundTrips: () => server.stats.apiRequests,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

// ---------------------------------------------------------------- seeding

const CHUNK = 2000;

/** Every table's rows, one transaction per table (all tables at once would exceed a transaction's 32,000 scans). */
async function snapshot(subject: DomainSubject): Promise<Map<string, Doc[]>> {
  const out = new Map<string, Doc[]>();
  for (const table of subject.tables) {
    out.set(table, await subject.backend.run(async (ctx) => await ctx.db.query(table).collect()));
  }
  return out;
}

function withoutSystem(doc: Doc): Doc {
  const { _id: _, _creationTime: __, ...rest } = doc;
  return rest;
}

/** Inserts many documents in chunks (each chunk one backend transaction). */
async function insertMany(subject: DomainSubject, table: string, count: number, make: (i: number) => Doc) {
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    await subject.backend.run(async (ctx) => {
      for (let i = start; i < end; i++) await ctx.db.insert(table, make(i));
    });
  }
}

/** Adds `delta` to each of our counters (by name). */
async function bumpCounters(subject: DomainSubject, deltas: Map<string, number>): Promise<void> {
  const table = subject.counterTable;
  if (!table || deltas.size === 0) return;
  await subject.backend.run(async (ctx) => {
    for (const [name, delta] of deltas) {
      const row = await ctx.db.query(table).withIndex("by_name", (q) => q.eq("name", name)).unique();
      if (!row) throw new Error(`seed: counter ${name} missing`);
      await ctx.db.patch(row._id as string, { value: (row.value as number) + delta });
    }
  });
}

/**
 * Writes one template through the API, then `count` copies of the row it
 * wrote in `table` (`copy` makes copy `i` from the template row), deletes
 * the template row and moves our counters as `count` API writes would have.
 */
async function cloneRows(
  subject: DomainSubject,
  table: string,
  count: number,
  template: () => Promise<void>,
  copy: (doc: Doc, i: number) => Doc,
): Promise<void> {
  const before = await snapshot(subject);
  await template();
  const after = await snapshot(subject);
  const old = new Set((before.get(table) ?? []).map((doc) => doc._id));
  const added = (after.get(table) ?? []).filter((doc) => !old.has(doc._id));
  if (added.length !== 1) throw new Error(`seed: the template wrote ${added.length} ${table} rows, expected 1`);
  for (const [name, docs] of after) {
    // Rank trees are rebuilt for the copies once seeded (`seedAll`).
    // Operation records (a retry-safe create's answer) are not data.
    if (
      name === table || name === subject.counterTable || name === "rank_nodes" || name === "rank_pending" ||
      name === "operations"
    ) continue;
    const was = new Set((before.get(name) ?? []).map((doc) => doc._id));
    if (docs.some((doc) => !was.has(doc._id))) throw new Error(`seed: the template also wrote to ${name}`);
  }
  const deltas = new Map<string, number>();
  if (subject.counterTable) {
    const oldCounters = new Map((before.get(subject.counterTable) ?? []).map((doc) => [doc.name, doc.value as number]));
    for (const doc of after.get(subject.counterTable) ?? []) {
      const delta = (doc.value as number) - (oldCounters.get(doc.name) ?? 0);
      if (delta !== 0) deltas.set(doc.name as string, delta * (count - 1));
    }
  }
  const row = withoutSystem(added[0]);
  await insertMany(subject, table, count, (i) => copy(row, i));
  await subject.backend.run(async (ctx) => await ctx.db.delete(added[0]._id as string));
  await bumpCounters(subject, deltas);
}

/** Replaces `token` by `replacement` everywhere in a row, and sets the named time fields. */
function rewrite(doc: Doc, token: string, replacement: string, times: Record<string, number>): Doc {
  const out = JSON.parse(JSON.stringify(doc).replaceAll(token, replacement)) as Doc;
  for (const [field, time] of Object.entries(times)) {
    if (typeof out[field] === "number") out[field] = time;
    else if (typeof out[field] === "string") out[field] = new Date(time).toISOString();
  }
  return out;
}

const T0 = Date.UTC(2026, 0, 1);
const AGENTS = 4;
const DUE = 20;
const TASK_STATUSES = ["completed", "completed", "running", "pending"] as const;

function taskTemplate(id: string, agentId: string, status: BackgroundTask["status"]): BackgroundTask {
  return {
    id,
    status,
    toolName: "search",
    toolCallId: `call-${id}`,
    args: { q: id },
    agentId,
    threadId: `thread-${id}`,
    resourceId: "user-1",
    runId: `run-${id}`,
    createdAt: new Date(T0),
    ...(status !== "pending" ? { startedAt: new Date(T0) } : {}),
    ...(status === "completed" ? { completedAt: new Date(T0), result: { ok: true } } : {}),
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 60_000,
  };
}

/** N tasks: task `i` has agent `i % 4`, status `TASK_STATUSES[(i / 4) % 4]`, created at T0 + i ms. */
async function seedTasks(subject: DomainSubject, n: number): Promise<void> {
  // One template per (status, agent) group; copies of a group are interleaved in time with the others.
  const groups: { status: BackgroundTask["status"]; agent: number; indices: number[] }[] = [];
  for (let i = 0; i < n; i++) {
    const status = TASK_STATUSES[Math.floor(i / AGENTS) % TASK_STATUSES.length];
    const agent = i % AGENTS;
    let group = groups.find((g) => g.status === status && g.agent === agent);
    if (!group) groups.push(group = { status, agent, indices: [] });
    group.indices.push(i);
  }
  for (const group of groups) {
    const token = `tpl${group.status}${group.agent}x`;
    await cloneRows(
      subject,
      subject.names.tasks,
      group.indices.length,
      () => subject.tasks.createTask(taskTemplate(token, `agent-${group.agent}`, group.status)),
      (doc, k) => {
        const i = group.indices[k];
        const time = T0 + i;
        return rewrite(doc, token, `task-${String(i).padStart(6, "0")}`, {
          createdAt: time,
          startedAt: time,
          completedAt: time,
        });
      },
    );
  }
}

function scheduleTemplate(id: string): Schedule {
  return {
    id,
    target: { type: "workflow", workflowId: "wf-1" },
    cron: "* * * * *",
    status: "active",
    nextFireAt: T0,
    createdAt: T0,
    updatedAt: T0,
  };
}

/** N active schedules: copy `i` fires at T0 + (i - DUE + 1) minutes, so the first DUE are due at T0. */
async function seedSchedules(subject: DomainSubject, n: number): Promise<void> {
  const token = "tplschedx";
  await cloneRows(
    subject,
    subject.names.schedules,
    n,
    async () => void await subject.schedules.createSchedule(scheduleTemplate(token)),
    (doc, i) => {
      const fire = T0 + (i - DUE + 1) * 60_000;
      return rewrite(doc, token, `sched-${String(i).padStart(6, "0")}`, {
        nextFireAt: fire,
        next_fire_at: fire,
        createdAt: T0 + i,
        created_at: T0 + i,
      });
    },
  );
}

/** N cache keys `key-<i>` holding a small value. */
async function seedCacheValues(subject: DomainSubject, n: number): Promise<void> {
  const token = "tplkeyx";
  await cloneRows(
    subject,
    subject.names.cacheEntries,
    n,
    () => subject.cache.set(token, { tokens: 128, model: "m" }),
    (doc, i) => {
      const out = rewrite(doc, token, `key-${String(i).padStart(6, "0")}`, {});
      // Ours: a generation per entry. The copies keep the template's `reaperAt` without a job of their own, so they
      // are never reaped; nothing measured here depends on expiry (the bench ends within the TTL of five minutes).
      if (typeof out.gen === "string") out.gen = crypto.randomUUID();
      return out;
    },
  );
}

const LIST_KEY = "stream:topic";
const COUNTER_KEY = "stream:topic:next";

/** One list of N items pushed by `listPushIndexed`, with its counter at N. */
async function seedCacheList(subject: DomainSubject, n: number): Promise<void> {
  await subject.cache.listPushIndexed(LIST_KEY, COUNTER_KEY, { type: "text-delta", delta: "hello" });
  const items = subject.names.cacheItems;
  const entries = subject.names.cacheEntries;
  const [item] = await subject.backend.run(async (ctx) => await ctx.db.query(items).collect());
  const template = withoutSystem(item);
  // Items 1..n-1, as n - 1 more pushes would have written them.
  await insertMany(subject, items, n - 1, (k) => {
    const i = k + 1;
    return subject.name === "ours" ? { ...template, pos: i, indexed: i } : { ...template, index: i };
  });
  await subject.backend.run(async (ctx) => {
    // Seeded before the values: the two entries are the only ones (the official store prefixes keys).
    const all = await ctx.db.query(entries).collect();
    for (const key of [LIST_KEY, COUNTER_KEY]) {
      const entry = all.find((doc) => (doc.key as string).endsWith(key));
      if (!entry) throw new Error(`seed: cache entry ${key} missing`);
      if (subject.name === "official") await ctx.db.patch(entry._id as string, { counter: n });
      else if (key === LIST_KEY) await ctx.db.patch(entry._id as string, { length: n });
      else await ctx.db.patch(entry._id as string, { value: String(n) });
    }
  });
}

const TASK_LIST = [
  { id: "1", content: "Read the issue", status: "completed", activeForm: "Reading the issue" },
  { id: "2", content: "Write the tests", status: "in_progress", activeForm: "Writing the tests" },
  { id: "3", content: "Ship it", status: "pending", activeForm: "Shipping it" },
];

/** The task lists of N threads `thread-<i>` (ours only). */
async function seedThreadState(subject: DomainSubject, n: number): Promise<void> {
  const token = "tplstatex";
  await cloneRows(
    subject,
    "thread_state",
    n,
    () => subject.threadState!.setState({ threadId: token, type: "task", value: TASK_LIST }),
    (doc, i) => rewrite(doc, token, `thread-${String(i).padStart(6, "0")}`, {}),
  );
}

/** N pending notifications of 50 threads; copy `i` is due at T0 + (i - DUE + 1) minutes, so DUE are due at T0. */
async function seedNotifications(subject: DomainSubject, n: number): Promise<void> {
  const token = "tplnotex";
  await cloneRows(
    subject,
    "notifications",
    n,
    async () =>
      void await subject.notifications!.createNotification({
        id: token,
        threadId: "thread-000000",
        source: "ci",
        kind: "build",
        summary: "Build failed",
        agentId: "agent-1",
        resourceId: "user-1",
        deliverAt: new Date(T0),
        createdAt: new Date(T0),
      }),
    (doc, i) => {
      const due = T0 + (i - DUE + 1) * 60_000;
      return {
        ...rewrite(doc, token, `note-${String(i).padStart(6, "0")}`, { createdAt: T0 + i, updatedAt: T0 + i }),
        threadId: `thread-${String(i % 50).padStart(6, "0")}`,
        deliverAt: due,
        dueAt: due,
      };
    },
  );
}

const KNOWLEDGE_SCOPE = ["org:o", "resource:r"];
const KNOWLEDGE_SCOPE_KEY = KNOWLEDGE_SCOPE.join("\u001f");

/** N knowledge nodes and N records of one scope, and N pending outbox entries (ours only; rows as our writes lay them out). */
async function seedKnowledge(subject: DomainSubject, n: number): Promise<void> {
  const pad = (i: number) => String(i).padStart(6, "0");
  const scope = { scope: KNOWLEDGE_SCOPE, scopeKey: KNOWLEDGE_SCOPE_KEY };
  await insertMany(subject, "knowledge_nodes", n, (i) => ({
    id: `node-${pad(i)}`,
    name: `Node ${pad(i)}`,
    nameKey: `node ${pad(i)}`,
    kind: "topic",
    ...scope,
    version: 1,
    live: true,
    createdAt: T0 + i,
    updatedAt: T0 + i,
  }));
  await insertMany(subject, "knowledge_records", n, (i) => ({
    id: `rec-${pad(i)}`,
    node: `node-${pad(i % 50)}`,
    text: i === Math.floor(n / 2) ? "a needle in the haystack" : `ordinary fact ${i}`,
    ...scope,
    sourceThreadId: `thread-${pad(i % 50)}`,
    capturedAt: T0 + i,
  }));
  await insertMany(subject, "knowledge_outbox", n, (i) => ({
    id: `0${pad(i)}`,
    idempotencyKey: `knowledge:record:rec-${pad(i)}:upsert:rec-${pad(i)}`,
    documentId: `knowledge:record:rec-${pad(i)}`,
    documentType: "record",
    operation: "upsert",
    ...scope,
    status: "pending",
    open: true,
    attempts: 0,
    availableAt: T0,
    createdAt: T0 + i,
  }));
}

// ---------------------------------------------------------------- measuring

/** What one call costs; `null` when the store has no such call. */
export type Cost = { read: number; written: number; roundTrips: number; ms: number };

/** One benchmark row. */
export type DomainRow = { size: number; call: string; ours: Cost | null; official: Cost | "not supported" | null };

/** Runs `fn` `reps` times; reports the mean documents, round trips and milliseconds of one call. */
async function cost(subject: DomainSubject, reps: number, fn: () => Promise<unknown>): Promise<Cost> {
  await fn(); // warm-up (first-call costs such as lazy init are not what is measured)
  let read = 0, written = 0, trips = 0, ms = 0;
  for (let r = 0; r < reps; r++) {
    const trips0 = subject.roundTrips();
    const start = performance.now();
    const { usage } = await measure(fn);
    ms += performance.now() - start;
    trips += subject.roundTrips() - trips0;
    read += usage.documentsRead;
    written += usage.documentsWritten;
  }
  return { read: read / reps, written: written / reps, roundTrips: trips / reps, ms: ms / reps };
}

/** The calls measured, each with a check that it returned what the data implies. */
function calls(
  n: number,
): { call: string; run: (s: DomainSubject) => Promise<unknown>; check: (r: unknown) => void; oursOnly?: true }[] {
  const statusOf = (i: number) => TASK_STATUSES[Math.floor(i / AGENTS) % TASK_STATUSES.length];
  const indices = Array.from({ length: n }, (_, i) => i);
  const running = indices.filter((i) => statusOf(i) === "running").length;
  const runningOfAgent1 = indices.filter((i) => statusOf(i) === "running" && i % AGENTS === 1).length;
  const completed = indices.filter((i) => statusOf(i) === "completed").length;
  const perPage = 20;
  const middle = Math.floor(Math.ceil(completed / perPage) / 2);
  const expect = (ok: boolean, what: string) => {
    if (!ok) throw new Error(`bench: unexpected result of ${what}`);
  };
  return [
    {
      call: `listDueSchedules(now, 100): ${DUE} due of N`,
      run: (s) => s.schedules.listDueSchedules(T0, 100),
      check: (r) => expect((r as Schedule[]).length === Math.min(DUE, n), "listDueSchedules"),
    },
    {
      call: "getState(thread, task) among N threads' state",
      oursOnly: true,
      run: (s) =>
        s.threadState!.getState({ threadId: `thread-${String(Math.floor(n / 2)).padStart(6, "0")}`, type: "task" }),
      check: (r) => expect(JSON.stringify(r) === JSON.stringify(TASK_LIST), "getState"),
    },
    {
      call: "setState(thread, task) among N threads' state",
      oursOnly: true,
      run: (s) =>
        s.threadState!.setState({
          threadId: `thread-${String(Math.floor(n / 2)).padStart(6, "0")}`,
          type: "task",
          value: TASK_LIST,
        }),
      check: (r) => expect(r === undefined, "setState"),
    },
    {
      call: `listDueNotifications(now, 100): ${DUE} due of N pending`,
      oursOnly: true,
      run: (s) => s.notifications!.listDueNotifications({ now: new Date(T0), limit: 100 }),
      check: (r) => expect((r as NotificationRecord[]).length === Math.min(DUE, n), "listDueNotifications"),
    },
    {
      call: 'knowledge search("needle", limit 20): 1 record matches, N nodes + N records scanned',
      oursOnly: true,
      run: (s) => s.knowledge!.search({ query: "needle", scope: KNOWLEDGE_SCOPE }),
      check: (r) => expect((r as SearchKnowledgeResult[]).length === 1, "knowledge search"),
    },
    {
      call: 'knowledge search("node 00", limit 20): matches among the newest nodes',
      oursOnly: true,
      run: (s) => s.knowledge!.search({ query: "node 00", scope: KNOWLEDGE_SCOPE }),
      check: (r) => expect((r as SearchKnowledgeResult[]).length === Math.min(20, n), "knowledge search prefix"),
    },
    {
      call: "knowledge claimSemanticOutbox(limit 10) among N pending",
      oursOnly: true,
      run: (s) => s.knowledge!.claimSemanticOutbox({ workerId: "w", limit: 10, now: new Date(T0) }),
      check: (r) => expect((r as KnowledgeSemanticOutboxEntry[]).length === 10, "claimSemanticOutbox"),
    },
    {
      call: "knowledge listKnowledgeAbout(node, limit 20): N/50 records about it",
      oursOnly: true,
      run: (s) => s.knowledge!.listKnowledgeAbout({ node: "node-000001", scope: KNOWLEDGE_SCOPE, limit: 20 }),
      check: (r) =>
        expect(
          (r as { records: KnowledgeRecord[] }).records.length === Math.min(20, Math.ceil((n - 1) / 50)),
          "listKnowledgeAbout",
        ),
    },
    {
      call: "getRunningCount()",
      run: (s) => s.tasks.getRunningCount(),
      check: (r) => expect(r === running, "getRunningCount"),
    },
    {
      call: "getRunningCountByAgent(agent): N/16 running",
      run: (s) => s.tasks.getRunningCountByAgent("agent-1"),
      check: (r) => expect(r === runningOfAgent1, "getRunningCountByAgent"),
    },
    ...[...new Set([0, middle])].map((page) => ({
      call: `listTasks(status completed, ${page === 0 ? "first" : "middle"} page ${page}, perPage ${perPage})`,
      run: (s: DomainSubject) => s.tasks.listTasks({ status: "completed", page, perPage }),
      check: (r: unknown) => {
        const { tasks, total } = r as { tasks: BackgroundTask[]; total: number };
        expect(tasks.length === Math.min(perPage, completed - page * perPage) && total === completed, "listTasks");
        expect(tasks.every((t) => t.status === "completed"), "listTasks status");
        const first = indices.filter((i) => statusOf(i) === "completed")[page * perPage];
        expect(tasks[0]?.id === `task-${String(first).padStart(6, "0")}`, "listTasks page start");
      },
    })),
    {
      call: "cache get(key) among N keys",
      run: (s) => s.cache.get(`key-${String(Math.floor(n / 2)).padStart(6, "0")}`),
      check: (r) => expect((r as { tokens?: number })?.tokens === 128, "cache get"),
    },
    {
      call: "cache listPushIndexed onto a list of N",
      run: (s) => s.cache.listPushIndexed(LIST_KEY, COUNTER_KEY, { type: "text-delta", delta: "hello" }),
      check: (r) => expect(typeof r === "number" && r >= n, "listPushIndexed"),
    },
  ];
}

/** Seeds every domain at size `n` in a fresh store. */
async function seedAll(subject: DomainSubject, n: number): Promise<void> {
  await seedTasks(subject, n);
  await seedSchedules(subject, n);
  await seedCacheList(subject, n);
  await seedCacheValues(subject, n);
  if (subject.threadState) await seedThreadState(subject, n);
  if (subject.notifications) await seedNotifications(subject, n);
  if (subject.knowledge) await seedKnowledge(subject, n);
  // Our deep task pages seek through rank trees; build them for the copied rows as an upgrade would.
  const storage = subject.storage as { rebuildRankTrees?(): Promise<number> };
  if (storage.rebuildRankTrees) await storage.rebuildRankTrees();
}

async function measureStore(
  make: () => Promise<DomainSubject>,
  n: number,
  reps: number,
): Promise<Map<string, Cost | "not supported">> {
  await using subject = await make();
  await seedAll(subject, n);
  const out = new Map<string, Cost | "not supported">();
  for (const { call, run, check, oursOnly } of calls(n)) {
    if (oursOnly && subject.name !== "ours") continue;
    check(await run(subject));
    out.set(call, await cost(subject, reps, () => run(subject)));
  }
  return out;
}

/** Measures every call at every size. */
export async function runDomainBench(
  options: { sizes: readonly number[]; official: boolean; reps?: number },
): Promise<DomainRow[]> {
  const rows: DomainRow[] = [];
  for (const size of options.sizes) {
    const reps = options.reps ?? 3;
    const ours = await measureStore(createOurs, size, reps);
    const official = options.official ? await measureStore(createOfficial, size, reps) : null;
    for (const [call, cost] of ours) {
      rows.push({ size, call, ours: cost as Cost, official: official ? official.get(call) ?? "not supported" : null });
    }
  }
  return rows;
}

function cell(cost: Cost | "not supported" | null): string[] {
  if (cost === null) return ["", "", "", ""];
  if (cost === "not supported") return ["not supported", "", "", ""];
  const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return [num(cost.read), num(cost.written), num(cost.roundTrips), cost.ms.toFixed(1)];
}

/** The rows as one markdown table. */
export function renderDomainTable(rows: readonly DomainRow[], official: boolean): string {
  const head = ["N", "call", "ours: read", "written", "round trips", "ms/call"];
  if (official) head.push("official: read", "written", "round trips", "ms/call");
  const lines = [`| ${head.join(" | ")} |`, `|${head.map((_, i) => (i < 2 ? "---" : "--:")).join("|")}|`];
  for (const row of rows) {
    const cells = [row.size.toLocaleString("en-US"), row.call, ...cell(row.ours)];
    if (official) cells.push(...cell(row.official));
    lines.push(`| ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      sizes: { type: "string" },
      reps: { type: "string" },
      "no-official": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    console.log("usage: deno task bench:domains [--sizes=1000,10000] [--reps=3] [--no-official]");
    Deno.exit(0);
  }
  const sizes = values.sizes
    ? values.sizes.split(",").map((s) => Number(s.replaceAll("_", "").trim()))
    : [1_000, 10_000];
  if (sizes.some((n) => !Number.isInteger(n) || n < 16)) {
    console.error(`--sizes takes integers >= 16, got ${values.sizes}`);
    Deno.exit(2);
  }
  const official = !values["no-official"];
  const started = performance.now();
  const rows = await runDomainBench({ sizes, official, reps: values.reps ? Number(values.reps) : undefined });
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(
    `Domain benchmark of @mastra/convex (ours)${official ? " and the official @mastra/convex 1.5.2" : ""} on the ` +
      `in-process Convex backend (convex-test, transaction limits on); Deno ${Deno.version.deno}, ` +
      `${navigator.hardwareConcurrency} cores; ${new Date().toISOString().slice(0, 10)}; run took ${seconds} s.`,
  );
  console.log("");
  console.log(renderDomainTable(rows, official));
  // Our cache's expiry jobs are timers of the in-process backend, minutes away: do not wait for them.
  Deno.exit(0);
}
