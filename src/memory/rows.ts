/**
 * Conversions between Mastra's memory records and the rows our Convex
 * functions store (see `convex/memory/validators.ts`).
 */
import type { StorageResourceType, StorageThreadType } from "../coreTypes.ts";
import type { ResourceRow, ThreadRow } from "../../convex/memory/validators.ts";
import { decodeOptional, decodeValue, encodeOptional, encodeValue, toDate, toMillis } from "../kit/codec.ts";
import { optionalRecord, optionalString, requireId, requireKey, requireRecord } from "../kit/validate.ts";

/** Checks a thread and converts it to its stored row. */
export function threadToRow(input: unknown, now: number = Date.now()): ThreadRow {
  const thread = requireRecord(input, "thread");
  const row: ThreadRow = {
    id: requireId(thread.id, "thread.id"),
    resourceId: requireKey(thread.resourceId, "thread.resourceId"),
    createdAt: thread.createdAt === undefined ? now : toMillis(thread.createdAt, "thread.createdAt"),
    updatedAt: thread.updatedAt === undefined ? now : toMillis(thread.updatedAt, "thread.updatedAt"),
  };
  const title = thread.title === null ? undefined : optionalString(thread.title, "thread.title");
  if (title !== undefined) row.title = title;
  const metadata = thread.metadata === null ? undefined : optionalRecord(thread.metadata, "thread.metadata");
  if (metadata !== undefined) row.metadata = encodeOptional(metadata);
  return row;
}

/** Converts a stored row (large fields already resolved) back to Mastra's thread shape. */
export function rowToThread(row: ThreadRow): StorageThreadType {
  const thread: StorageThreadType = {
    id: row.id,
    resourceId: row.resourceId,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
  if (row.title !== undefined) thread.title = row.title;
  if (row.metadata !== undefined) thread.metadata = decodeOptional(row.metadata) as Record<string, unknown>;
  return thread;
}

/** Checks a resource and converts it to its stored row. */
export function resourceToRow(input: unknown, now: number = Date.now()): ResourceRow {
  const resource = requireRecord(input, "resource");
  const row: ResourceRow = {
    id: requireId(resource.id, "resource.id"),
    createdAt: resource.createdAt === undefined ? now : toMillis(resource.createdAt, "resource.createdAt"),
    updatedAt: resource.updatedAt === undefined ? now : toMillis(resource.updatedAt, "resource.updatedAt"),
  };
  const workingMemory = optionalString(resource.workingMemory, "resource.workingMemory");
  if (workingMemory !== undefined) row.workingMemory = encodeValue(workingMemory);
  const metadata = resource.metadata === null ? undefined : optionalRecord(resource.metadata, "resource.metadata");
  if (metadata !== undefined) row.metadata = encodeOptional(metadata);
  return row;
}

/** Converts a stored row (large fields already resolved) back to Mastra's resource shape. */
export function rowToResource(row: ResourceRow): StorageResourceType {
  const resource: StorageResourceType = {
    id: row.id,
    createdAt: toDate(row.createdAt),
    updatedAt: toDate(row.updatedAt),
  };
  if (row.workingMemory !== undefined) resource.workingMemory = decodeValue(row.workingMemory) as string;
  if (row.metadata !== undefined) resource.metadata = decodeOptional(row.metadata) as Record<string, unknown>;
  return resource;
}
