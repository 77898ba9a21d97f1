/**
 * Keeps `deno task bench:domains` from rotting: runs it at size 50 on both
 * stores. Each measured call checks its own answer against the seeded data
 * (the bench throws otherwise); here we check that every row was measured
 * on both stores and that the table renders. No timings or document counts
 * are asserted, except that our running counts read the roots of the
 * `running` trees (one, or the 8 shards of the family across agents).
 */
import assert from "node:assert/strict";
import { renderDomainTable, runDomainBench } from "../tasks/bench/domains.ts";

Deno.test({
  name: "bench:domains runs at size 50 on both stores",
  // The official client's fetch keeps connections alive past the server's close, and our cache's expiry jobs are
  // timers of the in-process backend.
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const rows = await runDomainBench({ sizes: [50], official: true, reps: 1 });
    assert.equal(rows.length, 14);
    // Thread state, notifications and knowledge: the official store has none of these domains.
    const oursOnly = /^(getState|setState|listDueNotifications|knowledge)/;
    for (const row of rows) {
      assert.ok(row.ours, row.call);
      if (oursOnly.test(row.call)) assert.equal(row.official, "not supported", row.call);
      else assert.ok(row.official && row.official !== "not supported", row.call);
    }
    const due = rows.find((row) => row.call.startsWith("listDueNotifications"))!;
    assert.ok(due.ours!.read <= 20 && due.ours!.roundTrips === 1, "the due list reads what is due");
    const counts = rows.filter((row) => row.call.startsWith("getRunningCount"));
    assert.equal(counts.length, 2);
    // The coverage mark, then by agent the root of its `running` tree; across agents the roots of the family's 8 shards.
    for (const row of counts) {
      assert.ok(row.ours!.read <= (row.call.startsWith("getRunningCountByAgent") ? 2 : 9), row.call);
    }
    const text = renderDomainTable(rows, true);
    assert.match(text, /listDueSchedules/);
    assert.match(text, /listPushIndexed/);
  },
});
