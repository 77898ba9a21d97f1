/**
 * Row shape of observational memory (see `memory/observationalMemory.ts`),
 * imported by both sides.
 *
 * A record of Mastra's `ObservationalMemoryRecord` is stored as one row: the
 * fields Convex indexes as plain values, the growing texts (observations,
 * buffered chunks, observed message ids) each as a stored field (an encoded
 * value, or a `~blob:` reference when large, see `kit/blobs.ts`), and every
 * other field encoded together in `rest`.
 */
import { type Infer, v } from "convex/values";

/**
 * Fields of a record that grow with the conversation; each is stored on its
 * own, out of line when large. Every other field lives in `rest`.
 */
export const OM_LARGE_FIELDS = [
  "activeObservations",
  "bufferedObservationChunks",
  "bufferedReflection",
  "observedMessageIds",
  "bufferedObservations",
  "bufferedMessageIds",
] as const;

/** Name of one of {@link OM_LARGE_FIELDS}. */
export type OmLargeField = typeof OM_LARGE_FIELDS[number];

/** An observational memory record as stored. */
export const observationalMemoryValidator = v.object({
  /** Mastra's record id. */
  id: v.string(),
  /** `thread:<threadId>`, or `resource:<resourceId>` for resource-scoped records (as core's in-memory store keys them). */
  key: v.string(),
  /** Position in the key's list of generations: ascending is newest first (the order core's store keeps). */
  rank: v.number(),
  threadId: v.union(v.string(), v.null()),
  resourceId: v.string(),
  generationCount: v.number(),
  /** Epoch ms of the record's `createdAt` (`NaN`-free; history's `from`/`to` compare it). */
  createdAt: v.number(),
  /** Every field except the large ones, encoded by the codec. */
  rest: v.string(),
  activeObservations: v.optional(v.string()),
  bufferedObservationChunks: v.optional(v.string()),
  bufferedReflection: v.optional(v.string()),
  observedMessageIds: v.optional(v.string()),
  bufferedObservations: v.optional(v.string()),
  bufferedMessageIds: v.optional(v.string()),
});
/** An observational memory record as stored. */
export type ObservationalMemoryRow = Infer<typeof observationalMemoryValidator>;

/** The list key of a record, as core's in-memory store computes it (a falsy thread id means resource scope). */
export function omKey(threadId: string | null | undefined, resourceId: string): string {
  return threadId ? `thread:${threadId}` : `resource:${resourceId}`;
}

/** What a function returns for a record it wrote: its row, and the encoded values when they are small enough. */
export type ReturnedRecord = { row: ObservationalMemoryRow; values?: Partial<Record<OmLargeField | "rest", string>> };
