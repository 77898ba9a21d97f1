/**
 * Observability benchmark rows (issue 17): `batchCreateMetrics` of 1,000
 * events through the API (documents written, calls), and each query
 * Mastra Studio's metrics dashboard runs at growing numbers of events
 * (documents read, round trips), on the in-process Convex backend
 * (convex-test, transaction limits on). Events are Studio-like
 * (`tests/helpers/studio_observability.ts`) over 48 hours, seeded straight
 * into the tables with the rollups the API writes (checked against the API
 * by `tests/scale/observability_metrics_scale_test.ts`). Answers are checked
 * against core's InMemoryStore up to 10,000 events (its upsert is quadratic).
 *
 *   deno run -A tasks/bench/observability.ts --sizes=10000,100000
 */
import { parseArgs } from "node:util";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { ConvexStorage } from "../../src/storage.ts";
import type { ConvexClientLike } from "../../src/transport.ts";
import { lastMetricQuery } from "../../src/observability/signals/metrics.ts";
import { createBackend, inProcessClient } from "../../tests/helpers/backend.ts";
import { measure } from "../../tests/helpers/metrics.ts";
import {
  type SeedBackend,
  seedMetrics,
  STUDIO_QUERIES,
  studioEvents,
} from "../../tests/helpers/studio_observability.ts";

const SPAN = 48 * 3_600_000;
/** Largest size whose answers are compared with InMemoryStore. */
const CHECK_UP_TO = 10_000;

function counted(): { storage: ConvexStorage; backend: ReturnType<typeof createBackend>; trips: () => number } {
  const backend = createBackend();
  const inner = inProcessClient(backend);
  let calls = 0;
  const client: ConvexClientLike = {
    query: (ref, args) => (calls++, inner.query(ref, args)),
    mutation: (ref, args, options) => (calls++, inner.mutation(ref, args, options)),
    action: (ref, args, options) => (calls++, inner.action(ref, args, options)),
  };
  return { storage: new ConvexStorage({ client }), backend, trips: () => calls };
}

const num = (n: number) => n.toLocaleString("en");

/** A markdown table, first column left-aligned, the others right-aligned. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) =>
    "| " + r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(" | ") + " |";
  const rule = "|" + widths.map((w, i) => (i === 0 ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") +
    "|";
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

/** `batchCreateMetrics` of 1,000 Studio-like events on a fresh backend. */
async function writeRow(): Promise<string[]> {
  const { storage, trips } = counted();
  const obs = (await storage.getStore("observability"))!;
  const events = studioEvents(1_000, SPAN);
  const started = performance.now();
  const { usage } = await measure(() => obs.batchCreateMetrics({ metrics: events as never }));
  const ms = performance.now() - started;
  return [
    "batchCreateMetrics (1,000 events)",
    num(usage.documentsWritten),
    num(usage.documentsRead),
    num(trips()),
    num(Math.round(ms)),
  ];
}

/** Each Studio query at `size` events: documents read, round trips, served from rollups, checked. */
async function queryRows(size: number): Promise<string[][]> {
  const { storage, backend, trips } = counted();
  const obs = (await storage.getStore("observability"))!;
  const events = studioEvents(size, SPAN);
  await seedMetrics(backend as unknown as SeedBackend, events);
  let reference: ObservabilityStorage | null = null;
  if (size <= CHECK_UP_TO) {
    reference = (await new InMemoryStore().getStore("observability"))!;
    await reference.batchCreateMetrics({ metrics: structuredClone(events) as never });
  }
  const rows: string[][] = [];
  for (const [label, method, args] of STUDIO_QUERIES) {
    const before = trips();
    const started = performance.now();
    // deno-lint-ignore no-explicit-any
    const { result, usage } = await measure(() => (obs as any)[method](args));
    const ms = performance.now() - started;
    let check = "not checked";
    if (reference) {
      // deno-lint-ignore no-explicit-any
      const expected = await (reference as any)[method](args);
      check = JSON.stringify(result) === JSON.stringify(expected) ? "ok" : "WRONG";
    }
    rows.push([
      label,
      num(size),
      num(usage.documentsRead),
      num(trips() - before),
      lastMetricQuery.fallback ? "no (event walk)" : "yes",
      check,
      num(Math.round(ms)),
    ]);
  }
  return rows;
}

/** The observability tables: the write row, then the Studio queries at each size. */
export async function renderObservabilityBench(sizes: readonly number[]): Promise<string> {
  const write = await writeRow();
  const queries: string[][] = [];
  for (const size of sizes) queries.push(...await queryRows(size));
  return [
    "Observability (issue 17): metric writes, and the queries Mastra Studio's metrics dashboard runs, over " +
    "Studio-like events spread across 48 hours.",
    "",
    table(["call", "written", "read", "calls", "ms"], [write]),
    "",
    table(["Studio query", "events", "read", "trips", "from rollups", "answer", "ms"], queries),
    "",
    "read = documents the call read (all its transactions); trips = calls through our client; answer = compared " +
    `with InMemoryStore (up to ${num(CHECK_UP_TO)} events). The rollups keep reads O(buckets x groups), not O(events).`,
  ].join("\n");
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { sizes: { type: "string" } } });
  const sizes = values.sizes ? values.sizes.split(",").map((s) => Number(s.replaceAll("_", ""))) : [10_000, 100_000];
  console.log(await renderObservabilityBench(sizes));
}
