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
      timeOf: (i) => T0 + i,
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
  return groups;
}

/** One benchmarked call. */
export type Workload = {
  /** Stable across sizes. */
  key: string;
  name: string;
  /** Which target applies (see `targets.ts`). */
  target: "page" | "deepPage" | "oneCall";
  /** Unmeasured preparation. */
  prepare?: (subject: Subject) => Promise<void>;
  /** The measured call. */
  run: (subject: Subject) => Promise<unknown>;
  /** `null` when the answer is right, else what is wrong. Runs unmeasured, may call the store. */
  check: (subject: Subject, result: unknown) => Promise<string | null>;
  /** Skipped with `--quick`. */
  slow?: boolean;
  /**
   * Largest size at which a store runs this call by default (`--slow-max`
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

function messagesPage(label: string, pageOf: (n: number) => number): (n: number) => Workload {
  return (n) => {
    const page = pageOf(n);
    return {
      key: `listMessages:${label}`,
      name: `listMessages ${label} page (perPage ${PER_PAGE}${label === "middle" ? ", offset N/2" : ""})`,
      target: label === "middle" ? "deepPage" : "page",
      run: (s) => s.memory.listMessages({ threadId: "big", page, perPage: PER_PAGE }),
      check: (_s, r) => {
        const result = r as MessagesPage;
        return Promise.resolve(
          totalIs(result.total, n) ??
            sameList(ids(result.messages), range(page * PER_PAGE, Math.min(PER_PAGE, n - page * PER_PAGE))),
        );
      },
    };
  };
}

/** The calls, for size `n`. */
export function workloadsFor(n: number): Workload[] {
  const mid = Math.floor(n / 2);
  const runsOf = (g: number) => split(n, 4)[g];
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
  return [
    messagesPage("first", () => 0)(n),
    messagesPage("middle", (n) => Math.floor(n / PER_PAGE / 2))(n),
    messagesPage("last", (n) => Math.max(0, Math.ceil(n / PER_PAGE) - 1))(n),
    {
      key: "include",
      name: `listMessages newest ${PER_PAGE} + include ±2 around the middle`,
      target: "page",
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
    {
      key: "listThreads",
      name: `listThreads by resource (first page of ${PER_PAGE})`,
      target: "page",
      run: (s) => s.memory.listThreads({ filter: { resourceId: "r-big" }, page: 0, perPage: PER_PAGE }),
      check: (_s, r) => {
        const result = r as { threads: { id: string }[]; total: number };
        const count = Math.ceil(n / 2);
        const want = Array.from({ length: Math.min(PER_PAGE, count) }, (_, k) => `thr-r-big-${pad(count - 1 - k)}`);
        return Promise.resolve(totalIs(result.total, count) ?? sameList(ids(result.threads), want));
      },
    },
    {
      key: "listWorkflowRuns",
      name: `listWorkflowRuns by workflow + status (first page of ${PER_PAGE})`,
      target: "page",
      run: (s) => s.workflows.listWorkflowRuns({ workflowName: "even", status: "running", page: 0, perPage: PER_PAGE }),
      check: (_s, r) => {
        const result = r as { runs: { runId: string }[]; total: number };
        const count = runsOf(1);
        const want = Array.from({ length: Math.min(PER_PAGE, count) }, (_, k) => `run-1-${pad(count - 1 - k)}`);
        return Promise.resolve(totalIs(result.total, count) ?? sameList(result.runs.map((run) => run.runId), want));
      },
    },
    {
      key: "listScoresByScorerId",
      name: `listScoresByScorerId (first page of ${PER_PAGE})`,
      target: "page",
      run: (s) => s.scores.listScoresByScorerId({ scorerId: "scorer-1", pagination: { page: 0, perPage: PER_PAGE } }),
      check: (_s, r) => {
        const result = r as { scores: { id: string }[]; pagination: { total: number } };
        const count = runsOf(1);
        const want = Array.from({ length: Math.min(PER_PAGE, count) }, (_, k) => `score-1-${pad(count - 1 - k)}`);
        return Promise.resolve(totalIs(result.pagination.total, count) ?? sameList(ids(result.scores), want));
      },
    },
    // Middle pages of every list (offset N/2 of the list): the order-statistic rows.
    middleOf(
      "listThreads:middle",
      "listThreads by resource (middle page)",
      (s, page) => s.memory.listThreads({ filter: { resourceId: "r-big" }, page, perPage: PER_PAGE }),
      (r) => ({ ids: ids((r as { threads: { id: string }[] }).threads), total: (r as { total: number }).total }),
      Math.ceil(n / 2),
      (k) => `thr-r-big-${pad(Math.ceil(n / 2) - 1 - k)}`,
    ),
    middleOf(
      "listMessagesByResourceId:middle",
      "listMessagesByResourceId (middle page)",
      (s, page) => s.memory.listMessagesByResourceId({ resourceId: "r-msgs", page, perPage: PER_PAGE }),
      (r) => ({ ids: ids((r as MessagesPage).messages), total: (r as MessagesPage).total }),
      n,
      null,
    ),
    ...([
      [
        "workflow + status",
        { workflowName: "even", status: "running" },
        runsOf(1),
        (k: number) => `run-1-${pad(runsOf(1) - 1 - k)}`,
      ],
      ["status", { status: "running" }, runsOf(1), (k: number) => `run-1-${pad(runsOf(1) - 1 - k)}`],
      ["workflow", { workflowName: "even" }, runsOf(0) + runsOf(1), null],
      ["all", {}, n, null],
    ] as const).map(([label, filter, total, idAt]) =>
      middleOf(
        `listWorkflowRuns:${label}:middle`,
        `listWorkflowRuns by ${label} (middle page)`,
        (s, page) => s.workflows.listWorkflowRuns({ ...filter, page, perPage: PER_PAGE }),
        (r) => {
          const result = r as { runs: { runId: string }[]; total: number };
          return { ids: result.runs.map((run) => run.runId), total: result.total };
        },
        total,
        idAt,
      )
    ),
    middleOf(
      "listScoresByScorerId:middle",
      "listScoresByScorerId (middle page)",
      (s, page) => s.scores.listScoresByScorerId({ scorerId: "scorer-1", pagination: { page, perPage: PER_PAGE } }),
      (r) => {
        const result = r as { scores: { id: string }[]; pagination: { total: number } };
        return { ids: ids(result.scores), total: result.pagination.total };
      },
      runsOf(1),
      (k) => `score-1-${pad(runsOf(1) - 1 - k)}`,
    ),
    {
      key: "getThreadById",
      name: "getThreadById",
      target: "page",
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

/**
 * The middle page (offset about half the list) of a list of `total` rows,
 * newest first; `idAt(k)` names the k-th row of the whole list when the
 * seed makes it known (otherwise only the total and the row count are
 * checked).
 */
function middleOf(
  key: string,
  name: string,
  page: (s: Subject, page: number) => Promise<unknown>,
  view: (result: unknown) => { ids: string[]; total: number },
  total: number,
  idAt: ((k: number) => string) | null,
): Workload {
  const middle = Math.floor(total / PER_PAGE / 2);
  const rows = Math.max(0, Math.min(PER_PAGE, total - middle * PER_PAGE));
  return {
    key,
    name,
    target: "deepPage",
    run: (s) => page(s, middle),
    check: (_s, r) => {
      const got = view(r);
      if (got.total !== total) return Promise.resolve(`total ${got.total}, expected ${total}`);
      if (got.ids.length !== rows) return Promise.resolve(`${got.ids.length} rows, expected ${rows}`);
      if (idAt === null) return Promise.resolve(null);
      const want = Array.from({ length: rows }, (_, k) => idAt(middle * PER_PAGE + k));
      return Promise.resolve(sameList(got.ids, want));
    },
  };
}
