/**
 * Resources of Mastra's memory domain: the owners of resource-scoped
 * working memory. Internal functions only.
 */
import { v } from "convex/values";
import { decodeOptional, decodeValue, encodeValue } from "./lib/codec.ts";
import { mutation, query, type QueryCtx } from "./lib/functions.ts";
import { assertFitsDocument } from "./lib/limits.ts";
import { type ResourceRow, resourceValidator, withoutSystemFields } from "./lib/types.ts";

async function findResource(ctx: QueryCtx, id: string) {
  return await ctx.db.query("mastra_resources").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** Returns one resource by id, or `null`. */
export const get = query({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<ResourceRow | null> => {
    const doc = await findResource(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Inserts or replaces a resource (idempotent). */
export const save = mutation({
  args: { resource: resourceValidator },
  handler: async (ctx, { resource }): Promise<null> => {
    assertFitsDocument(`resource ${resource.id}`, resource);
    const existing = await findResource(ctx, resource.id);
    if (existing) await ctx.db.replace(existing._id, resource);
    else await ctx.db.insert("mastra_resources", resource);
    return null;
  },
});

/**
 * Sets working memory and/or merges metadata keys, atomically; creates the
 * resource when it does not exist yet (as Mastra expects).
 */
export const update = mutation({
  args: {
    id: v.string(),
    workingMemory: v.optional(v.string()),
    metadata: v.optional(v.string()),
    now: v.number(),
  },
  handler: async (ctx, { id, workingMemory, metadata, now }): Promise<ResourceRow> => {
    const existing = await findResource(ctx, id);
    const patch = metadata === undefined ? undefined : decodeValue(metadata) as Record<string, unknown>;
    let next: ResourceRow;
    if (!existing) {
      next = { id, workingMemory, metadata: encodeValue(patch ?? {}), createdAt: now, updatedAt: now };
      if (workingMemory === undefined) delete next.workingMemory;
    } else {
      const current = withoutSystemFields(existing);
      next = {
        ...current,
        workingMemory: workingMemory !== undefined ? workingMemory : current.workingMemory,
        metadata: encodeValue({
          ...(decodeOptional(current.metadata) as Record<string, unknown> | undefined),
          ...patch,
        }),
        updatedAt: now,
      };
      if (next.workingMemory === undefined) delete next.workingMemory;
    }
    assertFitsDocument(`resource ${id}`, next);
    if (existing) await ctx.db.replace(existing._id, next);
    else await ctx.db.insert("mastra_resources", next);
    return next;
  },
});
