/**
 * Platform configurations of Mastra's channels domain (one per platform).
 * Internal functions only. Error messages carry the platform and sizes
 * only, never the stored record (which holds secrets).
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";

async function findConfig(ctx: QueryCtx, platform: string) {
  return await ctx.db.query("channel_configs").withIndex("by_platform", (q) => q.eq("platform", platform)).unique();
}

/** The encoded config of a platform, or `null`. */
export const get = internalQuery({
  args: { platform: v.string() },
  handler: async (ctx, { platform }): Promise<string | null> => (await findConfig(ctx, platform))?.record ?? null,
});

/** Inserts or replaces the config of a platform. */
export const save = internalMutation({
  args: { platform: v.string(), record: v.string() },
  handler: async (ctx, { platform, record }): Promise<null> => {
    assertFitsDocument(`config of platform ${JSON.stringify(platform.slice(0, 100))}`, { platform, record });
    const existing = await findConfig(ctx, platform);
    if (existing) await ctx.db.replace(existing._id, { platform, record });
    else await ctx.db.insert("channel_configs", { platform, record });
    return null;
  },
});

/** Deletes the config of a platform (nothing happens when there is none). */
export const remove = internalMutation({
  args: { platform: v.string() },
  handler: async (ctx, { platform }): Promise<null> => {
    const existing = await findConfig(ctx, platform);
    if (existing) await ctx.db.delete(existing._id);
    return null;
  },
});
