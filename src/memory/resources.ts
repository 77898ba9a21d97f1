/**
 * Resource operations of the memory domain (resource-scoped working memory).
 */
import type { StorageResourceType } from "../coreTypes.ts";
import type { ResourceRow } from "../../convex/memory/validators.ts";
import { encodeValue } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { optionalRecord, optionalString, requireId } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { resourceToRow, rowToResource } from "./rows.ts";
import { offloadFields, resolveFields, storeLarge, sweepBlobs } from "../kit/largeValues.ts";

/** Reads one resource, or `null`. */
export function getResourceById(
  ctx: DomainContext,
  { resourceId }: { resourceId: string },
): Promise<StorageResourceType | null> {
  const details = { resourceId: typeof resourceId === "string" ? resourceId : null };
  return withErrorContext({ operation: "getResourceById", details }, async () => {
    requireId(resourceId, "resourceId");
    const row = await ctx.transport.query<ResourceRow | null>("memory/resources:get", { id: resourceId }, {
      operation: "getResourceById",
      details,
    });
    return row ? rowToResource(await resolveFields(ctx, row, ["workingMemory", "metadata"], "getResourceById")) : null;
  });
}

/** Inserts or replaces a resource; returns the resource it was given. */
export function saveResource(
  ctx: DomainContext,
  { resource }: { resource: StorageResourceType },
): Promise<StorageResourceType> {
  const details = { resourceId: typeof resource?.id === "string" ? resource.id : null };
  return withErrorContext({ operation: "saveResource", details }, async () => {
    const row = await offloadFields(
      ctx,
      resourceToRow(resource, ctx.now()),
      ["workingMemory", "metadata"],
      "saveResource",
    );
    const { released } = await ctx.transport.mutation<{ released: boolean }>(
      "memory/resources:save",
      { resource: row },
      {
        operation: "saveResource",
        details,
        idempotent: true,
      },
    );
    if (released) await sweepBlobs(ctx, "saveResource");
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
    // Check and encode everything before uploading anything, so bad input writes nothing.
    const memory = optionalString(workingMemory, "workingMemory");
    const checkedMetadata = optionalRecord(metadata, "metadata");
    if (checkedMetadata !== undefined) args.metadata = encodeValue(checkedMetadata);
    const encodedMemory = memory === undefined ? undefined : encodeValue(memory);
    if (encodedMemory !== undefined) args.workingMemory = await storeLarge(ctx, encodedMemory, "updateResource");
    const { resource, released, metadata: merged } = await ctx.transport.mutation<
      { resource: ResourceRow; released: boolean; metadata?: string }
    >("memory/resources:update", args, { operation: "updateResource", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "updateResource");
    // Answer with the values this call wrote rather than reading back large
    // values that a concurrent update may already have replaced and swept.
    const row: ResourceRow = { ...resource };
    if (merged !== undefined) row.metadata = merged;
    if (encodedMemory !== undefined) row.workingMemory = encodedMemory;
    return rowToResource(await resolveFields(ctx, row, ["workingMemory", "metadata"], "updateResource"));
  });
}
