/**
 * Tables of the tool-provider-connections domain. Lists read
 * `(authorId, createdAt, id)` or `(createdAt, id)`: the order rows were
 * first created, as core's in-memory store keeps them.
 */
import { defineTable } from "convex/server";
import { connectionRowValidator } from "./validators.js";

/** Tool-provider-connections tables, to be spread into a schema. */
export const connectionTables = {
  tool_provider_connections: defineTable(connectionRowValidator)
    .index("by_key", ["id"])
    .index("by_author_createdAt", ["authorId", "createdAt", "id"])
    .index("by_createdAt", ["createdAt", "id"]),
};
