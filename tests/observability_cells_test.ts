/**
 * Rollup cells (issue 17): the percentile sketch is exact up to
 * EXACT_LIMIT values and within RELATIVE_ACCURACY (1%) of core's
 * nearest-rank percentile beyond, however cells are merged, and forgets
 * removed events exactly.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  type CellStats,
  eventStats,
  EXACT_LIMIT,
  mergeStats,
  RELATIVE_ACCURACY,
  removeStats,
  sketchPercentile,
} from "../convex/observability/signals/cells.ts";

function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(Math.floor(p * sorted.length), sorted.length - 1)] ?? 0;
}

function build(values: number[], groups: number): CellStats {
  const parts: CellStats[] = [];
  values.forEach((value, i) => {
    const event = eventStats({ value }, i);
    const g = i % groups;
    parts[g] = parts[g] ? mergeStats(parts[g], event) : event;
  });
  return parts.filter(Boolean).reduce((a, b) => mergeStats(a, b));
}

const valueArb = fc.oneof(
  fc.integer({ min: -100_000, max: 100_000 }),
  fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  fc.constant(0),
).map((v) => (v === 0 ? 0 : v)); // -0 and 0 tie; their order is not meaningful

Deno.test("cells: percentiles exact while small, within 1% beyond, under any merge order", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.array(valueArb, { minLength: 1, maxLength: 50 }),
        fc.array(valueArb, { minLength: 150, maxLength: 700, size: "max" }),
      ),
      fc.integer({ min: 1, max: 9 }),
      fc.constantFrom(0, 0.25, 0.5, 0.9, 0.95, 0.99, 1),
      (values, groups, p) => {
        const cell = build(values, groups);
        assert.equal(cell.count, values.length);
        const exact = nearestRank(values, p);
        const got = sketchPercentile(cell.sketch, cell.count, p);
        if (values.length <= EXACT_LIMIT) assert.equal(got, exact);
        else assert.ok(Math.abs(got - exact) <= RELATIVE_ACCURACY * Math.abs(exact) + 1e-9, `${got} vs ${exact}`);
      },
    ),
    { numRuns: 300 },
  );
});

Deno.test("cells: removing events keeps count, sum and percentiles exact", () => {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 0, max: 5000 }), { minLength: 2, maxLength: 400, size: "max" }),
      fc.integer({ min: 1, max: 50 }),
      (values, removeCount) => {
        let cell = build(values, 1);
        const removed = values.slice(0, Math.min(removeCount, values.length - 1));
        removed.forEach((value, i) => (cell = removeStats(cell, eventStats({ value }, i))!));
        const kept = values.slice(removed.length);
        assert.equal(cell.count, kept.length);
        assert.equal(cell.sum, kept.reduce((a, b) => a + b, 0));
        for (const p of [0, 0.5, 0.95, 1]) {
          const exact = nearestRank(kept, p);
          const got = sketchPercentile(cell.sketch, cell.count, p);
          assert.ok(Math.abs(got - exact) <= RELATIVE_ACCURACY * Math.abs(exact) + 1e-9, `${got} vs ${exact}`);
        }
        if (!cell.stale) {
          assert.equal(cell.min, Math.min(...kept));
          assert.equal(cell.max, Math.max(...kept));
        }
      },
    ),
    { numRuns: 200 },
  );
});
