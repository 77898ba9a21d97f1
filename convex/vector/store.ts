/**
 * Helpers of the vector domain's functions: the registry lookup, table
 * access by width, padding and validation of vectors, push-down slots.
 */
import type { GenericDatabaseReader } from "convex/server";
import type { DataModel } from "../kit/functions.js";
import { storageError } from "../kit/errors.js";
import { type Filter, FilterError, parseFilter, slotValue } from "./filter.js";
import { SLOT_FIELDS, type VectorIndexRow, type VectorRow, vectorTableName, type VectorWidth } from "./validators.js";

/** Name of one of the vector tables. */
export type VectorTable = `vectors_${VectorWidth}`;

/** The table of an index. */
export function tableOf(info: VectorIndexRow): VectorTable {
  return vectorTableName(info.width as VectorWidth);
}

/** Reads the registry row of `name` (or `null`). */
export async function findIndex(
  db: GenericDatabaseReader<DataModel>,
  name: string,
): Promise<VectorIndexRow & { _id: string } | null> {
  const row = await db.query("vector_indexes").withIndex("by_name", (q) => q.eq("name", name)).unique();
  return row as (VectorIndexRow & { _id: string }) | null;
}

/** Reads the registry row of `name`; throws NOT_FOUND when it does not exist or is being deleted. */
export async function requireIndex(
  db: GenericDatabaseReader<DataModel>,
  name: string,
): Promise<VectorIndexRow & { _id: string }> {
  const info = await findIndex(db, name);
  if (!info) {
    throw storageError("NOT_FOUND", `vector index ${JSON.stringify(name)} does not exist (create it with createIndex)`);
  }
  if (info.deleting) {
    throw storageError(
      "NOT_FOUND",
      `vector index ${JSON.stringify(name)} is being deleted; call deleteIndex again to finish deleting it`,
    );
  }
  return info;
}

/** Relative tolerance on the length of vectors of euclidean and dot-product indexes. */
export const UNIT_TOLERANCE = 1e-4;

/**
 * Checks one vector against its index and returns it padded to the table
 * width; throws INVALID naming the vector.
 */
export function checkVector(info: VectorIndexRow, vector: number[], what: string): number[] {
  if (vector.length !== info.dimension) {
    throw storageError(
      "INVALID",
      `${what} has ${vector.length} dimensions; index ${JSON.stringify(info.name)} has ${info.dimension}`,
    );
  }
  let squared = 0;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw storageError("INVALID", `${what} has a non-finite component at position ${i} (${String(x)})`);
    }
    squared += x * x;
  }
  if (squared === 0) throw storageError("INVALID", `${what} is all zeros: it has no direction to compare`);
  if (info.metric !== "cosine" && Math.abs(Math.sqrt(squared) - 1) > UNIT_TOLERANCE) {
    throw storageError(
      "INVALID",
      `${what} has length ${Math.sqrt(squared)}; index ${JSON.stringify(info.name)} uses the ${info.metric} metric, ` +
        "which this store ranks exactly only for unit-length vectors (Convex's vector search ranks by cosine). " +
        "Normalise your vectors, or use the cosine metric",
    );
  }
  return pad(vector, info.width);
}

/** `vector` followed by zeros up to `width`. */
export function pad(vector: number[], width: number): number[] {
  if (vector.length === width) return vector;
  const padded = new Array<number>(width).fill(0);
  for (let i = 0; i < vector.length; i++) padded[i] = vector[i];
  return padded;
}

/** Parses metadata JSON text; throws INVALID when it is not a JSON object. */
export function parseMetadata(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw storageError("INVALID", `${what}: metadata is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw storageError("INVALID", `${what}: metadata must be an object`);
  }
  return value as Record<string, unknown>;
}

/** Parses a filter argument; throws INVALID naming the problem. */
export function parseFilterArg(text: string | undefined): Filter | undefined {
  if (text === undefined) return undefined;
  try {
    const filter = parseFilter(text);
    return Object.keys(filter).length === 0 ? undefined : filter;
  } catch (error) {
    if (error instanceof FilterError) throw storageError("INVALID", `invalid filter: ${error.message}`);
    throw error;
  }
}

/** The push-down slot fields of a row with `metadata` in index `info`. */
export function slotsOf(info: VectorIndexRow, metadata: unknown): Pick<VectorRow, "f0" | "f1" | "f2"> {
  const slots: Pick<VectorRow, "f0" | "f1" | "f2"> = {};
  info.filterKeys.forEach((key, i) => {
    const value = slotValue(info.name, metadata, key);
    if (value !== undefined) slots[SLOT_FIELDS[i]] = value;
  });
  return slots;
}

/** Approximate bytes of a stored row (what reading it costs against Convex's 16 MiB read limit). */
export function rowBytes(row: VectorRow): number {
  return row.vector.length * 8 + row.metadata.length + row.id.length + row.index.length + 200;
}
