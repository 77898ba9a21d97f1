/** The tables whose rows are kept in rank trees (`kit/rankTree.ts`), in rebuild order; shared with the client. */
export const RANKED_TABLES = [
  "threads",
  "messages",
  "workflow_runs",
  "scores",
  "evals",
  "traces",
  "background_tasks",
  "ai_traces",
  "ai_spans",
  "versioned_entities",
  "versioned_versions",
  "dataset_items",
  "experiment_results",
] as const;

/** A table whose rows are kept in rank trees. */
export type RankedTable = (typeof RANKED_TABLES)[number];
