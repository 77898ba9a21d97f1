/**
 * What every domain needs: the transport to our Convex functions and a
 * clock (injectable, so tests can compare against core's in-memory store).
 */
import type { ConvexTransport } from "../transport.ts";
import { sweepBlobs } from "./largeValues.ts";
import { isLostAnswer } from "./errors.ts";
import { multiStepWrite } from "./multiStep.ts";

/** Shared dependencies of the domain implementations. */
export type DomainContext = {
  /** Calls our Convex functions. */
  transport: ConvexTransport;
  /** Current time in epoch milliseconds. */
  now: () => number;
};

/**
 * Deletes every row of the given tables and the counters under the given
 * prefixes, one bounded batch per call, then sweeps the large values
 * (`convex/kit/blobs.ts`) those rows referred to.
 */
export async function clearTables(ctx: DomainContext, tables: string[], counterPrefixes: string[]): Promise<void> {
  let sent = false;
  await multiStepWrite({ operation: "dangerouslyClearAll" }, (error) =>
    sent || isLostAnswer(error)
      ? {
        state: `the tables ${tables.join(", ")} may be partly cleared`,
        remedy: "calling dangerouslyClearAll again finishes",
      }
      : undefined, async () => {
    await clearSteps(ctx, tables, counterPrefixes, () => void (sent = true));
  });
}

async function clearSteps(
  ctx: DomainContext,
  tables: string[],
  counterPrefixes: string[],
  stepped: () => void,
): Promise<void> {
  let released = false;
  for (const table of tables) {
    for (;;) {
      const result = await ctx.transport.mutation<{ done: boolean; released?: boolean }>("system/info:clearTable", {
        table,
        now: ctx.now(),
      }, {
        operation: "dangerouslyClearAll",
        details: { table },
        idempotent: true,
      });
      stepped();
      if (result.released) released = true;
      if (result.done) break;
    }
  }
  for (const prefix of counterPrefixes) {
    for (;;) {
      const { done } = await ctx.transport.mutation<{ done: boolean }>("system/info:clearCounters", { prefix }, {
        operation: "dangerouslyClearAll",
        details: { counters: prefix },
        idempotent: true,
      });
      stepped();
      if (done) break;
    }
  }
  if (released) await sweepBlobs(ctx, "dangerouslyClearAll");
}
