/**
 * Thread operations of the memory domain.
 */
import type { StorageListThreadsInput, StorageListThreadsOutput, StorageThreadType } from "../coreTypes.ts";
import { calculatePagination, normalizePerPage } from "@mastra/core/storage";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { ThreadRow } from "../../convex/memory/validators.ts";
import { encodeValue } from "../kit/codec.ts";
import { mergeEncodedRecords } from "../../convex/kit/codec.ts";
import { utf8Length } from "../../convex/kit/blobs.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { repeatUntilDone } from "../kit/multiStep.ts";
import {
  optionalNullableRecord,
  optionalNullableString,
  optionalRecord,
  optionalString,
  requireId,
  requireKey,
} from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { loadLarge, offloadFields, resolveFields, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { rowToThread, threadToRow } from "./rows.ts";
import { afterPendingDeletions } from "./threadDeletion.ts";

/** Reads one thread, optionally only if it belongs to `resourceId`. */
export function getThreadById(
  ctx: DomainContext,
  { threadId, resourceId }: { threadId: string; resourceId?: string },
): Promise<StorageThreadType | null> {
  return withErrorContext(
    { operation: "getThreadById", details: { threadId, resourceId: resourceId ?? null } },
    async () => {
      requireId(threadId, "threadId");
      const row = await ctx.transport.query<ThreadRow | null>("memory/threads:get", { id: threadId }, {
        operation: "getThreadById",
        details: { threadId },
      });
      if (!row || (resourceId !== undefined && row.resourceId !== resourceId)) return null;
      return rowToThread(await resolveFields(ctx, row, ["metadata"], "getThreadById"));
    },
  );
}

/** Inserts or replaces a thread; returns the thread it was given. */
export function saveThread(ctx: DomainContext, { thread }: { thread: StorageThreadType }): Promise<StorageThreadType> {
  const details = { threadId: typeof thread?.id === "string" ? thread.id : null };
  return withErrorContext({ operation: "saveThread", details }, async () => {
    const row = await offloadFields(ctx, threadToRow(thread, ctx.now()), ["metadata"], "saveThread");
    // A thread with this id whose deletion is unfinished is finished first: saving it then makes a new, empty
    // thread, as in core once a thread is deleted.
    const { released } = await afterPendingDeletions(
      ctx,
      "saveThread",
      () =>
        ctx.transport.mutation<{ released: boolean }>("memory/threads:save", { thread: row }, {
          operation: "saveThread",
          details,
          idempotent: true,
        }),
    );
    if (released) await sweepBlobs(ctx, "saveThread");
    return thread;
  });
}

/** Sets the title and/or merges metadata keys; stamps `updatedAt`. */
export function updateThread(
  ctx: DomainContext,
  { id, title, metadata }: { id: string; title?: string; metadata?: Record<string, unknown> },
): Promise<StorageThreadType> {
  const details = { threadId: typeof id === "string" ? id : null };
  return withErrorContext({ operation: "updateThread", details }, async () => {
    requireId(id, "id");
    const args: Record<string, unknown> = { id, now: ctx.now() };
    const checkedTitle = optionalString(title, "title");
    if (checkedTitle !== undefined) args.title = checkedTitle;
    const checkedMetadata = optionalRecord(metadata, "metadata");
    const patch = checkedMetadata === undefined ? undefined : encodeValue(checkedMetadata);
    if (patch !== undefined) args.metadata = patch;
    const answer = patch !== undefined && utf8Length(patch) > INLINE_PATCH_BYTES
      ? { tooLarge: true as const }
      : await ctx.transport.mutation<
        { thread: ThreadRow; released: boolean; metadata?: string } | { tooLarge: true }
      >("memory/threads:update", args, { operation: "updateThread", details, idempotent: true });
    if ("tooLarge" in answer) return await mergeThreadOnClient(ctx, id, checkedTitle, patch);
    const { thread, released, metadata: merged } = answer;
    if (released) await sweepBlobs(ctx, "updateThread");
    // Prefer the merged metadata the mutation returned: a large value it
    // refers to may be replaced and swept by a concurrent update by now.
    const row = merged === undefined ? thread : { ...thread, metadata: merged };
    return rowToThread(await resolveFields(ctx, row, ["metadata"], "updateThread"));
  });
}

/** A metadata patch larger than this (UTF-8 bytes) is merged by the client rather than sent inline. */
const INLINE_PATCH_BYTES = 4 * 1024 * 1024;
/** Attempts of a client-side metadata merge (compare-and-set) before giving up. */
const MERGE_ATTEMPTS = 8;

/**
 * `updateThread` for metadata too large for one Convex transaction: reads
 * the stored metadata, merges on the client (the same rule as the
 * mutation), uploads the result and commits it with a compare-and-set,
 * retrying when a concurrent update got there first.
 */
async function mergeThreadOnClient(
  ctx: DomainContext,
  id: string,
  title: string | undefined,
  patch: string | undefined,
): Promise<StorageThreadType> {
  for (let attempt = 1;; attempt++) {
    const row = await ctx.transport.query<ThreadRow | null>("memory/threads:get", { id }, {
      operation: "updateThread",
      details: { threadId: id },
    });
    if (!row) throw new InvalidInputError(`Thread with id ${id} not found`);
    let current: string | undefined;
    try {
      current = row.metadata === undefined ? undefined : await loadLarge(ctx, row.metadata, "updateThread");
    } catch (error) {
      // Replaced and swept by a concurrent update meanwhile: read again.
      if (attempt < MERGE_ATTEMPTS) continue;
      throw error;
    }
    const merged = mergeEncodedRecords(current, patch);
    const stored = await storeLarge(ctx, merged, "updateThread");
    const answer = await ctx.transport.mutation<
      { status: "ok"; thread: ThreadRow; released: boolean } | { status: "conflict"; released: boolean }
    >("memory/threads:commitMetadata", {
      id,
      ...(title !== undefined ? { title } : {}),
      ...(row.metadata !== undefined ? { expected: row.metadata } : {}),
      metadata: stored,
      now: ctx.now(),
    }, { operation: "updateThread", details: { threadId: id }, idempotent: true });
    if (answer.released) await sweepBlobs(ctx, "updateThread");
    if (answer.status === "ok") return rowToThread({ ...answer.thread, metadata: merged });
    if (attempt >= MERGE_ATTEMPTS) {
      throw new Error(`metadata of thread ${id} kept changing concurrently; gave up after ${attempt} attempts`);
    }
  }
}

/**
 * Deletes a thread with all its messages. The first call makes the thread
 * and its messages invisible to every read at once; what is left goes in
 * further bounded calls, which this call drives to the end (so it resolves
 * once everything is gone) while the deployment runs the same steps by
 * itself: a caller that stops half-way leaves nothing visible, and the
 * deletion still completes.
 */
export function deleteThread(ctx: DomainContext, { threadId }: { threadId: string }): Promise<void> {
  const details = { threadId: typeof threadId === "string" ? threadId : null };
  return withErrorContext({ operation: "deleteThread", details }, async () => {
    requireId(threadId, "threadId");
    let steps = 0;
    let released = false;
    await repeatUntilDone({ operation: "deleteThread", details }, () => ({
      state:
        `thread ${threadId} may already be deleted for every reader (${steps} bounded step${
          steps === 1 ? "" : "s"
        } confirmed): once the first step commits, no read sees the thread or its messages, and the deployment ` +
        "removes what is left by itself",
      remedy: "nothing is needed; calling deleteThread again waits until nothing is left",
    }), async () => {
      const step = await ctx.transport.mutation<{ done: boolean; released: boolean }>("memory/threads:remove", {
        id: threadId,
      }, { operation: "deleteThread", details, idempotent: true });
      steps++;
      released ||= step.released;
      return step.done;
    });
    // Released large values are reclaimed by the deployment itself (scheduled); sweeping now only frees them sooner.
    if (released) await sweepBlobs(ctx, "deleteThread");
  });
}

/** Lists threads with Mastra's filters, ordering and offset pagination. */
export function listThreads(
  ctx: DomainContext & {
    validatePaginationInput(page: number, perPage: number | false): void;
    validateMetadataKeys(metadata: Record<string, unknown> | undefined): void;
    parseOrderBy(
      orderBy: StorageListThreadsInput["orderBy"],
    ): { field: "createdAt" | "updatedAt"; direction: "ASC" | "DESC" };
  },
  args: StorageListThreadsInput,
): Promise<StorageListThreadsOutput> {
  const resourceId = args?.filter?.resourceId;
  const details = { resourceId: typeof resourceId === "string" ? resourceId : null };
  return withErrorContext({ operation: "listThreads", details }, async () => {
    const { page = 0, perPage: perPageInput, orderBy } = args ?? {};
    const filter = optionalNullableRecord(args?.filter, "filter") as StorageListThreadsInput["filter"];
    if (filter !== undefined) {
      const checked = optionalNullableString(filter.resourceId, "filter.resourceId");
      if (checked !== undefined) requireKey(checked, "filter.resourceId");
      optionalNullableRecord(filter.metadata, "filter.metadata");
    }
    const { field, direction } = ctx.parseOrderBy(orderBy);
    ctx.validatePaginationInput(page, perPageInput ?? 100);
    const perPage = normalizePerPage(perPageInput, 100);
    ctx.validateMetadataKeys(filter?.metadata);
    const { offset, perPage: perPageForResponse } = calculatePagination(page, perPageInput, perPage);
    const metadata = filter?.metadata && Object.keys(filter.metadata).length > 0
      ? encodeValue(filter.metadata)
      : undefined;
    const { rows, total } = await runWalk((state: WalkState | undefined) =>
      ctx.transport.query<ListResult<ThreadRow>>("memory/threads:list", {
        ...(filter?.resourceId ? { resourceId: filter.resourceId } : {}),
        field,
        order: direction === "ASC" ? "asc" : "desc",
        offset,
        limit: perPage,
        ...(metadata !== undefined ? { metadata } : {}),
        ...(state !== undefined ? { state } : {}),
      }, { operation: "listThreads", details })
    );
    const count = total ?? 0;
    return {
      threads: await Promise.all(
        rows.map(async (row) => rowToThread(await resolveFields(ctx, row, ["metadata"], "listThreads"))),
      ),
      total: count,
      page,
      perPage: perPageForResponse,
      hasMore: offset + perPage < count,
    };
  });
}
