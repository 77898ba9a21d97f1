/**
 * `deno task bench`: documents read and written, round trips and wall time
 * per call, for our store and the official `@mastra/convex` 1.5.2, on the
 * in-process Convex backend, at growing data sizes. It prints tables; it
 * does not pass or fail.
 *
 *   deno task bench                       # sizes 1,000, 10,000 and 100,000
 *   deno task bench --sizes=1000,10000    # chosen sizes
 *   deno task bench --quick               # 1,000 and 10,000, without the 10,000-message save
 *   deno task bench --no-official         # ours only
 *   deno task bench --all                 # also the calls capped by size (slow on convex-test, see workloads.ts)
 *   deno task bench --only=listThreads    # only the calls whose name or key matches (a regular expression)
 *   deno task bench --no-writes           # without the writes table (shared documents per write)
 *   deno task bench --stream=200 --stream-messages=1000   # calls per write stream (bytes per write, direct + deferred)
 *   deno task bench --no-streams          # without the write streams
 *   deno task bench --no-extras           # without the trace-query and observability tables
 */
import { parseArgs } from "node:util";
import { LEGEND, renderFlatness, renderMisses, renderTables, renderWrites } from "./bench/report.ts";
import { runBench } from "./bench/run.ts";
import { traceQueryBenchTable } from "./bench/traceQuery.ts";
import { renderObservabilityBench } from "./bench/observability.ts";
import { renderLiveUiBench } from "./bench/liveUi.ts";
import { renderEditorBench } from "./bench/editor.ts";
import type { WriteRow } from "./bench/writes.ts";
import { renderEvaluationTable, runEvaluationBench } from "./bench/evaluation.ts";
import { renderWriteStreams, type StreamRow } from "./bench/writeStreams.ts";

const DEFAULT_SIZES = [1_000, 10_000, 100_000];
const QUICK_SIZES = [1_000, 10_000];

const { values } = parseArgs({
  args: Deno.args,
  options: {
    sizes: { type: "string" },
    quick: { type: "boolean", default: false },
    "no-official": { type: "boolean", default: false },
    all: { type: "boolean", default: false },
    only: { type: "string" },
    "no-writes": { type: "boolean", default: false },
    "no-streams": { type: "boolean", default: false },
    "no-extras": { type: "boolean", default: false },
    stream: { type: "string", default: "200" },
    "stream-messages": { type: "string", default: "1000" },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help) {
  console.log(
    "usage: deno task bench [--sizes=1000,10000,100000] [--quick] [--no-official] [--all] [--only=REGEX] [--no-writes]" +
      " [--stream=200] [--stream-messages=1000] [--no-streams] [--no-extras]",
  );
  Deno.exit(0);
}

const sizes = values.sizes
  ? values.sizes.split(",").map((s) => Number(s.replaceAll("_", "").trim()))
  : values.quick
  ? QUICK_SIZES
  : DEFAULT_SIZES;
if (sizes.some((n) => !Number.isInteger(n) || n < 8)) {
  console.error(`--sizes takes integers >= 8, got ${values.sizes}`);
  Deno.exit(2);
}
const withOfficial = !values["no-official"];

const started = performance.now();
const writes: WriteRow[] = [];
const streams: StreamRow[] = [];
const rows = await runBench({
  sizes,
  quick: values.quick,
  official: withOfficial,
  noCaps: values.all,
  ...(values.only ? { only: new RegExp(values.only) } : {}),
  ...(values["no-writes"] ? {} : { writes }),
  ...(values["no-streams"]
    ? {}
    : { streams: { rows: streams, count: Number(values.stream), messages: Number(values["stream-messages"]) } }),
});
const seconds = ((performance.now() - started) / 1000).toFixed(0);

console.log(
  `Benchmark of @mastra/convex (ours)${withOfficial ? " and the official @mastra/convex 1.5.2" : ""} on the ` +
    `in-process Convex backend (convex-test, transaction limits on); Deno ${Deno.version.deno}, ` +
    `${navigator.hardwareConcurrency} cores; ${new Date().toISOString().slice(0, 10)}; run took ${seconds} s.`,
);
console.log(
  "Data at size N: one thread of N messages; 4 threads of N/4 messages (one resource); N threads (N/2 of the " +
    "listed resource); N workflow runs (N/4 per workflow+status+resource); N scores (N/4 per scorer, run, entity, " +
    "span); N traces (N/4 per entity, resource, metadata, tag; ours only: the official store has no observability); " +
    "N background tasks (N/4 per agent+status+thread). The official store runs unchanged over HTTP to its own " +
    "Convex function (mastra/storage:handle) hosted on the same kind of backend.",
);
console.log("");
console.log(LEGEND);
console.log("");
console.log(renderTables(rows, withOfficial));
console.log(renderWrites(writes, withOfficial));
console.log(renderWriteStreams(streams, withOfficial));
console.log(renderMisses(rows, writes));
console.log("");
console.log(renderFlatness(rows));
console.log("");
if (!values["no-extras"]) {
  console.log(await traceQueryBenchTable(sizes));
  console.log("\n" + await renderObservabilityBench(sizes));
  console.log("\nDatasets and experiments (N items in batches of 1,000; N results, a quarter per review status):\n");
  console.log(renderEvaluationTable(await runEvaluationBench(sizes), sizes));
  console.log("\n" + await renderLiveUiBench(sizes));
  console.log("\n" + await renderEditorBench(sizes));
}
