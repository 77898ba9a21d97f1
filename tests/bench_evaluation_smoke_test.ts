/**
 * Keeps the datasets and experiments benchmark rows (`tasks/bench/evaluation.ts`)
 * from rotting: runs them at size 200 (each measured call checks its own
 * answer) and checks that every page row reads within k + 4·log2 N
 * documents in one round trip, pages at a past version included (searches
 * within the candidates and history they read), and that the table renders.
 */
import assert from "node:assert/strict";
import { renderEvaluationTable, runEvaluationBench } from "../tasks/bench/evaluation.ts";

Deno.test("bench:evaluation runs at size 200 within its document budget", async () => {
  const rows = await runEvaluationBench([200], () => {});
  assert.equal(rows.length, 12);
  for (const row of rows) {
    if (/search/.test(row.call)) {
      // Searches: the index read or history walk (at most the candidates plus the history), the page.
      assert.ok(row.read <= 2 * row.n + row.k + 8, `${row.call}: ${row.read} documents read`);
      assert.ok(row.trips <= 3, `${row.call}: ${row.trips} round trips`);
      continue;
    }
    assert.ok(row.read <= row.k + 4 * Math.log2(row.n), `${row.call}: ${row.read} documents read`);
    assert.equal(row.trips, 1, row.call);
  }
  assert.match(renderEvaluationTable(rows, [200]), /getReviewSummary/);
});
