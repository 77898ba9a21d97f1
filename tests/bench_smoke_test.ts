/**
 * Keeps `deno task bench` from rotting: runs it at a tiny size (both stores,
 * without the 10,000-message save) and checks that every call of ours gives
 * the right answer and the tables render. It never asserts timings or
 * document counts; the benchmark reports them.
 */
import assert from "node:assert/strict";
import { LEGEND, renderFlatness, renderMisses, renderTables } from "../tasks/bench/report.ts";
import { runBench } from "../tasks/bench/run.ts";

Deno.test({
  name: "bench runs at a tiny size on both stores",
  // The official client's fetch keeps connections alive past the server's close.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const rows = await runBench({ sizes: [200, 400], quick: true, log: () => {} });
    assert.ok(rows.length > 0);
    for (const row of rows) {
      if (row.workload.slow) {
        assert.equal(row.ours.status, "skipped");
        continue;
      }
      assert.equal(row.ours.status, "ok", `${row.workload.name} at ${row.size}: ${JSON.stringify(row.ours)}`);
      assert.ok(row.official, row.workload.name);
      assert.notEqual(row.official.status, "skipped", row.workload.name);
    }
    const text = [LEGEND, renderTables(rows, true), renderMisses(rows), renderFlatness(rows)].join("\n");
    assert.match(text, /N = 200 rows per table/);
    assert.match(text, /N = 400 rows per table/);
    assert.match(text, /listMessages first page/);
  },
});
