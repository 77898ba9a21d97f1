/**
 * Resources of Mastra's memory domain: the owners of resource-scoped
 * working memory. Internal functions only.
 *
 * `workingMemory` and `metadata` are stored encoded (see `kit/codec.ts`),
 * or as blob references when large (see `kit/blobs.ts`).
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, readField, releaseBlobs, utf8Length, writeField } from "../kit/blobs.js";
import { mergeEncodedRecords } from "../kit/codec.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ResourceRow, resourceValidator } from "./validators.js";
import { withoutSystemFields } from "../kit/rows.js";

/** Merged metadata up to this size is returned by `update` as well (Convex returns up to 16 MiB). */
const RETURN_INLINE_BYTES = 8 * 1024 * 1024;

async function findResource(ctx: QueryCtx, id: string) {
  return await ctx.db.query("resources").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** Returns one resource by id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ResourceRow | null> => {
    const doc = await findResource(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Inserts or replaces a resource (idempotent). `released`: an old large value became garbage. */
export const save = internalMutation({
  args: { resource: resourceValidator },
  handler: async (ctx, { resource }): Promise<{ released: boolean }> => {
    assertFitsDocument(`resource ${resource.id}`, resource);
    const existing = await findResource(ctx, resource.id);
    const owner = blobOwner("resources", resource.id);
    await adoptBlobs(ctx, owner, [resource.workingMemory, resource.metadata]);
    if (existing) await ctx.db.replace(existing._id, resource);
    else await ctx.db.insert("resources", resource);
    const released = await releaseBlobs(
      ctx,
      owner,
      [existing?.workingMemory, existing?.metadata],
      [resource.workingMemory, resource.metadata],
    );
    return { released };
  },
});

/**
 * Sets working memory (already in stored form) and/or merges metadata keys,
 * atomically; creates the resource when it does not exist yet, as Mastra
 * expects.
 */
export const update = internalMutation({
  args: {
    id: v.string(),
    workingMemory: v.optional(v.string()),
    metadata: v.optional(v.string()),
    now: v.number(),
  },
  handler: async (
    ctx,
    { id, workingMemory, metadata, now },
  ): Promise<{ resource: ResourceRow; released: boolean; metadata?: string }> => {
    const existing = await findResource(ctx, id);
    const owner = blobOwner("resources", id);
    const current = existing ? withoutSystemFields(existing) : undefined;
    const currentMetadata = current?.metadata === undefined ? undefined : await readField(ctx, current.metadata);
    const merged = mergeEncodedRecords(currentMetadata, metadata);
    const next: ResourceRow = {
      id,
      metadata: await writeField(ctx, merged, owner),
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    };
    const memory = workingMemory ?? current?.workingMemory;
    if (memory !== undefined) next.workingMemory = memory;
    assertFitsDocument(`resource ${id}`, next);
    await adoptBlobs(ctx, owner, [next.workingMemory, next.metadata]);
    if (existing) await ctx.db.replace(existing._id, next);
    else await ctx.db.insert("resources", next);
    const released = await releaseBlobs(
      ctx,
      owner,
      [existing?.workingMemory, existing?.metadata],
      [next.workingMemory, next.metadata],
    );
    // The merged metadata itself, so the caller need not read back a large
    // value that a concurrent update may already have replaced and swept.
    return utf8Length(merged) <= RETURN_INLINE_BYTES
      ? { resource: next, released, metadata: merged }
      : { resource: next, released };
  },
});
