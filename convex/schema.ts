/**
 * The schema of the `mastra` component: its own tables, assembled from the
 * domains' table files (one line each). A component owns its tables, so
 * they never collide with the app's and need no prefix.
 */
import { defineSchema } from "convex/server";
import { cacheTables } from "./cache/tables.js";
import { channelTables } from "./channels/tables.js";
import { datasetTables } from "./datasets/tables.js";
import { experimentTables } from "./experiments/tables.js";
import { backgroundTaskTables } from "./backgroundTasks/tables.js";
import { harnessTables } from "./harness/tables.js";
import { kitTables } from "./kit/tables.js";
import { knowledgeTables } from "./knowledge/tables.js";
import { lifecycleTables } from "./lifecycle/tables.js";
import { notificationTables } from "./notifications/tables.js";
import { versionedTables } from "./kit/versionedRows.js";
import { favoriteTables } from "./favorites/tables.js";
import { connectionTables } from "./toolProviderConnections/tables.js";
import { contentBlobTables } from "./blobs/tables.js";
import { workflowDefinitionTables } from "./workflowDefinitions/tables.js";
import { memoryTables } from "./memory/tables.js";
import { observabilityTables } from "./observability/tables.js";
import { scheduleTables } from "./schedules/tables.js";
import { scoreTables } from "./scores/tables.js";
import { simpleApiTables } from "./simpleApi/tables.js";
import { threadStateTables } from "./threadState/tables.js";
import { workflowTables } from "./workflows/tables.js";
import { vectorTables } from "./vector/tables.js";

/** Every table of the component, keyed by table name. */
export const mastraTables = {
  ...kitTables,
  ...memoryTables,
  ...workflowTables,
  ...scoreTables,
  ...observabilityTables,
  ...simpleApiTables,
  ...channelTables,
  ...cacheTables,
  ...backgroundTaskTables,
  ...scheduleTables,
  ...vectorTables,
  ...threadStateTables,
  ...harnessTables,
  ...notificationTables,
  ...versionedTables,
  ...favoriteTables,
  ...connectionTables,
  ...contentBlobTables,
  ...workflowDefinitionTables,
  ...datasetTables,
  ...experimentTables,
  ...knowledgeTables,
  ...lifecycleTables,
};

/** The component's schema. */
const schema = defineSchema(mastraTables);
export default schema;
