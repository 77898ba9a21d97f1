/**
 * Reads of a user's favorites that other domains compose with (the
 * versioned lists pin favorites first, `kit/versioned.ts`).
 */
import type { QueryCtx } from "../kit/functions.js";
import type { FavoriteEntityType } from "./validators.js";

/** Favorites read per user and kind at most (one more tells the caller there are too many). */
export const MAX_FAVORITES_READ = 1001;

/** The ids of `entityType` records `userId` favorited, oldest favorite first (bounded). */
export function favoritedIds(entityType: FavoriteEntityType): (ctx: QueryCtx, userId: string) => Promise<string[]> {
  return async (ctx, userId) => {
    const rows = await ctx.db.query("favorites")
      .withIndex("by_user_type_createdAt", (q) => q.eq("userId", userId).eq("entityType", entityType))
      .take(MAX_FAVORITES_READ);
    return rows.map((row) => row.entityId);
  };
}
