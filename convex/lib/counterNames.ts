/** Names of the counters in `mastra_counters`, in one place. */
export const counterNames = {
  /** All threads. */
  threads: (): string => "threads",
  /** Threads of one resource. */
  threadsOfResource: (resourceId: string): string => `threads:resource:${resourceId}`,
  /** Messages of one thread. */
  messagesOfThread: (threadId: string): string => `messages:thread:${threadId}`,
  /** Messages of one resource. */
  messagesOfResource: (resourceId: string): string => `messages:resource:${resourceId}`,
};
