/**
 * Copying a thread and its messages inside Convex (`copyThread`; core's
 * `cloneThread` builds on it). The message payloads never travel to the
 * client: Convex copies them in bounded batches, newest first, and returns
 * only the source->copy id pairs. A message with large content gets a
 * copy of its blob (copied chunk batch by chunk batch inside Convex), so
 * the copy stays valid whatever happens to the source.
 */
import { afterPendingDeletions } from "./threadDeletion.ts";
import type { StorageCloneThreadInput, StorageCopyThreadOutput, StorageThreadType } from "../coreTypes.ts";
import { compareValues } from "convex/values";
import type { LargeToCopy, MessageKey } from "../../convex/memory/messages.ts";
import type { DateRange as CreatedAtRange } from "../../convex/kit/walk.ts";
import type { SortKey } from "../../convex/kit/walk.ts";
import type { ThreadRow } from "../../convex/memory/validators.ts";
import { defineData, toDate, toMillis } from "../kit/codec.ts";
import { annotatedError, isLostAnswer, type PartialWrite, partialWriteError, withErrorContext } from "../kit/errors.ts";
import type { MastraError } from "@mastra/core/error";
import { deleteThread } from "./threads.ts";
import { multiStepWrite } from "../kit/multiStep.ts";
import { copyLarge, resolveFields, sweepBlobs } from "../kit/largeValues.ts";
import { optionalRecord, optionalString, requireId } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { rowToThread, threadToRow } from "./rows.ts";

/** Most ids per `messages:copyIds` / key lookup call. */
const ID_BATCH = 1000;

/** Attempts to copy one large message that keeps changing meanwhile. */
const LARGE_COPY_ATTEMPTS = 5;

/** Where a copy goes. */
type CopyTarget = { sourceThreadId: string; threadId: string; resourceId?: string };

/**
 * Copies the ids in order with `messages:copyIds`, handling the messages
 * with large content one by one. Returns the source->copy pairs and
 * whether something was released.
 */
async function copyIds(
  ctx: DomainContext,
  target: CopyTarget,
  ids: string[],
  details: Record<string, string | null>,
  progress: { copied: number },
): Promise<{ pairs: [string, string][]; released: boolean }> {
  const pairs: [string, string][] = [];
  let released = false;
  let start = 0;
  while (start < ids.length) {
    const step: { pairs: [string, string][]; consumed: number; large?: LargeToCopy; released: boolean } = await ctx
      .transport.mutation("memory/messages:copyIds", { ...target, ids: ids.slice(start, start + ID_BATCH) }, {
        operation: "copyThread",
        details,
        idempotent: true,
      });
    pairs.push(...step.pairs);
    progress.copied = pairs.length;
    if (step.released) released = true;
    start += step.consumed;
    if (step.large) {
      const copied = await copyLargeMessage(ctx, target, step.large, details);
      if (copied.pair) pairs.push(copied.pair);
      if (copied.released) released = true;
      start++;
    }
  }
  return { pairs, released };
}

/**
 * Copies one message with large content: its blob into a new one, then the
 * row with `messages:copyLarge`. When the source changed meanwhile, copies
 * it again as it is now (a bounded number of times).
 */
async function copyLargeMessage(
  ctx: DomainContext,
  target: CopyTarget,
  large: LargeToCopy,
  details: Record<string, string | null>,
  attempt = 1,
): Promise<{ pair: [string, string] | null; released: boolean }> {
  if (attempt > LARGE_COPY_ATTEMPTS) {
    throw new Error(`message ${large.sourceId} kept changing while it was being copied; try again`);
  }
  let released = false;
  const copyRef = await copyLarge(ctx, "memory/messages:copyContentChunks", large.ref, "copyThread");
  if (copyRef !== null) {
    const step: { pair: [string, string] | null; retry?: string; released: boolean } = await ctx.transport.mutation(
      "memory/messages:copyLarge",
      { ...target, sourceId: large.sourceId, sourceRef: large.ref, copyRef },
      { operation: "copyThread", details, idempotent: true },
    );
    if (step.pair !== null || step.retry === undefined) return step;
    released = step.released;
  }
  // The source changed meanwhile: copy it as it is now (small again, another large value, or gone).
  const step: { pairs: [string, string][]; large?: LargeToCopy; released: boolean } = await ctx.transport.mutation(
    "memory/messages:copyIds",
    { ...target, ids: [large.sourceId] },
    { operation: "copyThread", details, idempotent: true },
  );
  if (step.released) released = true;
  if (!step.large) return { pair: step.pairs[0] ?? null, released };
  const again = await copyLargeMessage(ctx, target, step.large, details, attempt + 1);
  return { pair: again.pair, released: released || again.released };
}

/**
 * Copies a thread and (a selection of) its messages to a new thread, with
 * every option core defines: `newThreadId`, `resourceId`, `title`,
 * `metadata`, `options.messageLimit` (the newest N) and
 * `options.messageFilter` (`startDate`, `endDate`, `messageIds`).
 */
export function copyThread(ctx: DomainContext, args: StorageCloneThreadInput): Promise<StorageCopyThreadOutput> {
  const details = { sourceThreadId: typeof args?.sourceThreadId === "string" ? args.sourceThreadId : null };
  return withErrorContext({ operation: "copyThread", details }, async () => {
    const { sourceThreadId, newThreadId: providedThreadId, resourceId, title, metadata, options } = args;
    requireId(sourceThreadId, "sourceThreadId");
    optionalString(resourceId, "resourceId");
    optionalString(title, "title");
    optionalRecord(metadata, "metadata");
    const source = await ctx.transport.query<ThreadRow | null>("memory/threads:get", { id: sourceThreadId }, {
      operation: "copyThread",
      details,
    });
    if (!source) throw new Error(`Source thread with id ${sourceThreadId} not found`);
    const newThreadId = providedThreadId || crypto.randomUUID();
    const opDetails = { ...details, newThreadId };

    const filter = options?.messageFilter;
    const range: CreatedAtRange = {};
    if (filter?.startDate) range.start = toMillis(filter.startDate, "messageFilter.startDate");
    if (filter?.endDate) range.end = toMillis(filter.endDate, "messageFilter.endDate");
    const hasRange = range.start !== undefined || range.end !== undefined;
    const limit = options?.messageLimit && options.messageLimit > 0 ? Math.floor(options.messageLimit) : undefined;

    // With explicit ids the selection is planned here from the messages' keys (no payloads).
    let selectedIds: string[] | undefined;
    if (filter?.messageIds && filter.messageIds.length > 0) {
      const ids = [...new Set(filter.messageIds.filter((id) => typeof id === "string"))];
      const keys: MessageKey[] = [];
      for (let i = 0; i < ids.length;) {
        const result = await ctx.transport.query<{ rows: MessageKey[]; consumed: number }>(
          "memory/messages:getMany",
          { ids: ids.slice(i, i + ID_BATCH), keysOnly: true },
          { operation: "copyThread", details: opDetails },
        );
        keys.push(...result.rows);
        i += Math.max(1, result.consumed);
      }
      let selected = keys.filter((key) =>
        key.threadId === sourceThreadId &&
        (range.start === undefined || key.createdAt >= range.start) &&
        (range.end === undefined || key.createdAt <= range.end)
      ).sort((a, b) => compareValues(a.createdAt, b.createdAt) || compareValues(a.id, b.id));
      if (limit !== undefined && selected.length > limit) selected = selected.slice(-limit);
      selectedIds = selected.map((key) => key.id);
    }

    const now = ctx.now();
    const thread: StorageThreadType = {
      id: newThreadId,
      resourceId: resourceId || source.resourceId,
      title: title || (source.title ? `Clone of ${source.title}` : undefined),
      metadata: { ...metadata, clone: { sourceThreadId, clonedAt: toDate(now) } },
      createdAt: toDate(now),
      updatedAt: toDate(now),
    };
    const plan: CopyPlan = {
      sourceThreadId,
      newThreadId,
      resourceId,
      thread,
      now,
      range,
      hasRange,
      limit,
      selectedIds,
    };
    const generated = !providedThreadId;
    const progress: CopyProgress = { started: false, copied: 0 };
    const context = { operation: "copyThread", details: opDetails };
    const describe = (): PartialWrite | undefined =>
      progress.started
        ? {
          state: `thread ${newThreadId} may exist as an incomplete clone of ${sourceThreadId}` +
            ` (${progress.copied} message${progress.copied === 1 ? "" : "s"} copied so far)`,
          remedy: `calling cloneThread again with newThreadId ${JSON.stringify(newThreadId)} and the same ` +
            `arguments completes it, and deleteThread removes it`,
        }
        : undefined;
    for (let round = 1;; round++) {
      try {
        return await multiStepWrite(context, describe, () => runCopy(ctx, plan, progress, opDetails));
      } catch (error) {
        // A lost answer or a dropped connection: resume the same clone (same id) within this call.
        if (round < CLONE_ROUNDS && progress.started && isLostAnswer(error)) continue;
        if (generated && progress.started) throw await removeIncompleteClone(ctx, plan, error, opDetails);
        throw error;
      }
    }
  });
}

/** Rounds of one `copyThread` call: a round stopped by lost answers is resumed under the same id. */
const CLONE_ROUNDS = 3;

/** How far the rounds of one call got. */
type CopyProgress = { started: boolean; copied: number; copiedAll?: CopiedAll };

/** Everything one round of a copy needs, decided once per call. */
type CopyPlan = {
  sourceThreadId: string;
  newThreadId: string;
  resourceId: string | undefined;
  thread: StorageThreadType;
  now: number;
  range: CreatedAtRange;
  hasRange: boolean;
  limit: number | undefined;
  selectedIds: string[] | undefined;
};

/**
 * The clone of a call that chose its own random id (the caller does not
 * know it, and a retry of theirs would start another clone) stopped
 * part-way: removes what it wrote, and says so in the error. When even the
 * removal fails, the error names the incomplete thread.
 */
async function removeIncompleteClone(
  ctx: DomainContext,
  plan: CopyPlan,
  error: unknown,
  details: Record<string, string | null>,
): Promise<MastraError> {
  const context = { operation: "copyThread", details };
  try {
    await deleteThread(ctx, { threadId: plan.newThreadId });
  } catch {
    return partialWriteError(context, error, {
      state: `thread ${plan.newThreadId} may exist as an incomplete clone of ${plan.sourceThreadId}, and removing ` +
        "it failed too",
      remedy: `deleteThread ${JSON.stringify(plan.newThreadId)} removes it, or calling cloneThread with that ` +
        "newThreadId and the same arguments completes it",
    });
  }
  return annotatedError(
    context,
    error,
    `Nothing of the clone remains: the incomplete thread ${plan.newThreadId} was removed`,
    { partial: false },
  );
}

/** One round of a copy: starts (or resumes) the clone, copies the messages, marks it complete. */
async function runCopy(
  ctx: DomainContext,
  plan: CopyPlan,
  progress: CopyProgress,
  opDetails: Record<string, string | null>,
): Promise<StorageCopyThreadOutput> {
  const { sourceThreadId, newThreadId, resourceId, thread, now, range, hasRange, limit, selectedIds } = plan;
  // Every message was copied in an earlier round; only marking it complete failed.
  if (progress.copiedAll) return await finishCopy(ctx, plan, progress.copiedAll, opDetails);
  // Safe to repeat: a retried start (or a retried copyThread with the same
  // newThreadId) resumes the unfinished clone; copies have deterministic ids.
  // Into the id of a thread whose deletion is unfinished: once that deletion is complete, as core would.
  const { lastMessageId, resumed } = await afterPendingDeletions(ctx, "cloneThread", () =>
    ctx.transport.mutation<
      { lastMessageId: string | null; resumed?: ThreadRow }
    >(
      "memory/messages:copyStart",
      {
        sourceThreadId,
        thread: threadToRow(thread, now),
        selection: {
          ...(hasRange ? { range } : {}),
          ...(selectedIds !== undefined && selectedIds.length > 0 ? { lastMessageId: selectedIds.at(-1) } : {}),
        },
        explicitIds: selectedIds !== undefined,
      },
      { operation: "copyThread", details: opDetails, idempotent: true },
    )).catch((error) => {
      // The start may have committed before its answer was lost (a refusal, such as an existing thread, did not).
      if (isLostAnswer(error)) progress.started = true;
      throw error;
    });
  progress.started = true;

  let pairs: [string, string][] = [];
  let released = false;
  const target: CopyTarget = { sourceThreadId, threadId: newThreadId, ...(resourceId ? { resourceId } : {}) };
  if (selectedIds !== undefined) {
    ({ pairs, released } = await copyIds(ctx, target, selectedIds, opDetails, progress));
  } else {
    let after: SortKey | null | undefined = undefined;
    let remaining = limit ?? Number.MAX_SAFE_INTEGER;
    do {
      const step: {
        pairs: [string, string][];
        next: SortKey | null;
        remaining: number;
        large?: LargeToCopy;
        released: boolean;
      } = await ctx.transport
        .mutation("memory/messages:copyBatch", {
          ...target,
          ...(hasRange ? { range } : {}),
          ...(after ? { after } : {}),
          remaining,
        }, { operation: "copyThread", details: opDetails, idempotent: true });
      pairs.push(...step.pairs);
      progress.copied = pairs.length;
      if (step.released) released = true;
      after = step.next;
      remaining = step.remaining;
      if (step.large) {
        const copied = await copyLargeMessage(ctx, target, step.large, opDetails);
        if (copied.pair) {
          pairs.push(copied.pair);
          remaining--;
        }
        if (copied.released) released = true;
        after = remaining > 0 ? step.large.key : null;
      }
    } while (after);
    pairs.reverse(); // copied newest first; report oldest first like core
  }
  progress.copiedAll = { pairs, released, lastMessageId, ...(resumed !== undefined ? { resumed } : {}) };
  return await finishCopy(ctx, plan, progress.copiedAll, opDetails);
}

/** What a round that copied every message found; marking the clone complete remains. */
type CopiedAll = {
  pairs: [string, string][];
  released: boolean;
  lastMessageId: string | null;
  resumed?: ThreadRow;
};

/** Marks the clone complete (safe to repeat) and answers with it. */
async function finishCopy(
  ctx: DomainContext,
  plan: CopyPlan,
  { pairs, released, lastMessageId, resumed }: CopiedAll,
  opDetails: Record<string, string | null>,
): Promise<StorageCopyThreadOutput> {
  // Every message is copied: the clone is complete (a retry no longer resumes it).
  await ctx.transport.mutation("memory/messages:copyFinish", { threadId: plan.newThreadId }, {
    operation: "copyThread",
    details: opDetails,
    idempotent: true,
  });
  if (released) await sweepBlobs(ctx, "copyThread");
  const messageIdMap: Record<string, string> = {};
  for (const [sourceId, copyId] of pairs) defineData(messageIdMap, sourceId, copyId);
  if (resumed !== undefined) {
    // The clone that an earlier, interrupted call started: answer with it as stored.
    return { thread: rowToThread(await resolveFields(ctx, resumed, ["metadata"], "copyThread")), messageIdMap };
  }
  const { thread } = plan;
  const answer = { ...thread, metadata: { ...thread.metadata, clone: { ...thread.metadata!.clone as object } } };
  if (lastMessageId !== null) (answer.metadata.clone as Record<string, unknown>).lastMessageId = lastMessageId;
  return { thread: answer, messageIdMap };
}
