/**
 * Tables of the favorites domain. `by_user_type_createdAt` lists a user's
 * favorites of one kind in the order they were made (Convex breaks ties by
 * insertion); `by_entity` finds every favorite of one record.
 */
import { defineTable } from "convex/server";
import { favoriteRowValidator } from "./validators.js";

/** Favorites-domain tables, to be spread into a schema. */
export const favoriteTables = {
  favorites: defineTable(favoriteRowValidator)
    .index("by_key", ["userId", "entityType", "entityId"])
    .index("by_user_type_createdAt", ["userId", "entityType", "createdAt"])
    .index("by_entity", ["entityType", "entityId"]),
};
