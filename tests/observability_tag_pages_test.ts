/**
 * listTraces with one tag (Mastra Studio's tag filter): the page's keys come
 * from the tag's rank trees, its rows by id, so a page at any depth costs
 * about k + log N documents in one call (measured at 2,000 traces in
 * `tests/scale/observability_tag_pages_scale_test.ts`); pages agree with InMemoryStore
 * through root rewrites that change tags, deletes, ranges and both orders;
 * without coverage (an old deployment) the list walks and stays exact.
 */
import assert from "node:assert/strict";
import { InMemoryStore } from "@mastra/core/storage";
import { measure } from "./helpers/metrics.ts";
import { compareTracePages, countingStore, tagged, TAGS } from "./helpers/traceFixtures.ts";

/** One tag, the same tag twice, one tag within a start-time range: each of {@link TAGS}. */
const FILTERS: Record<string, unknown>[] = TAGS.flatMap((tag) => [
  { tags: [tag] },
  { tags: [tag, tag] },
  { tags: [tag], startedAt: { start: new Date(1_300), end: new Date(2_500), endExclusive: true } },
]);

Deno.test("observability: one-tag trace pages agree with InMemoryStore through rewrites and deletes", async () => {
  const { storage } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const spans = tagged(400);
  for (let i = 0; i < spans.length; i += 100) {
    for (const s of [ours, theirs]) {
      await s.batchCreateSpans({ records: structuredClone(spans.slice(i, i + 100)) as never });
    }
  }
  await compareTracePages(ours, theirs, FILTERS, 9);
  // Root rewrites move traces between tags; deletes drop them.
  const rewrites = spans.filter((_, i) => i % 7 === 0).map((span, i) => ({
    traceId: span.traceId as string,
    spanId: "root",
    updates: { tags: i % 2 ? ["rare"] : [], endedAt: new Date(9_000) },
  }));
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: structuredClone(rewrites) as never });
  const gone = spans.filter((_, i) => i % 11 === 3).map((span) => span.traceId as string);
  for (const s of [ours, theirs]) await s.batchDeleteTraces({ traceIds: gone });
  await compareTracePages(ours, theirs, FILTERS, 9);
});

Deno.test("observability: without coverage a one-tag list walks and stays exact; a rebuild makes it seek", async () => {
  const { storage, backend } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const theirs = (await new InMemoryStore().getStore("observability"))!;
  const spans = tagged(150);
  for (const s of [ours, theirs]) await s.batchCreateSpans({ records: structuredClone(spans) as never });
  // An old deployment: its traces were written before the tag trees (no coverage mark, no tag trees).
  await backend.run(async (ctx) => {
    for (const mark of await ctx.db.query("counters").collect()) {
      if (mark.name.startsWith("coverage:ai_traces")) await ctx.db.delete(mark._id);
    }
    for (const node of await ctx.db.query("rank_nodes").collect()) {
      if (node.tree.startsWith("observability:tagTree:")) await ctx.db.delete(node._id);
    }
  });
  await compareTracePages(ours, theirs, FILTERS, 7);
  await (storage as unknown as { rebuildRankTrees(): Promise<number> }).rebuildRankTrees();
  const { usage } = await measure(() =>
    ours.listTraces({ filters: { tags: ["vip"] }, pagination: { page: 3, perPage: 7 } } as never)
  );
  assert.ok(usage.documentsRead < 60, `after the rebuild: ${usage.documentsRead} documents`);
  await compareTracePages(ours, theirs, FILTERS, 7);
});
