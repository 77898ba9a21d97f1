import { familyTree } from "../kit/rankFamily.js";

/** Names of the memory domain's counters. Counters live in the kit's `counters` table. */
export const memoryCounters = {
  /** All threads. */
  threads: (): string => "threads",
  /** Threads of one resource. */
  threadsOfResource: (resourceId: string): string => `threads:resource:${resourceId}`,
  /** Messages of one thread. */
  messagesOfThread: (threadId: string): string => `messages:thread:${threadId}`,
  /** Messages of one resource. */
  messagesOfResource: (resourceId: string): string => `messages:resource:${resourceId}`,
  /**
   * Messages of one resource that belong to threads being deleted: already
   * left out of `messagesOfResource`, still in the resource's rank tree and
   * index until the deletion's steps remove them (`memory/threadDeletion.ts`).
   */
  hiddenMessagesOfResource: (resourceId: string): string => `messages:hidden:resource:${resourceId}`,
};

/** Names of the memory domain's rank trees (`kit/rankTree.ts`), one per list owner and ordering. */
export const memoryTrees = {
  /** Messages of one thread by `(createdAt, id)`. */
  messagesOfThread: (threadId: string): string => `messages:thread:${JSON.stringify(threadId)}`,
  /** Messages of one resource by `(createdAt, id)`. */
  messagesOfResource: (resourceId: string): string => `messages:resource:${JSON.stringify(resourceId)}`,
  /** Threads of one resource by `(createdAt | updatedAt, id)`. */
  threadsOfResource: (resourceId: string, field: "createdAt" | "updatedAt"): string =>
    `threads:resource:${field}:${JSON.stringify(resourceId)}`,
  /**
   * All threads by `(createdAt | updatedAt, id)`: a sharded family
   * (`kit/rankFamily.ts`), so writes of unrelated threads rarely share a node.
   */
  allThreads: (field: "createdAt" | "updatedAt"): string => `threads:all:${field}`,
};

/**
 * The rank-tree entries of a thread: its resource's trees by `createdAt`
 * and by `updatedAt`, and its shard of the all-threads families.
 */
export function threadTreeEntries(
  row: { id: string; resourceId: string; createdAt: number; updatedAt: number } | null,
): { tree: string; key: { value: number; id: string } }[] {
  if (!row) return [];
  const created = { value: row.createdAt, id: row.id };
  const updated = { value: row.updatedAt, id: row.id };
  return [
    { tree: memoryTrees.threadsOfResource(row.resourceId, "createdAt"), key: created },
    { tree: memoryTrees.threadsOfResource(row.resourceId, "updatedAt"), key: updated },
    { tree: familyTree(memoryTrees.allThreads("createdAt"), row.id), key: created },
    { tree: familyTree(memoryTrees.allThreads("updatedAt"), row.id), key: updated },
  ];
}
