/**
 * Notifications of Mastra's notifications domain. Internal functions only.
 *
 * - `create` coalesces inside its own mutation: the oldest pending record
 *   of the thread with the same source, kind, agent and resource and the
 *   same dedupe or coalesce key is found through an index and updated, so
 *   racing creates of one notification leave one record with the right
 *   count (Convex serialises them).
 * - `due` reads only the `dueAt <= now` range of the due index.
 * - `updateStatus` sets one status on a batch of ids in one mutation.
 * - Lists are bounded steps the client resumes (`Resume`).
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { recordAnswer, recordedAnswer } from "../kit/operations.js";
import { withoutSystemFields } from "../kit/rows.js";
import { approximateSize } from "../kit/walk.js";
import { coalescedRow, createdRow, statusChange, updatedRow, withDueAt } from "./records.js";
import {
  type CreateInput,
  createInputValidator,
  type NotificationFilter,
  notificationFilterValidator,
  type NotificationRow,
  notificationSetValidator,
  notificationStatusValidator,
  type Resume,
  resumeValidator,
} from "./validators.js";

const TABLE = "notifications";

/** Ids a single `updateStatus` call takes at most (the client sends longer lists in batches). */
export const STATUS_BATCH = 1000;

/** Per-call read budget of a list step: documents, bytes, and index ranges opened. */
const BUDGET = { docs: 2000, bytes: 8 * 1024 * 1024, ranges: 1000 };

type Doc = NotificationRow & { _id: import("convex/values").GenericId<"notifications">; _creationTime: number };

async function findNotification(ctx: QueryCtx, threadId: string, id: string): Promise<Doc | null> {
  return await ctx.db.query(TABLE).withIndex("by_thread_id", (q) => q.eq("threadId", threadId).eq("id", id))
    .first();
}

async function write(ctx: MutationCtx, existing: Doc | null, row: NotificationRow): Promise<NotificationRow> {
  assertFitsDocument(`notification ${row.id} of thread ${row.threadId}`, row);
  if (existing) await ctx.db.replace(existing._id, row);
  else await ctx.db.insert(TABLE, row);
  return row;
}

/** One notification, or `null`. */
export const get = internalQuery({
  args: { threadId: v.string(), id: v.string() },
  handler: async (ctx, { threadId, id }): Promise<NotificationRow | null> => {
    const doc = await findNotification(ctx, threadId, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** The oldest pending record a create coalesces onto, if any. */
async function findCoalescable(
  ctx: QueryCtx,
  input: { threadId: string; source: string; kind: string; agentId?: string; resourceId?: string },
  field: "dedupeKey" | "coalesceKey",
  key: string | undefined,
): Promise<Doc | null> {
  if (!key) return null;
  const index = field === "dedupeKey" ? "by_dedupe" : "by_coalesce";
  return await ctx.db.query(TABLE).withIndex(
    index,
    (q) =>
      q.eq("threadId", input.threadId).eq("status", "pending").eq("source", input.source).eq("kind", input.kind)
        .eq("agentId", input.agentId).eq("resourceId", input.resourceId).eq(field, key),
  ).first();
}

/**
 * Creates a notification, or coalesces it onto the oldest matching
 * pending record (summary, payload and times replaced when given,
 * attributes and metadata merged, `coalescedCount` incremented). A create
 * with the id of an existing record of the thread replaces it. Safe to
 * repeat only with an id (the client always sends one).
 */
export const create = internalMutation({
  args: {
    input: v.object({ ...createInputValidator.fields, id: v.string() }),
    now: v.number(),
    /** Client operation id: a repeated call with the same id changes nothing and answers with the current record (see `kit/operations.ts`). */
    opId: v.string(),
  },
  handler: async (ctx, { input, now, opId }): Promise<NotificationRow> => {
    const recorded = await recordedAnswer(ctx, opId);
    if (recorded?.answer) {
      // Applied already (the answer was lost): answer with the record it wrote, as it is now.
      const current = await findNotification(ctx, input.threadId, JSON.parse(recorded.answer).id);
      if (current) return withoutSystemFields(current);
    }
    const row = await createOrCoalesce(ctx, input, now);
    await recordAnswer(ctx, opId, { id: row.id });
    return row;
  },
});

/** The write of `create`: onto the oldest matching pending record (either key), else a new or replaced record. */
async function createOrCoalesce(
  ctx: MutationCtx,
  input: CreateInput & { id: string },
  now: number,
): Promise<NotificationRow> {
  const byDedupe = await findCoalescable(ctx, input, "dedupeKey", input.dedupeKey);
  const byCoalesce = await findCoalescable(ctx, input, "coalesceKey", input.coalesceKey);
  const match = byDedupe && byCoalesce
    ? (byDedupe._creationTime <= byCoalesce._creationTime ? byDedupe : byCoalesce)
    : byDedupe ?? byCoalesce;
  if (match) return await write(ctx, match, coalescedRow(withoutSystemFields(match), input, now));
  return await write(ctx, await findNotification(ctx, input.threadId, input.id), createdRow(input, now));
}

/** Applies `set` to one notification; `NOT_FOUND` (nothing written) when it does not exist. */
export const update = internalMutation({
  args: { threadId: v.string(), id: v.string(), set: notificationSetValidator, now: v.number() },
  handler: async (ctx, { threadId, id, set, now }): Promise<NotificationRow> => {
    const existing = await findNotification(ctx, threadId, id);
    if (!existing) throw storageError("NOT_FOUND", `notification ${id} was not found for thread ${threadId}`);
    return await write(ctx, existing, updatedRow(withoutSystemFields(existing), set, now));
  },
});

/**
 * Sets `status` (and its timestamp) on each of `ids` of one thread that
 * exists, in one mutation; returns the updated records in `ids` order
 * (the client removes duplicates first).
 */
export const updateStatus = internalMutation({
  args: { threadId: v.string(), ids: v.array(v.string()), status: notificationStatusValidator, now: v.number() },
  handler: async (ctx, { threadId, ids, status, now }): Promise<NotificationRow[]> => {
    if (ids.length > STATUS_BATCH) throw storageError("INVALID", `at most ${STATUS_BATCH} ids per call`);
    const updated: NotificationRow[] = [];
    for (const id of ids) {
      const existing = await findNotification(ctx, threadId, id);
      if (!existing) continue;
      const row = withDueAt({ ...withoutSystemFields(existing), ...statusChange(status, now), updatedAt: now });
      updated.push(await write(ctx, existing, row));
    }
    return updated;
  },
});

function matches(row: NotificationRow, filter: NotificationFilter): boolean {
  if (filter.status && !filter.status.includes(row.status)) return false;
  if (filter.priority && !filter.priority.includes(row.priority)) return false;
  if (filter.source && row.source !== filter.source) return false;
  if (filter.resourceId && row.resourceId !== filter.resourceId) return false;
  if (filter.agentId && row.agentId !== filter.agentId) return false;
  const search = filter.search;
  if (search) {
    return row.summary.toLowerCase().includes(search) || row.kind.toLowerCase().includes(search) ||
      row.source.toLowerCase().includes(search);
  }
  return true;
}

/** One step of a list: rows taken, and where to resume (`null` when done). */
export type ListStep = { rows: NotificationRow[]; next: Resume | null };

/** Tracks a step's reads against {@link BUDGET}. */
class Budget {
  docs = 0;
  bytes = 0;
  ranges = 0;
  /** Counts one document read. */
  read(doc: Record<string, unknown>): void {
    this.docs++;
    this.bytes += approximateSize(doc);
  }
  /** True once the step must stop. */
  get spent(): boolean {
    return this.docs >= BUDGET.docs || this.bytes >= BUDGET.bytes || this.ranges >= BUDGET.ranges;
  }
}

/**
 * One bounded step of a thread's notifications matching `filter`, most
 * recently updated first, ties in creation order (as core's stable sort
 * leaves them), at most `limit`. Each `updatedAt` value is read as one
 * group in creation order; `next` resumes inside a group.
 */
export const list = internalQuery({
  args: {
    threadId: v.string(),
    filter: notificationFilterValidator,
    limit: v.number(),
    after: v.optional(resumeValidator),
  },
  handler: async (ctx, { threadId, filter, limit, after }): Promise<ListStep> => {
    const rows: NotificationRow[] = [];
    const budget = new Budget();
    let group = after?.keys[0];
    let afterCreation = after?.creationTime;
    if (limit <= 0) return { rows, next: null };
    if (group === undefined) {
      const newest = await ctx.db.query(TABLE).withIndex("by_thread_updated", (q) => q.eq("threadId", threadId))
        .order("desc").first();
      if (!newest) return { rows, next: null };
      group = newest.updatedAt;
    }
    for (;;) {
      const at: number = group;
      const since = afterCreation;
      budget.ranges++;
      const members = ctx.db.query(TABLE).withIndex("by_thread_updated", (q) => {
        const range = q.eq("threadId", threadId).eq("updatedAt", at);
        return since === undefined ? range : range.gt("_creationTime", since);
      });
      for await (const doc of members) {
        if (budget.spent) return { rows, next: { keys: [at], creationTime: afterCreation ?? -Infinity } };
        budget.read(doc);
        afterCreation = doc._creationTime;
        if (matches(doc, filter)) rows.push(withoutSystemFields(doc));
        if (rows.length >= limit) return { rows, next: null };
      }
      budget.ranges++;
      const older = await ctx.db.query(TABLE).withIndex(
        "by_thread_updated",
        (q) => q.eq("threadId", threadId).lt("updatedAt", at),
      ).order("desc").first();
      if (!older) return { rows, next: null };
      group = older.updatedAt;
      afterCreation = undefined;
      if (budget.spent) return { rows, next: { keys: [group], creationTime: -Infinity } };
    }
  },
});

/**
 * One bounded step of the pending notifications due at `now` (optionally
 * of one agent and/or resource), soonest due first, then least recently
 * updated, then creation order, at most `limit`. Reads only the due range
 * of one index: what is due, never the other notifications.
 */
export const due = internalQuery({
  args: {
    now: v.number(),
    limit: v.number(),
    agentId: v.optional(v.string()),
    resourceId: v.optional(v.string()),
    after: v.optional(resumeValidator),
  },
  handler: async (ctx, { now, limit, agentId, resourceId, after }): Promise<ListStep> => {
    const rows: NotificationRow[] = [];
    if (limit <= 0) return { rows, next: null };
    const budget = new Budget();
    // deno-lint-ignore no-explicit-any
    type Q = any;
    const prefix = agentId
      ? { index: "by_agent_due" as const, eq: (q: Q) => q.eq("agentId", agentId) }
      : resourceId
      ? { index: "by_resource_due" as const, eq: (q: Q) => q.eq("resourceId", resourceId) }
      : { index: "by_due" as const, eq: (q: Q) => q };
    const query = (range: (q: Q) => Q) => ctx.db.query(TABLE).withIndex(prefix.index, (q: Q) => range(prefix.eq(q)));
    const streams: AsyncIterable<Doc>[] = after === undefined
      ? [query((q) => q.gte("dueAt", -Infinity).lte("dueAt", now))]
      : [
        query((q) =>
          q.eq("dueAt", after.keys[0]).eq("updatedAt", after.keys[1]).gt("_creationTime", after.creationTime)
        ),
        query((q) => q.eq("dueAt", after.keys[0]).gt("updatedAt", after.keys[1])),
        query((q) => q.gt("dueAt", after.keys[0]).lte("dueAt", now)),
      ];
    let resumeAt: Resume | null = after ?? null;
    for (const stream of streams) {
      for await (const doc of stream) {
        if (budget.spent) return { rows, next: resumeAt };
        budget.read(doc);
        resumeAt = { keys: [doc.dueAt!, doc.updatedAt], creationTime: doc._creationTime };
        if (agentId && resourceId && doc.resourceId !== resourceId) continue;
        rows.push(withoutSystemFields(doc));
        if (rows.length >= limit) return { rows, next: null };
      }
    }
    return { rows, next: null };
  },
});
