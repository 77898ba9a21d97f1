/**
 * Messages of Mastra's memory domain. Internal functions only.
 *
 * Rows are stored by `memory/messageStore.ts`, which keeps the message counters
 * (per thread, per resource, per thread and resource) in the same mutation
 * as the rows, so `total` never needs a scan.
 *
 * Content too large for a row is stored as a blob (`kit/blobs.ts`): the
 * row's `content` holds a `~blob:` reference, uploaded by the client before
 * the write, adopted by the mutation that writes the row and released by
 * the one that replaces or deletes it (`released: true` asks the client to
 * sweep). Reads return references; the client resolves those of the rows
 * it returns, so rows a list skips never cost their chunks. Lists are bounded walks
 * (`kit/walk.ts`) that the client resumes until done, so any page
 * depth and `perPage: false` work whatever the thread size.
 */
import { type Infer, v } from "convex/values";
import {
  adoptBlobs,
  blobOwner,
  copyBlobChunks,
  IN_TRANSACTION_LIMIT,
  isBlobRef,
  readField,
  releaseBlobs,
  storedLength,
  writeField,
} from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { adjustCounter, readCounter } from "../kit/counters.js";
import { noteThreadCount } from "./threadCount.js";
import { memoryCounters, memoryTrees, threadTreeEntries } from "./counterNames.js";
import { storageError } from "../kit/errors.js";
import { type DataModel, internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import {
  CounterBatch,
  findMessage,
  findThreadDoc,
  mergeContent,
  MESSAGE_BATCH_BYTES,
  messagesOfThreadResource,
  putMessage,
} from "./messageStore.js";
import { dropTree, planList, RankBatch } from "../kit/rankTree.js";
import { planListAcross } from "../kit/rankFamily.js";
import {
  approximateSize,
  countingState,
  dateRangeValidator,
  type IndexSpec,
  type Order,
  orderValidator,
  type SortKey,
  sortKeyValidator,
  sortRange,
  streamAfter,
  walk,
  type WalkBudget,
  type WalkState,
  walkStateValidator,
} from "../kit/walk.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type MessageRow, messageValidator, type ThreadRow, threadValidator } from "./validators.js";
import { deletingError, dropIfHidden, HiddenMessages, isDeleting, refuseIfDeleting } from "./threadDeletion.js";

/** A stored message document. */
type MessageDoc = MessageRow & { _id: unknown; _creationTime: number };

/** The index range of one thread's messages (optionally only one resource's), in `(createdAt, id)` order. */
function threadSource(threadId: string, resourceId?: string): IndexSpec {
  return resourceId === undefined
    ? { table: "messages", index: "by_thread_createdAt", eq: [["threadId", threadId]], sortField: "createdAt" }
    : {
      table: "messages",
      index: "by_thread_resource_createdAt",
      eq: [["threadId", threadId], ["resourceId", resourceId]],
      sortField: "createdAt",
    };
}

function toRow(doc: MessageDoc): MessageRow {
  const row: MessageRow = {
    id: doc.id,
    threadId: doc.threadId,
    role: doc.role,
    content: doc.content,
    createdAt: doc.createdAt,
  };
  if (doc.resourceId !== undefined) row.resourceId = doc.resourceId;
  if (doc.type !== undefined) row.type = doc.type;
  return row;
}

/**
 * Upserts messages by id. A message that already exists keeps its original
 * `createdAt` (everything else is replaced, including a move to another
 * thread). Threads named by the messages get `updatedAt = now`. Returns
 * the `createdAt` kept for messages that already existed with another one.
 * Safe to repeat: a retried batch neither loses nor duplicates a message.
 */
export const save = internalMutation({
  args: { messages: v.array(messageValidator), now: v.number() },
  handler: async (ctx, { messages, now }): Promise<{ kept: [string, number][]; released: boolean }> => {
    const threadIds = new Set(messages.map((message) => message.threadId).filter((id) => id !== ""));
    for (const threadId of threadIds) await refuseIfDeleting(ctx, threadId, "saveMessages");
    for (const threadId of threadIds) {
      const thread = await findThreadDoc(ctx, threadId);
      if (thread) await stampThread(ctx, thread, now);
    }
    const counters = new CounterBatch();
    const kept: [string, number][] = [];
    let released = false;
    for (const message of messages) {
      let existing = await findMessage(ctx, message.id);
      if (existing) {
        // The id of a message whose thread is being deleted is free again, as once the deletion completes.
        const dropped = await dropIfHidden(ctx, existing);
        if (dropped.released) released = true;
        if (dropped.dropped) existing = null;
      }
      const row: MessageRow = existing ? { ...message, createdAt: existing.createdAt } : message;
      if (existing && existing.createdAt !== message.createdAt) kept.push([message.id, existing.createdAt]);
      const owner = blobOwner("messages", row.id);
      await adoptBlobs(ctx, owner, [row.content]);
      await putMessage(ctx, row, existing, counters);
      if (await releaseBlobs(ctx, owner, [existing?.content], [row.content])) released = true;
    }
    await counters.apply(ctx);
    return { kept, released };
  },
});

/** One partial update; `content` is encoded and merged into the stored content. */
const messageUpdateValidator = v.object({
  id: v.string(),
  threadId: v.optional(v.string()),
  role: v.optional(v.string()),
  type: v.optional(v.string()),
  createdAt: v.optional(v.number()),
  resourceId: v.optional(v.union(v.string(), v.null())),
  /** Encoded content patch (or a reference to an uploaded one), merged into the stored content here. */
  content: v.optional(v.string()),
  /**
   * Content already merged by the client, in stored form: written only if
   * the stored content is still `expectedContent` (compare-and-set, for
   * content too large to merge inside one transaction).
   */
  setContent: v.optional(v.string()),
  expectedContent: v.optional(v.string()),
});

async function touchThread(
  ctx: MutationCtx,
  threadId: string,
  at: (previous: number) => number,
): Promise<number | undefined> {
  const thread = await findThreadDoc(ctx, threadId);
  if (!thread) return undefined;
  const updatedAt = at(thread.updatedAt);
  await stampThread(ctx, thread, updatedAt);
  return updatedAt;
}

/** Sets a thread's `updatedAt`, moving it in its resource's `updatedAt` rank tree. */
async function stampThread(
  ctx: MutationCtx,
  thread: DataModel["threads"]["document"],
  updatedAt: number,
): Promise<void> {
  if (thread.updatedAt === updatedAt) return;
  await ctx.db.patch(thread._id, { updatedAt });
  const ranks = new RankBatch();
  ranks.change(threadTreeEntries(thread), threadTreeEntries({ ...thread, updatedAt }));
  await ranks.apply(ctx);
}

/** What one `update` call did. */
export type UpdateOutcome = {
  /** The updated rows (content in stored form: possibly a blob reference). */
  rows: MessageRow[];
  /** How many updates were handled (applied, or skipped as unknown); the client sends the rest again. */
  consumed: number;
  /**
   * Why the call stopped before the end: `tooLarge` (the next update's
   * content merge does not fit one transaction: the client merges it and
   * sends `setContent`) or `conflict` (its `expectedContent` no longer
   * matches: the client merges again).
   */
  stopped?: "tooLarge" | "conflict";
  /** A large value became garbage: the client should sweep. */
  released: boolean;
};

/**
 * Applies partial updates in order, each one atomically with its
 * bookkeeping: a changed `threadId` moves the message (both threads' counters
 * and `updatedAt`), a changed `resourceId` moves it between resources, and
 * `content` is merged into the stored content (metadata merged shallowly).
 * Thread `updatedAt` values follow core's in-memory store: `now`, and
 * strictly increasing when a thread is touched again. Unknown ids are
 * skipped. Large content is read and written as blobs while the values
 * involved fit one transaction; past that the call stops (see
 * {@link UpdateOutcome}) and the client takes over the merge.
 */
export const update = internalMutation({
  args: { updates: v.array(messageUpdateValidator), now: v.number() },
  handler: async (ctx, { updates, now }): Promise<UpdateOutcome> => {
    const counters = new CounterBatch();
    const rows: MessageRow[] = [];
    let released = false;
    let used = 0;
    const stop = async (consumed: number, stopped: UpdateOutcome["stopped"]): Promise<UpdateOutcome> => {
      await counters.apply(ctx);
      return { rows, consumed, ...(stopped ? { stopped } : {}), released };
    };
    const hidden = new HiddenMessages(ctx);
    for (const [index, patch] of updates.entries()) {
      if (patch.threadId !== undefined && patch.threadId !== "" && await hidden.threadHidden(patch.threadId)) {
        throw deletingError(patch.threadId, "updateMessages");
      }
      const found = await findMessage(ctx, patch.id);
      // A message of a thread being deleted is gone for every caller: skipped like an unknown id.
      const existing = found && !(await hidden.hidden(found)) ? found : null;
      if (!existing) {
        // Merged content for an unknown message is never adopted.
        if (await releaseBlobs(ctx, blobOwner("messages", patch.id), [patch.setContent])) released = true;
        continue;
      }
      const before = toRow(existing);
      const row: MessageRow = { ...before };
      if (patch.setContent !== undefined && before.content === patch.setContent) {
        // A repeated call whose compare-and-set already succeeded: nothing more to do.
      } else if (patch.setContent !== undefined) {
        if (before.content !== patch.expectedContent) {
          if (await releaseBlobs(ctx, blobOwner("messages", patch.id), [patch.setContent])) released = true;
          return await stop(index, "conflict");
        }
        await adoptBlobs(ctx, blobOwner("messages", patch.id), [patch.setContent]);
        row.content = patch.setContent;
      } else if (patch.content !== undefined) {
        // An uploaded patch is only read (never adopted): it stays pending and `blobs:sweep` removes it
        // later, so a repeated call can still read it.
        const oldLength = await storedLength(ctx, before.content) ?? 0;
        const patchLength = await storedLength(ctx, patch.content) ?? 0;
        if (used + oldLength + patchLength > IN_TRANSACTION_LIMIT) {
          return await stop(index, used > 0 ? undefined : "tooLarge");
        }
        used += oldLength + patchLength;
        const merged = mergeContent(
          decodeValue(await readField(ctx, before.content)),
          decodeValue(await readField(ctx, patch.content)),
        );
        row.content = await writeField(ctx, encodeValue(merged), blobOwner("messages", row.id));
      }
      const oldThreadId = before.threadId;
      const moved = patch.threadId !== undefined && patch.threadId !== "" && patch.threadId !== oldThreadId;
      if (patch.role !== undefined) row.role = patch.role;
      if (patch.type !== undefined) row.type = patch.type;
      if (patch.createdAt !== undefined) row.createdAt = patch.createdAt;
      if (patch.resourceId !== undefined) {
        if (patch.resourceId === null) delete row.resourceId;
        else row.resourceId = patch.resourceId;
      }
      if (moved) {
        row.threadId = patch.threadId!;
        const oldTime = await touchThread(ctx, oldThreadId, (previous) => Math.max(now, previous + 1));
        await touchThread(ctx, row.threadId, (previous) => {
          const time = Math.max(now + 1, previous + 1);
          return oldTime !== undefined && time <= oldTime ? oldTime + 1 : time;
        });
      } else {
        await touchThread(ctx, oldThreadId, (previous) => (now <= previous ? previous + 1 : now));
      }
      assertFitsDocument(`message ${row.id}`, row);
      await ctx.db.replace(existing._id, row);
      if (await releaseBlobs(ctx, blobOwner("messages", row.id), [before.content], [row.content])) released = true;
      counters.change(before, row);
      rows.push(row);
    }
    return await stop(updates.length, undefined);
  },
});

/**
 * Deletes messages by id (unknown ids are ignored) and sets `updatedAt =
 * now` on the threads they belonged to; their large contents are released
 * (`released: true`: the client sweeps). Safe to repeat.
 */
export const remove = internalMutation({
  args: { ids: v.array(v.string()), now: v.number() },
  handler: async (ctx, { ids, now }): Promise<{ released: boolean }> => {
    const counters = new CounterBatch();
    const threadIds = new Set<string>();
    let released = false;
    for (const id of ids) {
      const existing = await findMessage(ctx, id);
      if (!existing) continue;
      // A message of a thread being deleted: deleted now with that deletion's bookkeeping, no thread touched.
      const dropped = await dropIfHidden(ctx, existing);
      if (dropped.released) released = true;
      if (dropped.dropped) continue;
      if (existing.threadId) threadIds.add(existing.threadId);
      await ctx.db.delete(existing._id);
      if (await releaseBlobs(ctx, blobOwner("messages", existing.id), [existing.content])) released = true;
      counters.change(existing, null);
    }
    for (const threadId of threadIds) await touchThread(ctx, threadId, () => now);
    await counters.apply(ctx);
    return { released };
  },
});

/** Key fields of a message, for planning without its content. */
export type MessageKey = { id: string; threadId: string; createdAt: number };

/**
 * Reads messages by id, in the order given (duplicates repeated, unknown
 * ids skipped), up to a byte budget. `consumed` says how many ids were
 * handled; the client calls again with the rest. With `keysOnly`, returns
 * only ids, threads and dates.
 */
export const getMany = internalQuery({
  args: { ids: v.array(v.string()), keysOnly: v.optional(v.boolean()) },
  handler: async (ctx, { ids, keysOnly }): Promise<{ rows: (MessageRow | MessageKey)[]; consumed: number }> => {
    const rows: (MessageRow | MessageKey)[] = [];
    const hidden = new HiddenMessages(ctx);
    let bytes = 0;
    let consumed = 0;
    for (const id of ids) {
      if (consumed > 0 && bytes >= MESSAGE_BATCH_BYTES) break;
      consumed++;
      const doc = await findMessage(ctx, id);
      if (!doc || await hidden.hidden(doc)) continue;
      bytes += approximateSize(doc);
      rows.push(keysOnly ? { id: doc.id, threadId: doc.threadId, createdAt: doc.createdAt } : toRow(doc));
    }
    return { rows, consumed };
  },
});

/** Validator of one `include` entry: a message and how many of its thread's neighbours to add. */
export const includeItemValidator = v.object({
  id: v.string(),
  withPreviousMessages: v.optional(v.number()),
  withNextMessages: v.optional(v.number()),
});
/** One `include` entry. */
export type IncludeItem = Infer<typeof includeItemValidator>;

/** Include windows one call resolves at most (each costs a lookup and up to four index ranges). */
export const INCLUDE_ITEMS_PER_CALL = 200;
/** What the include windows of one call may read: beside a page's walk, well inside one transaction. */
export const INCLUDE_BUDGET: WalkBudget = { docs: 2000, bytes: 4 * 1024 * 1024 };

/** Neighbours asked for by an include entry: a whole non-negative number (anything else is none). */
function windowSize(count: number | undefined): number {
  return count !== undefined && count > 0 ? Math.min(Math.floor(count), Number.MAX_SAFE_INTEGER) : 0;
}

/** Rows of include windows resolved by one call, and how many entries they cover. */
export type IncludeResult = {
  /** The targets and their neighbours, each message once, in stored form. */
  rows: MessageRow[];
  /**
   * How many entries (from the first) were resolved whole; the caller
   * resolves the rest with further calls. 0 means the first entry's window
   * alone exceeds one call's budget (the caller walks it with `neighbors`).
   */
  consumed: number;
};

/**
 * Resolves `include` entries as core's in-memory store does: each target
 * message (from any thread, but only within `resourceId` when given) with up
 * to `withPreviousMessages` / `withNextMessages` neighbours in its own thread
 * (within `resourceId` too), each message once. Bounded: stops before an
 * entry that would exceed {@link INCLUDE_BUDGET} or {@link INCLUDE_ITEMS_PER_CALL}.
 */
export async function resolveInclude(
  ctx: QueryCtx,
  items: IncludeItem[],
  resourceId: string | undefined,
): Promise<IncludeResult> {
  const rows: MessageRow[] = [];
  const seen = new Set<string>();
  const hidden = new HiddenMessages(ctx);
  let docs = 0;
  let bytes = 0;
  let consumed = 0;
  for (const item of items) {
    if (consumed >= INCLUDE_ITEMS_PER_CALL || docs >= INCLUDE_BUDGET.docs || bytes >= INCLUDE_BUDGET.bytes) break;
    const target = await findMessage(ctx, item.id);
    docs++;
    if (!target || (resourceId !== undefined && target.resourceId !== resourceId) || await hidden.hidden(target)) {
      consumed++;
      continue;
    }
    bytes += approximateSize(target);
    const around: Record<Order, MessageRow[]> = { desc: [], asc: [] };
    let fits = true;
    for (const order of ["desc", "asc"] as const) {
      const take = windowSize(order === "desc" ? item.withPreviousMessages : item.withNextMessages);
      if (take === 0) continue;
      const state: WalkState = {
        after: { value: target.createdAt, id: target.id },
        skip: 0,
        take,
        matched: 0,
        order,
        countAll: false,
        reversed: false,
      };
      const budget = { docs: INCLUDE_BUDGET.docs - docs, bytes: INCLUDE_BUDGET.bytes - bytes };
      const step = await walk<MessageDoc>(ctx.db, threadSource(target.threadId, resourceId), state, { budget });
      docs += step.rows.length;
      for (const row of step.rows) bytes += approximateSize(row);
      if (step.next !== null) {
        fits = false;
        break;
      }
      around[order] = step.rows.map(toRow);
    }
    if (!fits) break;
    const window = [...around.desc.reverse(), toRow(target as MessageDoc), ...around.asc];
    for (const row of window) {
      if (seen.has(row.id)) continue;
      seen.add(row.id);
      rows.push(row);
    }
    consumed++;
  }
  return { rows, consumed };
}

/**
 * Resolves `include` entries (see {@link resolveInclude}) in one bounded
 * call; the client calls again with the entries after `consumed`.
 */
export const include = internalQuery({
  args: { items: v.array(includeItemValidator), resourceId: v.optional(v.string()) },
  handler: async (ctx, { items, resourceId }): Promise<IncludeResult> => {
    return await resolveInclude(ctx, items, resourceId);
  },
});

/**
 * One bounded step of listing messages in `(createdAt, id)` order:
 * of one or more threads (optionally only one resource's messages in them),
 * or of a resource across threads; optionally within a `createdAt` range
 * and matching content-metadata values.
 *
 * Without a metadata filter the total comes from counters and a page at any
 * depth costs its rows plus O(log N) rank-tree nodes (`kit/rankTree.ts`,
 * over several threads `kit/rankFamily.ts`): a page near either end walks
 * from that end, a deeper one seeks to the key just before it; a `createdAt`
 * range is counted and sought in the trees too. That needs trees holding
 * exactly the list's keys: a thread's or a resource's (always, once
 * built), or for threads with a `resourceId` each thread whose messages all
 * have that resource. Otherwise (and with a metadata filter, which no
 * counter covers: O(matching index range)) the walk counts the matches
 * itself, bounded per call, the client resuming until done.
 *
 * `include` entries (target messages with their neighbours, see
 * {@link resolveInclude}) are resolved by the first call, so a page with its
 * include windows costs one round trip while they fit that call's budget.
 */
export const list = internalQuery({
  args: {
    threadIds: v.optional(v.array(v.string())),
    resourceId: v.optional(v.string()),
    range: v.optional(dateRangeValidator),
    metadata: v.optional(v.string()),
    order: orderValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
    include: v.optional(v.array(includeItemValidator)),
  },
  handler: async (ctx, args): Promise<MessageListResult> => {
    let sources: IndexSpec[];
    let counters: string[];
    // Messages of threads being deleted are invisible (memory/threadDeletion.ts): such threads list nothing,
    // and a resource's list skips them while its hidden counter says the resource's index still holds some.
    const hidden = new HiddenMessages(ctx);
    let threadIds: string[] | undefined;
    let skipHidden = false;
    if (args.threadIds !== undefined) {
      threadIds = [];
      for (const threadId of new Set(args.threadIds)) {
        if (!(await hidden.threadHidden(threadId))) threadIds.push(threadId);
      }
      const resourceId = args.resourceId;
      sources = threadIds.map((threadId) => threadSource(threadId, resourceId));
      counters = resourceId === undefined
        ? threadIds.map((threadId) => memoryCounters.messagesOfThread(threadId))
        : threadIds.map((threadId) => messagesOfThreadResource(threadId, resourceId));
    } else if (args.resourceId !== undefined) {
      sources = [{
        table: "messages",
        index: "by_resource_createdAt",
        eq: [["resourceId", args.resourceId]],
        sortField: "createdAt",
      }];
      counters = [memoryCounters.messagesOfResource(args.resourceId)];
      skipHidden = await readCounter(ctx, memoryCounters.hiddenMessagesOfResource(args.resourceId)) > 0;
    } else {
      throw storageError("INVALID", "listing messages needs threadIds or a resourceId");
    }
    const filter = args.metadata === undefined ? undefined : decodeValue(args.metadata) as Record<string, unknown>;
    const matches = filter === undefined
      ? undefined
      : async (doc: MessageDoc) => contentMetadataMatches(await readContent(ctx, doc), filter);
    const visible = skipHidden ? async (doc: MessageDoc) => !(await hidden.hiddenFromResource(doc)) : undefined;
    const predicate = matches !== undefined && visible !== undefined
      ? async (doc: MessageDoc) => (await visible(doc)) && await matches(doc)
      : matches ?? visible;
    // Large content is read only for the metadata filter, and counts against the walk's byte budget.
    const cost = filter === undefined
      ? undefined
      : async (doc: MessageDoc) => isBlobRef(doc.content) ? await storedLength(ctx, doc.content) ?? 0 : 0;
    let total: number | null = null;
    let state: WalkState | null | undefined = args.state;
    if (sources.length === 0) {
      // Every thread asked for is being deleted: nothing to list.
      total = 0;
      state = null;
    } else if (matches !== undefined) {
      state ??= countingState(args.offset, args.limit, args.order);
    } else if (state === undefined) {
      // Planned once, on the first call (later calls only resume the walk): the total from counters, and the
      // rank trees that hold exactly the list's keys when there are (each thread's, or the resource's). With a
      // resourceId (as Mastra's recall asks) a thread's tree applies when every message of the thread has that
      // resource. A `createdAt` range is then counted and sought in the trees too. A resource whose tree still
      // holds messages of threads being deleted (not in its counter) is walked instead, skipping them.
      const counts = new Map<string, number>();
      for (const name of new Set(counters)) counts.set(name, await readCounter(ctx, name));
      const counted = [...counts.values()].reduce((sum, count) => sum + count, 0);
      let trees: string[] | null = [];
      if (threadIds === undefined) trees = skipHidden ? null : [memoryTrees.messagesOfResource(args.resourceId!)];
      else {
        for (const threadId of threadIds) {
          const whole = args.resourceId === undefined ||
            await readCounter(ctx, memoryCounters.messagesOfThread(threadId)) ===
              counts.get(messagesOfThreadResource(threadId, args.resourceId));
          if (!whole) {
            trees = null;
            break;
          }
          trees.push(memoryTrees.messagesOfThread(threadId));
        }
      }
      const range = sortRange(args.range);
      const plan = trees === null
        ? await planList(ctx, null, counted, range, args.offset, args.limit, args.order)
        : await planListAcross(ctx, trees, counted, range, args.offset, args.limit, args.order);
      total = plan.total;
      state = plan.state;
    }
    const step = state === null || sources.length === 0
      ? { rows: [], next: null, matched: 0 }
      : await walk<MessageDoc>(ctx.db, sources, state, {
        range: sortRange(args.range),
        predicate,
        cost,
        // Skipping hidden messages may cost a tombstone lookup per row: half the rows per call keeps it in limits.
        ...(skipHidden ? { budget: HIDDEN_WALK_BUDGET } : {}),
      });
    if (state?.countAll && step.next === null) total = step.matched;
    const result: MessageListResult = {
      rows: step.rows.map(toRow),
      next: step.next,
      total,
      reversed: state?.reversed ?? false,
    };
    // Include windows ride along with the first call (their own budget beside the walk's).
    if (args.state === undefined && args.include !== undefined && args.include.length > 0) {
      result.included = await resolveInclude(ctx, args.include, args.resourceId);
    }
    return result;
  },
});

/** What one step of a resource's list reads while it skips messages of threads being deleted. */
const HIDDEN_WALK_BUDGET: WalkBudget = { docs: 2000, bytes: 8 * 1024 * 1024 };

/** One step of a message list; the first step also carries the `include` windows it was asked for. */
export type MessageListResult = ListResult<MessageRow> & { included?: IncludeResult };

/** The encoded content of a message, assembled when it is a blob (`null` when unreadable). */
async function readContent(ctx: QueryCtx, doc: MessageDoc): Promise<string | null> {
  if (!isBlobRef(doc.content)) return doc.content;
  return await readField(ctx, doc.content);
}

/** True when the message content's `metadata` holds every filter value (strict equality). */
function contentMetadataMatches(encoded: string | null, filter: Record<string, unknown>): boolean {
  if (encoded === null) return false;
  let content: unknown;
  try {
    content = decodeValue(encoded);
  } catch {
    return false;
  }
  if (!content || typeof content !== "object" || Array.isArray(content)) return false;
  const metadata = (content as Record<string, unknown>).metadata;
  if (!metadata || typeof metadata !== "object" || Array.isArray(metadata)) return false;
  return Object.entries(filter).every(([key, expected]) =>
    Object.prototype.hasOwnProperty.call(metadata, key) && (metadata as Record<string, unknown>)[key] === expected
  );
}

/**
 * One bounded step of reading the neighbours of a message in its thread
 * (optionally only one resource's messages), strictly before or after the
 * position in `state.after`. Serves `include` with `withPreviousMessages` /
 * `withNextMessages`.
 */
export const neighbors = internalQuery({
  args: { threadId: v.string(), resourceId: v.optional(v.string()), state: walkStateValidator },
  handler: async (ctx, { threadId, resourceId, state }): Promise<ListResult<MessageRow>> => {
    if (await isDeleting(ctx, threadId)) return { rows: [], next: null, total: null, reversed: state.reversed };
    const step = await walk<MessageDoc>(ctx.db, threadSource(threadId, resourceId), state);
    return { rows: step.rows.map(toRow), next: step.next, total: null, reversed: state.reversed };
  },
});

/** Which messages of the source thread a copy takes. */
const copySelectionValidator = v.object({
  /** Only messages in this `createdAt` range. */
  range: v.optional(dateRangeValidator),
  /** Newest selected message, when the client selected explicit ids (otherwise found here). */
  lastMessageId: v.optional(v.string()),
});

/**
 * Starts a thread copy: checks the source exists and the target does not,
 * and creates the target thread. Its metadata's `clone.lastMessageId` is set
 * to the newest selected message (found here unless the client selected
 * explicit ids and passed it). Metadata too large for the row goes to a
 * blob (`kit/blobs.ts`), as for any thread. Returns the `lastMessageId` used.
 */
export const copyStart = internalMutation({
  args: {
    sourceThreadId: v.string(),
    thread: threadValidator,
    selection: copySelectionValidator,
    explicitIds: v.boolean(),
  },
  handler: async (
    ctx,
    { sourceThreadId, thread, selection, explicitIds },
  ): Promise<{ lastMessageId: string | null; resumed?: ThreadRow }> => {
    const source = await findThreadDoc(ctx, sourceThreadId);
    if (!source) throw storageError("NOT_FOUND", `Source thread with id ${sourceThreadId} not found`);
    await refuseIfDeleting(ctx, thread.id, "cloneThread");
    const progress = await ctx.db.query("clone_progress").withIndex("by_threadId", (q) => q.eq("threadId", thread.id))
      .unique();
    const target = await findThreadDoc(ctx, thread.id);
    if (target) {
      // An unfinished clone of the same source (an interrupted call, or a
      // retried start whose answer was lost) is resumed; anything else exists.
      if (!progress || progress.sourceThreadId !== sourceThreadId) {
        throw storageError("ALREADY_EXISTS", `Thread with id ${thread.id} already exists`);
      }
      return { lastMessageId: progress.lastMessageId ?? null, resumed: withoutSystemFields(target) as ThreadRow };
    }
    if (progress) await ctx.db.delete(progress._id); // left by a clone whose thread was deleted since
    let lastMessageId = selection.lastMessageId;
    if (!explicitIds) {
      const stream = streamAfter(ctx.db, threadSource(sourceThreadId), undefined, "desc", sortRange(selection.range));
      for await (const doc of stream) {
        lastMessageId = doc.id as string;
        break;
      }
    }
    const row: ThreadRow = { ...thread };
    if (row.metadata !== undefined) {
      const metadata = decodeValue(row.metadata) as Record<string, unknown>;
      if (lastMessageId !== undefined) {
        metadata.clone = { ...(metadata.clone as Record<string, unknown>), lastMessageId };
      }
      row.metadata = await writeField(ctx, encodeValue(metadata), blobOwner("threads", row.id));
    }
    assertFitsDocument(`thread ${row.id}`, row);
    await ctx.db.insert("threads", row);
    await ctx.db.insert("clone_progress", {
      threadId: row.id,
      sourceThreadId,
      ...(lastMessageId !== undefined ? { lastMessageId } : {}),
    });
    const ranks = new RankBatch();
    ranks.change([], threadTreeEntries(row));
    await ranks.apply(ctx);
    await adjustCounter(ctx, memoryCounters.threadsOfResource(row.resourceId), 1);
    await noteThreadCount(ctx, row.id, 1);
    return { lastMessageId: lastMessageId ?? null };
  },
});

/** Marks a clone complete (after its last message was copied); safe to repeat. */
export const copyFinish = internalMutation({
  args: { threadId: v.string() },
  handler: async (ctx, { threadId }): Promise<null> => {
    const progress = await ctx.db.query("clone_progress").withIndex("by_threadId", (q) => q.eq("threadId", threadId))
      .unique();
    if (progress) await ctx.db.delete(progress._id);
    return null;
  },
});

/** Id of the copy of message `sourceId` in thread `threadId`: deterministic, so a retried batch is harmless. */
async function copyId(threadId: string, sourceId: string): Promise<string> {
  const digest = new Uint8Array(
    await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`${threadId}\u0000${sourceId}`)),
  );
  const bytes = digest.slice(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5 layout (name-based, SHA)
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

async function copyOne(
  ctx: MutationCtx,
  doc: MessageDoc,
  target: { threadId: string; resourceId?: string },
  counters: CounterBatch,
  content: string = doc.content,
): Promise<{ pair: [string, string]; released: boolean }> {
  const id = await copyId(target.threadId, doc.id);
  const row: MessageRow = { ...toRow(doc), id, threadId: target.threadId, content };
  const resourceId = target.resourceId || doc.resourceId;
  if (resourceId === undefined) delete row.resourceId;
  else row.resourceId = resourceId;
  const existing = await findMessage(ctx, id);
  const owner = blobOwner("messages", id);
  await adoptBlobs(ctx, owner, [row.content]);
  await putMessage(ctx, row, existing, counters);
  // A repeated copy replaces an earlier one, whose own large content is then garbage.
  const released = await releaseBlobs(ctx, owner, [existing?.content], [row.content]);
  return { pair: [doc.id, id], released };
}

/**
 * A source message whose content is a blob: a copy needs its own blob
 * (rows never share one), which the client makes with `copyContentChunks`
 * before calling `copyLarge`.
 */
export type LargeToCopy = { sourceId: string; ref: string; key: SortKey };

/**
 * Copies one bounded batch of the source thread's messages (newest first,
 * within the range) into the target thread, until `remaining` messages are
 * copied or the range is exhausted. Returns the source->copy id pairs and
 * where to resume. Stops at a message with large content: when it is the
 * first of the batch it is returned as `large` for the client to copy
 * (`next` then points just before it). Safe to repeat (copies have
 * deterministic ids).
 */
export const copyBatch = internalMutation({
  args: {
    sourceThreadId: v.string(),
    threadId: v.string(),
    resourceId: v.optional(v.string()),
    range: v.optional(dateRangeValidator),
    after: v.optional(sortKeyValidator),
    remaining: v.number(),
  },
  handler: async (
    ctx,
    args,
  ): Promise<
    { pairs: [string, string][]; next: SortKey | null; remaining: number; large?: LargeToCopy; released: boolean }
  > => {
    await refuseCopyOfDeleting(ctx, args.sourceThreadId, args.threadId);
    const counters = new CounterBatch();
    const pairs: [string, string][] = [];
    let remaining = args.remaining;
    let bytes = 0;
    let last: SortKey | undefined = args.after;
    let exhausted = true;
    let released = false;
    let large: LargeToCopy | undefined;
    const stream = remaining > 0
      ? streamAfter(ctx.db, threadSource(args.sourceThreadId), args.after, "desc", sortRange(args.range))
      : [];
    for await (const item of stream) {
      const doc = item as MessageDoc;
      if (bytes >= MESSAGE_BATCH_BYTES || pairs.length >= COPY_BATCH) {
        exhausted = false;
        break;
      }
      if (isBlobRef(doc.content)) {
        if (pairs.length === 0) {
          large = { sourceId: doc.id, ref: doc.content, key: { value: doc.createdAt, id: doc.id } };
        }
        exhausted = false;
        break;
      }
      bytes += approximateSize(doc);
      const copied = await copyOne(ctx, doc, { threadId: args.threadId, resourceId: args.resourceId }, counters);
      pairs.push(copied.pair);
      if (copied.released) released = true;
      remaining--;
      last = { value: doc.createdAt, id: doc.id };
      if (remaining <= 0) break;
    }
    await counters.apply(ctx);
    const done = exhausted || remaining <= 0;
    return { pairs, next: done ? null : last ?? null, remaining, ...(large ? { large } : {}), released };
  },
});

/**
 * A clone step whose source thread was deleted since the clone started
 * fails like a clone of a missing thread; one whose target is being deleted
 * is refused (`DELETING`).
 */
async function refuseCopyOfDeleting(ctx: QueryCtx, sourceThreadId: string, threadId: string): Promise<void> {
  if (await isDeleting(ctx, sourceThreadId)) {
    throw storageError("NOT_FOUND", `Source thread with id ${sourceThreadId} not found`);
  }
  await refuseIfDeleting(ctx, threadId, "cloneThread");
}

/** Messages copied per `copyBatch`/`copyIds` call at most. */
const COPY_BATCH = 1000;

/**
 * Copies the given messages (already selected by the client) into the
 * target thread. Ids that no longer exist or left the source thread are
 * skipped. Stops at a message with large content (see `copyBatch`):
 * `consumed` says how many ids were handled. Safe to repeat.
 */
export const copyIds = internalMutation({
  args: {
    sourceThreadId: v.string(),
    threadId: v.string(),
    resourceId: v.optional(v.string()),
    ids: v.array(v.string()),
  },
  handler: async (
    ctx,
    args,
  ): Promise<{ pairs: [string, string][]; consumed: number; large?: LargeToCopy; released: boolean }> => {
    await refuseCopyOfDeleting(ctx, args.sourceThreadId, args.threadId);
    const counters = new CounterBatch();
    const pairs: [string, string][] = [];
    let released = false;
    let consumed = 0;
    let large: LargeToCopy | undefined;
    for (const id of args.ids) {
      const doc = await findMessage(ctx, id);
      if (doc && doc.threadId === args.sourceThreadId) {
        if (isBlobRef(doc.content)) {
          if (consumed === 0) large = { sourceId: doc.id, ref: doc.content, key: { value: doc.createdAt, id: doc.id } };
          break;
        }
        const copied = await copyOne(ctx, doc, { threadId: args.threadId, resourceId: args.resourceId }, counters);
        pairs.push(copied.pair);
        if (copied.released) released = true;
      }
      consumed++;
    }
    await counters.apply(ctx);
    return { pairs, consumed, ...(large ? { large } : {}), released };
  },
});

/** Bytes of chunks copied per `copyContentChunks` call (read once and written once). */
const COPY_CHUNK_BYTES = 6 * 1024 * 1024;

/**
 * Copies one bounded batch of the chunks of a message's large content into
 * a new pending blob (see `copyBlobChunks`); call until `next` is null.
 */
export const copyContentChunks = internalMutation({
  args: { fromRef: v.string(), toBlobId: v.string(), from: v.number() },
  handler: async (ctx, args): Promise<{ next: number | null; gone: boolean }> => {
    if (!isBlobRef(args.fromRef)) throw storageError("INVALID", "fromRef must be a large value reference");
    return await copyBlobChunks(ctx, { ...args, maxBytes: COPY_CHUNK_BYTES });
  },
});

/**
 * Writes the copy of one message with large content, whose blob the client
 * copied to `copyRef`. If the source changed meanwhile (its content is no
 * longer `sourceRef`) nothing is written and `retry` carries the current
 * reference; if it is gone or left the thread, it is skipped. The unused
 * copy is released in both cases. Safe to repeat.
 */
export const copyLarge = internalMutation({
  args: {
    sourceThreadId: v.string(),
    threadId: v.string(),
    resourceId: v.optional(v.string()),
    sourceId: v.string(),
    sourceRef: v.string(),
    copyRef: v.string(),
  },
  handler: async (
    ctx,
    args,
  ): Promise<{ pair: [string, string] | null; retry?: string; released: boolean }> => {
    await refuseCopyOfDeleting(ctx, args.sourceThreadId, args.threadId);
    const doc = await findMessage(ctx, args.sourceId);
    if (!doc || doc.threadId !== args.sourceThreadId || doc.content !== args.sourceRef) {
      // The unused copy was never adopted, so no row owns it.
      const released = await releaseBlobs(ctx, blobOwner("messages", args.sourceId), [args.copyRef]);
      const retry = doc && doc.threadId === args.sourceThreadId ? doc.content : undefined;
      return { pair: null, ...(retry !== undefined ? { retry } : {}), released };
    }
    const counters = new CounterBatch();
    const copied = await copyOne(
      ctx,
      doc,
      { threadId: args.threadId, resourceId: args.resourceId },
      counters,
      args.copyRef,
    );
    await counters.apply(ctx);
    return { pair: copied.pair, released: copied.released };
  },
});

/**
 * Releases uploads the client made for content patches once `update` has
 * read them (they are never adopted by a row), so the next sweep removes
 * them. Safe to repeat; an upload left behind is swept as abandoned later.
 */
export const releaseUploads = internalMutation({
  args: { refs: v.array(v.string()) },
  handler: async (ctx, { refs }): Promise<{ released: boolean }> => {
    // Uploads are never adopted: no row owns them, so only they can be released here.
    return { released: await releaseBlobs(ctx, blobOwner("uploads", ""), refs) };
  },
});

/** Messages (or 8 MiB of them) read per `rebuildRanks` call. */
const REBUILD_BATCH = 4000;

/**
 * Builds a thread's rank tree (`kit/rankTree.ts`) from its messages, one
 * bounded step per call (pass the returned `after` until `done`). For
 * threads written before trees existed, or seeded directly: until the tree
 * accounts for every message, deep pages are served by the plain walk. Run
 * it while the thread is idle: writes during a rebuild can leave the tree
 * unusable (never wrong: seeks are used only when the counts agree), and
 * then a new rebuild fixes it.
 */
export const rebuildRanks = internalMutation({
  args: { threadId: v.string(), after: v.optional(sortKeyValidator) },
  handler: async (ctx, { threadId, after }): Promise<{ done: boolean; after?: SortKey }> => {
    const tree = memoryTrees.messagesOfThread(threadId);
    if (after === undefined && !(await dropTree(ctx, tree))) return { done: false };
    const ranks = new RankBatch();
    let last: SortKey | undefined = after;
    let count = 0;
    let bytes = 0;
    for await (
      const doc of streamAfter(ctx.db, threadSource(threadId), after, "asc")
    ) {
      if (count >= REBUILD_BATCH || bytes >= 8 * 1024 * 1024) {
        await ranks.applyNow(ctx);
        return { done: false, after: last };
      }
      ranks.add(tree, { value: doc.createdAt as number, id: doc.id as string });
      last = { value: doc.createdAt as number, id: doc.id as string };
      count++;
      bytes += approximateSize(doc);
    }
    await ranks.applyNow(ctx);
    return { done: true };
  },
});
