/**
 * Trace-page cost: a middle page of 40 among a few thousand traces reads at
 * most 40 + 4·log2(N) documents (plus the pending rank changes of its trees), in one call, for every trace-list index
 * family and a `startedAt` range, for one metadata pair, for all traces ordered by `endedAt` (and
 * an `endedAt` range), and for the branch-anchor spans of all traces by
 * either field, in either order, with or without a range on it
 * (`TRACE_PAGES_N` traces, default 2000, each with a root and a tool call:
 * twice as many branches). Branch trees rebuilt from the spans (in several
 * bounded calls) serve the same pages within the same bound (their shape,
 * hence the leaves a page reads, may differ from trees grown write by write).
 */
import assert from "node:assert/strict";
import { children, countingStore, FILTERS, traces } from "../helpers/traceFixtures.ts";
import { measure } from "../helpers/metrics.ts";
import { SHARD_PENDING_CAP } from "../../convex/kit/rankPending.ts";

Deno.test("observability: a middle trace or branch page of 40 reads at most 40 + 4·log2(N) documents in one call", async () => {
  const { storage, backend, calls } = countingStore();
  const o = (await storage.getStore("observability"))!;
  const n = Number(Deno.env.get("TRACE_PAGES_N") ?? 2000);
  const roots = traces(n, 11);
  const spans = [...roots, ...children(roots, false)];
  for (let i = 0; i < spans.length; i += 500) await o.batchCreateSpans({ records: spans.slice(i, i + 500) as never });
  const lines: string[] = [];
  const failures: string[] = [];
  const last = 1_000 + Math.floor(n / 3) * 10;
  const range = { start: new Date(1_000 + (last - 1_000) / 4), end: new Date(1_000 + (last - 1_000) * 3 / 4) };
  // The index families (and a startedAt range on them) and one metadata pair (its rank trees); other filters
  // walk their matches (see `traces.ts`).
  const indexed = FILTERS.filter((f) => !("status" in f && "entityType" in f));
  const cases: { what: "traces" | "branches"; filters: Record<string, unknown>; field: string; direction: string }[] = [
    ...indexed.map((filters) => ({ what: "traces" as const, filters, field: "startedAt", direction: "DESC" })),
  ];
  for (const direction of ["ASC", "DESC"]) {
    // All traces by endedAt (the only trace family with trees by endedAt, `ENDED_TREE_FAMILIES`).
    for (const filters of [{}, { endedAt: range }]) {
      cases.push({ what: "traces", filters, field: "endedAt", direction });
    }
    for (const field of ["startedAt", "endedAt"]) {
      for (const filters of [{}, { [field]: range }]) cases.push({ what: "branches", filters, field, direction });
    }
  }
  /** Rows of each branch page, to compare after the rebuild. */
  const pageRows = new Map<string, number>();
  for (const { what, filters, field, direction } of cases) {
    const list = (page: number) => {
      const args = { filters, pagination: { page, perPage: 40 }, orderBy: { field, direction } } as never;
      return what === "traces"
        ? o.listTraces(args).then((got) => ({ rows: got.spans.length, total: got.pagination!.total }))
        : o.listBranches(args).then((got) => ({ rows: got.branches.length, total: got.pagination!.total }));
    };
    const { total } = await list(0);
    const page = Math.floor(total / 80);
    calls.n = 0;
    const { result, usage } = await measure(() => list(page));
    // N: the rows of the whole list (all branches for a branch list).
    const size = what === "traces" ? n : spans.length;
    // Plus the pending rank changes of the trees read (a family's 8 shards hold at most SHARD_PENDING_CAP each,
    // convex/kit/rankPending.ts): reads pay them until the next fold.
    const bound = 40 + 4 * Math.log2(size) + 8 * SHARD_PENDING_CAP;
    const label = `${what} ${JSON.stringify(filters)} by ${field} ${direction} page ${page} of ${total}`;
    lines.push(`${label}: ${usage.documentsRead} documents (bound ${bound.toFixed(1)}), ${calls.n} call(s)`);
    assert.equal(result.rows, Math.min(40, total - page * 40), label);
    if (calls.n !== 1 || usage.documentsRead > bound) failures.push(label);
    if (what === "branches") pageRows.set(label, result.rows);
  }
  console.log(`N = ${n} traces, ${spans.length} branches\n${lines.join("\n")}`);
  assert.deepEqual(failures, []);

  // Spans that predate the branch trees: no trees, no coverage mark; rebuilt, the pages seek again.
  // deno-lint-ignore no-explicit-any
  await backend.run(async (ctx: any) => {
    for (const node of await ctx.db.query("rank_nodes").collect()) {
      if (node.tree.startsWith("observability:branchTree:")) await ctx.db.delete(node._id);
    }
    for (const row of await ctx.db.query("counters").collect()) {
      if (row.name === "coverage:ai_spans") await ctx.db.delete(row._id);
    }
  });
  await storage.rebuildRankTrees();
  const rebuilt: string[] = [];
  for (const { what, filters, field, direction } of cases) {
    if (what !== "branches") continue;
    const args = { filters, pagination: { page: 0, perPage: 40 }, orderBy: { field, direction } } as never;
    const total = (await o.listBranches(args)).pagination!.total;
    const page = Math.floor(total / 80);
    const label = `${what} ${JSON.stringify(filters)} by ${field} ${direction} page ${page} of ${total}`;
    calls.n = 0;
    const { result, usage } = await measure(() =>
      o.listBranches({ filters, pagination: { page, perPage: 40 }, orderBy: { field, direction } } as never)
    );
    rebuilt.push(`${label}: ${usage.documentsRead} documents, ${calls.n} call(s)`);
    assert.equal(result.branches.length, pageRows.get(label), `rebuilt: ${label}`);
    // 64-entry nodes: a range page across the 8 shards may read one more leaf than 40 + 4·log2(N) allows
    // (88 against 87.9 at N = 4,000 branches); the same allowance as above.
    assert.ok(
      calls.n === 1 && usage.documentsRead <= 40 + 4 * Math.log2(spans.length) + 8 * SHARD_PENDING_CAP,
      `rebuilt: ${label}`,
    );
  }
  console.log(`after rebuildRankTrees:\n${rebuilt.join("\n")}`);
});
