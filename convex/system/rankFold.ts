/**
 * Folds of pending rank-tree changes into the nodes (`kit/rankPending.ts`).
 * Internal functions only, for tools, rebuilds and tests: writes fold their
 * trees themselves when a tree's pending changes pass their cap.
 */
import { type FunctionReference, makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { internalMutation } from "../kit/functions.js";
import { foldTree } from "../kit/rankTree.js";

const foldRef: FunctionReference<"mutation", "internal", { tree: string }> = makeFunctionReference<
  "mutation",
  { tree: string }
>("system/rankFold:fold") as never;

/**
 * Applies a batch of the pending changes of `tree` to its nodes; schedules
 * itself again while more are left. Safe to run late, twice or concurrently.
 */
export const fold = internalMutation({
  args: { tree: v.string() },
  handler: async (ctx, { tree }): Promise<{ done: boolean; folded: number }> => {
    const step = await foldTree(ctx, tree);
    if (!step.done) await ctx.scheduler.runAfter(0, foldRef, { tree });
    return step;
  },
});

/** Applies a batch of the pending changes of every tree; call until `done`. */
export const foldAll = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean; folded: number }> => await foldTree(ctx, null),
});
