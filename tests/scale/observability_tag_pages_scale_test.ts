/**
 * The cost of a one-tag trace page at depth (see `tests/observability_tag_pages_test.ts`):
 * first, middle and last page of a common and a rare tag among 2,000 traces.
 */
import assert from "node:assert/strict";
import { measure } from "../helpers/metrics.ts";
import { countingStore, tagged } from "../helpers/traceFixtures.ts";

Deno.test("observability: a one-tag trace page at any depth reads about a page, in one call", async () => {
  const { storage, calls } = countingStore();
  const ours = (await storage.getStore("observability"))!;
  const spans = tagged(2_000);
  for (let i = 0; i < spans.length; i += 250) {
    await ours.batchCreateSpans({ records: spans.slice(i, i + 250) as never });
  }
  const perPage = 20;
  for (const tag of ["vip", "rare"]) {
    const first = await ours.listTraces({ filters: { tags: [tag] }, pagination: { page: 0, perPage } } as never);
    const total = first.pagination!.total;
    const bound = perPage + 4 * Math.log2(spans.length) + 16;
    for (const page of [0, Math.floor(total / perPage / 2), Math.max(0, Math.ceil(total / perPage) - 1)]) {
      const before = calls.n;
      const { result, usage } = await measure(() =>
        ours.listTraces({ filters: { tags: [tag] }, pagination: { page, perPage } } as never)
      );
      assert.equal(result.pagination!.total, total);
      assert.equal(calls.n - before, 1, `${tag} page ${page}: one call`);
      assert.ok(usage.documentsRead <= bound, `${tag} page ${page}: ${usage.documentsRead} read > ${bound}`);
      console.log(`tag ${tag} (${total} of ${spans.length}) page ${page}: ${usage.documentsRead} documents`);
    }
  }
});
