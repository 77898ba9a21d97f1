/**
 * The client's part of deleting a thread (the deployment's is
 * `convex/memory/threadDeletion.ts`): driving a deletion's bounded steps to
 * the end, and writing onto the id of a thread whose deletion is unfinished.
 *
 * From the first step's commit the thread is gone for every reader, as in
 * core's `InMemoryStore` after `deleteThread`; the deployment removes what
 * is left by itself. A write that names such a thread (saving a thread with
 * its id, saving or moving messages into it, cloning into it) is refused by
 * the deployment with `DELETING`; {@link afterPendingDeletions} then
 * finishes that deletion and writes again, so the write behaves as it would
 * once the deletion is complete.
 */
import type { DomainContext } from "../kit/context.ts";
import { storageErrorCode } from "../kit/errors.ts";

/** Writes refused because a thread is being deleted, retried at most this many times (one deletion finished each). */
const DELETION_RETRIES = 16;

/** The thread named by a `DELETING` refusal in `error` or its causes, if that is what it is. */
export function deletingThreadOf(error: unknown): string | undefined {
  for (let current = error, depth = 0; current !== undefined && current !== null && depth < 8; depth++) {
    if (storageErrorCode(current) === "DELETING") {
      const threadId = (current as { data?: { threadId?: unknown } }).data?.threadId;
      return typeof threadId === "string" ? threadId : undefined;
    }
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Runs the bounded steps of deleting `threadId` (`memory/threads:remove`)
 * until nothing is left; `onStep` hears each confirmed step. Returns
 * whether a large value was released (the caller may sweep sooner).
 */
export async function finishDeletion(
  ctx: DomainContext,
  threadId: string,
  operation: string,
  onStep: () => void = () => {},
): Promise<boolean> {
  let released = false;
  for (;;) {
    const step = await ctx.transport.mutation<{ done: boolean; released: boolean }>("memory/threads:remove", {
      id: threadId,
    }, { operation, details: { threadId }, idempotent: true });
    onStep();
    released ||= step.released;
    if (step.done) return released;
  }
}

/**
 * Runs `write`; when the deployment refuses it because a thread it names is
 * still being deleted (nothing was written), finishes that deletion and
 * runs `write` again.
 */
export async function afterPendingDeletions<T>(
  ctx: DomainContext,
  operation: string,
  write: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await write();
    } catch (error) {
      const threadId = deletingThreadOf(error);
      if (threadId === undefined || attempt > DELETION_RETRIES) throw error;
      await finishDeletion(ctx, threadId, operation);
    }
  }
}
