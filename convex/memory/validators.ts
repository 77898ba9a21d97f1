/**
 * Row shapes of the memory domain (threads, resources, messages) as they cross
 * the wire; both sides import them. User values are strings made by the codec;
 * dates are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** A thread as stored. */
export const threadValidator = v.object({
  id: v.string(),
  resourceId: v.string(),
  title: v.optional(v.string()),
  metadata: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A thread as stored. */
export type ThreadRow = Infer<typeof threadValidator>;

/** A resource (working memory owner) as stored. */
export const resourceValidator = v.object({
  id: v.string(),
  workingMemory: v.optional(v.string()),
  metadata: v.optional(v.string()),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A resource as stored. */
export type ResourceRow = Infer<typeof resourceValidator>;

/** A message as stored. */
export const messageValidator = v.object({
  id: v.string(),
  threadId: v.string(),
  resourceId: v.optional(v.string()),
  role: v.string(),
  type: v.optional(v.string()),
  content: v.string(),
  createdAt: v.number(),
});
/** A message as stored. */
export type MessageRow = Infer<typeof messageValidator>;
