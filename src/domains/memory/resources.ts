/**
 * Resource operations of the memory domain (resource-scoped working memory).
 */
import type { StorageResourceType } from "@mastra/core/storage";
import type { ResourceRow } from "../../../convex/lib/types.ts";
import { encodeValue } from "../../codec.ts";
import { withErrorContext } from "../../errors.ts";
import { optionalRecord, optionalString, requireId } from "../../validate.ts";
import type { DomainContext } from "../context.ts";
import { resourceToRow, rowToResource } from "./rows.ts";

/** Reads one resource, or `null`. */
export function getResourceById(
  ctx: DomainContext,
  { resourceId }: { resourceId: string },
): Promise<StorageResourceType | null> {
  const details = { resourceId: typeof resourceId === "string" ? resourceId : null };
  return withErrorContext({ operation: "getResourceById", details }, async () => {
    requireId(resourceId, "resourceId");
    const row = await ctx.transport.query<ResourceRow | null>("resources:get", { id: resourceId }, {
      operation: "getResourceById",
      details,
    });
    return row ? rowToResource(row) : null;
  });
}

/** Inserts or replaces a resource; returns the resource it was given. */
export function saveResource(
  ctx: DomainContext,
  { resource }: { resource: StorageResourceType },
): Promise<StorageResourceType> {
  const details = { resourceId: typeof resource?.id === "string" ? resource.id : null };
  return withErrorContext({ operation: "saveResource", details }, async () => {
    const row = resourceToRow(resource, ctx.now());
    await ctx.transport.mutation("resources:save", { resource: row }, {
      operation: "saveResource",
      details,
      idempotent: true,
    });
    return resource;
  });
}

/** Sets working memory and/or merges metadata; creates the resource if needed. */
export function updateResource(
  ctx: DomainContext,
  { resourceId, workingMemory, metadata }: {
    resourceId: string;
    workingMemory?: string;
    metadata?: Record<string, unknown>;
  },
): Promise<StorageResourceType> {
  const details = { resourceId: typeof resourceId === "string" ? resourceId : null };
  return withErrorContext({ operation: "updateResource", details }, async () => {
    requireId(resourceId, "resourceId");
    const args: Record<string, unknown> = { id: resourceId, now: ctx.now() };
    const memory = optionalString(workingMemory, "workingMemory");
    if (memory !== undefined) args.workingMemory = memory;
    const checkedMetadata = optionalRecord(metadata, "metadata");
    if (checkedMetadata !== undefined) args.metadata = encodeValue(checkedMetadata);
    const row = await ctx.transport.mutation<ResourceRow>("resources:update", args, {
      operation: "updateResource",
      details,
      idempotent: true,
    });
    return rowToResource(row);
  });
}
