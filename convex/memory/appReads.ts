/**
 * The reads of Mastra memory that the app mounting our component may call
 * from its own functions, behind its own auth (e.g. to show a user their
 * threads and messages):
 *
 * ```ts
 * const messages = await ctx.runQuery(components.mastra.memory.appReads.recentMessages, { threadId, limit: 50 });
 * ```
 *
 * They return small, plain shapes (dates as epoch ms; message content as the
 * JSON text Mastra stored, `null` when it is too large for one document and
 * must be read with `ConvexStorage`). Each reads at most `limit` (≤ 200) rows
 * through an index. Like every function of a component, they are never
 * reachable from the internet: only the parent app and admin/deploy keys
 * can call them.
 */
import {
  type PaginationOptions,
  paginationOptsValidator,
  type PaginationResult,
  paginationResultValidator,
} from "convex/server";
import { type Infer, v } from "convex/values";
import { isBlobRef, readField } from "../kit/blobs.js";
import { decodeValue } from "../kit/codec.js";
import { appQuery, type QueryCtx } from "../kit/functions.js";
import { checkAppLimit, checkPageOptions } from "../kit/appPages.js";
import type { MessageRow } from "./validators.js";
import { isDeleting } from "./threadDeletion.js";

/** Largest `limit` of an app read. */
export const MAX_APP_READ = 200;

const checkLimit = (limit: number): number => checkAppLimit(limit, MAX_APP_READ);

/** A thread as the app sees it. */
export const appThreadValidator = v.object({
  id: v.string(),
  resourceId: v.string(),
  title: v.union(v.string(), v.null()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A thread as the app sees it. */
export type AppThread = Infer<typeof appThreadValidator>;

/** A message as the app sees it. */
export const appMessageValidator = v.object({
  id: v.string(),
  threadId: v.string(),
  /** The resource (user) the message was saved for, when any. */
  resourceId: v.optional(v.string()),
  role: v.string(),
  /** Mastra's message type (`"text"` when absent). */
  type: v.optional(v.string()),
  createdAt: v.number(),
  /** The message content as JSON text, or `null` when it is stored in pieces (read it with ConvexStorage). */
  content: v.union(v.string(), v.null()),
});
/** A message as the app sees it. */
export type AppMessage = Infer<typeof appMessageValidator>;

function toAppThread(row: { id: string; resourceId: string; title?: string; createdAt: number; updatedAt: number }) {
  return {
    id: row.id,
    resourceId: row.resourceId,
    title: row.title !== undefined && !isBlobRef(row.title) ? row.title : null,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** One thread by id, or `null`. */
export const thread = appQuery({
  args: { threadId: v.string() },
  returns: v.union(appThreadValidator, v.null()),
  handler: async (ctx, { threadId }): Promise<AppThread | null> => {
    const row = await ctx.db.query("threads").withIndex("by_mastra_id", (q) => q.eq("id", threadId)).unique();
    return row ? toAppThread(row) : null;
  },
});

/** The most recently updated threads of a resource (a user), newest first. */
export const threadsOfResource = appQuery({
  args: { resourceId: v.string(), limit: v.number() },
  returns: v.array(appThreadValidator),
  handler: async (ctx, { resourceId, limit }): Promise<AppThread[]> => {
    const rows = await ctx.db.query("threads")
      .withIndex("by_resource_updatedAt", (q) => q.eq("resourceId", resourceId))
      .order("desc")
      .take(checkLimit(limit));
    return rows.map(toAppThread);
  },
});

/** The latest `limit` messages of a thread, oldest first. */
export const recentMessages = appQuery({
  args: { threadId: v.string(), limit: v.number() },
  returns: v.array(appMessageValidator),
  handler: async (ctx, { threadId, limit }): Promise<AppMessage[]> => {
    // A thread being deleted has no messages left for any reader (memory/threadDeletion.ts).
    if (await isDeleting(ctx, threadId)) return [];
    const rows = await ctx.db.query("messages")
      .withIndex("by_thread_createdAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(checkLimit(limit));
    return rows.reverse().map(toAppMessage);
  },
});

function toAppMessage(row: MessageRow): AppMessage {
  const message: AppMessage = {
    id: row.id,
    threadId: row.threadId,
    role: row.role,
    createdAt: row.createdAt,
    content: isBlobRef(row.content) ? null : row.content,
  };
  if (row.resourceId !== undefined) message.resourceId = row.resourceId;
  if (row.type !== undefined) message.type = row.type;
  return message;
}

/** A page of a resource's threads as the app sees it. */
export type AppThreadPage = PaginationResult<AppThread>;
/** A page of a thread's messages as the app sees it. */
export type AppMessagePage = PaginationResult<AppMessage>;

/**
 * A resource's threads, most recently updated first, one page at a time
 * with Convex's `paginationOpts` (so `usePaginatedQuery` works): one index
 * range of at most `numItems` (≤ 200) threads per page.
 */
export const threadsPage = appQuery({
  args: { resourceId: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(appThreadValidator),
  handler: async (ctx, { resourceId, paginationOpts }): Promise<AppThreadPage> => {
    const result = await ctx.db.query("threads")
      .withIndex("by_resource_updatedAt", (q) => q.eq("resourceId", resourceId))
      .order("desc")
      .paginate(checkPageOptions(paginationOpts, MAX_APP_READ));
    return { ...result, page: result.page.map(toAppThread) };
  },
});

/**
 * A thread's messages, newest page first (newest first within a page), with
 * Convex's `paginationOpts`: one index range of at most `numItems` (≤ 200)
 * messages per page. Reverse a page (or the concatenated pages) for display
 * oldest first. Content is the stored JSON text, `null` when it is stored in
 * pieces (see {@link appMessageValidator}).
 */
export const messagesPage = appQuery({
  args: { threadId: v.string(), paginationOpts: paginationOptsValidator },
  returns: paginationResultValidator(appMessageValidator),
  handler: async (ctx, { threadId, paginationOpts }): Promise<AppMessagePage> => {
    const result = await ctx.db.query("messages")
      .withIndex("by_thread_createdAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .paginate(checkPageOptions(paginationOpts, MAX_APP_READ));
    // A thread being deleted has no messages left for any reader (memory/threadDeletion.ts); the page's
    // cursor stays Convex's own, so a paginated reader carries on normally.
    if (await isDeleting(ctx, threadId)) return { ...result, page: [] };
    return { ...result, page: result.page.map(toAppMessage) };
  },
});

/** Mastra's working memory of a resource and of one of its threads. */
export const appWorkingMemoryValidator = v.object({
  /** The resource-scoped working memory (`scope: "resource"`), or `null`. */
  resource: v.union(v.string(), v.null()),
  /** The thread-scoped working memory (`thread.metadata.workingMemory`), or `null` (also without `threadId`). */
  thread: v.union(v.string(), v.null()),
});
/** Mastra's working memory of a resource and of one of its threads. */
export type AppWorkingMemory = Infer<typeof appWorkingMemoryValidator>;

async function decodeField(ctx: QueryCtx, stored: string | undefined): Promise<unknown> {
  return stored === undefined ? undefined : decodeValue(await readField(ctx, stored));
}

/**
 * The working memory Mastra keeps for a resource (resource scope) and, with
 * `threadId`, for that thread (thread scope, only when the thread belongs to
 * the resource): at most two documents and their large-value pieces.
 */
export const workingMemory = appQuery({
  args: { resourceId: v.string(), threadId: v.optional(v.string()) },
  returns: appWorkingMemoryValidator,
  handler: async (ctx, { resourceId, threadId }): Promise<AppWorkingMemory> => {
    const resource = await ctx.db.query("resources").withIndex("by_mastra_id", (q) => q.eq("id", resourceId))
      .unique();
    const resourceMemory = await decodeField(ctx, resource?.workingMemory);
    let threadMemory: unknown = undefined;
    if (threadId !== undefined) {
      const thread = await ctx.db.query("threads").withIndex("by_mastra_id", (q) => q.eq("id", threadId)).unique();
      if (thread && thread.resourceId === resourceId) {
        const metadata = await decodeField(ctx, thread.metadata) as Record<string, unknown> | undefined;
        threadMemory = metadata?.workingMemory;
      }
    }
    return {
      resource: typeof resourceMemory === "string" ? resourceMemory : null,
      thread: typeof threadMemory === "string" ? threadMemory : null,
    };
  },
});

/** Page options of the app reads, for callers building them by hand. */
export type AppPageOptions = PaginationOptions;
