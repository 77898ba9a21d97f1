/**
 * Metrics at scale (issue 17): 10,000 Studio-like metric events written
 * under Convex's transaction limits in a bounded number of calls, then the
 * queries Mastra Studio's dashboard runs, answered from the rollups and
 * compared with core's InMemoryStore. Prints documents read per query.
 *
 *   deno test -A tests/observability_metrics_scale_test.ts
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import { chunkMetrics, lastMetricQuery } from "../../src/observability/signals/metrics.ts";
import { cellsOf } from "../../convex/observability/signals/cells.ts";
import { dictionaryEntries } from "../../convex/observability/signals/signals.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { type SeedBackend, seedMetrics, STUDIO_QUERIES, studioEvents } from "../helpers/studio_observability.ts";

/**
 * Events written through the in-process backend. convex-test scans a whole
 * table for every index lookup, so writing is quadratic there (not on
 * Convex); the default keeps the test fast, `METRIC_EVENTS=10000` runs the full size.
 */
const EVENTS = Number(Deno.env.get("METRIC_EVENTS") ?? 1_000);
const SPAN = Number(Deno.env.get("METRIC_SPAN_HOURS") ?? 6) * 3_600_000;

// deno-lint-ignore no-explicit-any
function normalize(method: string, result: any): any {
  if (method === "getMetricBreakdown") {
    // deno-lint-ignore no-explicit-any
    return result.groups.map((g: any) => g.value);
  }
  return result;
}

Deno.test(`metrics at scale: ${EVENTS} events in bounded calls, Studio queries from rollups`, async () => {
  const backend = createBackend();
  const client = inProcessClient(backend);
  let mutations = 0;
  const counting = { ...client, mutation: (path: never, args: never) => (mutations++, client.mutation(path, args)) };
  const storage = new ConvexStorage({ client: counting });
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const events = studioEvents(EVENTS, SPAN);
  const started = performance.now();
  const { usage: writeUsage } = await measure(() => ours.batchCreateMetrics({ metrics: events as never }));
  const writeMs = performance.now() - started;
  await theirs.batchCreateMetrics({ metrics: structuredClone(events) as never });
  console.log(
    `batchCreateMetrics(${EVENTS}): ${mutations} calls, ${writeUsage.documentsWritten} documents written, ` +
      `${writeUsage.documentsRead} read, ${Math.round(writeMs)} ms`,
  );
  assert.ok(mutations <= Math.ceil(EVENTS / 100), `bounded calls (${mutations})`);
  const cells = await backend.run(async (ctx) => (await ctx.db.query("obs_metric_cells").collect()).length);
  console.log(`rollup cells: ${cells}`);
  console.log("| Studio query | documents read | calls | from rollups |");
  console.log("|---|---|---|---|");
  for (const [label, method, args] of STUDIO_QUERIES) {
    // deno-lint-ignore no-explicit-any
    const expected = await (theirs as any)[method](args);
    // deno-lint-ignore no-explicit-any
    const { result, usage } = await measure(() => (ours as any)[method](args));
    console.log(`| ${label} | ${usage.documentsRead} | ${lastMetricQuery.calls} | ${!lastMetricQuery.fallback} |`);
    assert.ok(!lastMetricQuery.fallback, `${label} is served from rollups`);
    assert.deepEqual(normalize(method, result), normalize(method, expected), label);
    assert.ok(usage.documentsRead < 3000, `${label}: ${usage.documentsRead} documents`);
  }
  // For contrast: a query outside the rollups (15-minute buckets) walks the events of its range.
  const walked = {
    name: "mastra_agent_duration_ms",
    percentiles: [0.5, 0.95],
    interval: "15m",
    filters: { entityType: "agent" },
  } as const;
  const { result, usage } = await measure(() => ours.getMetricPercentiles(walked as never));
  console.log(
    `| p50/p95 agent durations, 15m (event walk) | ${usage.documentsRead} | ${lastMetricQuery.calls} | false |`,
  );
  assert.ok(lastMetricQuery.fallback);
  assert.deepEqual(result, await theirs.getMetricPercentiles(walked as never));
});

Deno.test("metrics: 10,000 events are split into calls far inside Convex's transaction limits", () => {
  const events = studioEvents(10_000);
  const chunks = chunkMetrics(events, events.map((e) => encodeValue(e)));
  let offset = 0;
  let worst = 0;
  for (const chunk of chunks) {
    const records = events.slice(offset, offset + chunk.length);
    offset += chunk.length;
    const cells = new Set(
      records.flatMap((r) => cellsOf(r, (r.timestamp as Date).getTime()).map((c) => JSON.stringify([r.name, c]))),
    );
    const entries = new Set(records.flatMap((r) => dictionaryEntries(r, true).map((e) => JSON.stringify(e))));
    // index lookups: one per event id, cell and dictionary entry, plus a few counters (Convex allows 4,096)
    const lookups = records.length + cells.size + entries.size + 8;
    // writes: events, cells, new entries, counters (Convex allows 16,000)
    worst = Math.max(worst, lookups);
    assert.ok(lookups < 4096 / 2, `chunk of ${chunk.length}: ${lookups} lookups`);
  }
  assert.equal(offset, 10_000);
  console.log(`10,000 events -> ${chunks.length} calls, at most ${worst} index lookups per call`);
  assert.ok(chunks.length <= 100);
});

Deno.test("metrics: each call of a 10,000-event batch runs inside Convex's transaction limits", async () => {
  // Every call runs on the in-process backend (transaction limits on) against a fresh deployment: convex-test scans
  // a table per index lookup, so one deployment growing to 10,000 events takes too long here. What a call reads
  // depends on the rows it looks up, not on the table size, except that cells written by earlier calls are read
  // once each: the bound below adds them.
  const events = studioEvents(10_000);
  const chunks = chunkMetrics(events, events.map((e) => encodeValue(e)));
  let offset = 0;
  let worstRead = 0;
  let worstWritten = 0;
  for (const chunk of chunks) {
    const records = events.slice(offset, offset + chunk.length);
    offset += chunk.length;
    const backend = createBackend();
    const client = inProcessClient(backend);
    const { usage } = await measure(() =>
      client.mutation("observability/signals/metrics:createMetrics" as never, { metrics: chunk } as never)
    );
    const cells = new Set(
      records.flatMap((r) => cellsOf(r, (r.timestamp as Date).getTime()).map((c) => JSON.stringify([r.name, c]))),
    ).size;
    worstRead = Math.max(worstRead, usage.documentsRead + cells);
    worstWritten = Math.max(worstWritten, usage.documentsWritten);
  }
  console.log(
    `10,000 events: ${chunks.length} calls; per call at most ${worstRead} documents read ` +
      `(counting earlier cells), ${worstWritten} written`,
  );
  assert.ok(worstRead < 32_000 / 4, `reads per call ${worstRead}`);
  assert.ok(worstWritten < 16_000 / 4, `writes per call ${worstWritten}`);
});

Deno.test("metrics: the benchmark's direct seeder writes what the API writes", async () => {
  const events = studioEvents(300);
  const viaApi = createBackend();
  await (await new ConvexStorage({ client: inProcessClient(viaApi) }).getStore("observability"))!
    .batchCreateMetrics({ metrics: events as never });
  const seeded = createBackend();
  await seedMetrics(seeded as unknown as SeedBackend, events);
  // Write orders differ in form (seeded: `seq`; API: creation time) and are compared as the events they name.
  const dump = (backend: ReturnType<typeof createBackend>) =>
    backend.run(async (ctx) => {
      const metricRows = await ctx.db.query("obs_metrics").collect();
      const eventOf = new Map(metricRows.map((row) => [row.seq ?? row._creationTime, row.id]));
      const strip = (rows: Record<string, unknown>[]) =>
        rows.map(({ _id, _creationTime, seq: _seq, ...rest }) => {
          for (const field of ["firstSeq", "lastSeq"]) {
            if (typeof rest[field] === "number") rest[field] = eventOf.get(rest[field] as number);
          }
          return JSON.stringify(rest);
        }).sort();
      return {
        metrics: strip(metricRows),
        cells: strip(await ctx.db.query("obs_metric_cells").collect()),
        dictionary: strip(await ctx.db.query("obs_dictionary").collect()),
        counters: strip(await ctx.db.query("counters").collect()),
      };
    });
  const [a, b] = [await dump(seeded), await dump(viaApi)];
  // Cells every writer of a metric shares are in write shards (their id ends with [shard, null]), as the API writes them.
  const shardOf = (cell: string) => (JSON.parse(JSON.parse(cell).id) as unknown[][]).at(-1)!;
  const shared = a.cells.filter((cell) => JSON.parse(cell).family === "all");
  assert.ok(
    shared.length > 0 && shared.every((cell) => /^\d$/.test(String(shardOf(cell)[0])) && shardOf(cell)[1] === null),
  );
  assert.deepEqual(a, b);
});

Deno.test("metrics: bad input is a clear MastraError and writes nothing", async () => {
  const backend = createBackend();
  const storage = new ConvexStorage({ client: inProcessClient(backend) });
  const ours = (await storage.getStore("observability"))!;
  const good = { metricId: "ok", timestamp: new Date(1), name: "n", value: 1, labels: {} };
  for (
    const [metrics, pattern] of [
      [[good, { ...good, metricId: undefined }], /missing required id field 'metricId'/],
      [[{ ...good, value: Number.NaN }], /finite number/],
      [[{ ...good, value: "3" }], /finite number/],
      [[{ ...good, name: 5 }], /name must be a string/],
      [[{ ...good, labels: { status: 1 } }], /labels.status must be a string/],
      [[{ ...good, timestamp: "soon" }], /timestamp/],
    ] as const
  ) {
    await assert.rejects(() => ours.batchCreateMetrics({ metrics } as never), (error: unknown) => {
      assert.ok(error instanceof MastraError);
      assert.match(error.message, pattern);
      assert.match(error.message, /batchCreateMetrics/);
      return true;
    });
  }
  assert.equal((await ours.listMetrics({})).pagination?.total, 0);
  for (
    const bad of [
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "median" } as never),
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "count_distinct" } as never),
      () => ours.getMetricAggregate({ name: ["n"], aggregation: "count_distinct", distinctColumn: "traceId" } as never),
      () => ours.getMetricBreakdown({ name: ["n"], aggregation: "sum", groupBy: [] } as never),
      () => ours.getMetricTimeSeries({ name: ["n"], aggregation: "sum", interval: "2h" } as never),
      () => ours.getMetricPercentiles({ name: "n", percentiles: [1.5], interval: "1h" } as never),
    ]
  ) {
    await assert.rejects(bad, MastraError);
  }
});
