/**
 * Writing message rows together with their bookkeeping.
 *
 * Every insert, move or delete of a message adjusts, in the same mutation,
 * the counters that serve `total` without scanning: messages of the thread,
 * of the resource, and of the (thread, resource) pair (the usual
 * `listMessages({ threadId, resourceId })` of Mastra's memory).
 */
import { adjustCounters } from "../kit/counters.js";
import { memoryCounters, memoryTrees } from "./counterNames.js";
import type { DataModel, MutationCtx, QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { RankBatch } from "../kit/rankTree.js";
import type { MessageRow } from "./validators.js";

/** Counter of the messages of one thread that belong to one resource. */
export function messagesOfThreadResource(threadId: string, resourceId: string): string {
  // JSON keeps the pair unambiguous whatever characters the ids contain.
  return `messages:threadResource:${JSON.stringify([threadId, resourceId])}`;
}

/** Counter changes for adding (`sign` 1) or removing (`sign` -1) one message. */
export function messageCounterDeltas(row: Pick<MessageRow, "threadId" | "resourceId">, sign: 1 | -1): [
  string,
  number,
][] {
  const deltas: [string, number][] = [[memoryCounters.messagesOfThread(row.threadId), sign]];
  if (row.resourceId !== undefined) {
    deltas.push([memoryCounters.messagesOfResource(row.resourceId), sign]);
    deltas.push([messagesOfThreadResource(row.threadId, row.resourceId), sign]);
  }
  return deltas;
}

type MessageKeyFields = Pick<MessageRow, "id" | "threadId" | "resourceId" | "createdAt">;

/** The rank-tree entries of a message: its thread's tree and its resource's. */
export function treeEntries(row: MessageKeyFields | null): { tree: string; key: { value: number; id: string } }[] {
  if (!row) return [];
  const key = { value: row.createdAt, id: row.id };
  const entries = row.threadId ? [{ tree: memoryTrees.messagesOfThread(row.threadId), key }] : [];
  if (row.resourceId !== undefined) entries.push({ tree: memoryTrees.messagesOfResource(row.resourceId), key });
  return entries;
}

/**
 * Collects counter and rank-tree changes (see `kit/rankTree.ts`) and
 * applies them once, merged, at the end of a mutation.
 */
export class CounterBatch {
  readonly #deltas: [string, number][] = [];
  readonly #ranks = new RankBatch();

  /** Records the removal of `before` and the addition of `after` (either may be absent). */
  change(before: MessageKeyFields | null, after: MessageKeyFields | null): void {
    const sameKey = before && after && before.threadId === after.threadId && before.createdAt === after.createdAt &&
      before.id === after.id && before.resourceId === after.resourceId;
    if (!sameKey) {
      for (const entry of treeEntries(before)) this.#ranks.remove(entry.tree, entry.key);
      for (const entry of treeEntries(after)) this.#ranks.add(entry.tree, entry.key);
    }
    if (before && after && before.threadId === after.threadId && before.resourceId === after.resourceId) return;
    if (before) this.#deltas.push(...messageCounterDeltas(before, -1));
    if (after) this.#deltas.push(...messageCounterDeltas(after, 1));
  }

  /** Writes the merged changes. */
  async apply(ctx: MutationCtx): Promise<void> {
    await this.#ranks.apply(ctx);
    await adjustCounters(ctx, this.#deltas);
    this.#deltas.length = 0;
  }
}

/** A stored message document. */
export type MessageDocument = DataModel["messages"]["document"];

/** The stored message with this id, or `null`. */
export async function findMessage(ctx: QueryCtx, id: string): Promise<MessageDocument | null> {
  return await ctx.db.query("messages").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/** The stored thread with this id, or `null`. */
export async function findThreadDoc(
  ctx: QueryCtx,
  id: string,
): Promise<DataModel["threads"]["document"] | null> {
  return await ctx.db.query("threads").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

/**
 * Inserts a message row or replaces `existing` (the stored message with the
 * same id, already looked up by the caller), recording counter changes.
 */
export async function putMessage(
  ctx: MutationCtx,
  row: MessageRow,
  existing: MessageDocument | null,
  counters: CounterBatch,
): Promise<void> {
  assertFitsDocument(`message ${row.id}`, row);
  if (existing) {
    await ctx.db.replace(existing._id, row);
    counters.change(existing, row);
  } else {
    await ctx.db.insert("messages", row);
    counters.change(null, row);
  }
}

/** Stored messages read per batch by bulk deletes and copies. */
export const MESSAGE_BATCH_BYTES = 4 * 1024 * 1024;

/**
 * Merges a content patch into stored content as core's in-memory store
 * does: `{ ...old, ...patch }` with `metadata` merged shallowly; a patch
 * that is not an object (or old content that is not) replaces. Pure, so the
 * client applies the same rule when it merges content too large for one
 * transaction.
 */
export function mergeContent(oldContent: unknown, newContent: unknown): unknown {
  if (typeof newContent !== "object" || typeof oldContent !== "object") return newContent;
  const merged = { ...(oldContent as object), ...(newContent as object) } as Record<string, unknown>;
  const oldMetadata = (oldContent as Record<string, unknown> | null)?.metadata;
  const newMetadata = (newContent as Record<string, unknown> | null)?.metadata;
  if (oldMetadata && newMetadata) merged.metadata = { ...(oldMetadata as object), ...(newMetadata as object) };
  return merged;
}
