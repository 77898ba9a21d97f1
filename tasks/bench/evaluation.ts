/**
 * Benchmark rows of the datasets and experiments domains (issue 26):
 * documents read and round trips of `listItems` and `listExperimentResults`
 * (first, middle and last page of 50), of searches (selective inside words,
 * and matching every item), of `getReviewSummary` and of the first,
 * middle and last page at a past version, at growing
 * sizes, on the in-process Convex backend (transaction limits on), with the
 * budget k + 4·log2 N each must stay within (k = rows returned).
 *
 *   deno run -A tasks/bench/evaluation.ts --sizes=1000,10000
 *
 * Data at size N: one dataset of N items inserted through the API in
 * batches of 1,000 (a batch shares its creation time), and one experiment
 * of N results (written in bulk with the rows, counters and rank-tree
 * entries the API writes, see `tests/helpers/evalSeed.ts`), a quarter in
 * each review status.
 */
import { parseArgs } from "node:util";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { measure } from "../../tests/helpers/metrics.ts";
import { seedResults } from "../../tests/helpers/evalSeed.ts";

const PER_PAGE = 50;

/** One measured call. */
export type EvaluationRow = { call: string; n: number; k: number; read: number; trips: number; ms: number };

/** Measures the evaluation calls at each size; `log` reports progress. */
export async function runEvaluationBench(
  sizes: readonly number[],
  log: (line: string) => void = (line) => console.error(line),
): Promise<EvaluationRow[]> {
  const rows: EvaluationRow[] = [];
  for (const n of sizes) {
    const backend = createBackend();
    let calls = 0;
    const inner = inProcessClient(backend);
    const client: ConvexClientLike = {
      ...inner,
      query: (path, args) => (calls++, inner.query(path, args)),
      mutation: (path, args) => (calls++, inner.mutation(path, args)),
      action: (path, args) => (calls++, inner.action(path, args)),
    };
    const storage = new ConvexStorage({ client });
    const datasets = (await storage.getStore("datasets"))!;
    const experiments = (await storage.getStore("experiments"))!;
    const started = performance.now();
    await datasets.createDataset({ id: "bench", name: "Bench" });
    for (let start = 0; start < n; start += 1000) {
      const size = Math.min(1000, n - start);
      await datasets.batchInsertItems({
        datasetId: "bench",
        items: Array.from({ length: size }, (_, i) => ({ input: { n: start + i, text: `item ${start + i}` } })),
      });
    }
    await experiments.createExperiment({
      id: "bench-exp",
      datasetId: "bench",
      datasetVersion: 1,
      targetType: "agent",
      targetId: "a",
      totalItems: n,
    });
    await seedResults(backend, "bench-exp", 0, n, Date.UTC(2026, 0, 1));
    log(
      `evaluation bench: seeded ${n} items and ${n} results in ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
    const pages = { first: 0, middle: Math.floor(n / PER_PAGE / 2), last: Math.ceil(n / PER_PAGE) - 1 };
    const cost = async (call: string, k: number, fn: () => Promise<unknown>) => {
      const trips = calls;
      const t = performance.now();
      const { usage } = await measure(fn);
      rows.push({ call, n, k, read: usage.documentsRead, trips: calls - trips, ms: performance.now() - t });
    };
    for (const [name, page] of Object.entries(pages)) {
      await cost(`listItems ${name} page`, PER_PAGE, async () => {
        const out = await datasets.listItems({ datasetId: "bench", pagination: { page, perPage: PER_PAGE } });
        if (out.pagination.total !== n || out.items.length !== PER_PAGE) throw new Error(`listItems ${name} is wrong`);
      });
    }
    for (const [name, page] of Object.entries(pages)) {
      await cost(`listExperimentResults ${name} page`, PER_PAGE, async () => {
        const out = await experiments.listExperimentResults({
          experimentId: "bench-exp",
          pagination: { page, perPage: PER_PAGE },
        });
        if (out.pagination.total !== n || out.results[0]?.itemId !== `item-${page * PER_PAGE}`) {
          throw new Error(`listExperimentResults ${name} is wrong`);
        }
      });
    }
    // A selective search inside words (its longest word "501" is a suffix-token prefix of few items).
    const infix = `m ${Math.floor(n / 2) + 1}`;
    const infixTotal = Array.from({ length: n }, (_, i) =>
      String(i)).filter((i) => i.startsWith(String(Math.floor(n / 2) + 1))).length;
    await cost("listItems search, selective infix", Math.min(PER_PAGE, infixTotal), async () => {
      const out = await datasets.listItems({
        datasetId: "bench",
        search: infix,
        pagination: { page: 0, perPage: PER_PAGE },
      });
      if (out.pagination.total !== infixTotal) throw new Error("listItems search (selective) is wrong");
    });
    // A search every item matches: more candidates than one index read, so the bounded walk answers.
    await cost("listItems search, matching all (walk)", PER_PAGE, async () => {
      const out = await datasets.listItems({
        datasetId: "bench",
        search: "TEM",
        pagination: { page: 0, perPage: PER_PAGE },
      });
      if (out.pagination.total !== n) throw new Error("listItems search (all) is wrong");
    });
    await cost("getReviewSummary", 1, async () => {
      const out = await experiments.getReviewSummary();
      if (out.length !== 1 || out[0].total !== n) throw new Error("getReviewSummary is wrong");
    });
    // The items at a past version: the version of the last insert batch (all N items), once 20 later
    // versions (10 updates, 10 deletes spread over the dataset) made it past; read from its persistent tree.
    const pastVersion = Math.ceil(n / 1000);
    const sample = await datasets.listItems({ datasetId: "bench", pagination: { page: 0, perPage: false } });
    for (let i = 0; i < 20; i++) {
      const id = sample.items[Math.floor((i * n) / 20)].id;
      if (i % 2 === 0) await datasets.updateItem({ datasetId: "bench", id, input: { n: -i } });
      else await datasets.deleteItem({ datasetId: "bench", id });
    }
    for (const [name, page] of Object.entries(pages)) {
      await cost(`listItems at a past version, ${name} page`, PER_PAGE, async () => {
        const out = await datasets.listItems({
          datasetId: "bench",
          version: pastVersion,
          pagination: { page, perPage: PER_PAGE },
        });
        if (out.pagination.total !== n || out.items.length !== PER_PAGE) {
          throw new Error("listItems at a version is wrong");
        }
      });
    }
  }
  return rows;
}

/** The rows as one markdown table: documents read and round trips per size, and the k + 4·log2 N budget. */
export function renderEvaluationTable(rows: EvaluationRow[], sizes: readonly number[]): string {
  const num = (x: number) => x.toLocaleString("en");
  const calls = [...new Set(rows.map((row) => row.call))];
  const header = ["call", ...sizes.flatMap((n) => [`read @${num(n)}`, `trips @${num(n)}`, `budget @${num(n)}`])];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`];
  for (const call of calls) {
    const cells = sizes.flatMap((n) => {
      const row = rows.find((r) => r.call === call && r.n === n);
      if (!row) return ["-", "-", "-"];
      const budget = Math.floor(row.k + 4 * Math.log2(n));
      return [`${row.read}${row.read <= budget ? "" : " (over)"}`, String(row.trips), String(budget)];
    });
    lines.push(`| ${call} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { sizes: { type: "string" } } });
  const sizes = values.sizes ? values.sizes.split(",").map((s) => Number(s.trim())) : [1_000, 10_000];
  console.log(renderEvaluationTable(await runEvaluationBench(sizes), sizes));
}
