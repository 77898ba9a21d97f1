/**
 * Tables of the workflow-definitions domain. Lists read `createdAt` order
 * (an upsert keeps `createdAt`): the order definitions were first stored.
 */
import { defineTable } from "convex/server";
import { definitionRowValidator } from "./validators.js";

/** Workflow-definitions tables, to be spread into a schema. */
export const workflowDefinitionTables = {
  workflow_definitions: defineTable(definitionRowValidator)
    .index("by_mastra_id", ["id"])
    .index("by_createdAt", ["createdAt", "id"])
    .index("by_status_createdAt", ["status", "createdAt", "id"])
    .index("by_author_createdAt", ["authorId", "createdAt", "id"]),
};
