/**
 * Tables of Mastra's datasets domain: datasets, the SCD-2 rows of their
 * items (one per item and version that changed it) and the version rows.
 * Every sorted index ends with `id` so ordering is total; descending orders
 * use the negated columns so ties stay by ascending id, as core orders them.
 */
import { defineTable } from "convex/server";
import { v } from "convex/values";
import { persistentRootValidator } from "../kit/persistentRankTree.js";
import { datasetValidator, itemRowValidator, versionValidator } from "./validators.js";

/** Datasets-domain tables, to be spread into a schema. */
export const datasetTables = {
  datasets: defineTable(datasetValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_createdDesc", ["createdDesc", "id"])
    .index("by_updatedAt", ["updatedAt", "id"])
    .index("by_updatedDesc", ["updatedDesc", "id"])
    .index("by_name", ["name", "id"]),
  dataset_items: defineTable(itemRowValidator)
    .index("by_item_version", ["id", "datasetVersion"])
    .index("by_dataset_version", ["datasetId", "datasetVersion", "id"])
    .index("by_dataset_external", ["datasetId", "externalId", "datasetVersion"])
    .index("by_current_createdAt", ["datasetId", "current", "createdAt", "id"])
    .index("by_current_createdDesc", ["datasetId", "current", "createdDesc", "id"])
    .index("by_current_updatedAt", ["datasetId", "current", "updatedAt", "id"])
    .index("by_current_updatedDesc", ["datasetId", "current", "updatedDesc", "id"])
    .index("by_search_partial", ["datasetId", "current", "searchPartial"])
    .searchIndex("search_tokens", { searchField: "searchTokens", filterFields: ["datasetId", "current"] }),
  dataset_versions: defineTable(versionValidator)
    .index("by_mastra_id", ["id"])
    .index("by_dataset_version", ["datasetId", "version", "id"]),
  /** The roots of each version's persistent item trees, one per list order (see `versionTrees.ts`). */
  dataset_version_trees: defineTable({
    datasetId: v.string(),
    version: v.number(),
    createdAt: persistentRootValidator,
    createdDesc: persistentRootValidator,
    updatedAt: persistentRootValidator,
    updatedDesc: persistentRootValidator,
  }).index("by_dataset_version", ["datasetId", "version"]),
};
