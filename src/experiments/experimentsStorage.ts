/**
 * Mastra's experiments domain on Convex: experiments, their results
 * (upserted on the natural key experiment, item, attempt) and the review
 * summary Studio polls, kept in counters.
 */
import type {
  AddExperimentResultInput,
  CreateExperimentInput,
  Experiment,
  ExperimentResult,
  ExperimentReviewCounts,
  ExperimentTenancyFilters,
  ListExperimentResultsInput,
  ListExperimentResultsOutput,
  ListExperimentsInput,
  ListExperimentsOutput,
  UpdateExperimentInput,
  UpdateExperimentResultInput,
  UpsertExperimentResultInput,
} from "../coreTypes.ts";
import { ExperimentsStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import {
  createExperiment,
  deleteExperiment,
  getExperiment,
  listExperiments,
  removeResults,
  updateExperiment,
} from "./experiments.ts";
import { getResult, listResults, reviewSummary, updateResult, writeResult } from "./results.ts";
import { withErrorContext } from "../kit/errors.ts";
import { requireString } from "../kit/validate.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Experiments and their results stored in Convex. */
export class ConvexExperimentsStorage extends ExperimentsStorage {
  readonly #ctx: DomainContext;

  /** Creates the experiments domain over the transport and clock of `ctx`. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /**
   * Tables `prune()` deletes from by age: experiments, each with all its
   * results, by `completedAt` (in-flight experiments are never pruned).
   */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("experiments", {
    experiments: "completedAt",
  });

  /** Deletes experiments (with their results) completed before each policy's `maxAge` (the deployment's clock). */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "experiments", policies, options);
  }

  /** Deletes every experiment and result. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["experiments", "experiment_results", "experiment_result_generations"], [
      "experiments:",
    ]);
  }

  /** Creates an experiment. */
  override createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    return createExperiment(this.#ctx, input);
  }

  /** Updates an experiment. */
  override updateExperiment(input: UpdateExperimentInput): Promise<Experiment> {
    return updateExperiment(this.#ctx, input);
  }

  /** Reads an experiment (`null` when absent or of another tenant). */
  override getExperimentById(args: { id: string; filters?: ExperimentTenancyFilters }): Promise<Experiment | null> {
    return getExperiment(this.#ctx, args?.id, args?.filters);
  }

  /** Lists experiments. */
  override listExperiments(args: ListExperimentsInput): Promise<ListExperimentsOutput> {
    return listExperiments(this.#ctx, args);
  }

  /** Deletes an experiment and its results (a no-op for another tenant). */
  override deleteExperiment(args: { id: string; filters?: ExperimentTenancyFilters }): Promise<void> {
    return deleteExperiment(this.#ctx, args?.id, args?.filters);
  }

  /** Adds a result (replacing one with the same id). */
  override addExperimentResult(input: AddExperimentResultInput): Promise<ExperimentResult> {
    return writeResult(this.#ctx, input, "add");
  }

  /** Inserts or replaces the result of (experiment, item, attempt), keeping its id, creation time and comment. */
  override upsertExperimentResult(input: UpsertExperimentResultInput): Promise<ExperimentResult> {
    return writeResult(this.#ctx, input as AddExperimentResultInput, "upsert");
  }

  /** Sets a result's review fields. */
  override updateExperimentResult(input: UpdateExperimentResultInput): Promise<ExperimentResult> {
    return updateResult(this.#ctx, input);
  }

  /** Reads a result (`null` when absent or of another tenant). */
  override getExperimentResultById(
    args: { id: string; filters?: ExperimentTenancyFilters },
  ): Promise<ExperimentResult | null> {
    return getResult(this.#ctx, args?.id, args?.filters);
  }

  /** Lists an experiment's results. */
  override listExperimentResults(args: ListExperimentResultsInput): Promise<ListExperimentResultsOutput> {
    return listResults(this.#ctx, args);
  }

  /** Deletes every result of an experiment (a no-op for another tenant). */
  override deleteExperimentResults(args: { experimentId: string; filters?: ExperimentTenancyFilters }): Promise<void> {
    const details = { experimentId: typeof args?.experimentId === "string" ? args.experimentId : null };
    return withErrorContext({ operation: "deleteExperimentResults", details }, () =>
      removeResults(
        this.#ctx,
        requireString(args?.experimentId, "experimentId"),
        args?.filters,
        "deleteExperimentResults",
      ));
  }

  /** Per-experiment review counts (total, needs review, reviewed, complete), from counters. */
  override getReviewSummary(): Promise<ExperimentReviewCounts[]> {
    return reviewSummary(this.#ctx);
  }
}
