/**
 * Content-addressed blobs of Mastra's blobs domain. Internal functions only.
 * `putMany` stores the entries whose hash is new and skips the others (a
 * hash names its content), releasing the large values uploaded for skipped
 * entries at once; reads return large-value references for the client to
 * assemble.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, releaseBlobs } from "../kit/blobs.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { withoutSystemFields } from "../kit/rows.js";
import { approximateSize } from "../kit/walk.js";
import { type ContentBlobRow, contentBlobValidator } from "./validators.js";

/** Hashes one call reads at most. */
export const MAX_HASHES = 1000;
/** Bytes of rows one `getMany` call returns at most before the client asks for the rest. */
const READ_BYTES = 6 * 1024 * 1024;
/** Rows deleted per `clear` call. */
const CLEAR_BATCH = 32;

async function findBlob(ctx: QueryCtx, hash: string) {
  return await ctx.db.query("content_blobs").withIndex("by_hash", (q) => q.eq("hash", hash)).unique();
}

const ownerOf = (hash: string): string => blobOwner("content_blobs", hash);

/** Stores the entries whose hash is new (the first of repeated hashes wins); returns whether uploads were released. */
export const putMany = internalMutation({
  args: { entries: v.array(contentBlobValidator) },
  handler: async (ctx, { entries }): Promise<{ released: boolean }> => {
    let released = false;
    for (const entry of entries) {
      if (await findBlob(ctx, entry.hash)) {
        // Never adopted: the upload made for this entry is released now.
        released = (await releaseBlobs(ctx, ownerOf(entry.hash), [entry.content])) || released;
        continue;
      }
      assertFitsDocument(`blob ${entry.hash}`, entry);
      await adoptBlobs(ctx, ownerOf(entry.hash), [entry.content]);
      await ctx.db.insert("content_blobs", entry);
    }
    return { released };
  },
});

/** One blob, or `null`. */
export const get = internalQuery({
  args: { hash: v.string() },
  handler: async (ctx, { hash }): Promise<ContentBlobRow | null> => {
    const doc = await findBlob(ctx, hash);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** The hashes among `hashes` that are stored. */
export const existing = internalQuery({
  args: { hashes: v.array(v.string()) },
  handler: async (ctx, { hashes }): Promise<string[]> => {
    if (hashes.length > MAX_HASHES) {
      throw storageError("INVALID", `at most ${MAX_HASHES} hashes per call, got ${hashes.length}`);
    }
    const found: string[] = [];
    for (const hash of new Set(hashes)) if (await findBlob(ctx, hash)) found.push(hash);
    return found;
  },
});

/** The stored blobs among `hashes`, up to a byte budget; `rest` are the hashes not read yet. */
export const getMany = internalQuery({
  args: { hashes: v.array(v.string()) },
  handler: async (ctx, { hashes }): Promise<{ rows: ContentBlobRow[]; rest: string[] }> => {
    if (hashes.length > MAX_HASHES) {
      throw storageError("INVALID", `at most ${MAX_HASHES} hashes per call, got ${hashes.length}`);
    }
    const rows: ContentBlobRow[] = [];
    let bytes = 0;
    for (const [index, hash] of hashes.entries()) {
      if (bytes >= READ_BYTES) return { rows, rest: hashes.slice(index) };
      const doc = await findBlob(ctx, hash);
      if (!doc) continue;
      rows.push(withoutSystemFields(doc));
      bytes += approximateSize(doc);
    }
    return { rows, rest: [] };
  },
});

/** Deletes a blob; returns whether it existed and whether its large value was released. */
export const remove = internalMutation({
  args: { hash: v.string() },
  handler: async (ctx, { hash }): Promise<{ deleted: boolean; released: boolean }> => {
    const doc = await findBlob(ctx, hash);
    if (!doc) return { deleted: false, released: false };
    await ctx.db.delete(doc._id);
    return { deleted: true, released: await releaseBlobs(ctx, ownerOf(hash), [doc.content]) };
  },
});

/** One bounded step of deleting every blob. Call until `done`. */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean; released: boolean }> => {
    const docs = await ctx.db.query("content_blobs").take(CLEAR_BATCH);
    let released = false;
    for (const doc of docs) {
      await ctx.db.delete(doc._id);
      released = (await releaseBlobs(ctx, ownerOf(doc.hash), [doc.content])) || released;
    }
    return { done: docs.length < CLEAR_BATCH, released };
  },
});
