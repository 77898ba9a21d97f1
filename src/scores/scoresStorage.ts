/**
 * Mastra's scores domain on Convex. Each list has its own index and a
 * counter for its total; this class wires the operations to Mastra's
 * `ScoresStorage` contract.
 */
import type {
  ListScoresByEntityIdInput,
  ListScoresByRunIdInput,
  ListScoresByScorerIdInput,
  ListScoresBySpanInput,
  ListScoresResponse,
  SaveScorePayload,
  ScoreRowData,
} from "../coreTypes.ts";
import { ScoresStorage } from "@mastra/core/storage";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { getScoreById, listScores, saveScore } from "./scores.ts";
import { pruneDomain, retentionDescriptor } from "../lifecycle/prune.ts";
import type { RetentionTablesDescriptor } from "@mastra/core/storage";
import type { PruneOptions, PruneResult, TableRetentionPolicy } from "../coreTypes.ts";

/** Evaluation scores stored in Convex. */
export class ConvexScoresStorage extends ScoresStorage {
  readonly #ctx: DomainContext;

  /** Creates the scores domain over the transport and clock of `ctx`. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Tables `prune()` deletes from by age: scores (core's `scorers` key), by `createdAt`. */
  static override readonly retentionTables: RetentionTablesDescriptor = retentionDescriptor("scores", {
    scorers: "createdAt",
  });

  /** Deletes scores created before each policy's `maxAge` (the deployment's clock), in batches. */
  override prune(policies: Record<string, TableRetentionPolicy>, options?: PruneOptions): Promise<PruneResult[]> {
    return pruneDomain(this.#ctx, "scores", policies, options);
  }

  /** Deletes every score. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, ["scores"], ["scores:"]);
  }

  /** Reads one score, or `null`. */
  override getScoreById(args: { id: string }): Promise<ScoreRowData | null> {
    return getScoreById(this.#ctx, args);
  }

  /** Inserts or replaces a score. */
  override saveScore(score: SaveScorePayload): Promise<{ score: ScoreRowData }> {
    return saveScore(this.#ctx, score);
  }

  /** Scores of a scorer (optionally of an entity id, entity type and source), newest first. */
  override listScoresByScorerId(
    { scorerId, pagination, entityId, entityType, source, filters }: ListScoresByScorerIdInput,
  ): Promise<ListScoresResponse> {
    return listScores(
      this.#ctx,
      "listScoresByScorerId",
      {
        kind: "scorer",
        scorerId,
        // Like core, empty strings mean "no filter".
        ...(entityId ? { entityId } : {}),
        ...(entityType ? { entityType } : {}),
        ...(source ? { source } : {}),
      },
      pagination,
      filters,
    );
  }

  /** Scores of a run, in the order they were first saved. */
  override listScoresByRunId({ runId, pagination, filters }: ListScoresByRunIdInput): Promise<ListScoresResponse> {
    return listScores(this.#ctx, "listScoresByRunId", { kind: "run", runId }, pagination, filters);
  }

  /** Scores of an entity (id and type), in the order they were first saved. */
  override listScoresByEntityId(
    { entityId, entityType, pagination, filters }: ListScoresByEntityIdInput,
  ): Promise<ListScoresResponse> {
    return listScores(this.#ctx, "listScoresByEntityId", { kind: "entity", entityId, entityType }, pagination, filters);
  }

  /** Scores of a span, newest first. */
  override listScoresBySpan(
    { traceId, spanId, pagination, filters }: ListScoresBySpanInput,
  ): Promise<ListScoresResponse> {
    return listScores(this.#ctx, "listScoresBySpan", { kind: "span", traceId, spanId }, pagination, filters);
  }
}
