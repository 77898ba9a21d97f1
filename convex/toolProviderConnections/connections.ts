/**
 * Connections of Mastra's tool-provider-connections domain. Internal
 * functions only. An upsert keeps the row's `createdAt` and, unless given
 * a new one, its scope (`per-author` for a new row), in one mutation.
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type IndexSpec, walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import { connectionInputValidator, connectionKey, type ConnectionRow, connectionScopeValidator } from "./validators.js";

const keyArgs = { authorId: v.string(), providerId: v.string(), connectionId: v.string() };

async function findConnection(ctx: QueryCtx, id: string) {
  return await ctx.db.query("tool_provider_connections").withIndex("by_key", (q) => q.eq("id", id)).unique();
}

/** One connection, or `null`. */
export const get = internalQuery({
  args: keyArgs,
  handler: async (ctx, { authorId, providerId, connectionId }): Promise<ConnectionRow | null> => {
    const doc = await findConnection(ctx, connectionKey(authorId, providerId, connectionId));
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Inserts or replaces a connection, keeping its `createdAt` and (unless given) its scope. */
export const upsert = internalMutation({
  args: { connection: connectionInputValidator },
  handler: async (ctx, { connection }): Promise<ConnectionRow> => {
    const id = connectionKey(connection.authorId, connection.providerId, connection.connectionId);
    const existing = await findConnection(ctx, id);
    const now = Date.now();
    const { scope, ...rest } = connection;
    const row: ConnectionRow = {
      id,
      ...rest,
      scope: scope ?? existing?.scope ?? "per-author",
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    };
    assertFitsDocument(`tool provider connection ${id}`, row);
    if (existing) await ctx.db.replace(existing._id, row);
    else await ctx.db.insert("tool_provider_connections", row);
    return row;
  },
});

/** Deletes a connection (nothing when it does not exist). */
export const remove = internalMutation({
  args: keyArgs,
  handler: async (ctx, { authorId, providerId, connectionId }): Promise<null> => {
    const doc = await findConnection(ctx, connectionKey(authorId, providerId, connectionId));
    if (doc) await ctx.db.delete(doc._id);
    return null;
  },
});

/**
 * One bounded step of the connections matching the filters, in the order
 * they were first created, through the author's index when one is given.
 */
export const list = internalQuery({
  args: {
    authorId: v.optional(v.string()),
    providerId: v.optional(v.string()),
    toolkit: v.optional(v.string()),
    scope: v.optional(connectionScopeValidator),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { authorId, providerId, toolkit, scope, state }): Promise<ListResult<ConnectionRow>> => {
    const spec: IndexSpec = authorId !== undefined
      ? {
        table: "tool_provider_connections",
        index: "by_author_createdAt",
        eq: [["authorId", authorId]],
        sortField: "createdAt",
      }
      : { table: "tool_provider_connections", index: "by_createdAt", eq: [], sortField: "createdAt" };
    const start: WalkState = state ??
      { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
    const filtered = providerId !== undefined || toolkit !== undefined || scope !== undefined;
    const step = await walk<ConnectionRow & { _id: unknown; _creationTime: number }>(ctx.db, spec, start, {
      predicate: filtered
        ? (doc) =>
          (providerId === undefined || doc.providerId === providerId) &&
          (toolkit === undefined || doc.toolkit === toolkit) && (scope === undefined || doc.scope === scope)
        : undefined,
    });
    return {
      rows: step.rows.map((doc) => withoutSystemFields(doc) as ConnectionRow),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});

/** Rows deleted per `clear` call. */
const CLEAR_BATCH = 2000;

/** One bounded step of deleting every connection. Call until `done`. */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean }> => {
    const rows = await ctx.db.query("tool_provider_connections").take(CLEAR_BATCH);
    for (const row of rows) await ctx.db.delete(row._id);
    return { done: rows.length < CLEAR_BATCH };
  },
});
