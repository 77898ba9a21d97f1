/**
 * Tables of Mastra's experiments domain. Every sorted index ends with `id`
 * so ordering is total; descending orders use the negated columns so ties
 * stay by ascending id, as core orders them.
 */
import { defineTable } from "convex/server";
import { experimentValidator, resultValidator } from "./validators.js";

/** Experiments-domain tables, to be spread into a schema. */
export const experimentTables = {
  experiments: defineTable(experimentValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_createdDesc", ["createdDesc", "id"])
    .index("by_statusRank", ["statusRank", "id"])
    .index("by_statusDesc", ["statusDesc", "id"])
    .index("by_dataset_createdAt", ["datasetId", "createdAt", "id"])
    .index("by_dataset_createdDesc", ["datasetId", "createdDesc", "id"]),
  experiment_results: defineTable(resultValidator)
    .index("by_mastra_id", ["id"])
    .index("by_key", ["experimentId", "itemId", "attempt"])
    .index("by_item", ["itemId"])
    .index("by_experiment_startedAt", ["experimentId", "startedAt", "id"])
    .index("by_experiment_startedDesc", ["experimentId", "startedDesc", "id"])
    .index("by_experiment_createdAt", ["experimentId", "createdAt", "id"])
    .index("by_experiment_createdDesc", ["experimentId", "createdDesc", "id"]),
};
