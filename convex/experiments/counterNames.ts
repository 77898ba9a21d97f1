/** Names of the experiments domain's counters and rank trees (both live in the kit's tables). */
import type { TreeEntry } from "../kit/rankTree.js";

/** The review buckets of `getReviewSummary`, by result status. */
export const REVIEW_KINDS = ["total", "needsReview", "reviewed", "complete"] as const;
/** One review bucket. */
export type ReviewKind = (typeof REVIEW_KINDS)[number];

/** Prefix of every review counter (one range of the counters index holds the whole summary). */
export const REVIEW_PREFIX = "experiments:review:";

/** Counters of the experiments domain. */
export const experimentCounters = {
  /** Every experiment. */
  experiments: "experiments:all",
  /** Experiments of one dataset. */
  ofDataset: (datasetId: string): string => `experiments:dataset:${JSON.stringify(datasetId)}`,
  /** Results of one experiment. */
  results: (experimentId: string): string => `experiments:results:${JSON.stringify(experimentId)}`,
  /** One review bucket of one experiment's results. */
  review: (experimentId: string, kind: ReviewKind): string => `${REVIEW_PREFIX}${JSON.stringify(experimentId)}|${kind}`,
};

/** The review buckets a result with `status` counts in. */
export function reviewKinds(status: string | null): ReviewKind[] {
  if (status === "needs-review") return ["total", "needsReview"];
  if (status === "reviewed") return ["total", "reviewed"];
  if (status === "complete") return ["total", "complete"];
  return ["total"];
}

/** Every sort column of an experiment's results (one rank tree each). */
export const RESULT_SORT_FIELDS = ["startedAt", "startedDesc", "createdAt", "createdDesc"] as const;
/** A sort column of results. */
export type ResultSortField = (typeof RESULT_SORT_FIELDS)[number];

/** Name of the rank tree of an experiment's results of `generation` on sort column `field`. */
export function resultTree(experimentId: string, field: ResultSortField, generation: number): string {
  return `experiments:tree:${field}:${generation}:${JSON.stringify(experimentId)}`;
}

/** The rank-tree entries of a result: one per sort column. */
export function resultTreeEntries(
  row: {
    id: string;
    experimentId: string;
    startedAt: number;
    startedDesc: number;
    createdAt: number;
    createdDesc: number;
    generation: number;
  } | null,
): TreeEntry[] {
  if (!row) return [];
  return RESULT_SORT_FIELDS.map((field) => ({
    tree: resultTree(row.experimentId, field, row.generation),
    key: { value: row[field], id: row.id },
  }));
}
