/**
 * listTraces with one metadata pair: when the value is a short string, a
 * finite number, a boolean or null, the page's keys come from the pair's
 * rank trees and its rows by id (k + O(log N) documents in one call);
 * other values, several pairs or further conditions walk. Either way pages
 * agree with InMemoryStore, through root rewrites that change metadata,
 * deletes, ranges and both orders.
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import { measure } from "./helpers/metrics.ts";
import { compareTracePages, countingStore, LONG_VALUE, withMetadata } from "./helpers/traceFixtures.ts";

const RANGE = { start: new Date(1_300), end: new Date(2_500), endExclusive: true };

const FILTERS: Record<string, unknown>[] = [
  { metadata: { tier: "t1" } },
  { metadata: { tier: "t1" }, startedAt: RANGE },
  { metadata: { n: 0 } },
  { metadata: { n: -0 } },
  { metadata: { n: 2.5 } },
  { metadata: { flag: false } },
  { metadata: { none: null } },
  { metadata: { missing: "x" } },
  { metadata: { long: LONG_VALUE } },
  { metadata: { obj: { a: 1 } } },
  { metadata: { tier: "t2", flag: true } },
  { metadata: { tier: "t3" }, environment: "prod" },
];

Deno.test("observability: one-metadata-pair trace pages agree with InMemoryStore through rewrites and deletes", async () => {
  const { storage } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const spans = withMetadata(400);
  for (let i = 0; i < spans.length; i += 100) {
    for (const s of [ours, theirs]) {
      await s.batchCreateSpans({ records: structuredClone(spans.slice(i, i + 100)) as never });
    }
  }
  await compareTracePages(ours, theirs, FILTERS, 9);
  // A deep page of a pair with trees reads its rows and a few tree nodes, not the traces before it.
  const { usage } = await measure(() =>
    ours.listTraces({ filters: { metadata: { tier: "t1" } }, pagination: { page: 6, perPage: 9 } } as never)
  );
  assert.ok(usage.documentsRead < 60, `a deep metadata page read ${usage.documentsRead} documents`);
  // Root rewrites move traces between pairs (or drop their metadata); deletes drop them.
  const rewrites = spans.filter((_, i) => i % 7 === 0).map((span, i) => ({
    traceId: span.traceId as string,
    spanId: "root",
    updates: { metadata: i % 3 === 0 ? { tier: "t1", n: 1 } : i % 3 === 1 ? {} : undefined, endedAt: new Date(9_000) },
  }));
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: structuredClone(rewrites) as never });
  const gone = spans.filter((_, i) => i % 11 === 3).map((span) => span.traceId as string);
  for (const s of [ours, theirs]) await s.batchDeleteTraces({ traceIds: gone });
  await compareTracePages(ours, theirs, FILTERS, 9);
});
