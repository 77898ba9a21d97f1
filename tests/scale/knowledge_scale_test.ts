/**
 * The knowledge domain at 10,000 rows, in documents read and round trips
 * (never time): a claim and a page of records about a node read what they
 * return (plus the per-document head checks); a search that matches
 * little reads every visible node and record in bounded calls; a merge
 * rewrites up to 1,000 records in its one mutation under Convex's
 * transaction limits and refuses a larger one, changing nothing.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";
import { ConvexStorage } from "../../src/storage.ts";
import { createBackend, inProcessClient } from "../helpers/backend.ts";
import { countingClient } from "../helpers/counting.ts";
import { measure } from "../helpers/metrics.ts";

const N = 10_000;
const T0 = Date.UTC(2026, 0, 1);
const SCOPE = ["org:o", "resource:r"];
const KEY = SCOPE.join("\u001f");
const pad = (i: number) => String(i).padStart(6, "0");

function node(id: string, i: number) {
  return {
    id,
    name: `Node ${id}`,
    nameKey: `node ${id}`,
    kind: "topic",
    scope: SCOPE,
    scopeKey: KEY,
    version: 1,
    live: true,
    createdAt: T0 + i,
    updatedAt: T0 + i,
  };
}

function record(id: string, nodeId: string, text: string, i: number) {
  return { id, node: nodeId, text, scope: SCOPE, scopeKey: KEY, sourceThreadId: "s", capturedAt: T0 + i };
}

Deno.test("knowledge at 10,000 rows: claims and pages read what they return; search scans in bounded calls; merges are bounded", async () => {
  const backend = createBackend();
  const counted = countingClient(inProcessClient(backend));
  const knowledge = (await new ConvexStorage({ client: counted.client }).getStore("knowledge"))!;
  for (let start = 0; start < N; start += 2000) {
    await backend.run(async (ctx) => {
      for (let i = start; i < start + 2000; i++) {
        await ctx.db.insert("knowledge_nodes", node(`n${pad(i)}`, i));
        const text = i === N / 2 ? "a needle in the haystack" : `ordinary fact ${i}`;
        await ctx.db.insert("knowledge_records", record(`rec-${pad(i)}`, `n${pad(i % 50)}`, text, i));
        await ctx.db.insert("knowledge_outbox", {
          id: `0${pad(i)}`,
          idempotencyKey: `knowledge:record:rec-${pad(i)}:upsert:rec-${pad(i)}`,
          documentId: `knowledge:record:rec-${pad(i)}`,
          documentType: "record",
          operation: "upsert",
          scope: SCOPE,
          scopeKey: KEY,
          status: "pending",
          open: true,
          attempts: 0,
          availableAt: T0,
          createdAt: T0 + i,
        });
      }
    });
  }
  const rows: string[] = [];
  const run = async (label: string, fn: () => Promise<unknown>) => {
    counted.calls.length = 0;
    const { result, usage } = await measure(fn);
    rows.push(
      `${label}: ${usage.documentsRead} read, ${usage.documentsWritten} written, ${counted.calls.length} call(s)`,
    );
    return { result, usage, trips: counted.calls.length };
  };

  const claim = await run(
    `claimSemanticOutbox(limit 10) among ${N} pending`,
    () => knowledge.claimSemanticOutbox({ workerId: "w", limit: 10, now: new Date(T0) }),
  );
  assert.equal((claim.result as unknown[]).length, 10);
  // Each claimed entry: itself, its document's head, and (convex-test's count) its replacement.
  assert.ok(claim.trips === 1 && claim.usage.documentsRead <= 10 * 3 + 2, rows.at(-1));

  const about = await run(
    "listKnowledgeAbout(node, limit 20): 200 records about it",
    () => knowledge.listKnowledgeAbout({ node: "n000001", scope: SCOPE, limit: 20 }),
  );
  assert.equal((about.result as { records: unknown[] }).records.length, 20);
  assert.ok(about.trips === 1 && about.usage.documentsRead <= 25, rows.at(-1));

  const search = await run(
    `search("needle"): 1 match among ${N} nodes and ${N} records`,
    () => knowledge.search({ query: "needle", scope: SCOPE }),
  );
  assert.equal((search.result as unknown[]).length, 1);
  assert.ok(search.usage.documentsRead <= 2 * N + 100 && search.trips <= 2 * N / 1000 + 2, rows.at(-1));

  // Merges: 1,000 records move in one mutation; 1,001 are refused and nothing changes.
  await backend.run(async (ctx) => {
    for (const [id, count] of [["mid", 1000], ["big", 1001], ["target", 0]] as const) {
      await ctx.db.insert("knowledge_nodes", node(id, 0));
      for (let i = 0; i < count; i++) await ctx.db.insert("knowledge_records", record(`${id}-${pad(i)}`, id, "x", i));
    }
  });
  const merged = await run(
    "mergeNodes with 1,000 records",
    () => knowledge.mergeNodes({ sourceId: "mid", targetId: "target", sourceVersion: 1 }),
  );
  assert.equal(merged.trips, 1);
  const moved = await knowledge.listKnowledgeAbout({ node: "target", scope: SCOPE, limit: 5000 });
  assert.equal(moved.records.length, 1000);
  const refused = await knowledge.mergeNodes({ sourceId: "big", targetId: "target", sourceVersion: 1 }).then(
    () => null,
    (error) => error,
  );
  assert.ok(refused instanceof MastraError && /more than 1000/.test(refused.message), String(refused));
  assert.equal((await knowledge.getNode("big"))?.mergedInto, undefined);
  assert.equal((await knowledge.listKnowledgeAbout({ node: "big", scope: SCOPE, limit: 5000 })).records.length, 1001);
  console.log(rows.join("\n"));
});
