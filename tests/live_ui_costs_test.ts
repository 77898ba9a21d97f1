/**
 * The live UI's reads stay bounded: the benchmark's rows (`tasks/bench/liveUi.ts`)
 * at a small size, where a read that walked the thread, the tasks or the runs
 * would exceed these counts (the data holds 300 of each).
 */
import assert from "node:assert/strict";
import { liveUiRows } from "../tasks/bench/liveUi.ts";

Deno.test("live UI reads: documents per page and per subscription update do not depend on the data's size", async () => {
  const rows = Object.fromEntries(await liveUiRows(300));
  assert.deepEqual(rows, {
    "messages, newest page (20)": { read: 21, ranges: 3 },
    "messages, next page back (20)": { read: 21, ranges: 3 },
    "messages, subscription update (1 new)": { read: 22, ranges: 3 },
    "threads, newest page (20)": { read: 20, ranges: 1 },
    "activity (20 tasks, 10 waiting runs)": { read: 81, ranges: 6 },
    "workingMemory": { read: 2, ranges: 2 },
  });
});
