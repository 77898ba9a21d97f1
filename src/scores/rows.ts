/**
 * Conversions between Mastra's scores and the rows our Convex functions
 * store (see `convex/scores/validators.ts`).
 */
import type { ScoreRowData } from "../coreTypes.ts";
import type { ScoreRow } from "../../convex/scores/validators.ts";
import { decodeValue, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import { InvalidInputError } from "../kit/errors.ts";
import { describeValue, requireId, requireKey, requireRecord } from "../kit/validate.ts";

/** Arguments of `scores:save` (the stored row before the server adds its dates). */
export type ScoreSaveArgs = Omit<ScoreRow, "createdAt" | "updatedAt" | "insertedAt"> & { createdAt?: number };

function optionalTenant(value: unknown, name: string): string | null | undefined {
  if (value === undefined || value === null || typeof value === "string") return value;
  throw new InvalidInputError(`${name} must be a string or null, got ${describeValue(value)}`);
}

/**
 * Checks a score and converts it to the arguments of `scores:save`: the
 * indexed fields as columns, everything else (the whole score but `id`
 * and the dates) encoded in `data`. A score without id gets a random UUID.
 */
export function scoreToArgs(input: unknown): ScoreSaveArgs {
  const score = requireRecord(input, "score");
  const { id, createdAt, updatedAt: _updatedAt, ...rest } = score;
  const args: ScoreSaveArgs = {
    id: id === undefined ? crypto.randomUUID() : requireId(id, "score.id"),
    scorerId: requireKey(score.scorerId, "score.scorerId"),
    entityId: requireKey(score.entityId, "score.entityId"),
    runId: requireKey(score.runId, "score.runId"),
    data: encodeValue(rest),
  };
  const optional = ["entityType", "source", "traceId", "spanId"] as const;
  for (const key of optional) {
    // Indexed fields: bounded like ids.
    const value = score[key] === undefined ? undefined : requireKey(score[key], `score.${key}`);
    if (value !== undefined) args[key] = value;
  }
  // Copied for erasure when they are strings (the score keeps whatever it holds in `data` either way).
  for (const key of ["resourceId", "threadId"] as const) {
    if (typeof score[key] === "string") args[key] = requireKey(score[key], `score.${key}`);
  }
  const organizationId = optionalTenant(score.organizationId, "score.organizationId");
  if (organizationId !== undefined) args.organizationId = organizationId;
  const projectId = optionalTenant(score.projectId, "score.projectId");
  if (projectId !== undefined) args.projectId = projectId;
  if (createdAt !== undefined && createdAt !== null) args.createdAt = toMillis(createdAt, "score.createdAt");
  return args;
}

/** Converts a stored row back to Mastra's score shape. */
export function rowToScore(row: ScoreRow): ScoreRowData {
  return {
    ...(decodeValue(row.data) as Omit<ScoreRowData, "id" | "createdAt" | "updatedAt">),
    id: row.id,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  } as ScoreRowData;
}
