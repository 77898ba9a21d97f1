/**
 * Thread operations of the memory domain.
 */
import type { StorageThreadType } from "@mastra/core/memory";
import type { StorageListThreadsInput, StorageListThreadsOutput } from "@mastra/core/storage";
import { calculatePagination, normalizePerPage } from "@mastra/core/storage";
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";
import type { ThreadRow } from "../../convex/memory/validators.ts";
import { encodeValue } from "../kit/codec.ts";
import { withErrorContext } from "../kit/errors.ts";
import { optionalRecord, optionalString, requireId } from "../kit/validate.ts";
import type { DomainContext } from "../kit/context.ts";
import { runWalk } from "../kit/walk.ts";
import { offloadFields, resolveFields, sweepBlobs } from "../kit/largeValues.ts";
import { rowToThread, threadToRow } from "./rows.ts";

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
    const { released } = await ctx.transport.mutation<{ released: boolean }>("memory/threads:save", { thread: row }, {
      operation: "saveThread",
      details,
      idempotent: true,
    });
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
    if (checkedMetadata !== undefined) args.metadata = encodeValue(checkedMetadata);
    const { thread, released, metadata: merged } = await ctx.transport.mutation<
      { thread: ThreadRow; released: boolean; metadata?: string }
    >("memory/threads:update", args, { operation: "updateThread", details, idempotent: true });
    if (released) await sweepBlobs(ctx, "updateThread");
    // Prefer the merged metadata the mutation returned: a large value it
    // refers to may be replaced and swept by a concurrent update by now.
    const row = merged === undefined ? thread : { ...thread, metadata: merged };
    return rowToThread(await resolveFields(ctx, row, ["metadata"], "updateThread"));
  });
}

/** Deletes a thread with all its messages, in as many bounded calls as needed. */
export function deleteThread(ctx: DomainContext, { threadId }: { threadId: string }): Promise<void> {
  const details = { threadId: typeof threadId === "string" ? threadId : null };
  return withErrorContext({ operation: "deleteThread", details }, async () => {
    requireId(threadId, "threadId");
    for (;;) {
      const { done } = await ctx.transport.mutation<{ done: boolean }>("memory/threads:remove", { id: threadId }, {
        operation: "deleteThread",
        details,
        idempotent: true,
      });
      if (done) break;
    }
    await sweepBlobs(ctx, "deleteThread");
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
    const { page = 0, perPage: perPageInput, orderBy, filter } = args ?? {};
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
