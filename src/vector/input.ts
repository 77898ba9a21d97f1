/**
 * Client-side checks and encodings of the vector store's inputs: vectors,
 * ids, metadata and filters are checked before anything is sent, so bad
 * input fails with a clear error and writes nothing.
 */
import { InvalidInputError } from "../kit/errors.ts";
import { requireId } from "../kit/validate.ts";
import { checkFilterDepth, FilterError, validateFilter } from "../../convex/vector/filter.ts";
import { UNIT_TOLERANCE } from "../../convex/vector/store.ts";
import { type Metric, widthFor } from "../../convex/vector/validators.ts";

/** Throws unless `name` is a non-empty string of at most 1,024 UTF-8 bytes (it is an index key). */
export function checkIndexName(name: unknown): asserts name is string {
  if (typeof name !== "string" || name.length === 0) {
    throw new InvalidInputError(`indexName must be a non-empty string, got ${JSON.stringify(name) ?? String(name)}`);
  }
  requireId(name, "indexName");
}

/** Throws unless `id` is a non-empty string of at most 1,024 UTF-8 bytes (it is an index key). */
export function checkVectorId(id: unknown, what: string): asserts id is string {
  if (typeof id !== "string" || id.length === 0) throw new InvalidInputError(`${what}: ids must be non-empty strings`);
  requireId(id, `${what} id`);
}

/** Throws unless `metric` is one of Mastra's metrics. */
export function checkMetric(metric: unknown): asserts metric is Metric {
  if (metric !== "cosine" && metric !== "euclidean" && metric !== "dotproduct") {
    throw new InvalidInputError(`metric must be "cosine", "euclidean" or "dotproduct", got ${JSON.stringify(metric)}`);
  }
}

/** Throws unless `vector` is a non-empty array of finite numbers (and not all zeros). */
export function checkVector(vector: unknown, what: string): asserts vector is number[] {
  if (!Array.isArray(vector) || vector.length === 0) {
    throw new InvalidInputError(`${what} must be a non-empty array of numbers`);
  }
  let zero = true;
  for (let i = 0; i < vector.length; i++) {
    const x = vector[i];
    if (typeof x !== "number" || !Number.isFinite(x)) {
      throw new InvalidInputError(`${what} has a non-finite component at position ${i} (${String(x)})`);
    }
    if (x !== 0) zero = false;
  }
  if (zero) throw new InvalidInputError(`${what} is all zeros: it has no direction to compare`);
  if (widthFor(vector.length) === undefined) {
    throw new InvalidInputError(`${what} has ${vector.length} dimensions; Convex vector search takes 2 to 4096`);
  }
}

/** Throws when a vector of a euclidean or dot-product index is not of unit length. */
export function checkUnitLength(vector: number[], metric: Metric, what: string): void {
  if (metric === "cosine") return;
  const length = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  if (Math.abs(length - 1) > UNIT_TOLERANCE) {
    throw new InvalidInputError(
      `${what} has length ${length}; ${metric} indexes rank exactly only unit-length vectors here ` +
        "(Convex's vector search ranks by cosine). Normalise your vectors, or use the cosine metric",
    );
  }
}

/**
 * Throws unless `topK` is a positive integer. A similarity search answers at
 * most {@link MAX_SEARCH_RESULTS} (Convex's vector search limit); a larger
 * `topK` is valid and gets the nearest ones (see `ConvexVector.query`).
 */
export function checkTopK(topK: unknown): asserts topK is number {
  if (typeof topK !== "number" || !Number.isInteger(topK) || topK < 1) {
    throw new InvalidInputError(`topK must be a positive integer, got ${String(topK)}`);
  }
}

/** Metadata as the JSON text we store; throws unless it is a plain JSON object. */
export function encodeMetadata(metadata: unknown, what: string): string {
  if (metadata === undefined || metadata === null) return "{}";
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw new InvalidInputError(
      `${what}: metadata must be an object, got ${Array.isArray(metadata) ? "an array" : typeof metadata}`,
    );
  }
  try {
    return JSON.stringify(metadata);
  } catch (error) {
    throw new InvalidInputError(`${what}: metadata is not JSON-serialisable (${(error as Error).message})`);
  }
}

/** Regex flags our evaluator accepts (`g` and `y` change nothing for a match test). */
function regexFlags(regex: RegExp): string {
  return regex.flags.replace(/[gyd]/g, "");
}

function regexCondition(regex: RegExp): Record<string, string> {
  const flags = regexFlags(regex);
  return flags ? { $regex: regex.source, $options: flags } : { $regex: regex.source };
}

function normalize(value: unknown, key: string | undefined): unknown {
  if (value instanceof Date) return value.toISOString();
  if (value instanceof RegExp) return key === "$regex" ? value.source : regexCondition(value);
  if (Array.isArray(value)) return value.map((item) => normalize(item, undefined));
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(value)) {
      if (item === undefined) continue;
      out[k] = normalize(item, k);
      if (k === "$regex" && item instanceof RegExp && regexFlags(item) && !("$options" in value)) {
        out.$options = regexFlags(item);
      }
    }
    return out;
  }
  return value;
}

/**
 * A Mastra filter as the JSON text our functions take (dates as ISO strings,
 * regular expressions as `$regex`/`$options`), or `undefined` for no filter.
 * Throws naming the problem when the filter is malformed.
 */
export function encodeFilter(filter: unknown): string | undefined {
  if (filter === undefined || filter === null) return undefined;
  let normalized: unknown;
  try {
    checkFilterDepth(filter); // before anything recurses into it
    normalized = normalize(filter, undefined);
    validateFilter(normalized);
  } catch (error) {
    if (error instanceof FilterError) throw new InvalidInputError(`invalid filter: ${error.message}`);
    throw error;
  }
  return Object.keys(normalized as object).length === 0 ? undefined : JSON.stringify(normalized);
}
