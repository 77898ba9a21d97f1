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
};
