/**
 * Wire shapes and constants of the vector domain, shared by our Convex
 * functions and the client (`src/vector/`) so the two sides cannot drift.
 *
 * Vectors of every Mastra index live in a few shared tables, one per
 * supported width (`vectors_128` … `vectors_4096`). A Mastra index of
 * dimension `d` uses the narrowest table of width `w >= d`, its vectors
 * padded with zeros to `w` (zero padding leaves cosine similarity, dot
 * products and distances unchanged). The Mastra index name is a filter field
 * of each table's Convex vector index, so a new Mastra index needs no schema
 * change.
 */
import { type Infer, v } from "convex/values";

/** Widths of the vector tables (Convex vector indexes take 2–4096 dimensions). */
export const VECTOR_WIDTHS = [128, 256, 384, 512, 768, 1024, 1536, 2048, 3072, 4096] as const;

/** One supported table width. */
export type VectorWidth = typeof VECTOR_WIDTHS[number];

/** Smallest dimension Convex's vector search accepts. */
export const MIN_DIMENSION = 2;
/** Largest dimension Convex's vector search accepts. */
export const MAX_DIMENSION = 4096;

/** Name of the table holding vectors of width `width`. */
export function vectorTableName(width: VectorWidth): `vectors_${VectorWidth}` {
  return `vectors_${width}`;
}

/** The table width for an index of `dimension`, or `undefined` when none fits. */
export function widthFor(dimension: number): VectorWidth | undefined {
  if (!Number.isInteger(dimension) || dimension < MIN_DIMENSION || dimension > MAX_DIMENSION) return undefined;
  return VECTOR_WIDTHS.find((width) => width >= dimension);
}

/** Most results one Convex vector search returns. */
export const MAX_SEARCH_RESULTS = 256;

/**
 * Metadata keys whose equality filters are pushed down into Convex's vector
 * search (and into index-backed deletes), unless an index is created with
 * others. Mastra's Memory filters on these.
 */
export const DEFAULT_FILTER_KEYS: readonly string[] = ["resource_id", "thread_id"];

/** Most metadata keys an index can push down (one filter field each). */
export const MAX_FILTER_KEYS = 3;

/** Similarity metrics of Mastra indexes. */
export const metricValidator = v.union(v.literal("cosine"), v.literal("euclidean"), v.literal("dotproduct"));
/** A similarity metric. */
export type Metric = Infer<typeof metricValidator>;

/** A Mastra index as registered in `vector_indexes`. */
export const vectorIndexValidator = v.object({
  name: v.string(),
  dimension: v.number(),
  metric: metricValidator,
  /** Width of the table holding its vectors. */
  width: v.number(),
  /** Metadata keys pushed down, in slot order (`f0`, `f1`, `f2`). */
  filterKeys: v.array(v.string()),
  /** Set by `deleteIndex` until its last vector is gone. */
  deleting: v.boolean(),
  createdAt: v.number(),
});
/** A registered Mastra index. */
export type VectorIndexRow = Infer<typeof vectorIndexValidator>;

/** Fields of a row of a `vectors_<width>` table. */
export const vectorRowFields = {
  /** The Mastra index name. */
  index: v.string(),
  /** The vector's id within its index. */
  id: v.string(),
  /** The vector, zero-padded to the table's width. */
  vector: v.array(v.float64()),
  /** The metadata as JSON text (`{}` when none). */
  metadata: v.string(),
  /** Push-down slots: `<index>\u0000<JSON of metadata[filterKeys[i]]>` (or `…\u0000*` for arrays). */
  f0: v.optional(v.string()),
  f1: v.optional(v.string()),
  f2: v.optional(v.string()),
};
/** A stored vector row. */
export type VectorRow = {
  index: string;
  id: string;
  vector: number[];
  metadata: string;
  f0?: string;
  f1?: string;
  f2?: string;
};

/** Names of the push-down slot fields. */
export const SLOT_FIELDS = ["f0", "f1", "f2"] as const;

/** One vector of an upsert call. */
export const upsertItemValidator = v.object({
  id: v.string(),
  vector: v.array(v.float64()),
  /** Metadata as JSON text. */
  metadata: v.string(),
  /** Set by the client for ids it generated itself (random UUIDs): inserted without looking for an existing row. */
  fresh: v.optional(v.boolean()),
});
/** One vector of an upsert call. */
export type UpsertItem = Infer<typeof upsertItemValidator>;

/** One result of a query. */
export type VectorMatch = { id: string; score: number; metadata: string; vector?: number[] };

/** What a query reports besides its results. */
export type SearchStats = {
  /** Convex vector searches run. */
  searches: number;
  /** Candidate documents loaded (and checked against the filter). */
  candidates: number;
  /** True when the 256-candidate bound stopped the search before `topK` results passed the filter. */
  truncated: boolean;
  /** The filter field used inside the vector search (`index` or a slot). */
  pushdown: string;
};

/** A filter walk's position: the last id looked at, per index value walked. */
export const walkCursorValidator = v.object({ value: v.number(), after: v.optional(v.string()) });
/** A filter walk's position. */
export type WalkCursor = Infer<typeof walkCursorValidator>;
