/**
 * Scorer lists narrowed by entity id, entity type and source: every
 * combination has its own index and rank tree, so a page at any depth
 * matches the sorted model and reads about one page plus the tree, in one
 * call; a deployment whose scores predate the trees (no coverage mark) still
 * answers exactly, by walking.
 */
import assert from "node:assert/strict";
import type { SaveScorePayload } from "@mastra/core/evals";
import type { ScoresStorage } from "@mastra/core/storage";
import { createTestStorage, settleRankTrees } from "./helpers/backend.ts";
import { measure } from "./helpers/metrics.ts";

const N = 900;
const TYPES = ["AGENT", "WORKFLOW", undefined];
const SOURCES = ["LIVE", "TEST", undefined] as const;
const ENTITIES = ["e0", "e1", "e2"];
const T0 = 1_767_225_600_000;

type Seeded = { id: string; entityId: string; entityType?: string; source?: string; createdAt: number };

async function seed(scores: ScoresStorage): Promise<Seeded[]> {
  const rows: Seeded[] = [];
  for (let i = 0; i < N; i++) {
    const row: Seeded = {
      id: `s-${String(i).padStart(4, "0")}`,
      entityId: ENTITIES[i % 3],
      entityType: TYPES[Math.floor(i / 3) % 3],
      source: SOURCES[Math.floor(i / 9) % 3],
      createdAt: T0 + Math.floor(i / 2) * 1000, // pairs share a timestamp: ties broken by id
    };
    rows.push(row);
    await scores.saveScore({
      id: row.id,
      scorerId: "judge",
      entityId: row.entityId,
      ...(row.entityType ? { entityType: row.entityType } : {}),
      ...(row.source ? { source: row.source } : {}),
      runId: `run-${i % 10}`,
      score: i,
      scorer: { id: "judge" },
      entity: { id: row.entityId },
      output: "ok",
      createdAt: new Date(row.createdAt),
    } as unknown as SaveScorePayload);
  }
  return rows;
}

const FILTERS: { entityId?: string; entityType?: string; source?: "LIVE" | "TEST" }[] = [
  {},
  { entityId: "e1" },
  { entityType: "AGENT" },
  { source: "TEST" },
  { entityId: "e2", entityType: "WORKFLOW" },
  { entityId: "e0", source: "LIVE" },
  { entityType: "AGENT", source: "LIVE" },
  { entityId: "e1", entityType: "WORKFLOW", source: "TEST" },
];

function expected(rows: Seeded[], filter: (typeof FILTERS)[number]): string[] {
  return rows
    .filter((row) =>
      (filter.entityId === undefined || row.entityId === filter.entityId) &&
      (filter.entityType === undefined || row.entityType === filter.entityType) &&
      (filter.source === undefined || row.source === filter.source)
    )
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .map((row) => row.id);
}

Deno.test("scorer lists with entity/type/source filters", async (t) => {
  const { storage, backend } = createTestStorage();
  await storage.init();
  const scores = (await storage.getStore("scores"))!;
  const rows = await seed(scores);
  // Reads below are measured against the trees alone: pending changes (read in addition) are folded first.
  await settleRankTrees(backend);
  await t.step("deep pages exact, one call, about one page of reads", () => pagesMatch(scores, rows));
  await t.step("without the coverage mark (scores older than the trees) counted by walking, exactly", async () => {
    // As on a deployment whose scores were written before these trees existed.
    await backend.run(async (ctx) => {
      const mark = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", "coverage:scores"))
        .unique();
      assert.ok(mark, "the first save into an empty table set the mark");
      await ctx.db.delete(mark._id);
      for await (const node of ctx.db.query("rank_nodes")) {
        if (node.tree.includes("scorerFilter")) await ctx.db.delete(node._id);
      }
    });
    for (const filter of FILTERS.slice(2)) {
      const ids = expected(rows, filter);
      const result = await scores.listScoresByScorerId({
        scorerId: "judge",
        ...filter,
        pagination: { page: 2, perPage: 7 },
      });
      assert.equal(result.pagination.total, ids.length, JSON.stringify(filter));
      assert.deepEqual(result.scores.map((score) => score.id), ids.slice(14, 21));
    }
    // A rebuild restores the trees and the mark.
    await storage.rebuildRankTrees();
    const marked = await backend.run((ctx) =>
      ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", "coverage:scores")).unique()
    );
    assert.ok(marked, "a completed rebuild marks the table covered");
    await pagesMatch(scores, rows);
  });
});

async function pagesMatch(scores: ScoresStorage, rows: Seeded[]): Promise<void> {
  const perPage = 20;
  for (const filter of FILTERS) {
    const ids = expected(rows, filter);
    assert.ok(ids.length > perPage, `${JSON.stringify(filter)} matches ${ids.length} scores`);
    const pages = Math.ceil(ids.length / perPage);
    for (const page of [0, Math.floor(pages / 2), pages - 1]) {
      const { result, usage } = await measure(() =>
        scores.listScoresByScorerId({ scorerId: "judge", ...filter, pagination: { page, perPage } })
      );
      const label = `${JSON.stringify(filter)} page ${page}`;
      assert.equal(result.pagination.total, ids.length, label);
      assert.deepEqual(result.scores.map((score) => score.id), ids.slice(page * perPage, (page + 1) * perPage), label);
      const bound = perPage + 4 * Math.ceil(Math.log2(ids.length)) + 4;
      assert.ok(usage.documentsRead <= bound, `${label}: ${usage.documentsRead} documents read (bound ${bound})`);
    }
  }
  const none = await scores.listScoresByScorerId({
    scorerId: "judge",
    entityId: "nobody",
    source: "LIVE",
    pagination: { page: 0, perPage },
  });
  assert.equal(none.pagination.total, 0);
}
