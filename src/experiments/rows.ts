/**
 * Conversions between Mastra's experiments and results and the rows our
 * Convex functions store (see `convex/experiments/validators.ts`).
 */
import type { Experiment, ExperimentResult } from "../coreTypes.ts";
import type { ExperimentRow, ResultRow } from "../../convex/experiments/validators.ts";
import { decodeValue, toDate } from "../kit/codec.ts";

/** Converts a stored experiment to Mastra's. */
export function rowToExperiment(row: ExperimentRow): Experiment {
  return decodeValue(row.data) as Experiment;
}

/** The user values a result keeps in `data`. */
export type ResultData = {
  input: unknown;
  output: unknown;
  groundTruth: unknown;
  metadata: Record<string, unknown> | null;
  error: ExperimentResult["error"];
  toolMockReport: ExperimentResult["toolMockReport"];
};

/** Converts a stored result (with `data` resolved) to Mastra's. */
export function rowToResult(row: ResultRow): ExperimentResult {
  const data = decodeValue(row.data) as ResultData;
  return {
    id: row.id,
    experimentId: row.experimentId,
    itemId: row.itemId,
    itemDatasetVersion: row.itemDatasetVersion,
    input: data.input,
    output: data.output,
    groundTruth: data.groundTruth,
    metadata: data.metadata,
    error: data.error,
    startedAt: toDate(row.startedAt),
    completedAt: toDate(row.completedAt),
    retryCount: row.retryCount,
    attempt: row.attempt,
    traceId: row.traceId,
    status: row.status as ExperimentResult["status"],
    tags: row.tags,
    comment: row.comment,
    toolMockReport: data.toolMockReport,
    organizationId: row.organizationId,
    projectId: row.projectId,
    createdAt: toDate(row.createdAt),
  };
}
