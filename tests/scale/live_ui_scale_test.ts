/**
 * The live UI's reads at scale: with 100,000 messages in the thread,
 * 100,000 threads of the user, 100,000 tasks and 100,000 finished runs, each
 * app query reads exactly what it does at 300 rows (`tests/live_ui_costs_test.ts`):
 * bounded index ranges, within Convex's transaction limits (on in the backend).
 */
import assert from "node:assert/strict";
import { liveUiRows } from "../../tasks/bench/liveUi.ts";

Deno.test("live UI reads at 100,000 rows: the same documents per page and per subscription update", async () => {
  const rows = Object.fromEntries(await liveUiRows(100_000));
  assert.deepEqual(rows, {
    "messages, newest page (20)": { read: 21, ranges: 3 },
    "messages, next page back (20)": { read: 21, ranges: 3 },
    "messages, subscription update (1 new)": { read: 22, ranges: 3 },
    "threads, newest page (20)": { read: 20, ranges: 1 },
    "activity (20 tasks, 10 waiting runs)": { read: 81, ranges: 6 },
    "workingMemory": { read: 2, ranges: 2 },
  });
});
