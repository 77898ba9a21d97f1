/**
 * Wire shapes of Mastra's blobs domain: content-addressed file contents
 * (skill versions' files), keyed by their SHA-256 hash. The content is
 * codec text (`kit/codec.ts`), or a large-value reference (`kit/blobs.ts`)
 * when it does not fit a row, so contents of any size round-trip.
 */
import { type Infer, v } from "convex/values";

/** A stored blob (without Convex's system fields). */
export const contentBlobValidator = v.object({
  hash: v.string(),
  /** Codec text of the content, or a large-value reference. */
  content: v.string(),
  size: v.number(),
  mimeType: v.optional(v.string()),
  createdAt: v.number(),
});
/** A stored blob. */
export type ContentBlobRow = Infer<typeof contentBlobValidator>;
