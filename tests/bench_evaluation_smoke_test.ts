/**
 * Keeps the datasets and experiments benchmark rows (`tasks/bench/evaluation.ts`)
 * from rotting: runs them at size 200 (each measured call checks its own
 * answer) and checks that every row reads within k + 4·log2 N documents in
 * one round trip, and that the table renders.
 */
import assert from "node:assert/strict";
import { renderEvaluationTable, runEvaluationBench } from "../tasks/bench/evaluation.ts";

Deno.test("bench:evaluation runs at size 200 within its document budget", async () => {
  const rows = await runEvaluationBench([200], () => {});
  assert.equal(rows.length, 7);
  for (const row of rows) {
    assert.ok(row.read <= row.k + 4 * Math.log2(row.n), `${row.call}: ${row.read} documents read`);
    assert.equal(row.trips, 1, row.call);
  }
  assert.match(renderEvaluationTable(rows, [200]), /getReviewSummary/);
});
