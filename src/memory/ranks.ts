/**
 * Maintenance of the rank tree that lets deep pages of a thread seek
 * instead of walk (see `convex/kit/rankTree.ts`).
 */
import type { SortKey } from "../../convex/kit/walk.ts";
import { withErrorContext } from "../kit/errors.ts";
import { requireId } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";

/**
 * Rebuilds a thread's rank tree from its messages, in bounded calls.
 * Needed only for threads written before rank trees existed (or copied in by
 * hand); run it while the thread is idle. Returns the number of calls made.
 */
export function rebuildMessageRanks(ctx: DomainContext, { threadId }: { threadId: string }): Promise<number> {
  const details = { threadId: typeof threadId === "string" ? threadId : null };
  return withErrorContext({ operation: "rebuildMessageRanks", details }, async () => {
    requireId(threadId, "threadId");
    let after: SortKey | undefined;
    for (let calls = 1;; calls++) {
      const step = await ctx.transport.mutation<{ done: boolean; after?: SortKey }>("memory/messages:rebuildRanks", {
        threadId,
        ...(after ? { after } : {}),
      }, { operation: "rebuildMessageRanks", details, idempotent: true });
      if (step.done) return calls;
      after = step.after;
    }
  });
}
