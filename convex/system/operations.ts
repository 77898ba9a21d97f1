/**
 * Expiry of recorded operation answers (see `kit/operations.ts`).
 * Internal functions only.
 */
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { internalMutation } from "../kit/functions.js";

/** Records deleted by one sweep transaction (each read once, then deleted); more continue in a new one. */
export const SWEEP_BATCH = 500;

const sweepRef = makeFunctionReference<"mutation", Record<string, never>, { deleted: number; more: boolean }>(
  "system/operations:sweep",
);

/**
 * Deletes the operation records whose `expiresAt` has passed on the
 * server's clock, oldest first, at most {@link SWEEP_BATCH} per
 * transaction; when a batch is full it schedules itself to go on. Run by
 * the component's cron (`crons.ts`); safe to run at any time and twice.
 */
export const sweep = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ deleted: number; more: boolean }> => {
    const expired = await ctx.db.query("operations")
      .withIndex("by_expiresAt", (q) => q.lte("expiresAt", Date.now()))
      .take(SWEEP_BATCH);
    for (const row of expired) await ctx.db.delete(row._id);
    const more = expired.length === SWEEP_BATCH;
    if (more) await ctx.scheduler.runAfter(0, sweepRef, {});
    return { deleted: expired.length, more };
  },
});

/**
 * Deletes the record of one operation once it has expired. Versions before
 * the sweep scheduled one call per record; it stays registered so that the
 * calls an existing deployment has queued still run.
 */
export const expire = internalMutation({
  args: { opId: v.string() },
  handler: async (ctx, { opId }): Promise<{ deleted: boolean }> => {
    const row = await ctx.db.query("operations").withIndex("by_opId", (q) => q.eq("opId", opId)).unique();
    if (!row || row.expiresAt > Date.now()) return { deleted: false };
    await ctx.db.delete(row._id);
    return { deleted: true };
  },
});
