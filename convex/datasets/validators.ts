/**
 * Wire shapes of the datasets domain, shared by our Convex functions and the
 * client so the two sides cannot drift. A dataset's own fields and an item's
 * payload travel encoded by `kit/codec.ts` (an item payload as a blob
 * reference when large); dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

const nullableString = v.union(v.string(), v.null());

/** A dataset as stored (without Convex's system fields). */
export const datasetValidator = v.object({
  id: v.string(),
  name: v.string(),
  organizationId: nullableString,
  projectId: nullableString,
  candidateKey: nullableString,
  candidateId: nullableString,
  targetType: nullableString,
  /** The dataset's targets (for the `targetIds` filter). */
  targetIds: v.array(v.string()),
  /** Current dataset version: bumped by exactly one by each item write. */
  version: v.number(),
  createdAt: v.number(),
  updatedAt: v.number(),
  /** `-createdAt` / `-updatedAt`: newest first with ties by ascending id, as core orders. */
  createdDesc: v.number(),
  updatedDesc: v.number(),
  /** The whole record as core's in-memory store keeps it, but `id`, `version` and the dates, encoded. */
  data: v.string(),
  /** Set while a delete runs in steps: the dataset and its items read as absent. */
  deleting: v.optional(v.boolean()),
  /**
   * Set by the first item write of a dataset: from then on every version has its persistent item trees
   * (`versionTrees.ts`). Datasets with items written before those trees existed lack it.
   */
  pastTrees: v.optional(v.boolean()),
});
/** A dataset as stored. */
export type DatasetRow = Infer<typeof datasetValidator>;

/** One SCD-2 row of an item: its state from `datasetVersion` until `validTo` (exclusive). */
export const itemRowValidator = v.object({
  /** The item's id (shared by every row of its history). */
  id: v.string(),
  datasetId: v.string(),
  datasetVersion: v.number(),
  validTo: v.union(v.number(), v.null()),
  isDeleted: v.boolean(),
  /** `validTo === null && !isDeleted`: the row lists and trees hold. */
  current: v.boolean(),
  externalId: nullableString,
  organizationId: nullableString,
  projectId: nullableString,
  createdAt: v.number(),
  updatedAt: v.number(),
  /** `-createdAt` / `-updatedAt`: newest first with ties by ascending id, as core orders. */
  createdDesc: v.number(),
  updatedDesc: v.number(),
  /** The payload (input, groundTruth, ...) encoded, or a blob reference when large. */
  data: v.string(),
  /** Digest of the canonical payload, compared when an `externalId` is inserted again. */
  digest: v.string(),
  /** Lower-cased searchable text (input, then NUL, then ground truth), as core's `search` reads it. */
  searchText: v.string(),
  /** Every suffix of every word of `searchText`, space-separated: what the search index holds (see `searchTokens.ts`). */
  searchTokens: v.string(),
  /** Set when `searchTokens` holds only part of the suffixes (a very long text): searches check the row anyway. */
  searchPartial: v.optional(v.boolean()),
  /** Set on every row of a purged item: the purge metadata, encoded (results of the item are scrubbed with it). */
  purged: v.optional(v.string()),
});
/** One SCD-2 row of an item. */
export type ItemRow = Infer<typeof itemRowValidator>;

/** A dataset version row. */
export const versionValidator = v.object({
  id: v.string(),
  datasetId: v.string(),
  version: v.number(),
  createdAt: v.number(),
  /** Position of the row among its dataset's version rows in insertion order (orders equal versions). */
  seq: v.number(),
});
/** A dataset version row. */
export type VersionRow = Infer<typeof versionValidator>;

/** Mastra's tenancy filters (`undefined` means no filter). */
export const tenancyValidator = v.object({
  organizationId: v.optional(v.string()),
  projectId: v.optional(v.string()),
});
/** Mastra's tenancy filters. */
export type Tenancy = Infer<typeof tenancyValidator>;

/** An item to insert, as the client prepares it. */
export const newItemValidator = v.object({
  /** Id for the item when it is inserted (client-generated, like core's). */
  id: v.string(),
  externalId: nullableString,
  data: v.string(),
  digest: v.string(),
  searchText: v.string(),
});
/** An item to insert. */
export type NewItem = Infer<typeof newItemValidator>;

/** The orders of an item list: column and direction. */
export const itemOrderValidator = v.object({
  field: v.union(v.literal("createdAt"), v.literal("updatedAt")),
  direction: v.union(v.literal("ASC"), v.literal("DESC")),
});
/** An order of an item list. */
export type ItemOrder = Infer<typeof itemOrderValidator>;

/** Whether a row's tenancy matches Mastra's filters. */
export function matchesTenancy(
  row: { organizationId: string | null; projectId: string | null },
  filters: Tenancy | undefined,
): boolean {
  if (!filters) return true;
  if (filters.organizationId !== undefined && row.organizationId !== filters.organizationId) return false;
  if (filters.projectId !== undefined && row.projectId !== filters.projectId) return false;
  return true;
}
