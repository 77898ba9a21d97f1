/**
 * Wire shapes of the tool-provider-connections domain: one row per
 * `(authorId, providerId, connectionId)`, a name lookup for connections
 * held by a tool provider. Times are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** Validator of a connection's identity bucketing. */
export const connectionScopeValidator = v.union(
  v.literal("shared"),
  v.literal("per-author"),
  v.literal("caller-supplied"),
);

/** A connection as stored (without Convex's system fields). */
export const connectionRowValidator = v.object({
  /** The composite key as JSON text `[authorId, providerId, connectionId]` (ties of `createdAt` break on it). */
  id: v.string(),
  authorId: v.string(),
  providerId: v.string(),
  toolkit: v.string(),
  connectionId: v.string(),
  label: v.optional(v.union(v.string(), v.null())),
  scope: connectionScopeValidator,
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A connection as stored. */
export type ConnectionRow = Infer<typeof connectionRowValidator>;

/** What an upsert sends. */
export const connectionInputValidator = v.object({
  authorId: v.string(),
  providerId: v.string(),
  toolkit: v.string(),
  connectionId: v.string(),
  label: v.optional(v.union(v.string(), v.null())),
  scope: v.optional(connectionScopeValidator),
});
/** What an upsert sends. */
export type ConnectionInput = Infer<typeof connectionInputValidator>;

/** The key of a connection row. */
export function connectionKey(authorId: string, providerId: string, connectionId: string): string {
  return JSON.stringify([authorId, providerId, connectionId]);
}
