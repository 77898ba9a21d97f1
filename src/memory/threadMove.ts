/**
 * `updateThreadResourceId`: moves a thread, its messages and its
 * thread-scoped observational memory to another resource through the
 * resumable steps of `convex/memory/threadMove.ts`. An interrupted call
 * leaves the thread under its old resource (some messages may already be
 * under the new one, with every counter exact) and the move recorded;
 * calling again completes the move, or, with the old resource, reverts it.
 */
import type { StorageThreadType } from "../coreTypes.ts";
import type { SortKey } from "../../convex/kit/walk.ts";
import type { ThreadRow } from "../../convex/memory/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { isLostAnswer, type PartialWrite, withErrorContext } from "../kit/errors.ts";
import { multiStepWrite } from "../kit/multiStep.ts";
import { resolveFields } from "../kit/largeValues.ts";
import { requireId } from "../kit/validate.ts";
import { rowToThread } from "./rows.ts";

/** Passes over the messages before giving up on a thread that keeps receiving messages under the old resource. */
const MAX_PASSES = 5;

/** Reassigns a thread and everything under it to `resourceId`; a no-op when it already belongs there. */
export function updateThreadResourceId(
  ctx: DomainContext,
  { threadId, resourceId }: { threadId: string; resourceId: string },
): Promise<StorageThreadType> {
  const operation = "updateThreadResourceId";
  const details = { threadId: String(threadId), resourceId: String(resourceId) };
  return withErrorContext({ operation, details }, async () => {
    requireId(threadId, "threadId");
    requireId(resourceId, "resourceId");
    const toThread = async (row: ThreadRow) => rowToThread(await resolveFields(ctx, row, ["metadata"], operation));
    const status = await ctx.transport.query<{ thread: ThreadRow | null; complete: boolean }>(
      "memory/threadMove:status",
      { threadId, resourceId },
      { operation, details },
    );
    if (!status.thread) throw new Error(`Thread "${threadId}" not found`);
    if (status.complete) return await toThread(status.thread);
    let begun = false;
    const describe = (): PartialWrite | undefined =>
      begun
        ? {
          state: `the move of thread ${threadId} to resource ${resourceId} is recorded and may be partly done ` +
            `(the thread still under resource ${status.thread!.resourceId}, some of its messages and observational ` +
            `memory possibly under ${resourceId} already, every count exact)`,
          remedy: `calling updateThreadResourceId again with resourceId ${JSON.stringify(resourceId)} completes it, ` +
            `and with ${JSON.stringify(status.thread!.resourceId)} reverts it`,
        }
        : undefined;
    return await multiStepWrite({ operation, details }, describe, async () => {
      await ctx.transport.mutation("memory/threadMove:begin", { threadId, resourceId }, {
        operation,
        details,
        idempotent: true,
      }).catch((error) => {
        begun = isLostAnswer(error); // a refusal recorded nothing
        throw error;
      });
      begun = true;
      for (let pass = 0; pass < MAX_PASSES; pass++) {
        let after: SortKey | null | undefined = undefined;
        do {
          const step: { next: SortKey | null } = await ctx.transport.mutation("memory/threadMove:moveMessages", {
            threadId,
            resourceId,
            ...(after ? { after } : {}),
          }, { operation, details, idempotent: true });
          after = step.next;
        } while (after);
        let record: { rank: number; id: string } | null | undefined = undefined;
        do {
          const step: { next: { rank: number; id: string } | null } = await ctx.transport.mutation(
            "memory/threadMove:moveObservationalMemory",
            { threadId, resourceId, ...(record ? { after: record } : {}) },
            { operation, details, idempotent: true },
          );
          record = step.next;
        } while (record);
        const finished = await ctx.transport.mutation<{ thread: ThreadRow; moved: boolean }>(
          "memory/threadMove:finish",
          { threadId, resourceId, now: ctx.now() },
          { operation, details, idempotent: true },
        );
        if (finished.moved) return await toThread(finished.thread);
      }
      throw new Error(`Thread "${threadId}" kept receiving messages under another resource; its move did not finish`);
    });
  });
}
