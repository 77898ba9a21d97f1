/**
 * listTraces with one tag (Mastra Studio's tag filter): the page's keys come
 * from the tag's rank trees, its rows by id, so a page at any depth costs
 * about k + log N documents in one call (measured at 2,000 traces in
 * `tests/scale/observability_tag_pages_scale_test.ts`); pages agree with InMemoryStore
 * through root rewrites that change tags, deletes, ranges and both orders;
 * without coverage (an old deployment) the list walks and stays exact.
 */
import assert from "node:assert/strict";
import { InMemoryStore, type ObservabilityStorage } from "@mastra/core/storage";
import { measure } from "./helpers/metrics.ts";
import { countingStore, type Row, stamp, tagged, TAGS, withTieBreak } from "./helpers/traceFixtures.ts";

async function allOf(s: ObservabilityStorage, filters: Record<string, unknown>, direction: string): Promise<Row[]> {
  const out: Row[] = [];
  for (let page = 0;; page++) {
    const got = await s.listTraces({
      filters,
      pagination: { page, perPage: 100 },
      orderBy: { field: "startedAt", direction },
    } as never);
    out.push(...got.spans as unknown as Row[]);
    if (!got.pagination!.hasMore) return out;
  }
}

async function compare(ours: ObservabilityStorage, theirs: ObservabilityStorage, perPage: number) {
  for (const tag of TAGS) {
    for (
      const filters of [
        { tags: [tag] },
        { tags: [tag, tag] },
        { tags: [tag], startedAt: { start: new Date(1_300), end: new Date(2_500), endExclusive: true } },
      ]
    ) {
      for (const direction of ["DESC", "ASC"]) {
        const sorted = withTieBreak(await allOf(theirs, filters, direction), "startedAt", direction);
        const last = Math.max(0, Math.ceil(sorted.length / perPage) - 1);
        for (const page of new Set([0, 1, Math.floor(last / 2), last, last + 1])) {
          const label = JSON.stringify({ filters, direction, page });
          const mine = await ours.listTraces({
            filters,
            pagination: { page, perPage },
            orderBy: { field: "startedAt", direction },
          } as never);
          assert.equal(mine.pagination!.total, sorted.length, label);
          assert.equal(mine.pagination!.hasMore, (page + 1) * perPage < sorted.length, label);
          assert.deepEqual(stamp(mine.spans), stamp(sorted.slice(page * perPage, (page + 1) * perPage)), label);
        }
      }
    }
  }
}

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
  await compare(ours, theirs, 9);
  // Root rewrites move traces between tags; deletes drop them.
  const rewrites = spans.filter((_, i) => i % 7 === 0).map((span, i) => ({
    traceId: span.traceId as string,
    spanId: "root",
    updates: { tags: i % 2 ? ["rare"] : [], endedAt: new Date(9_000) },
  }));
  for (const s of [ours, theirs]) await s.batchUpdateSpans({ records: structuredClone(rewrites) as never });
  const gone = spans.filter((_, i) => i % 11 === 3).map((span) => span.traceId as string);
  for (const s of [ours, theirs]) await s.batchDeleteTraces({ traceIds: gone });
  await compare(ours, theirs, 9);
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
  await compare(ours, theirs, 7);
  await (storage as unknown as { rebuildRankTrees(): Promise<number> }).rebuildRankTrees();
  const { usage } = await measure(() =>
    ours.listTraces({ filters: { tags: ["vip"] }, pagination: { page: 3, perPage: 7 } } as never)
  );
  assert.ok(usage.documentsRead < 60, `after the rebuild: ${usage.documentsRead} documents`);
  await compare(ours, theirs, 7);
});
