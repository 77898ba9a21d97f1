/**
 * The benchmark's data set and calls, the same for both stores.
 *
 * At size N each store holds:
 * - one thread ("big", resource "r-msgs") with N messages, one every 10 ms;
 * - N more threads: N/2 of resource "r-big", the rest spread over 20 other resources;
 * - N workflow runs: N/4 in each of (even, success), (even, running), (odd, failed), (odd, suspended);
 * - N scores: N/4 for each of four scorers.
 *
 * Every call is checked against the answer Mastra expects; a store that
 * answers differently is marked "wrong" (the official adapter reads at most
 * 10,000 rows per query, so it silently truncates bigger sets).
 */
import type { MastraDBMessage } from "@mastra/core/agent";
import type { SaveScorePayload } from "@mastra/core/evals";
import type { WorkflowRunState } from "@mastra/core/workflows";
import type { Group } from "./seed.ts";
import type { Subject } from "./subjects.ts";

export const T0 = 1_700_000_000_000;
export const PER_PAGE = 40;
const OTHER_RESOURCES = 20;
const pad = (i: number) => String(i).padStart(7, "0");

export const msgId = (i: number): string => `msg-${pad(i)}`;
const msgTime = (i: number) => T0 + i * 10;

function content(text: string): MastraDBMessage["content"] {
  return { format: 2, parts: [{ type: "text", text }] } as MastraDBMessage["content"];
}

function message(id: string, threadId: string, resourceId: string, time: number, i: number): MastraDBMessage {
  return {
    id,
    threadId,
    resourceId,
    role: i % 2 ? "assistant" : "user",
    type: "v2",
    content: content(`message ${i}: hello there, how are you today?`),
    createdAt: new Date(time),
  } as MastraDBMessage;
}

const RUN_GROUPS = [
  ["even", "success"],
  ["even", "running"],
  ["odd", "failed"],
  ["odd", "suspended"],
] as const;

function split(total: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(total / parts) + (k < total % parts ? 1 : 0));
}

/** The seeding groups of size `n` for `subject`. */
export function groupsFor(subject: Subject, n: number): Group[] {
  const { memory, workflows, scores } = subject;
  const groups: Group[] = [];
  // Messages of the big thread.
  groups.push({
    count: n,
    setup: async () => {
      await memory.saveThread({
        thread: { id: "big", resourceId: "r-msgs", title: "big", createdAt: new Date(T0), updatedAt: new Date(T0) },
      });
    },
    template: async () => {
      await memory.saveMessages({ messages: [message("TPLMSGX", "big", "r-msgs", msgTime(0), 0)] });
      return "TPLMSGX";
    },
    idOf: msgId,
    timeOf: msgTime,
  });
  // Messages of MULTI threads of resource "r-multi", interleaved in time.
  for (let t = 0; t < MULTI; t++) {
    groups.push({
      count: multiCount(n),
      setup: async () => {
        await memory.saveThread({
          thread: {
            id: `multi-${t}`,
            resourceId: "r-multi",
            title: `multi ${t}`,
            createdAt: new Date(T0),
            updatedAt: new Date(T0),
          },
        });
      },
      template: async () => {
        const token = `TPLMM${t}X`;
        await memory.saveMessages({ messages: [message(token, `multi-${t}`, "r-multi", multiTime(t, 0), 0)] });
        return token;
      },
      idOf: (i) => multiId(t, i),
      timeOf: (i) => multiTime(t, i),
    });
  }
  // Threads.
  const threadGroups: [string, number][] = [["r-big", Math.ceil(n / 2)]];
  split(Math.floor(n / 2), OTHER_RESOURCES).forEach((count, k) => threadGroups.push([`r-${k}`, count]));
  threadGroups.forEach(([resourceId, count], g) => {
    const token = `TPLTHR${g}X`;
    groups.push({
      count,
      template: async () => {
        await memory.saveThread({
          thread: {
            id: token,
            resourceId,
            title: `thread ${token}`,
            metadata: { kind: "bench", token },
            createdAt: new Date(T0),
            updatedAt: new Date(T0),
          },
        });
        return token;
      },
      idOf: (i) => `thr-${resourceId}-${pad(i)}`,
      timeOf: (i) => T0 + i,
    });
  });
  // Workflow runs.
  split(n, RUN_GROUPS.length).forEach((count, g) => {
    const [workflowName, status] = RUN_GROUPS[g];
    const token = `TPLRUN${g}X`;
    groups.push({
      count,
      template: async () => {
        await workflows.persistWorkflowSnapshot({
          workflowName,
          runId: token,
          resourceId: `user-${g}`,
          snapshot: {
            runId: token,
            status,
            value: {},
            context: { input: { n: g }, step1: { status: "success", output: { ok: true } } },
            activePaths: [],
            activeStepsPath: {},
            serializedStepGraph: [],
            suspendedPaths: {},
            resumeLabels: {},
            waitingPaths: {},
            timestamp: T0,
          } as unknown as WorkflowRunState,
          createdAt: new Date(T0),
          updatedAt: new Date(T0),
        });
        return token;
      },
      idOf: (i) => `run-${g}-${pad(i)}`,
      timeOf: runTime,
    });
  });
  // Scores.
  split(n, 4).forEach((count, k) => {
    groups.push({
      count,
      template: async () => {
        const { score } = await scores.saveScore({
          scorerId: `scorer-${k}`,
          entityId: `agent-${k}`,
          entityType: "AGENT",
          runId: `run-${k}`,
          traceId: `trace-${k}`,
          spanId: "root",
          source: "LIVE",
          score: 0.5,
          input: { question: "how are you?" },
          output: { text: "fine, thanks" },
          scorer: { id: `scorer-${k}`, name: `Scorer ${k}` },
          entity: { id: `agent-${k}` },
        } as unknown as SaveScorePayload);
        return score.id;
      },
      idOf: (i) => `score-${k}-${pad(i)}`,
      timeOf: (i) => T0 + i,
    });
  });
  // Traces (root spans), when the store has observability.
  const observability = subject.observability;
  if (observability) {
    split(n, TRACE_GROUPS).forEach((count, g) => {
      const token = `TPLTRC${g}X`;
      groups.push({
        count,
        template: async () => {
          await observability.batchCreateSpans({
            records: [{
              traceId: token,
              spanId: "root",
              parentSpanId: null,
              name: `agent run ${g}`,
              spanType: "agent_run",
              isEvent: false,
              startedAt: new Date(T0),
              endedAt: new Date(T0),
              entityType: "agent",
              entityId: `agent-${g}`,
              entityName: `Agent ${g}`,
              resourceId: `user-${g}`,
              threadId: `thread-${g}`,
              environment: "production",
              metadata: { tier: `t${g}` },
              tags: [`tag-${g}`],
            }] as never,
          });
          return token;
        },
        idOf: (i) => traceId(g, i),
        timeOf: traceTime,
        timeFields: ["startedAt", "endedAt", "endedSort", "createdAt", "updatedAt"],
        fix: (_table, doc, i) => {
          for (const field of ["seq", "rootSeq"]) {
            if (typeof doc[field] === "number") doc[field] = (g + 1) * 10_000_000 + i;
          }
        },
      });
    });
  }
  // Background tasks.
  const backgroundTasks = subject.backgroundTasks;
  if (backgroundTasks) {
    split(n, TASK_GROUPS.length).forEach((count, g) => {
      const token = `TPLTSK${g}X`;
      groups.push({
        count,
        template: async () => {
          await backgroundTasks.createTask({
            id: token,
            status: TASK_GROUPS[g],
            toolName: "search",
            toolCallId: `call-${token}`,
            args: { q: g },
            agentId: `agent-${g}`,
            threadId: `thread-${g}`,
            resourceId: `user-${g}`,
            runId: `run-${g}`,
            createdAt: new Date(T0),
            retryCount: 0,
            maxRetries: 0,
            timeoutMs: 60_000,
          } as never);
          return token;
        },
        idOf: (i) => taskId(g, i),
        timeOf: taskTime,
      });
    });
  }
  return groups;
}

/** Threads of resource "r-multi" holding messages. */
export const MULTI = 4;
const multiCount = (n: number) => Math.floor(n / MULTI);
const multiId = (t: number, i: number) => `mm-${t}-${pad(i)}`;
const multiTime = (t: number, i: number) => T0 + 1e8 + (i * MULTI + t) * 10;
/** Odd-free times, so a date range with odd bounds has no ties at its ends. */
const runTime = (i: number) => T0 + 2 * i;
const TRACE_GROUPS = 4;
const traceId = (g: number, i: number) => `trc-${g}-${pad(i)}`;
const traceTime = (i: number) => T0 + 2 * i;
const TASK_GROUPS = ["pending", "running", "completed", "failed"] as const;
const taskId = (g: number, i: number) => `tsk-${g}-${pad(i)}`;
const taskTime = (i: number) => T0 + 2 * i;

/** One benchmarked call. */
export type Workload = {
  /** Stable across sizes. */
  key: string;
  name: string;
  /**
   * Which target applies: "list" = a page of k rows reads at most
   * k + 4·log2(N) documents in 1 round trip; "get" = reads what it returns
   * plus 3, in 1 trip; "oneCall" = 1 trip when it fits one transaction.
   */
  target: "list" | "get" | "oneCall";
  /** Page size of a list (k), default {@link PER_PAGE}. */
  k?: number;
  /** A domain the call needs; stores without it skip the row. */
  needs?: "observability" | "backgroundTasks";
  /** Unmeasured preparation. */
  prepare?: (subject: Subject) => Promise<void>;
  /** The measured call. */
  run: (subject: Subject) => Promise<unknown>;
  /** `null` when the answer is right, else what is wrong. Runs unmeasured, may call the store. */
  check: (subject: Subject, result: unknown) => Promise<string | null>;
  /** Skipped with `--quick`. */
  slow?: boolean;
  /**
   * Largest size at which a store runs this call by default (`--all`
   * overrides): calls whose wall time on convex-test explodes with N
   * (each id lookup scans the whole table).
   */
  maxSize?: { ours?: number; official?: number };
};

const ids = (list: { id: string }[]) => list.map((m) => m.id);
function sameList(got: string[], want: string[]): string | null {
  if (got.length !== want.length) return `${got.length} rows, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) return `row ${i} is ${got[i]}, expected ${want[i]}`;
  return null;
}
const range = (from: number, count: number) => Array.from({ length: Math.max(0, count) }, (_, k) => msgId(from + k));
const totalIs = (got: number, want: number) => (got === want ? null : `total ${got}, expected ${want}`);

type MessagesPage = { messages: { id: string }[]; total: number };
type View = (result: unknown) => { ids: string[]; total: number };

const threadsView: View = (r) => {
  const x = r as { threads: { id: string }[]; total: number };
  return { ids: ids(x.threads), total: x.total };
};
const messagesView: View = (r) => ({ ids: ids((r as MessagesPage).messages), total: (r as MessagesPage).total });
const runsView: View = (r) => {
  const x = r as { runs: { runId: string }[]; total: number };
  return { ids: x.runs.map((run) => run.runId), total: x.total };
};
const scoresView: View = (r) => {
  const x = r as { scores: { id: string }[]; pagination: { total: number } };
  return { ids: ids(x.scores), total: x.pagination.total };
};
const tracesView: View = (r) => {
  const x = r as { spans: { traceId: string }[]; pagination?: { total: number } };
  return { ids: x.spans.map((span) => span.traceId), total: x.pagination?.total ?? -1 };
};
const branchesView: View = (r) => {
  const x = r as { branches: { traceId: string }[]; pagination?: { total: number } };
  return { ids: x.branches.map((span) => span.traceId), total: x.pagination?.total ?? -1 };
};
const tasksView: View = (r) => {
  const x = r as { tasks: { id: string }[]; total: number };
  return { ids: ids(x.tasks), total: x.total };
};

/** Which pages of a list a row measures. */
export type Depth = "first" | "middle" | "last";
const pageAt = (depth: Depth, total: number, perPage: number) =>
  depth === "first"
    ? 0
    : depth === "middle"
    ? Math.floor(total / perPage / 2)
    : Math.max(0, Math.ceil(total / perPage) - 1);

/**
 * The first, middle (offset about half the list) and last pages of a list of
 * `total` rows; `idAt(k)` names the k-th row of the whole list when the seed
 * makes it known (otherwise only the total and the row count are checked).
 */
function pages(
  key: string,
  name: string,
  page: (s: Subject, page: number) => Promise<unknown>,
  view: View,
  total: number,
  idAt: ((k: number) => string) | null,
  options: { depths?: readonly Depth[]; needs?: Workload["needs"] } = {},
): Workload[] {
  return (options.depths ?? ["first", "middle", "last"]).map((depth) => {
    const at = pageAt(depth, total, PER_PAGE);
    const rows = Math.max(0, Math.min(PER_PAGE, total - at * PER_PAGE));
    return {
      key: `${key}:${depth}`,
      name: `${name} (${depth} page)`,
      target: "list",
      ...(options.needs ? { needs: options.needs } : {}),
      run: (s) => page(s, at),
      check: (_s, r) => {
        const got = view(r);
        if (got.total !== total) return Promise.resolve(`total ${got.total}, expected ${total}`);
        if (got.ids.length !== rows) return Promise.resolve(`${got.ids.length} rows, expected ${rows}`);
        if (idAt === null) return Promise.resolve(null);
        const want = Array.from({ length: rows }, (_, k) => idAt(at * PER_PAGE + k));
        return Promise.resolve(sameList(got.ids, want));
      },
    };
  });
}

/** Rows with createdAt `t0 + step·i` for i < count, counted in the closed range [from, to]. */
function inRange(counts: number[], time: (i: number) => number, from: number, to: number): number {
  let total = 0;
  for (const count of counts) {
    for (let i = 0; i < count; i++) if (time(i) >= from && time(i) <= to) total++;
  }
  return total;
}

/** The calls, for size `n`. */
export function workloadsFor(n: number): Workload[] {
  const mid = Math.floor(n / 2);
  const quarters = split(n, 4);
  const runsOf = (g: number) => quarters[g];
  const desc = (prefix: string, count: number) => (k: number) => `${prefix}${pad(count - 1 - k)}`;
  const rBig = Math.ceil(n / 2);
  const allThreads = n + 1 + MULTI;
  const mc = multiCount(n);
  // Date ranges with odd bounds over even times: no ties at the ends.
  const from = T0 + 2 * Math.floor(n / 16) + 1;
  const to = T0 + 2 * Math.floor((3 * n) / 16) + 1;
  const saveInto = (threadId: string, count: number): Workload => ({
    key: `saveMessages:${count}`,
    name: `saveMessages of ${count.toLocaleString("en")} (new thread)`,
    target: "oneCall",
    slow: count > 1000,
    ...(count > 1000 ? { maxSize: { ours: 1_000, official: 1_000 } } : {}),
    prepare: async (s) => {
      await s.memory.saveThread({
        thread: { id: threadId, resourceId: "r-fresh", title: threadId, createdAt: new Date(), updatedAt: new Date() },
      });
    },
    run: (s) =>
      s.memory.saveMessages({
        messages: Array.from(
          { length: count },
          (_, i) => message(`${threadId}-m${pad(i)}`, threadId, "r-fresh", T0 + 1e9 + i, i),
        ),
      }),
    check: async (s) => {
      const { total } = await s.memory.listMessages({ threadId, perPage: 1 });
      return totalIs(total, count);
    },
  });
  const runs = (label: string, filter: Record<string, unknown>, total: number, idAt: ((k: number) => string) | null) =>
    pages(
      `listWorkflowRuns:${label}`,
      `listWorkflowRuns by ${label}`,
      (s, page) => s.workflows.listWorkflowRuns({ ...filter, page, perPage: PER_PAGE }),
      runsView,
      total,
      idAt,
    );
  const traces = (
    label: string,
    filters: Record<string, unknown>,
    total: number,
    idAt: ((k: number) => string) | null,
  ) =>
    pages(
      `listTraces:${label}`,
      `listTraces ${label}`,
      (s, page) =>
        s.observability!.listTraces({
          filters,
          pagination: { page, perPage: PER_PAGE },
          orderBy: { field: "startedAt", direction: "DESC" },
        } as never),
      tracesView,
      total,
      idAt,
      { needs: "observability" },
    );
  const tasks = (label: string, filter: Record<string, unknown>, total: number, idAt: ((k: number) => string) | null) =>
    pages(
      `listTasks:${label}`,
      `listTasks ${label}`,
      (s, page) =>
        s.backgroundTasks!.listTasks({
          ...filter,
          orderBy: "createdAt",
          orderDirection: "desc",
          page,
          perPage: PER_PAGE,
        } as never),
      tasksView,
      total,
      idAt,
      { needs: "backgroundTasks" },
    );
  const quarter = (g: number) => desc(`run-${g}-`, runsOf(g));
  return [
    // Messages of one thread (ascending by createdAt, Mastra's default).
    ...pages(
      "listMessages",
      `listMessages of one thread`,
      (s, page) => s.memory.listMessages({ threadId: "big", page, perPage: PER_PAGE }),
      messagesView,
      n,
      msgId,
    ),
    {
      key: "include",
      name: `listMessages newest ${PER_PAGE} + include ±2 around the middle`,
      target: "list",
      k: PER_PAGE + 5,
      run: (s) =>
        s.memory.listMessages({
          threadId: "big",
          page: 0,
          perPage: PER_PAGE,
          orderBy: { field: "createdAt", direction: "DESC" },
          include: [{ id: msgId(mid), threadId: "big", withPreviousMessages: 2, withNextMessages: 2 }],
        }),
      check: (_s, r) => {
        const result = r as MessagesPage;
        const want = new Set([...range(Math.max(0, n - PER_PAGE), Math.min(n, PER_PAGE)), ...range(mid - 2, 5)]);
        const got = new Set(ids(result.messages));
        const missing = [...want].filter((id) => !got.has(id));
        return Promise.resolve(
          totalIs(result.total, n) ??
            (missing.length || got.size !== want.size
              ? `${got.size} rows (${missing.length} expected ones missing), expected ${want.size}`
              : null),
        );
      },
    },
    // Messages of several threads, and of a resource (interleaved in time, ascending).
    ...pages(
      "listMessages:threads",
      `listMessages of 2 threads (threadId array)`,
      (s, page) => s.memory.listMessages({ threadId: ["multi-0", "multi-1"], page, perPage: PER_PAGE }),
      messagesView,
      2 * mc,
      (k) => multiId(k % 2, Math.floor(k / 2)),
    ),
    ...pages(
      "listMessagesByResourceId:multi",
      `listMessagesByResourceId (${MULTI} threads)`,
      (s, page) => s.memory.listMessagesByResourceId({ resourceId: "r-multi", page, perPage: PER_PAGE }),
      messagesView,
      MULTI * mc,
      (k) => multiId(k % MULTI, Math.floor(k / MULTI)),
    ),
    ...pages(
      "listMessagesByResourceId",
      "listMessagesByResourceId (1 thread)",
      (s, page) => s.memory.listMessagesByResourceId({ resourceId: "r-msgs", page, perPage: PER_PAGE }),
      messagesView,
      n,
      null,
      { depths: ["middle"] },
    ),
    // Threads: by resource and globally, by createdAt and updatedAt (newest first).
    ...pages(
      "listThreads",
      "listThreads by resource",
      (s, page) => s.memory.listThreads({ filter: { resourceId: "r-big" }, page, perPage: PER_PAGE }),
      threadsView,
      rBig,
      desc("thr-r-big-", rBig),
    ),
    ...pages(
      "listThreads:updatedAt",
      "listThreads by resource, by updatedAt",
      (s, page) =>
        s.memory.listThreads({
          filter: { resourceId: "r-big" },
          orderBy: { field: "updatedAt", direction: "DESC" },
          page,
          perPage: PER_PAGE,
        }),
      threadsView,
      rBig,
      desc("thr-r-big-", rBig),
    ),
    ...pages(
      "listThreads:all",
      "listThreads all (no resource)",
      (s, page) => s.memory.listThreads({ page, perPage: PER_PAGE }),
      threadsView,
      allThreads,
      null,
    ),
    ...pages(
      "listThreads:all:updatedAt",
      "listThreads all, by updatedAt",
      (s, page) =>
        s.memory.listThreads({ orderBy: { field: "updatedAt", direction: "DESC" }, page, perPage: PER_PAGE }),
      threadsView,
      allThreads,
      null,
    ),
    // Workflow runs (newest first).
    ...runs("workflow + status", { workflowName: "even", status: "running" }, runsOf(1), quarter(1)),
    ...runs("status", { status: "running" }, runsOf(1), quarter(1)),
    ...runs("workflow", { workflowName: "even" }, runsOf(0) + runsOf(1), null),
    ...runs("resource", { resourceId: "user-1" }, runsOf(1), quarter(1)),
    ...runs("resource + workflow", { resourceId: "user-0", workflowName: "even" }, runsOf(0), quarter(0)),
    ...runs("all", {}, n, null),
    ...runs(
      "date range",
      { fromDate: new Date(from), toDate: new Date(to) },
      inRange(quarters, runTime, from, to),
      null,
    ),
    // Scores: newest first by scorer and by span; by run and by entity in insertion order (as InMemoryStore).
    ...pages(
      "listScoresByScorerId",
      "listScoresByScorerId",
      (s, page) => s.scores.listScoresByScorerId({ scorerId: "scorer-1", pagination: { page, perPage: PER_PAGE } }),
      scoresView,
      runsOf(1),
      desc("score-1-", runsOf(1)),
    ),
    ...pages(
      "listScoresByScorerId:source",
      "listScoresByScorerId + source LIVE (all match)",
      (s, page) =>
        s.scores.listScoresByScorerId({
          scorerId: "scorer-1",
          source: "LIVE",
          pagination: { page, perPage: PER_PAGE },
        }),
      scoresView,
      runsOf(1),
      desc("score-1-", runsOf(1)),
      { depths: ["first", "middle"] },
    ),
    ...pages(
      "listScoresByScorerId:source:none",
      "listScoresByScorerId + source TEST (none match)",
      (s, page) =>
        s.scores.listScoresByScorerId({
          scorerId: "scorer-1",
          source: "TEST",
          pagination: { page, perPage: PER_PAGE },
        }),
      scoresView,
      0,
      null,
      { depths: ["first"] },
    ),
    ...pages(
      "listScoresByRunId",
      "listScoresByRunId",
      (s, page) => s.scores.listScoresByRunId({ runId: "run-1", pagination: { page, perPage: PER_PAGE } }),
      scoresView,
      runsOf(1),
      (k) => `score-1-${pad(k)}`,
      { depths: ["first", "middle"] },
    ),
    ...pages(
      "listScoresByEntityId",
      "listScoresByEntityId",
      (s, page) =>
        s.scores.listScoresByEntityId({
          entityId: "agent-1",
          entityType: "AGENT",
          pagination: { page, perPage: PER_PAGE },
        }),
      scoresView,
      runsOf(1),
      (k) => `score-1-${pad(k)}`,
      { depths: ["first", "middle"] },
    ),
    ...pages(
      "listScoresBySpan",
      "listScoresBySpan",
      (s, page) =>
        s.scores.listScoresBySpan({ traceId: "trace-1", spanId: "root", pagination: { page, perPage: PER_PAGE } }),
      scoresView,
      runsOf(1),
      desc("score-1-", runsOf(1)),
      { depths: ["first", "middle"] },
    ),
    // Traces (newest first by startedAt).
    ...traces("all", {}, n, null),
    ...traces(
      "entityType + entityName",
      { entityType: "agent", entityName: "Agent 1" },
      runsOf(1),
      (k) => traceId(1, runsOf(1) - 1 - k),
    ),
    ...traces("entityName alone", { entityName: "Agent 1" }, runsOf(1), (k) => traceId(1, runsOf(1) - 1 - k)),
    ...traces("entityId", { entityId: "agent-1" }, runsOf(1), (k) => traceId(1, runsOf(1) - 1 - k)),
    ...traces("resourceId", { resourceId: "user-1" }, runsOf(1), (k) => traceId(1, runsOf(1) - 1 - k)),
    ...traces("metadata", { metadata: { tier: "t1" } }, runsOf(1), (k) => traceId(1, runsOf(1) - 1 - k)),
    ...traces("tags", { tags: ["tag-1"] }, runsOf(1), (k) => traceId(1, runsOf(1) - 1 - k)),
    ...traces(
      "time range",
      { startedAt: { start: new Date(from), end: new Date(to) } },
      inRange(quarters, traceTime, from, to),
      null,
    ),
    // Traces by end time, and branch-anchor spans (every seeded root is an agent run).
    ...pages(
      "listTraces:endedAt",
      "listTraces all, by endedAt",
      (s, page) =>
        s.observability!.listTraces({
          pagination: { page, perPage: PER_PAGE },
          orderBy: { field: "endedAt", direction: "DESC" },
        } as never),
      tracesView,
      n,
      null,
      { needs: "observability" },
    ),
    ...pages(
      "listBranches",
      "listBranches all",
      (s, page) =>
        s.observability!.listBranches({
          pagination: { page, perPage: PER_PAGE },
          orderBy: { field: "startedAt", direction: "DESC" },
        } as never),
      branchesView,
      n,
      null,
      { needs: "observability" },
    ),
    // Background tasks (newest first by createdAt).
    ...tasks("all", {}, n, null),
    ...tasks("status", { status: "running" }, runsOf(1), (k) => taskId(1, runsOf(1) - 1 - k)),
    ...tasks("agentId", { agentId: "agent-1" }, runsOf(1), (k) => taskId(1, runsOf(1) - 1 - k)),
    ...tasks(
      "agentId + status",
      { agentId: "agent-1", status: "running" },
      runsOf(1),
      (k) => taskId(1, runsOf(1) - 1 - k),
    ),
    ...tasks("threadId", { threadId: "thread-1" }, runsOf(1), (k) => taskId(1, runsOf(1) - 1 - k)),
    ...tasks(
      "date range",
      { fromDate: new Date(from), toDate: new Date(to) },
      inRange(quarters, taskTime, from, to),
      null,
    ),
    {
      key: "getThreadById",
      name: "getThreadById",
      target: "get",
      run: (s) => s.memory.getThreadById({ threadId: `thr-r-big-${pad(Math.floor(n / 4))}` }),
      check: (_s, r) =>
        Promise.resolve(
          (r as { id?: string } | null)?.id === `thr-r-big-${pad(Math.floor(n / 4))}` ? null : "thread not found",
        ),
    },
    saveInto("fresh-100", 100),
    saveInto("fresh-10k", 10_000),
    {
      key: "deleteThread:100",
      name: "deleteThread (thread of 100 messages)",
      target: "oneCall",
      run: (s) => s.memory.deleteThread({ threadId: "fresh-100" }),
      check: async (s) => {
        const left = await s.memory.listMessages({ threadId: "fresh-100", perPage: 1 });
        const thread = await s.memory.getThreadById({ threadId: "fresh-100" });
        return thread ? "thread still there" : left.total ? `${left.total} messages left` : null;
      },
    },
    {
      key: "deleteThread:N",
      name: `deleteThread (thread of N messages)`,
      // The official adapter deletes by id in one mutation: at N = 10,000 it already stops at
      // Convex's 4,096 index-range limit; at 100,000 reaching that limit takes minutes on convex-test.
      maxSize: { official: 10_000 },
      target: "oneCall",
      run: (s) => s.memory.deleteThread({ threadId: "big" }),
      check: async (s) => {
        const left = await s.memory.listMessages({ threadId: "big", perPage: 1 });
        const thread = await s.memory.getThreadById({ threadId: "big" });
        return thread ? "thread still there" : left.total ? `${left.total} messages left` : null;
      },
    },
  ];
}
