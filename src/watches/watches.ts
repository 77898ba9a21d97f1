/**
 * The watches `ConvexStorage` offers: a thread, a resource's threads, a
 * thread's messages, a workflow run. Each subscribes to the Convex query
 * that serves the value, so Convex pushes a new result after every commit
 * that changes it; the value handed to the callback is then read through
 * the domain (so large values and conversions are exactly as in the
 * non-reactive calls).
 */
import type { MastraDBMessage, StorageThreadType, WorkflowRun } from "../coreTypes.ts";
import type { MemoryStorage, WorkflowsStorage } from "@mastra/core/storage";
import type { DomainContext } from "../kit/context.ts";
import type { ThreadRow } from "../../convex/memory/validators.ts";
import { resolveFields } from "../kit/largeValues.ts";
import { rowToThread } from "../memory/rows.ts";
import { type ReactiveClientLike, type Unsubscribe, type WatchOptions, watchQuery } from "./reactiveClient.ts";
import { InvalidInputError } from "../kit/errors.ts";

/** What the watches need. */
export type WatchContext = DomainContext & {
  reactive: ReactiveClientLike;
  memory: MemoryStorage;
  workflows: WorkflowsStorage;
};

/** Largest page a watch may follow (one reactive query must stay small). */
export const MAX_WATCH_PAGE = 200;

function checkPage(perPage: number): number {
  if (!Number.isSafeInteger(perPage) || perPage < 1 || perPage > MAX_WATCH_PAGE) {
    throw new InvalidInputError(`perPage of a watch must be an integer from 1 to ${MAX_WATCH_PAGE}, got ${perPage}`);
  }
  return perPage;
}

/** Watches one thread (`null` while it does not exist). */
export function watchThread(
  ctx: WatchContext,
  threadId: string,
  onChange: (thread: StorageThreadType | null) => void,
  options: WatchOptions = {},
): Unsubscribe {
  return watchQuery<ThreadRow | null, StorageThreadType | null>(
    ctx.reactive,
    "memory/threads:get",
    { id: threadId },
    async (row) => row ? rowToThread(await resolveFields(ctx, row, ["metadata"], "watchThread")) : null,
    onChange,
    { ...options, operation: "watchThread", details: { threadId } },
  );
}

/** Watches the newest threads of a resource (by `updatedAt`, newest first). */
export function watchThreads(
  ctx: WatchContext,
  resourceId: string,
  onChange: (threads: StorageThreadType[]) => void,
  options: WatchOptions & { perPage?: number; orderBy?: "createdAt" | "updatedAt" } = {},
): Unsubscribe {
  const perPage = checkPage(options.perPage ?? 20);
  const field = options.orderBy ?? "updatedAt";
  return watchQuery(
    ctx.reactive,
    "memory/threads:list",
    { resourceId, field, order: "desc", offset: 0, limit: perPage },
    async () =>
      (await ctx.memory.listThreads({
        filter: { resourceId },
        perPage,
        orderBy: { field, direction: "DESC" },
      })).threads,
    onChange,
    { ...options, operation: "watchThreads", details: { resourceId } },
  );
}

/**
 * Watches a thread's messages, oldest first: the latest `last` messages
 * (default 40), or page `page` of `perPage` when `page` is given.
 */
export function watchMessages(
  ctx: WatchContext,
  threadId: string,
  onChange: (messages: MastraDBMessage[]) => void,
  options: WatchOptions & { last?: number; page?: number; perPage?: number } = {},
): Unsubscribe {
  const paged = options.page !== undefined;
  const size = checkPage(paged ? options.perPage ?? 40 : options.last ?? 40);
  const page = options.page ?? 0;
  if (!Number.isSafeInteger(page) || page < 0) throw new InvalidInputError(`page must be an integer >= 0, got ${page}`);
  return watchQuery(
    ctx.reactive,
    "memory/messages:list",
    paged
      ? { threadIds: [threadId], order: "asc", offset: page * size, limit: size }
      : { threadIds: [threadId], order: "desc", offset: 0, limit: size },
    async () => {
      if (paged) {
        return (await ctx.memory.listMessages({
          threadId,
          page,
          perPage: size,
          orderBy: { field: "createdAt", direction: "ASC" },
        })).messages;
      }
      const { messages } = await ctx.memory.listMessages({
        threadId,
        perPage: size,
        orderBy: { field: "createdAt", direction: "DESC" },
      });
      return messages.reverse();
    },
    onChange,
    { ...options, operation: "watchMessages", details: { threadId } },
  );
}

/** Watches one workflow run (`null` while it does not exist). */
export function watchWorkflowRun(
  ctx: WatchContext,
  args: { runId: string; workflowName?: string },
  onChange: (run: WorkflowRun | null) => void,
  options: WatchOptions = {},
): Unsubscribe {
  return watchQuery(
    ctx.reactive,
    "workflows/runs:get",
    { runId: args.runId, ...(args.workflowName !== undefined ? { workflowName: args.workflowName } : {}) },
    () => ctx.workflows.getWorkflowRunById(args),
    onChange,
    { ...options, operation: "watchWorkflowRun", details: { runId: args.runId } },
  );
}
