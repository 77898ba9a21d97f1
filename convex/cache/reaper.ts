/**
 * The server cache's housekeeping, run by the deployment itself as
 * scheduled functions (never by readers, never by a client):
 *
 * - `expire` runs when an entry is due to expire; if its TTL was extended
 *   meanwhile it schedules itself for the new time, else it drops the entry;
 * - `reclaim` deletes the items of a dropped list in bounded batches and
 *   schedules itself again while some remain;
 * - `sweepBlobs` deletes released large values in bounded batches, likewise.
 */
import { v } from "convex/values";
import { isBlobRef, releaseBlobs, sweepGarbage } from "../kit/blobs.js";
import { internalMutation } from "../kit/functions.js";
import { dropEntry, EXPIRE, findEntry, itemOwner, RECLAIM, SWEEP } from "./store.js";

/** Items deleted per `reclaim` run at most. */
const RECLAIM_ITEMS = 1000;
/** Characters of items read per `reclaim` run at most. */
const RECLAIM_CHARS = 4 * 1024 * 1024;

/** Drops the entry `key` of generation `gen` once it has expired (by the server's clock). */
export const expire = internalMutation({
  args: { key: v.string(), gen: v.string() },
  handler: async (ctx, { key, gen }): Promise<null> => {
    const entry = await findEntry(ctx, key);
    if (!entry || entry.gen !== gen) return null; // replaced or deleted: whoever did it reclaimed it
    const now = Date.now();
    if (entry.expiresAt === undefined) {
      await ctx.db.patch(entry._id, { reaperAt: undefined });
    } else if (entry.expiresAt > now) {
      await ctx.scheduler.runAt(entry.expiresAt, EXPIRE, { key, gen });
      await ctx.db.patch(entry._id, { reaperAt: entry.expiresAt });
    } else {
      await dropEntry(ctx, entry);
    }
    return null;
  },
});

/** Deletes one bounded batch of the items of a dropped list generation; reschedules itself while more remain. */
export const reclaim = internalMutation({
  args: { gen: v.string() },
  handler: async (ctx, { gen }): Promise<null> => {
    let chars = 0;
    let count = 0;
    let more = false;
    let released = false;
    for await (const item of ctx.db.query("cache_items").withIndex("by_gen_pos", (q) => q.eq("gen", gen))) {
      if (count >= RECLAIM_ITEMS || (count > 0 && chars + item.value.length > RECLAIM_CHARS)) {
        more = true;
        break;
      }
      count++;
      chars += item.value.length;
      if (isBlobRef(item.value) && (await releaseBlobs(ctx, itemOwner(gen), [item.value]))) released = true;
      await ctx.db.delete(item._id);
    }
    if (more) await ctx.scheduler.runAfter(0, RECLAIM, { gen });
    if (released) await ctx.scheduler.runAfter(0, SWEEP, {});
    return null;
  },
});

/** Deletes one bounded batch of released large values; reschedules itself while more remain. */
export const sweepBlobs = internalMutation({
  args: {},
  handler: async (ctx): Promise<null> => {
    const { done } = await sweepGarbage(ctx);
    if (!done) await ctx.scheduler.runAfter(0, SWEEP, {});
    return null;
  },
});
