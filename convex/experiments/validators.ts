/**
 * Wire shapes of the experiments domain, shared by our Convex functions and
 * the client so the two sides cannot drift. An experiment is stored encoded
 * whole in `data`; a result's user values (input, output, ground truth,
 * metadata, error, tool-mock report) travel encoded in `data` (a blob
 * reference when large); dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

const nullableString = v.union(v.string(), v.null());

/** Experiment statuses in the order core sorts them (alphabetical). */
export const EXPERIMENT_STATUSES = ["completed", "failed", "pending", "running"] as const;

/** An experiment as stored (without Convex's system fields). */
export const experimentValidator = v.object({
  id: v.string(),
  datasetId: nullableString,
  status: v.string(),
  /** Position of `status` in {@link EXPERIMENT_STATUSES}, and its negation (ties by ascending id either way). */
  statusRank: v.number(),
  statusDesc: v.number(),
  targetType: nullableString,
  targetId: nullableString,
  agentVersion: nullableString,
  experimentSetId: nullableString,
  comparisonId: nullableString,
  variantId: nullableString,
  trialIndex: v.union(v.number(), v.null()),
  organizationId: nullableString,
  projectId: nullableString,
  createdAt: v.number(),
  createdDesc: v.number(),
  /** When the experiment completed (epoch ms); absent while in flight (retention anchor, never pruned then). */
  completedAt: v.optional(v.number()),
  /** The whole experiment as core's in-memory store keeps it, encoded. */
  data: v.string(),
  /** Set while a delete runs in steps: the experiment and its results read as absent. */
  deleting: v.optional(v.boolean()),
});
/** An experiment as stored. */
export type ExperimentRow = Infer<typeof experimentValidator>;

/** The fields of a result the client sends (the server adds `id` when new, the dates it keeps and the sort columns). */
const resultInputFields = {
  experimentId: v.string(),
  itemId: v.string(),
  attempt: v.number(),
  itemDatasetVersion: v.union(v.number(), v.null()),
  status: nullableString,
  traceId: nullableString,
  tags: v.union(v.array(v.string()), v.null()),
  retryCount: v.number(),
  organizationId: nullableString,
  projectId: nullableString,
  startedAt: v.number(),
  completedAt: v.number(),
  /** `{ input, output, groundTruth, metadata, error, toolMockReport }` encoded, or a blob reference. */
  data: v.string(),
};

/** An experiment result as stored. */
export const resultValidator = v.object({
  ...resultInputFields,
  id: v.string(),
  comment: nullableString,
  createdAt: v.number(),
  /** `-startedAt` / `-createdAt`: newest first with ties by ascending id, as core orders. */
  startedDesc: v.number(),
  createdDesc: v.number(),
  /** The purge metadata (encoded) once the result's item was purged. */
  purged: v.optional(v.string()),
  /**
   * The generation of the experiment's results this row belongs to; rows
   * of an older generation than the current one were deleted at once by
   * `deleteExperimentResults` and are reclaimed in bounded steps.
   */
  generation: v.number(),
});
/** An experiment result as stored. */
export type ResultRow = Infer<typeof resultValidator>;

/**
 * The result generations of one experiment: `current` is the generation of
 * its live results (0 when no record exists); rows and rank trees of
 * generations `reclaimed` .. `current - 1` are garbage still to reclaim.
 */
export const resultGenerationValidator = v.object({
  experimentId: v.string(),
  current: v.number(),
  reclaimed: v.number(),
});
/** The result generations of one experiment. */
export type ResultGeneration = Infer<typeof resultGenerationValidator>;

/** A result as the client sends it. */
export const resultInputValidator = v.object(resultInputFields);
/** A result as the client sends it. */
export type ResultInput = Infer<typeof resultInputValidator>;

/** Mastra's tenancy filters and their check: the same for experiments and results as for datasets. */
export { matchesTenancy, type Tenancy, tenancyValidator } from "../datasets/validators.js";

/** Per-experiment review counts, as `getReviewSummary` answers. */
export type ReviewCounts = {
  experimentId: string;
  total: number;
  needsReview: number;
  reviewed: number;
  complete: number;
};
