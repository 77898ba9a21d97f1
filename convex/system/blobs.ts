/**
 * Chunked storage of values too large for one Convex document (see
 * `kit/blobs.ts` for the protocol). Internal functions only.
 */
import { v } from "convex/values";
import {
  ABANDONED_AFTER_MS,
  deleteGarbage,
  RECLAIM_MARGIN_MS,
  scheduleReclaim,
  SWEEP_BYTES,
  sweepGarbage,
  utf8Length,
} from "../kit/blobs.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";

/** Bytes of chunk data returned per `getChunks` call. */
const READ_BYTES = 8 * 1024 * 1024;

/**
 * Stores some chunks of a pending blob (idempotent: a chunk that already
 * arrived is skipped, so a retried upload never duplicates). The first call
 * schedules the deployment's own reclaim of the upload, in case no write
 * ever adopts it. Times are the server's.
 */
export const putChunks = internalMutation({
  args: {
    blobId: v.string(),
    chunkCount: v.number(),
    length: v.number(),
    chunks: v.array(v.object({ index: v.number(), data: v.string() })),
  },
  handler: async (ctx, { blobId, chunkCount, length, chunks }): Promise<{ received: number }> => {
    const now = Date.now();
    let blob = await ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", blobId)).unique();
    if (blob && blob.state === "garbage") throw storageError("INVALID", `large value ${blobId} was already released`);
    if (blob && (blob.chunkCount !== chunkCount || blob.length !== length)) {
      throw storageError("INVALID", `large value ${blobId} was started with another size`);
    }
    if (!blob) {
      const id = await ctx.db.insert("blobs", {
        blobId,
        state: "pending",
        chunkCount,
        received: 0,
        length,
        updatedAt: now,
      });
      blob = (await ctx.db.get(id))!;
      await scheduleReclaim(ctx, blobId, ABANDONED_AFTER_MS + RECLAIM_MARGIN_MS);
    }
    let received = blob.received;
    for (const { index, data } of chunks) {
      if (!Number.isInteger(index) || index < 0 || index >= chunkCount) {
        throw storageError("INVALID", `chunk ${index} out of range for large value ${blobId}`);
      }
      const existing = await ctx.db
        .query("blob_chunks")
        .withIndex("by_blob_index", (q) => q.eq("blobId", blobId).eq("index", index))
        .unique();
      if (existing) continue;
      await ctx.db.insert("blob_chunks", { blobId, index, data });
      received++;
    }
    await ctx.db.patch(blob._id, { received, updatedAt: now });
    return { received };
  },
});

/** Reads the chunks of a blob from `from` on, about 8 MiB per call. */
export const getChunks = internalQuery({
  args: { blobId: v.string(), from: v.number() },
  handler: async (ctx, { blobId, from }): Promise<{ chunks: string[]; next: number | null }> => {
    const blob = await ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", blobId)).unique();
    if (!blob || blob.state !== "committed") {
      throw storageError("NOT_FOUND", `large value ${blobId} is not available (${blob?.state ?? "missing"})`);
    }
    const chunks: string[] = [];
    let bytes = 0;
    let index = from;
    for await (
      const chunk of ctx.db
        .query("blob_chunks")
        .withIndex("by_blob_index", (q) => q.eq("blobId", blobId).gte("index", from))
    ) {
      chunks.push(chunk.data);
      bytes += utf8Length(chunk.data);
      index = chunk.index + 1;
      if (bytes >= READ_BYTES) break;
    }
    return { chunks, next: index < blob.chunkCount ? index : null };
  },
});

/**
 * Deletes released blobs and abandoned uploads (pending and untouched for
 * {@link ABANDONED_AFTER_MS} by the server's clock), one bounded batch per
 * call; call until `done`. Takes no time from the client: a client whose
 * clock runs ahead cannot reclaim another writer's upload in flight.
 */
export const sweep = internalMutation({
  args: {},
  handler: (ctx): Promise<{ done: boolean; deletedBytes: number }> => sweepGarbage(ctx),
});

/**
 * The deployment's own reclaim of one blob, scheduled when an upload starts
 * (and when a blob is released), so abandoned uploads disappear within
 * about {@link ABANDONED_AFTER_MS} with no client involved. A committed blob
 * is left alone; a pending one touched recently is checked again later; an
 * abandoned or released one is deleted in bounded steps (rescheduling
 * itself until done).
 */
export const reclaim = internalMutation({
  args: { blobId: v.string() },
  handler: async (ctx, { blobId }): Promise<{ state: "gone" | "kept" | "later" | "deleting" }> => {
    const now = Date.now();
    const blob = await ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", blobId)).unique();
    if (!blob) return { state: "gone" };
    if (blob.state === "committed") return { state: "kept" };
    if (blob.state === "pending") {
      const due = blob.updatedAt + ABANDONED_AFTER_MS;
      if (now < due) {
        await scheduleReclaim(ctx, blobId, due - now + RECLAIM_MARGIN_MS);
        return { state: "later" };
      }
      await ctx.db.patch(blob._id, { state: "garbage", updatedAt: now });
    }
    const step = await deleteGarbage(ctx, blob, SWEEP_BYTES);
    if (step.gone) return { state: "gone" };
    await scheduleReclaim(ctx, blobId, 0);
    return { state: "deleting" };
  },
});
