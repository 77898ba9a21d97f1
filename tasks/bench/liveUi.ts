/**
 * Live UI benchmark rows (issue 31): what the app's Mastra queries of
 * `mastraAppQueries` (through the component's `appReads`) read per page and
 * per subscription update, at growing data sizes, on the in-process Convex
 * backend (convex-test, transaction limits on). A subscription update is the
 * re-run Convex does after a commit: the same page, its end pinned by the
 * query journal (as the test server's sync endpoint does), after one new
 * message.
 *
 * Data at size N: one thread of N messages; N threads of the same resource;
 * N background tasks of the thread (a quarter each pending, running,
 * suspended, completed); 10 workflow runs suspended on the thread and N
 * others finished; the resource's working memory.
 *
 *   deno run -A tasks/bench/liveUi.ts --sizes=1000,10000
 */
import { parseArgs } from "node:util";
import { encodeValue } from "../../convex/kit/codec.ts";
import type { Backend } from "../../tests/helpers/backend.ts";
import { measure } from "../../tests/helpers/metrics.ts";
import { table } from "./observability.ts";
import { createLiveUiBackend } from "../../tests/helpers/liveUi.ts";

const PAGE = 20;
const BATCH = 2_000;
const num = (n: number) => n.toLocaleString("en");

/** What one call read. */
export type Row = { read: number; ranges: number };
type Page = { page: unknown[]; continueCursor: string; isDone: boolean };

/** Inserts `count` rows made by `row(i)` into `table` of the component, in transactions of {@link BATCH}. */
async function seed(
  backend: Backend,
  table: string,
  count: number,
  row: (i: number) => Record<string, unknown>,
): Promise<void> {
  for (let start = 0; start < count; start += BATCH) {
    // deno-lint-ignore no-explicit-any
    await backend.run(async (ctx: any) => {
      for (let i = start; i < Math.min(count, start + BATCH); i++) await ctx.db.insert(table, row(i));
    });
  }
}

/** Documents read and index ranges of each app query at `size` (see the module doc for the data). */
export async function liveUiRows(size: number): Promise<[string, Row][]> {
  const backend = createLiveUiBackend();
  const T0 = 1_767_225_600_000;
  await seed(backend, "threads", size, (i) => ({
    id: i === 0 ? "t0" : `thread-${i}`,
    resourceId: "ada",
    title: `Thread ${i}`,
    createdAt: T0 + i,
    updatedAt: T0 + i,
  }));
  await seed(backend, "messages", size, (i) => ({
    id: `m${i}`,
    threadId: "t0",
    resourceId: "ada",
    role: i % 2 ? "assistant" : "user",
    type: "text",
    content: encodeValue({ format: 2, parts: [{ type: "text", text: `message ${i}` }] }),
    createdAt: T0 + i * 10,
  }));
  const statuses = ["pending", "running", "suspended", "completed"];
  await seed(backend, "background_tasks", size, (i) => ({
    id: `task-${i}`,
    status: statuses[i % 4],
    toolName: "search",
    toolCallId: `call-${i}`,
    agentId: "agent",
    threadId: "t0",
    resourceId: "ada",
    runId: `run-${i}`,
    createdAt: T0 + i,
    retryCount: 0,
    maxRetries: 0,
    timeoutMs: 1000,
    args: encodeValue({ q: i }),
  }));
  await seed(backend, "workflow_runs", size + 10, (i) => {
    const suspended = i < 10;
    const snapshot = suspended
      ? { status: "suspended", context: { approve: { status: "suspended", suspendPayload: { prompt: `Pay ${i}?` } } } }
      : { status: "success", context: {} };
    return {
      id: JSON.stringify(["payment", `wf-${i}`]),
      workflowName: "payment",
      runId: `wf-${i}`,
      resourceId: "ada",
      threadId: "t0",
      status: snapshot.status,
      createdAt: T0 + i,
      updatedAt: T0 + i,
      snapshot: encodeValue(snapshot),
    };
  });
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    await ctx.db.insert("resources", {
      id: "ada",
      workingMemory: encodeValue("# Ada\n- lives in Lisbon"),
      createdAt: T0,
      updatedAt: T0,
    });
  });

  const ada = backend.raw.withIdentity({ subject: "ada" });
  // deno-lint-ignore no-explicit-any
  const ref = (name: string) => `mastraUi:${name}` as any;
  const run = async <T>(name: string, args: Record<string, unknown>): Promise<{ result: T; row: Row }> => {
    const { result, usage } = await measure(() => ada.query(ref(name), args) as Promise<T>);
    return { result, row: { read: usage.documentsRead, ranges: usage.indexRanges } };
  };
  const rows: [string, Row][] = [];
  const first = await run<Page>("messages", { threadId: "t0", paginationOpts: { numItems: PAGE, cursor: null } });
  rows.push([`messages, newest page (${PAGE})`, first.row]);
  const next = await run<Page>("messages", {
    threadId: "t0",
    paginationOpts: { numItems: PAGE, cursor: first.result.continueCursor },
  });
  rows.push([`messages, next page back (${PAGE})`, next.row]);
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    await ctx.db.insert("messages", {
      id: "m-new",
      threadId: "t0",
      resourceId: "ada",
      role: "user",
      type: "text",
      content: encodeValue("new"),
      createdAt: T0 + size * 10 + 1,
    });
  });
  const update = await run<Page>("messages", {
    threadId: "t0",
    paginationOpts: { numItems: PAGE, cursor: null, endCursor: first.result.continueCursor },
  });
  if (update.result.page.length !== PAGE + 1) throw new Error(`the updated page has ${update.result.page.length} rows`);
  rows.push(["messages, subscription update (1 new)", update.row]);
  rows.push([
    `threads, newest page (${PAGE})`,
    (await run("threads", { resourceId: "ada", paginationOpts: { numItems: PAGE, cursor: null } })).row,
  ]);
  rows.push(["activity (20 tasks, 10 waiting runs)", (await run("activity", { threadId: "t0" })).row]);
  rows.push(["workingMemory", (await run("workingMemory", { resourceId: "ada", threadId: "t0" })).row]);
  return rows;
}

/** The live-UI table: documents read (and index ranges) per app query at each size. */
export async function renderLiveUiBench(sizes: readonly number[]): Promise<string> {
  const columns: [string, Row][][] = [];
  for (const size of sizes) columns.push(await liveUiRows(size));
  const rows = columns[0].map(([label], i) => [
    label,
    ...columns.map((column) => {
      const { read, ranges } = column[i][1];
      return `${num(read)} / ${num(ranges)}`;
    }),
  ]);
  return [
    "Live UI (issue 31): the app's Mastra queries (mastraAppQueries over the component's appReads), one call each, " +
    "as a signed-in user.",
    "",
    table(["app query", ...sizes.map((size) => `N = ${num(size)}`)], rows),
    "",
    "documents read / index ranges, per call (all its subqueries). A subscription update is the re-run after a " +
    "commit, the page's end pinned as Convex's query journal does. Flat in N: each read is bounded index ranges.",
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { sizes: { type: "string" } } });
  const sizes = values.sizes ? values.sizes.split(",").map((s) => Number(s.replaceAll("_", ""))) : [1_000, 10_000];
  console.log(await renderLiveUiBench(sizes));
}
