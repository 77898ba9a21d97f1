/**
 * The tables our Convex functions use, all prefixed `mastra_` so they never
 * collide with a user's own tables.
 *
 * In your own `convex/schema.ts`:
 *
 * ```ts
 * import { defineSchema } from "convex/server";
 * import { mastraTables } from "@mastra/convex/convex/schema";
 * export default defineSchema({ ...mastraTables, ...yourTables });
 * ```
 */
import { defineSchema } from "convex/server";
import { evalTables } from "./tables/evals.ts";
import { memoryTables } from "./tables/memory.ts";
import { observabilityTables } from "./tables/observability.ts";
import { systemTables } from "./tables/system.ts";
import { traceRecordTables } from "./tables/traceRecords.ts";
import { workflowTables } from "./tables/workflows.ts";
import { scoreTables } from "./tables/scores.ts";

/** Every table of the Mastra storage layer, keyed by table name. */
export const mastraTables = {
  ...systemTables,
  ...memoryTables,
  ...evalTables,
  ...observabilityTables,
  ...traceRecordTables,
  ...workflowTables,
  ...scoreTables,
};

/** A schema holding only the Mastra tables. */
const schema = defineSchema(mastraTables);
export default schema;
