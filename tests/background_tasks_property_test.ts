/**
 * Differential property test of the background-tasks domain: random
 * operation sequences applied to ConvexStorage (on the in-process Convex
 * backend) and to @mastra/core's InMemoryStore must give the same answers.
 *
 * Normalised: keys holding `undefined` (Mastra treats them as absent) and
 * the order of rows tied on the sort column. Core's in-memory store leaves
 * ties in Map insertion order in both directions; ours breaks them by id
 * (ascending, and descending for `desc`), a total order that offset pages
 * can resume on. The expected page is therefore computed from the
 * in-memory store's full answer re-sorted by (column, id), then sliced the
 * way the in-memory store slices. Everything else (totals, row contents,
 * dates, counts) is compared exactly.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { BackgroundTask, TaskFilter } from "@mastra/core/background-tasks";
import { type BackgroundTasksStorage, InMemoryStore } from "@mastra/core/storage";
import { createTestStorage } from "./helpers/backend.ts";
import { dropUndefined, outcome } from "./helpers/normalize.ts";

/** Enough ids that bulk creates make lists deep enough for pages to seek through the rank trees. */
const IDS = Array.from({ length: 120 }, (_, i) => `t${i}`);
const AGENTS = ["a1", "a2", "a3"];
const THREADS = ["th1", "th2"];
const RESOURCES = ["r1", "r2"];
const TOOLS = ["search", "fetch"];
const CALLS = ["c1", "c2", "c3"];
const RUNS = ["run1", "run2"];
const STATUSES = ["pending", "running", "suspended", "completed", "failed", "cancelled", "timed_out"] as const;
const COLUMNS = ["createdAt", "startedAt", "suspendedAt", "completedAt"] as const;

/** Few distinct dates, so ties on every column are common. */
const date = fc.integer({ min: 1, max: 12 }).map((n) => new Date(1_700_000_000_000 + n * 1000));
const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.date({ noInvalidDate: true }), fc.constant(null));
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const error = fc.record({ message: fc.string({ maxLength: 6 }), stack: optional(fc.string({ maxLength: 6 })) }, {
  requiredKeys: ["message"],
});

const task: fc.Arbitrary<BackgroundTask> = fc.record({
  id: fc.constantFrom(...IDS),
  status: fc.constantFrom(...STATUSES),
  toolName: fc.constantFrom(...TOOLS),
  toolCallId: fc.constantFrom(...CALLS),
  args: fc.dictionary(fc.constantFrom("q", "$schema", "_x", "n"), value, { maxKeys: 3 }),
  agentId: fc.constantFrom(...AGENTS),
  threadId: optional(fc.constantFrom(...THREADS)),
  resourceId: optional(fc.constantFrom(...RESOURCES)),
  runId: fc.constantFrom(...RUNS),
  result: optional(value),
  error: optional(error),
  createdAt: date,
  startedAt: optional(date),
  suspendedAt: optional(date),
  completedAt: optional(date),
  retryCount: fc.integer({ min: 0, max: 3 }),
  maxRetries: fc.integer({ min: 0, max: 3 }),
  timeoutMs: fc.integer({ min: 1, max: 100_000 }),
  suspendPayload: optional(value),
}, {
  requiredKeys: [
    "id",
    "status",
    "toolName",
    "toolCallId",
    "args",
    "agentId",
    "runId",
    "createdAt",
    "retryCount",
    "maxRetries",
    "timeoutMs",
  ],
}) as fc.Arbitrary<BackgroundTask>;

/** An update: absent keys stay, keys present with `undefined` clear (as core's spread does). */
const update = fc.record({
  status: fc.constantFrom(...STATUSES),
  result: optional(value),
  error: optional(error),
  startedAt: optional(date),
  suspendedAt: optional(date),
  completedAt: optional(date),
  retryCount: fc.integer({ min: 0, max: 5 }),
  maxRetries: fc.integer({ min: 0, max: 5 }),
  timeoutMs: fc.integer({ min: 1, max: 1000 }),
  suspendPayload: optional(value),
}, { requiredKeys: [] });

/** A filter: up to two criteria (so lists are rarely empty), any ordering, any page. */
const filter: fc.Arbitrary<TaskFilter> = fc.tuple(
  fc.uniqueArray(
    fc.oneof(
      fc.record({
        status: fc.oneof(fc.constantFrom(...STATUSES), fc.uniqueArray(fc.constantFrom(...STATUSES), { maxLength: 4 })),
      }),
      fc.record({ agentId: fc.constantFrom(...AGENTS, "") }),
      fc.record({ threadId: fc.constantFrom(...THREADS) }),
      fc.record({ resourceId: fc.constantFrom(...RESOURCES) }),
      fc.record({ toolName: fc.constantFrom(...TOOLS) }),
      fc.record({ toolCallId: fc.constantFrom(...CALLS) }),
      fc.record({ runId: fc.constantFrom(...RUNS) }),
      fc.record({ fromDate: date }),
      fc.record({ toDate: date }),
    ),
    { maxLength: 2, selector: (criterion) => Object.keys(criterion)[0] },
  ),
  fc.record({
    dateFilterBy: fc.constantFrom(...COLUMNS),
    orderBy: fc.constantFrom(...COLUMNS),
    orderDirection: fc.constantFrom("asc" as const, "desc" as const),
    page: fc.integer({ min: 0, max: 8 }),
    perPage: fc.integer({ min: 0, max: 5 }),
  }, { requiredKeys: [] }),
).map(([criteria, shape]) => Object.assign({}, ...criteria, shape) as TaskFilter);

/** A page away from both ends of a list filtered by at most one tree-backed criterion (seeks through a tree). */
const deepFilter: fc.Arbitrary<TaskFilter> = fc.tuple(
  fc.oneof(
    fc.constant({}),
    fc.record({ status: fc.uniqueArray(fc.constantFrom(...STATUSES), { minLength: 1, maxLength: 5 }) }),
    fc.record({ agentId: fc.constantFrom(...AGENTS) }),
    fc.record({ agentId: fc.constantFrom(...AGENTS), status: fc.constantFrom(...STATUSES) }),
    fc.record({ runId: fc.constantFrom(...RUNS) }),
    fc.record({ threadId: fc.constantFrom(...THREADS) }),
    fc.record({ fromDate: date, dateFilterBy: fc.constant("createdAt" as const) }),
  ),
  fc.record({
    orderBy: fc.constantFrom(...COLUMNS),
    orderDirection: fc.constantFrom("asc" as const, "desc" as const),
    page: fc.integer({ min: 3, max: 10 }),
    perPage: fc.integer({ min: 1, max: 3 }),
  }),
).map(([criteria, shape]) => ({ ...criteria, ...shape }) as TaskFilter);

type Op =
  | { kind: "create"; task: BackgroundTask }
  | { kind: "createMany"; tasks: BackgroundTask[] }
  | { kind: "update"; id: string; update: Record<string, unknown>; expectedStatus?: (typeof STATUSES)[number] }
  | { kind: "get"; id: string }
  | { kind: "list"; filter: TaskFilter }
  | { kind: "delete"; id: string }
  | { kind: "deleteMany"; filter: TaskFilter }
  | { kind: "running"; agentId?: string };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant("create" as const), task }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("createMany" as const),
      tasks: fc.array(task, { minLength: 5, maxLength: 20 }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      id: fc.constantFrom(...IDS),
      update,
      expectedStatus: optional(fc.constantFrom(...STATUSES)),
    }, { requiredKeys: ["kind", "id", "update"] }),
  },
  fc.record({ kind: fc.constant("get" as const), id: fc.constantFrom(...IDS) }),
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("list" as const), filter }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("list" as const), filter: deepFilter }) },
  fc.record({ kind: fc.constant("delete" as const), id: fc.constantFrom(...IDS) }),
  fc.record({ kind: fc.constant("deleteMany" as const), filter }),
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("running" as const), agentId: optional(fc.constantFrom(...AGENTS)) }),
  },
);

/** The in-memory store's answer with ties ordered by id, paged as it pages. */
async function expectedList(reference: BackgroundTasksStorage, f: TaskFilter) {
  const { page, perPage, ...unpaged } = f;
  const all = (await reference.listTasks(unpaged)).tasks;
  const column = f.orderBy ?? "createdAt";
  const sign = (f.orderDirection ?? "asc") === "asc" ? 1 : -1;
  const key = (t: BackgroundTask) => (t[column] as Date | undefined)?.getTime() ?? 0;
  const sorted = [...all].sort((a, b) => sign * (key(a) - key(b) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)));
  let tasks = sorted;
  if (page != null && perPage != null) tasks = sorted.slice(page * perPage, page * perPage + perPage);
  else if (perPage != null) tasks = sorted.slice(0, perPage);
  return { tasks, total: all.length };
}

function apply(store: BackgroundTasksStorage, o: Op): Promise<unknown> {
  switch (o.kind) {
    case "create":
      return store.createTask(structuredClone(o.task));
    case "createMany":
      return (async () => {
        for (const t of o.tasks) await store.createTask(structuredClone(t));
      })();
    case "update":
      return store.updateTask(
        o.id,
        structuredClone(o.update),
        o.expectedStatus ? { expectedStatus: o.expectedStatus } : undefined,
      );
    case "get":
      return store.getTask(o.id);
    case "list":
      return store.listTasks(structuredClone(o.filter));
    case "delete":
      return store.deleteTask(o.id);
    case "deleteMany":
      return store.deleteTasks(structuredClone(o.filter));
    case "running":
      return o.agentId === undefined ? store.getRunningCount() : store.getRunningCountByAgent(o.agentId);
  }
}

/** Applies `ops` to both stores and checks every answer and the final counts; tallies `stats`. */
async function check(ops: Op[], stats: Record<string, number>): Promise<void> {
  const reference = (await new InMemoryStore().getStore("backgroundTasks"))!;
  const { storage } = createTestStorage();
  const ours = (await storage.getStore("backgroundTasks"))!;
  for (const [index, o] of ops.entries()) {
    let expected;
    if (o.kind === "list") {
      expected = await outcome(() => expectedList(reference, o.filter));
    } else if (o.kind === "deleteMany" && o.filter.perPage != null) {
      // Which rows a paged delete removes depends on the tie order: delete the id-ordered page.
      expected = await outcome(async () => {
        for (const t of (await expectedList(reference, o.filter)).tasks) await reference.deleteTask(t.id);
      });
    } else {
      expected = await outcome(() => apply(reference, o));
    }
    const actual = await outcome(() => apply(ours, o));
    const label = `op ${index} ${JSON.stringify(o)}`;
    assert.equal(actual.ok, expected.ok, `${label}: ${JSON.stringify({ actual, expected })}`);
    stats[o.kind] = (stats[o.kind] ?? 0) + 1;
    if (o.kind === "list" && expected.ok && (expected.value as { total: number }).total > 1) {
      stats["list:total2+"] = (stats["list:total2+"] ?? 0) + 1;
      const { page, perPage } = o.filter;
      const offset = (page ?? 0) * (perPage ?? 0);
      // A page at least 8 rows from both ends: served by a seek through a rank tree when the filter has one.
      if (perPage && offset >= 8 && (expected.value as { total: number }).total - offset - perPage >= 8) {
        stats["list:deep"] = (stats["list:deep"] ?? 0) + 1;
      }
    }
    if (actual.ok && expected.ok) assert.deepStrictEqual(actual.value, expected.value, label);
  }
  // Every counter agrees with the rows at the end.
  for (const agentId of AGENTS) {
    assert.equal(await ours.getRunningCountByAgent(agentId), await reference.getRunningCountByAgent(agentId));
  }
  const all = dropUndefined(await reference.listTasks({}));
  assert.deepStrictEqual((await ours.listTasks({})).total, all.total);
}

Deno.test("background tasks behave exactly like InMemoryStore (property)", async () => {
  const stats: Record<string, number> = {};
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 15, maxLength: 60 }), (ops) => check(ops, stats)), {
    numRuns: 40,
  });
  console.log(stats);
});

/** Operations after a bulk seed: mostly pages away from both ends, between changes that move tasks in the trees. */
const deepOp: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant("list" as const), filter: deepFilter }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("list" as const), filter }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("update" as const),
      id: fc.constantFrom(...IDS),
      update,
      expectedStatus: optional(fc.constantFrom(...STATUSES)),
    }, { requiredKeys: ["kind", "id", "update"] }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create" as const), task }) },
  fc.record({ kind: fc.constant("delete" as const), id: fc.constantFrom(...IDS) }),
);

Deno.test("background tasks: deep pages of every tree-backed filter match InMemoryStore (property)", async () => {
  const stats: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(
      fc.array(task, { minLength: 80, maxLength: 120 }),
      fc.array(deepOp, { minLength: 10, maxLength: 30 }),
      (seed, ops) => check([{ kind: "createMany", tasks: seed }, ...ops], stats),
    ),
    { numRuns: 12 },
  );
  console.log(stats);
  assert.ok((stats["list:deep"] ?? 0) >= 20, `deep pages checked: ${stats["list:deep"]}`);
});
