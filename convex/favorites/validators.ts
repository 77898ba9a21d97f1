/**
 * Wire shapes of the favorites domain: `(userId, entityType, entityId)`
 * rows whose parent record (a stored agent or skill, `kit/versioned.ts`)
 * keeps a denormalised `favoriteCount`.
 */
import { type Infer, v } from "convex/values";

/** Validator of the kinds of entity a user can favorite. */
export const favoriteEntityTypeValidator = v.union(v.literal("agent"), v.literal("skill"));
/** A kind of entity a user can favorite. */
export type FavoriteEntityType = Infer<typeof favoriteEntityTypeValidator>;

/** The versioned domain holding each kind's records. */
export const FAVORITE_DOMAINS: Record<FavoriteEntityType, string> = { agent: "agents", skill: "skills" };

/** A favorite as stored (without Convex's system fields). */
export const favoriteRowValidator = v.object({
  userId: v.string(),
  entityType: favoriteEntityTypeValidator,
  entityId: v.string(),
  createdAt: v.number(),
});
/** A favorite as stored. */
export type FavoriteRow = Infer<typeof favoriteRowValidator>;
