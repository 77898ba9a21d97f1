/**
 * Smoke test of the trace-explorer bench (`tasks/bench/traceQuery.ts`) at a small size:
 * it seeds, runs every call, serves each the way its row says, and no answer from the
 * dictionary differs from the walk's.
 */
import assert from "node:assert/strict";
import { traceQueryBenchTable } from "../../tasks/bench/traceQuery.ts";

Deno.test("the trace-explorer bench runs and its dictionary answers equal the walk's", async () => {
  const table = await traceQueryBenchTable([300], () => {});
  assert.ok(!table.includes("WRONG"), table);
  const rows = table.split("\n").filter((line) => line.startsWith("| ") && !line.startsWith("| call"));
  assert.equal(rows.length, 25);
  for (const row of rows) {
    const [name, route] = row.split("|").slice(1, 3).map((cell) => cell.trim());
    if (name.startsWith("observed fields") || (name.startsWith("values:") && !name.includes("spans."))) {
      assert.equal(route, name.includes("walk forced") ? "walk" : "dictionary", row);
    }
  }
});
