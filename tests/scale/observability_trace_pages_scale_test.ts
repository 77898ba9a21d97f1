/**
 * Trace-page cost: a middle page of 40 among a few thousand traces reads at
 * most 40 + 4·log2(N) documents, in one call, for every trace-list index
 * family and a `startedAt` range (`TRACE_PAGES_N` traces, default 2000).
 */
import assert from "node:assert/strict";
import { countingStore, FILTERS, traces } from "../helpers/traceFixtures.ts";
import { measure } from "../helpers/metrics.ts";

Deno.test("observability: a middle trace page of 40 reads at most 40 + 4·log2(N) documents in one call", async () => {
  const { storage, calls } = countingStore();
  const o = (await storage.getStore("observability"))!;
  const n = Number(Deno.env.get("TRACE_PAGES_N") ?? 2000);
  const spans = traces(n, 11);
  for (let i = 0; i < spans.length; i += 500) await o.batchCreateSpans({ records: spans.slice(i, i + 500) as never });
  const bound = 40 + 4 * Math.log2(n);
  const lines: string[] = [];
  const failures: string[] = [];
  // The index families (and a startedAt range on them); other filters walk their matches (see `traces.ts`).
  const indexed = FILTERS.filter((f) => !("metadata" in f) && !("status" in f && "entityType" in f));
  for (const filters of indexed) {
    const first = await o.listTraces({ filters, pagination: { page: 0, perPage: 40 } } as never);
    const total = first.pagination!.total;
    const page = Math.floor(total / 80);
    calls.n = 0;
    const { result, usage } = await measure(() =>
      o.listTraces({ filters, pagination: { page, perPage: 40 } } as never)
    );
    const label = `${JSON.stringify(filters)} page ${page} of ${total}`;
    lines.push(`${label}: ${usage.documentsRead} documents, ${calls.n} call(s)`);
    assert.equal(result.spans.length, Math.min(40, total - page * 40), label);
    if (calls.n !== 1 || usage.documentsRead > bound) failures.push(label);
  }
  console.log(`bound ${bound.toFixed(1)} at N = ${n}\n${lines.join("\n")}`);
  assert.deepEqual(failures, []);
});
