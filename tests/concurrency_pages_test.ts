/**
 * Totals and pages stay exact under parallel writers.
 *
 * Several `ConvexStorage` instances on one backend (two in-process clients
 * and two over the test HTTP server, the real `ConvexHttpClient`) write at
 * the same time: threads of one shared resource and of their own, messages
 * of one shared thread (and deletions), workflow runs of shared workflows
 * and statuses, traces (root spans created, then ended), and logs and
 * metric events of shared levels, names and hours. Every list's
 * counters and order-statistic trees are kept by those writes, interleaved.
 * Afterwards every total, and the page at several offsets (first, middle,
 * last and a few others), equals what `InMemoryStore` (Mastra's reference
 * semantics) returns when fed the same data one call at a time.
 *
 * No timing is asserted: the interleaving varies from run to run, the
 * expected answers do not.
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import type { MastraDBMessage } from "@mastra/core/agent";
import type { WorkflowRunState } from "@mastra/core/workflows";
import { createBackend, inProcessClient } from "./helpers/backend.ts";
import { startConvexHttpServer } from "./helpers/httpServer.ts";
import { ConvexStorage } from "../src/storage.ts";

// deno-lint-ignore no-explicit-any
type Any = any;

const WRITERS = 4;
const THREADS = 24;
const MESSAGES = 30;
const RUNS = 24;
const TRACES = 16;
const SIGNAL_BATCHES = 8;
const LEVELS = ["info", "warn", "error"];
const PER_PAGE = 7;
const T0 = 1_750_000_000_000;
const WORKFLOWS = ["wf-a", "wf-b"];
const STATUSES = ["running", "success", "failed"];

type Stores = { memory: Any; workflows: Any; observability: Any };

async function stores(storage: { getStore(name: string): Promise<unknown> }): Promise<Stores> {
  return {
    memory: await storage.getStore("memory"),
    workflows: await storage.getStore("workflows"),
    observability: await storage.getStore("observability"),
  };
}

/** Unique, writer-interleaved timestamps: writer w's i-th item. */
const time = (w: number, i: number) => T0 + (i * WRITERS + w) * 1000;

function message(w: number, i: number): MastraDBMessage {
  return {
    id: `m-${w}-${i}`,
    threadId: "hot",
    resourceId: "shared-r",
    role: i % 2 ? "assistant" : "user",
    type: "v2",
    content: { format: 2, parts: [{ type: "text", text: `writer ${w} message ${i}` }] },
    createdAt: new Date(time(w, i) + 1),
  } as MastraDBMessage;
}

function snapshot(runId: string, status: string): WorkflowRunState {
  return {
    runId,
    status,
    value: {},
    context: { input: {} },
    activePaths: [],
    activeStepsPath: {},
    serializedStepGraph: [],
    suspendedPaths: {},
    resumeLabels: {},
    waitingPaths: {},
    timestamp: T0,
  } as unknown as WorkflowRunState;
}

function rootSpan(w: number, i: number): Record<string, unknown> {
  return {
    traceId: `t-${w}-${i}`,
    spanId: "root",
    parentSpanId: null,
    name: `run ${w}-${i}`,
    spanType: "agent_run",
    isEvent: false,
    startedAt: new Date(time(w, i) + 2),
    entityType: "agent",
    entityId: `agent-${i % 2}`,
    entityName: `Agent ${i % 2}`,
    resourceId: `user-${w % 2}`,
  };
}

/** Everything writer `w` writes, in its own order; `s` is the store it writes to. */
async function write(s: Stores, w: number): Promise<void> {
  const threads = async () => {
    for (let i = 0; i < THREADS; i++) {
      const at = new Date(time(w, i));
      await s.memory.saveThread({
        thread: {
          id: `th-${w}-${i}`,
          resourceId: i % 2 ? "shared-r" : `own-${w}`,
          title: `thread ${w}-${i}`,
          createdAt: at,
          updatedAt: at,
        },
      });
    }
  };
  const messages = async () => {
    for (let i = 0; i < MESSAGES; i += 3) {
      await s.memory.saveMessages({
        messages: [i, i + 1, i + 2].filter((j) => j < MESSAGES).map((j) => message(w, j)),
      });
      if (i >= 6) await s.memory.deleteMessages([`m-${w}-${i - 5}`]);
    }
  };
  const runs = async () => {
    for (let i = 0; i < RUNS; i++) {
      const runId = `run-${w}-${i}`;
      const args = {
        workflowName: WORKFLOWS[i % 2],
        runId,
        resourceId: `user-${(w + i) % 3}`,
        createdAt: new Date(time(w, i)),
        updatedAt: new Date(time(w, i)),
      };
      await s.workflows.persistWorkflowSnapshot({ ...args, snapshot: snapshot(runId, "running") });
      // A third of the runs change status afterwards (moving between the status lists).
      if (i % 3 !== 0) {
        await s.workflows.persistWorkflowSnapshot({ ...args, snapshot: snapshot(runId, STATUSES[i % 3]) });
      }
    }
  };
  const traces = async () => {
    for (let i = 0; i < TRACES; i++) {
      await s.observability.createSpan({ span: rootSpan(w, i) });
      if (i % 2) {
        await s.observability.updateSpan({
          traceId: `t-${w}-${i}`,
          spanId: "root",
          updates: { endedAt: new Date(time(w, i) + 500) },
        });
      }
    }
  };
  // Logs and metric events of shared levels, names and hours: their counters, streams and rollup cells are sharded.
  const signals = async () => {
    for (let i = 0; i < SIGNAL_BATCHES; i++) {
      const at = (k: number) => new Date(time(w, i * 3 + k) + 3);
      await s.observability.batchCreateLogs({
        logs: [0, 1, 2].map((k) => ({
          logId: `log-${w}-${i}-${k}`,
          timestamp: at(k),
          level: LEVELS[(i + k) % 3],
          message: `writer ${w} log ${i}.${k}`,
          traceId: `t-${w}-${i}`,
          entityType: "agent",
          entityName: `Agent ${i % 2}`,
        })),
      });
      await s.observability.batchCreateMetrics({
        metrics: [0, 1, 2].map((k) => ({
          metricId: `metric-${w}-${i}-${k}`,
          timestamp: at(k),
          name: "mastra_agent_duration_ms",
          value: w * 100 + i * 3 + k,
          labels: { status: k === 2 ? "error" : "ok" },
          traceId: `t-${w}-${i}`,
          entityType: "agent",
          entityName: `Agent ${i % 2}`,
        })),
      });
    }
  };
  await Promise.all([threads(), messages(), runs(), traces(), signals()]);
}

/** Offsets of the pages compared for a list of `total` rows. */
function pagesOf(total: number): number[] {
  const last = Math.max(0, Math.ceil(total / PER_PAGE) - 1);
  return [...new Set([0, 1, Math.floor(last / 3), Math.floor(last / 2), last - 1, last, last + 1])].filter((p) =>
    p >= 0
  );
}

type Listing = { name: string; list: (s: Stores, page: number) => Promise<{ ids: string[]; total: number }> };

const threadsPage = (filter: Any, orderBy?: Any): Listing["list"] => async (s, page) => {
  const r = await s.memory.listThreads({ filter, ...(orderBy ? { orderBy } : {}), page, perPage: PER_PAGE });
  return { ids: r.threads.map((t: Any) => t.id), total: r.total };
};
const runsPage = (filter: Any): Listing["list"] => async (s, page) => {
  const r = await s.workflows.listWorkflowRuns({ ...filter, page, perPage: PER_PAGE });
  return { ids: r.runs.map((run: Any) => run.runId), total: r.total };
};
const tracesPage = (filters: Any): Listing["list"] => async (s, page) => {
  const r = await s.observability.listTraces({
    filters,
    pagination: { page, perPage: PER_PAGE },
    orderBy: { field: "startedAt", direction: "DESC" },
  });
  return { ids: r.spans.map((span: Any) => span.traceId), total: r.pagination.total };
};

const logsPage = (filters: Any): Listing["list"] => async (s, page) => {
  const r = await s.observability.listLogs({
    filters,
    pagination: { page, perPage: PER_PAGE },
    orderBy: { field: "timestamp", direction: "DESC" },
  });
  return { ids: r.logs.map((log: Any) => log.logId), total: r.pagination.total };
};
const metricsPage = (filters: Any): Listing["list"] => async (s, page) => {
  const r = await s.observability.listMetrics({
    filters,
    pagination: { page, perPage: PER_PAGE },
    orderBy: { field: "timestamp", direction: "ASC" },
  });
  return { ids: r.metrics.map((m: Any) => m.metricId), total: r.pagination.total };
};

const LISTINGS: Listing[] = [
  { name: "threads of the shared resource", list: threadsPage({ resourceId: "shared-r" }) },
  {
    name: "threads of the shared resource by updatedAt",
    list: threadsPage({ resourceId: "shared-r" }, { field: "updatedAt", direction: "DESC" }),
  },
  { name: "threads of writer 1's resource", list: threadsPage({ resourceId: "own-1" }) },
  { name: "all threads", list: threadsPage({}) },
  { name: "all threads by updatedAt, oldest first", list: threadsPage({}, { field: "updatedAt", direction: "ASC" }) },
  {
    name: "messages of the shared thread",
    list: async (s, page) => {
      const r = await s.memory.listMessages({ threadId: "hot", page, perPage: PER_PAGE });
      return { ids: r.messages.map((m: Any) => m.id), total: r.total };
    },
  },
  {
    name: "messages of the shared thread, newest first",
    list: async (s, page) => {
      const r = await s.memory.listMessages({
        threadId: "hot",
        page,
        perPage: PER_PAGE,
        orderBy: { field: "createdAt", direction: "DESC" },
      });
      return { ids: r.messages.map((m: Any) => m.id), total: r.total };
    },
  },
  { name: "all runs", list: runsPage({}) },
  { name: "runs of wf-a", list: runsPage({ workflowName: "wf-a" }) },
  ...STATUSES.map((status) => ({ name: `runs ${status}`, list: runsPage({ status }) })),
  { name: "runs of wf-b failed", list: runsPage({ workflowName: "wf-b", status: "failed" }) },
  { name: "runs of user-1", list: runsPage({ resourceId: "user-1" }) },
  { name: "all traces", list: tracesPage({}) },
  { name: "traces of Agent 1", list: tracesPage({ entityType: "agent", entityName: "Agent 1" }) },
  { name: "traces of user-0", list: tracesPage({ resourceId: "user-0" }) },
  { name: "all logs", list: logsPage({}) },
  { name: "error logs", list: logsPage({ level: "error" }) },
  { name: "metric events of one name", list: metricsPage({ name: ["mastra_agent_duration_ms"] }) },
];

Deno.test({
  name: `${WRITERS} parallel writers (2 in-process, 2 over HTTP): every total and page equals InMemoryStore's`,
  // The HTTP client's fetch keeps connections alive past the server's close.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const backend = createBackend();
    await using server = await startConvexHttpServer({ backend });
    const storages = [
      new ConvexStorage({ client: inProcessClient(backend) }),
      new ConvexStorage({ client: inProcessClient(backend) }),
      new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey }),
      new ConvexStorage({ convexUrl: server.url, adminKey: server.adminKey }),
    ];
    for (const storage of storages) await storage.init();
    const writers = await Promise.all(storages.map(stores));
    await writers[0].memory.saveThread({
      thread: {
        id: "hot",
        resourceId: "shared-r",
        title: "hot",
        createdAt: new Date(T0 - 1),
        updatedAt: new Date(T0 - 1),
      },
    });
    await Promise.all(writers.map((s, w) => write(s, w)));

    // The reference, fed the same calls one writer after the other.
    const memoryStore = new InMemoryStore();
    const reference = await stores(memoryStore as Any);
    await reference.memory.saveThread({
      thread: {
        id: "hot",
        resourceId: "shared-r",
        title: "hot",
        createdAt: new Date(T0 - 1),
        updatedAt: new Date(T0 - 1),
      },
    });
    for (let w = 0; w < WRITERS; w++) await write(reference, w);

    const ours = writers[0];
    let compared = 0;
    for (const { name, list } of LISTINGS) {
      const want0 = await list(reference, 0);
      assert.ok(want0.total > 0, `${name}: the reference list is empty`);
      for (const page of pagesOf(want0.total)) {
        const want = await list(reference, page);
        // Read through every writer's client: each sees the same committed state.
        const got = await list(writers[page % WRITERS], page);
        assert.equal(got.total, want.total, `${name}: total (page ${page})`);
        assert.deepEqual(got.ids, want.ids, `${name}: page ${page}`);
        compared++;
      }
    }
    // Single reads agree too.
    const hot = await ours.memory.listMessages({ threadId: "hot", perPage: false });
    const hotRef = await reference.memory.listMessages({ threadId: "hot", perPage: false });
    assert.deepEqual(hot.messages.map((m: Any) => m.id), hotRef.messages.map((m: Any) => m.id));
    // Rollups written by parallel calls (into their write shards) answer as the reference does.
    for (
      const args of [
        { name: "mastra_agent_duration_ms", aggregation: "sum" },
        { name: "mastra_agent_duration_ms", aggregation: "count", filters: { entityName: "Agent 1" } },
      ]
    ) {
      assert.deepEqual(
        await ours.observability.getMetricAggregate(args),
        await reference.observability.getMetricAggregate(args),
        JSON.stringify(args),
      );
    }
    const breakdown = { name: "mastra_agent_duration_ms", aggregation: "sum", groupBy: ["entityName", "status"] };
    assert.deepEqual(
      await ours.observability.getMetricBreakdown(breakdown),
      await reference.observability.getMetricBreakdown(breakdown),
    );
    console.log(`${LISTINGS.length} lists, ${compared} pages compared after ${WRITERS} parallel writers`);
  },
});
