/**
 * What every domain needs: the transport to our Convex functions and a
 * clock (injectable, so tests can compare against core's in-memory store).
 */
import type { ConvexTransport } from "../transport.ts";

/** Shared dependencies of the domain implementations. */
export type DomainContext = {
  /** Calls our Convex functions. */
  transport: ConvexTransport;
  /** Current time in epoch milliseconds. */
  now: () => number;
};

/** Deletes every row of the given tables, one bounded batch per call. */
export async function clearTables(ctx: DomainContext, tables: string[], counterPrefixes: string[]): Promise<void> {
  for (const table of tables) {
    for (;;) {
      const { done } = await ctx.transport.mutation<{ done: boolean }>("system:clearTable", { table }, {
        operation: "dangerouslyClearAll",
        details: { table },
        idempotent: true,
      });
      if (done) break;
    }
  }
  for (const prefix of counterPrefixes) {
    for (;;) {
      const { done } = await ctx.transport.mutation<{ done: boolean }>("system:clearCounters", { prefix }, {
        operation: "dangerouslyClearAll",
        details: { counters: prefix },
        idempotent: true,
      });
      if (done) break;
    }
  }
}
