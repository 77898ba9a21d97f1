/**
 * Client side of rank-tree rebuilds (`convex/system/ranks.ts`): runs the
 * bounded rebuild of each tree-backed table until done.
 */
import { withErrorContext } from "./errors.ts";
import type { DomainContext } from "./context.ts";
import { RANKED_TABLES } from "../../convex/system/rankedTables.ts";

/** Drops and rebuilds every rank tree from its table's rows; returns the number of calls made. */
export function rebuildRankTrees(ctx: DomainContext): Promise<number> {
  return withErrorContext({ operation: "rebuildRankTrees", details: {} }, async () => {
    let calls = 0;
    for (;;) {
      calls++;
      const step: { done: boolean } = await ctx.transport.mutation("system/ranks:clear", {}, {
        operation: "rebuildRankTrees",
        details: {},
        idempotent: true,
      });
      if (step.done) break;
    }
    for (const table of RANKED_TABLES) {
      let cursor: string | null = null;
      for (;;) {
        calls++;
        const step: { done: boolean; cursor: string | null } = await ctx.transport.mutation(
          "system/ranks:rebuild",
          { table, cursor },
          { operation: "rebuildRankTrees", details: { table }, idempotent: true },
        );
        if (step.done) break;
        cursor = step.cursor;
      }
    }
    // the trace-query dictionary's trees (convex/observability/tracing/traceDictionary.ts), from the trace rows
    for (let cursor: string | null = null;;) {
      calls++;
      const step: { done: boolean; cursor: string | null } = await ctx.transport.mutation(
        "observability/tracing/traceDictionary:rebuild",
        { cursor },
        { operation: "rebuildRankTrees", details: { table: "ai_traces" }, idempotent: true },
      );
      if (step.done) break;
      cursor = step.cursor;
    }
    return calls;
  });
}
