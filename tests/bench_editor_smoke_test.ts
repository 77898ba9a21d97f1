/** The editor benchmark runs and checks its totals against the seeded data (tiny size). */
import assert from "node:assert/strict";
import { renderEditorBench } from "../tasks/bench/editor.ts";

Deno.test("editor bench renders its rows at a tiny size", async () => {
  const table = await renderEditorBench([60]);
  assert.match(table, /getByIdResolved \(published: active version\)\s+\|\s+2 \|\s+1 \|/);
  assert.match(table, /list by status \+ authorId, middle page\s+\|\s+\d+ \|\s+1 \|/);
  assert.match(table, /listVersions of one agent, middle page/);
});
