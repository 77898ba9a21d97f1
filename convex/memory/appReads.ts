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
import { type Infer, v } from "convex/values";
import { isBlobRef } from "../kit/blobs.js";
import { storageError } from "../kit/errors.js";
import { appQuery } from "../kit/functions.js";

/** Largest `limit` of an app read. */
export const MAX_APP_READ = 200;

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_APP_READ) {
    throw storageError("INVALID", `limit must be an integer from 1 to ${MAX_APP_READ}, got ${limit}`);
  }
  return limit;
}

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
  role: v.string(),
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
    const rows = await ctx.db.query("messages")
      .withIndex("by_thread_createdAt", (q) => q.eq("threadId", threadId))
      .order("desc")
      .take(checkLimit(limit));
    return rows.reverse().map((row) => ({
      id: row.id,
      threadId: row.threadId,
      role: row.role,
      createdAt: row.createdAt,
      content: isBlobRef(row.content) ? null : row.content,
    }));
  },
});
