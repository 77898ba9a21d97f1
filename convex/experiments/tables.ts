/**
 * Tables of Mastra's experiments domain. Every sorted index ends with `id`
 * so ordering is total; descending orders use the negated columns so ties
 * stay by ascending id, as core orders them. Results are indexed within
 * their generation (see `experiment_result_generations`): only the current
 * generation of an experiment's results exists for readers.
 */
import { defineTable } from "convex/server";
import { experimentValidator, resultGenerationValidator, resultValidator } from "./validators.js";

/** Experiments-domain tables, to be spread into a schema. */
export const experimentTables = {
  experiments: defineTable(experimentValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_createdDesc", ["createdDesc", "id"])
    .index("by_statusRank", ["statusRank", "id"])
    .index("by_statusDesc", ["statusDesc", "id"])
    .index("by_dataset_createdAt", ["datasetId", "createdAt", "id"])
    .index("by_dataset_createdDesc", ["datasetId", "createdDesc", "id"])
    // Retention (`lifecycle/pruners.ts`): completed experiments, oldest first.
    .index("by_completedAt", ["completedAt", "id"]),
  experiment_results: defineTable(resultValidator)
    .index("by_mastra_id", ["id"])
    .index("by_key", ["experimentId", "generation", "itemId", "attempt"])
    .index("by_item", ["itemId"])
    .index("by_experiment_startedAt", ["experimentId", "generation", "startedAt", "id"])
    .index("by_experiment_startedDesc", ["experimentId", "generation", "startedDesc", "id"])
    .index("by_experiment_createdAt", ["experimentId", "generation", "createdAt", "id"])
    .index("by_experiment_createdDesc", ["experimentId", "generation", "createdDesc", "id"]),
  experiment_result_generations: defineTable(resultGenerationValidator).index("by_experiment", ["experimentId"]),
};
