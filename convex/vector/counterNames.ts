/** Names of the vector domain's counters. Counters live in the kit's `counters` table. */
export const vectorCounters = {
  /** Vectors stored in one Mastra index. */
  vectorsOfIndex: (indexName: string): string => `vector:count:${JSON.stringify(indexName)}`,
};
