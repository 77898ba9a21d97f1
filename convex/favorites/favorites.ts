/**
 * Favorites of Mastra's favorites domain. Internal functions only.
 *
 * `favorite` and `unfavorite` write the row and the parent record's
 * `favoriteCount` (clamped at 0) and `updatedAt` in one mutation, are
 * idempotent (a repeat answers the current state and writes nothing), and
 * fail when the parent record does not exist, as core's in-memory store
 * does. Deleting a record's favorites goes in bounded batches.
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { MAX_CANDIDATES, moveEntityEntries } from "../kit/versioned.js";
import { withoutSystemFields } from "../kit/rows.js";
import type { EntityRow } from "../kit/versionedRows.js";
import { FAVORITE_DOMAINS, type FavoriteEntityType, favoriteEntityTypeValidator } from "./validators.js";

const keyArgs = { userId: v.string(), entityType: favoriteEntityTypeValidator, entityId: v.string() };

/** Rows deleted per call of the batched deletes. */
const DELETE_BATCH = 1000;

async function findFavorite(ctx: QueryCtx, userId: string, entityType: FavoriteEntityType, entityId: string) {
  return await ctx.db.query("favorites")
    .withIndex("by_key", (q) => q.eq("userId", userId).eq("entityType", entityType).eq("entityId", entityId))
    .unique();
}

async function requireParent(ctx: MutationCtx, entityType: FavoriteEntityType, entityId: string) {
  const parent = await ctx.db.query("versioned_entities")
    .withIndex("by_domain_id", (q) => q.eq("domain", FAVORITE_DOMAINS[entityType]).eq("id", entityId))
    .unique();
  if (!parent) throw storageError("NOT_FOUND", `Cannot favorite: ${entityType} with id ${entityId} does not exist`);
  return parent;
}

/** Sets the parent record's count and `updatedAt` (moving it in its `updatedAt` lists). */
async function touchParent(
  ctx: MutationCtx,
  parent: Awaited<ReturnType<typeof requireParent>>,
  favoriteCount: number,
  now: number,
): Promise<void> {
  const before = withoutSystemFields(parent) as EntityRow;
  await ctx.db.patch(parent._id, { favoriteCount, updatedAt: now });
  await moveEntityEntries(ctx, before, { ...before, favoriteCount, updatedAt: now });
}

/** Favorites a record for a user; returns the new state and the record's count. */
export const favorite = internalMutation({
  args: keyArgs,
  handler: async (ctx, { userId, entityType, entityId }): Promise<{ favorited: boolean; favoriteCount: number }> => {
    const parent = await requireParent(ctx, entityType, entityId);
    if (await findFavorite(ctx, userId, entityType, entityId)) {
      return { favorited: true, favoriteCount: parent.favoriteCount ?? 0 };
    }
    const now = Date.now();
    await ctx.db.insert("favorites", { userId, entityType, entityId, createdAt: now });
    const favoriteCount = (parent.favoriteCount ?? 0) + 1;
    await touchParent(ctx, parent, favoriteCount, now);
    return { favorited: true, favoriteCount };
  },
});

/** Unfavorites a record for a user; returns the new state and the record's count (never below 0). */
export const unfavorite = internalMutation({
  args: keyArgs,
  handler: async (ctx, { userId, entityType, entityId }): Promise<{ favorited: boolean; favoriteCount: number }> => {
    const parent = await requireParent(ctx, entityType, entityId);
    const row = await findFavorite(ctx, userId, entityType, entityId);
    if (!row) return { favorited: false, favoriteCount: parent.favoriteCount ?? 0 };
    await ctx.db.delete(row._id);
    const favoriteCount = Math.max(0, (parent.favoriteCount ?? 0) - 1);
    await touchParent(ctx, parent, favoriteCount, Date.now());
    return { favorited: false, favoriteCount };
  },
});

/** Whether the user favorited the record. */
export const isFavorited = internalQuery({
  args: keyArgs,
  handler: async (ctx, { userId, entityType, entityId }): Promise<boolean> =>
    (await findFavorite(ctx, userId, entityType, entityId)) !== null,
});

/** The ids among `entityIds` that the user favorited (at most {@link MAX_CANDIDATES} ids per call). */
export const favoritedAmong = internalQuery({
  args: { userId: v.string(), entityType: favoriteEntityTypeValidator, entityIds: v.array(v.string()) },
  handler: async (ctx, { userId, entityType, entityIds }): Promise<string[]> => {
    if (entityIds.length > MAX_CANDIDATES) {
      throw storageError("INVALID", `at most ${MAX_CANDIDATES} entity ids per call, got ${entityIds.length}`);
    }
    const found: string[] = [];
    for (const entityId of new Set(entityIds)) {
      if (await findFavorite(ctx, userId, entityType, entityId)) found.push(entityId);
    }
    return found;
  },
});

/** One bounded page of the ids the user favorited, oldest favorite first, after `cursor`. */
export const listIds = internalQuery({
  args: { userId: v.string(), entityType: favoriteEntityTypeValidator, cursor: v.union(v.string(), v.null()) },
  handler: async (ctx, { userId, entityType, cursor }): Promise<{ ids: string[]; cursor: string | null }> => {
    const page = await ctx.db.query("favorites")
      .withIndex("by_user_type_createdAt", (q) => q.eq("userId", userId).eq("entityType", entityType))
      .paginate({ cursor, numItems: DELETE_BATCH });
    return { ids: page.page.map((row) => row.entityId), cursor: page.isDone ? null : page.continueCursor };
  },
});

/**
 * One bounded step of removing every favorite of a record; the record's
 * count becomes 0 (nothing else of it changes). Call until `done`, summing
 * `removed`.
 */
export const removeForEntity = internalMutation({
  args: { entityType: favoriteEntityTypeValidator, entityId: v.string() },
  handler: async (ctx, { entityType, entityId }): Promise<{ removed: number; done: boolean }> => {
    const rows = await ctx.db.query("favorites")
      .withIndex("by_entity", (q) => q.eq("entityType", entityType).eq("entityId", entityId))
      .take(DELETE_BATCH);
    for (const row of rows) await ctx.db.delete(row._id);
    const parent = await ctx.db.query("versioned_entities")
      .withIndex("by_domain_id", (q) => q.eq("domain", FAVORITE_DOMAINS[entityType]).eq("id", entityId))
      .unique();
    if (parent && parent.favoriteCount) await ctx.db.patch(parent._id, { favoriteCount: 0 });
    return { removed: rows.length, done: rows.length < DELETE_BATCH };
  },
});

/**
 * One bounded step of deleting every favorite, then resetting the counts
 * of favorited records to 0 (the records' `updatedAt` stays). Call until `done`.
 */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean }> => {
    const rows = await ctx.db.query("favorites").take(DELETE_BATCH);
    for (const row of rows) {
      await ctx.db.delete(row._id);
      const parent = await ctx.db.query("versioned_entities")
        .withIndex("by_domain_id", (q) => q.eq("domain", FAVORITE_DOMAINS[row.entityType]).eq("id", row.entityId))
        .unique();
      if (parent && parent.favoriteCount) await ctx.db.patch(parent._id, { favoriteCount: 0 });
    }
    return { done: rows.length < DELETE_BATCH };
  },
});
