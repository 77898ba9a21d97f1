/**
 * Wire shapes of the scores domain, shared by our Convex functions and the
 * client so the two sides cannot drift. The score itself travels encoded by
 * `codec.ts` in `data`; dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** A score as stored (without Convex's system fields). */
export const scoreValidator = v.object({
  id: v.string(),
  scorerId: v.string(),
  entityId: v.string(),
  entityType: v.optional(v.string()),
  runId: v.string(),
  source: v.optional(v.string()),
  traceId: v.optional(v.string()),
  spanId: v.optional(v.string()),
  /** The score's resource and thread, copied for erasure (absent on scores saved before they were kept). */
  resourceId: v.optional(v.string()),
  threadId: v.optional(v.string()),
  organizationId: v.optional(v.union(v.string(), v.null())),
  projectId: v.optional(v.union(v.string(), v.null())),
  createdAt: v.number(),
  updatedAt: v.number(),
  /** When the score was first saved; orders the lists Mastra returns in insertion order. */
  insertedAt: v.number(),
  /** The score without `id`, `createdAt` and `updatedAt`, encoded by `codec.ts` (or a blob reference). */
  data: v.string(),
});
/** A score as stored. */
export type ScoreRow = Infer<typeof scoreValidator>;

/** Validator of Mastra's tenancy filters on score lists. */
export const tenancyValidator = v.object({
  organizationId: v.optional(v.union(v.string(), v.null())),
  projectId: v.optional(v.union(v.string(), v.null())),
});
/** Mastra's tenancy filters on score lists (`undefined` means no filter). */
export type TenancyFilters = Infer<typeof tenancyValidator>;
