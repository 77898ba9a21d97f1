/**
 * Keeps `deno task bench` from rotting: runs it at a tiny size (both stores,
 * without the 10,000-message save) and checks that every call of ours gives
 * the right answer and the tables render. It never asserts timings or
 * document counts; the benchmark reports them.
 */
import assert from "node:assert/strict";
import { LEGEND, renderFlatness, renderMisses, renderTables, renderWrites } from "../tasks/bench/report.ts";
import { runBench } from "../tasks/bench/run.ts";
import type { WriteRow } from "../tasks/bench/writes.ts";

Deno.test({
  name: "bench runs at a tiny size on both stores",
  // The official client's fetch keeps connections alive past the server's close.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const writes: WriteRow[] = [];
    const rows = await runBench({ sizes: [200, 400], quick: true, log: () => {}, writes });
    assert.ok(rows.length > 0);
    for (const row of rows) {
      if (row.workload.slow) {
        assert.equal(row.ours.status, "skipped");
        continue;
      }
      assert.equal(row.ours.status, "ok", `${row.workload.name} at ${row.size}: ${JSON.stringify(row.ours)}`);
      assert.ok(row.official, row.workload.name);
      // The official store has no observability domain: its trace rows are skipped.
      if (row.workload.needs !== "observability") assert.notEqual(row.official.status, "skipped", row.workload.name);
    }
    assert.ok(writes.length > 0);
    for (const w of writes) {
      assert.equal(w.ours.status, "ok", `${w.op.name} at ${w.size}: ${JSON.stringify(w.ours)}`);
      if (w.ours.status === "ok") assert.ok(w.ours.written > 0, w.op.name);
    }
    const text = [
      LEGEND,
      renderTables(rows, true),
      renderWrites(writes, true),
      renderMisses(rows, writes),
      renderFlatness(rows),
    ].join("\n");
    assert.match(text, /N = 200 rows per table/);
    assert.match(text, /N = 400 rows per table/);
    assert.match(text, /listMessages of one thread \(first page\)/);
    assert.match(text, /Writes at N = 200/);
    assert.match(text, /read <= \d+, 1 trip/);
  },
});
