/**
 * Expiry of recorded operation answers (see `kit/operations.ts`).
 * Internal functions only.
 */
import { v } from "convex/values";
import { internalMutation } from "../kit/functions.js";

/** Deletes the record of one operation once it has expired (scheduled when it was recorded). */
export const expire = internalMutation({
  args: { opId: v.string() },
  handler: async (ctx, { opId }): Promise<{ deleted: boolean }> => {
    const row = await ctx.db.query("operations").withIndex("by_opId", (q) => q.eq("opId", opId)).unique();
    if (!row || row.expiresAt > Date.now()) return { deleted: false };
    await ctx.db.delete(row._id);
    return { deleted: true };
  },
});
