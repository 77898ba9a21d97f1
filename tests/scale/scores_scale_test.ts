/**
 * What a page of scores costs as the table grows: documents read per list
 * call with 2,000 scores stored. Every list has its own index and counter,
 * so a page reads about one page; filters no index covers count by walking
 * only the scorer's (or scorer and entity's) index range.
 */
import assert from "node:assert/strict";
import type { SaveScorePayload } from "@mastra/core/evals";
import { createTestStorage } from "../helpers/backend.ts";
import { measure } from "../helpers/metrics.ts";
import { PENDING_CAP } from "../../convex/kit/rankPending.ts";

const SCORES = 2000;

Deno.test(`score lists read about one page with ${SCORES} scores stored`, async () => {
  let clock = 1_000_000;
  const { storage } = createTestStorage({ now: () => clock++ });
  const scores = (await storage.getStore("scores"))!;
  for (let i = 0; i < SCORES; i++) {
    await scores.saveScore({
      id: `score-${i}`,
      scorerId: `scorer-${i % 4}`,
      entityId: `agent-${i % 8}`,
      entityType: "AGENT",
      runId: `run-${i % 100}`,
      traceId: `trace-${i % 50}`,
      spanId: "root",
      source: i % 3 === 0 ? "TEST" : "LIVE",
      score: i / SCORES,
      scorer: { id: `scorer-${i % 4}` },
      entity: { id: `agent-${i % 8}` },
      output: { text: `answer ${i}` },
    } as SaveScorePayload);
  }
  const page = { page: 0, perPage: 20 };
  const cases: [string, () => ReturnType<typeof scores.listScoresByRunId>, number, boolean][] = [
    ["by scorer", () => scores.listScoresByScorerId({ scorerId: "scorer-1", pagination: page }), 500, false],
    [
      "by scorer, last page",
      () => scores.listScoresByScorerId({ scorerId: "scorer-1", pagination: { page: 24, perPage: 20 } }),
      500,
      false,
    ],
    [
      "by scorer + entity",
      () => scores.listScoresByScorerId({ scorerId: "scorer-1", entityId: "agent-1", pagination: page }),
      250,
      false,
    ],
    [
      "by scorer + entity + source (counting)",
      () =>
        scores.listScoresByScorerId({ scorerId: "scorer-1", entityId: "agent-1", source: "TEST", pagination: page }),
      83, // i = 9 mod 24 below 2,000
      true,
    ],
    ["by run", () => scores.listScoresByRunId({ runId: "run-7", pagination: page }), 20, false],
    [
      "by entity",
      () => scores.listScoresByEntityId({ entityId: "agent-3", entityType: "AGENT", pagination: page }),
      250,
      false,
    ],
    ["by span", () => scores.listScoresBySpan({ traceId: "trace-9", spanId: "root", pagination: page }), 40, false],
  ];
  const table: Record<string, unknown>[] = [];
  for (const [name, run, total, counting] of cases) {
    const { result, usage } = await measure(run);
    assert.equal(result.pagination.total, total, name);
    assert.equal(result.scores.length, 20, name);
    table.push({ case: name, rows: result.scores.length, total, documentsRead: usage.documentsRead });
    // A page: its rows, the tree path, and at most PENDING_CAP pending rank changes of that tree not yet folded.
    if (!counting) assert.ok(usage.documentsRead <= 22 + PENDING_CAP, `${name}: ${usage.documentsRead}`);
    else assert.ok(usage.documentsRead <= 251, `${name}: ${usage.documentsRead}`);
  }
  console.table(table);
});
