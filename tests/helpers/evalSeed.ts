/**
 * Fast seeding of experiment results for scale tests and the benchmark:
 * writes rows straight into the in-process backend's tables, with exactly
 * the rows, counters and rank-tree entries `experiments/results:upsert`
 * writes (one API call per result would take minutes on convex-test).
 * Result `i` is item `item-i`, started at `base + i` seconds, with status
 * needs-review / reviewed / complete / none in turn.
 */
import { adjustCounters } from "../../convex/kit/counters.ts";
import { RankBatch } from "../../convex/kit/rankTree.ts";
import { encodeValue } from "../../convex/kit/codec.ts";
import { experimentCounters, resultTreeEntries, reviewKinds } from "../../convex/experiments/counterNames.ts";
import type { ResultRow } from "../../convex/experiments/validators.ts";

/** The experiment seeded results belong to: an agent experiment of `totalItems` items without a dataset. */
export const seededExperiment = (id: string, totalItems: number): {
  id: string;
  datasetId: null;
  datasetVersion: null;
  targetType: "agent";
  targetId: string;
  totalItems: number;
} => ({
  id,
  datasetId: null,
  datasetVersion: null,
  targetType: "agent" as const,
  targetId: "a",
  totalItems,
});

/** The review status seeded result `i` has. */
export const seededStatus = (i: number): "needs-review" | "reviewed" | "complete" | null =>
  (["needs-review", "reviewed", "complete", null] as const)[i % 4];

/** Writes results `from` .. `to - 1` of `experimentId` (see the module doc), 2,000 per transaction. */
export async function seedResults(
  // deno-lint-ignore no-explicit-any
  backend: { run: (fn: (ctx: any) => Promise<unknown>) => Promise<unknown> },
  experimentId: string,
  from: number,
  to: number,
  base: number,
): Promise<void> {
  for (let start = from; start < to; start += 2000) {
    await backend.run(async (ctx) => {
      const ranks = new RankBatch();
      const deltas: [string, number][] = [];
      for (let i = start; i < Math.min(to, start + 2000); i++) {
        const startedAt = base + i * 1000;
        const row: ResultRow = {
          id: `result-${String(i).padStart(7, "0")}`,
          experimentId,
          itemId: `item-${i}`,
          attempt: 0,
          itemDatasetVersion: 1,
          status: seededStatus(i),
          traceId: null,
          tags: null,
          comment: null,
          retryCount: 0,
          organizationId: null,
          projectId: null,
          startedAt,
          completedAt: startedAt + 5,
          createdAt: base,
          startedDesc: -startedAt,
          createdDesc: -base,
          generation: 0,
          data: encodeValue({
            input: { i },
            output: { o: i },
            groundTruth: null,
            metadata: null,
            error: null,
            toolMockReport: null,
          }),
        };
        await ctx.db.insert("experiment_results", row);
        ranks.change([], resultTreeEntries(row));
        deltas.push([experimentCounters.results(experimentId), 1]);
        for (const kind of reviewKinds(row.status)) deltas.push([experimentCounters.review(experimentId, kind), 1]);
      }
      await ranks.apply(ctx);
      await adjustCounters(ctx, deltas);
    });
  }
}
