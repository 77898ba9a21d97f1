/**
 * Records of Mastra's knowledge domain. Internal functions only.
 *
 * Listings are bounded steps over one index each (`by_node` for records
 * about a node, `knowledge_mentions.by_node` for records mentioning it,
 * `by_source` for a source thread), in id order, filtered by visibility
 * and deletion; the client resumes them until its page is full.
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { withoutSystemFields } from "../kit/rows.js";
import { once } from "./once.js";
import { assertCeilingRaised, assertWithinCeiling, canonicalScope, isVisible, scopeKey } from "./scope.js";
import { type RecordRow, scopeLevelValidator, scopeValidator } from "./validators.js";
import { findRecord, type RecordDoc, terminalNode, Writer } from "./writer.js";

/** Documents one listing step reads at most. */
const STEP_DOCS = 1000;

/** Core's `appendKnowledge`: a record about the node's merge terminal, its mentions, activity and outbox entry. */
export const append = internalMutation({
  args: {
    input: v.object({
      id: v.optional(v.string()),
      node: v.string(),
      text: v.string(),
      scope: scopeValidator,
      sourceThreadId: v.string(),
      when: v.optional(v.number()),
      maxScope: v.optional(scopeLevelValidator),
      metadata: v.optional(v.string()),
      resolutionScope: v.optional(scopeValidator),
      defaultScope: v.optional(scopeValidator),
    }),
    now: v.number(),
    opId: v.string(),
  },
  handler: (ctx, { input, now, opId }): Promise<RecordRow> =>
    once(ctx, opId, async () => {
      const writer = new Writer(ctx, now);
      const parent = await terminalNode(ctx, input.node);
      if (!parent) throw storageError("NOT_FOUND", `Knowledge node not found: ${input.node}`);
      const scope = canonicalScope(input.scope);
      assertWithinCeiling(scope, input.maxScope);
      const id = input.id ?? await writer.ulid();
      if (await findRecord(ctx, id)) throw storageError("ALREADY_EXISTS", `Knowledge already exists: ${id}`);
      const record: RecordRow = {
        id,
        node: parent.id,
        text: input.text,
        scope,
        scopeKey: scopeKey(scope),
        sourceThreadId: input.sourceThreadId,
        capturedAt: writer.now,
        ...(input.when !== undefined ? { when: input.when } : {}),
        ...(input.maxScope !== undefined ? { maxScope: input.maxScope } : {}),
        ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
      };
      assertFitsDocument(`knowledge record ${id}`, record);
      await ctx.db.insert("knowledge_records", record);
      await writer.replaceMentions("record", id, input.text, input.resolutionScope, input.defaultScope);
      await ctx.db.patch(parent._id, { updatedAt: writer.now });
      await writer.activity("record-created", "record", id, scope, input.sourceThreadId);
      await writer.enqueue("record", id, "upsert", id, scope);
      return record;
    }),
});

/** A record by id (`null` when deleted unless `includeDeleted`). */
export const get = internalQuery({
  args: { id: v.string(), includeDeleted: v.boolean() },
  handler: async (ctx, { id, includeDeleted }): Promise<RecordRow | null> => {
    const record = await findRecord(ctx, id);
    if (!record || (record.deletedAt !== undefined && !includeDeleted)) return null;
    return withoutSystemFields(record);
  },
});

/** One step of a record listing: records in order, and the id to resume after (`null` when done). */
export type RecordStep = { records: RecordRow[]; next: string | null; node?: string | null };

/** Which records of a node a listing takes. */
const relationValidator = v.union(v.literal("about"), v.literal("mentioning"), v.literal("related"));

function visible(record: RecordRow, query: string[], includeDeleted: boolean): boolean {
  return (includeDeleted || record.deletedAt === undefined) && isVisible(record.scope, query);
}

async function* about(ctx: QueryCtx, node: string, before: string | undefined): AsyncGenerator<RecordDoc> {
  yield* ctx.db.query("knowledge_records").withIndex(
    "by_node",
    (q) => before === undefined ? q.eq("node", node) : q.eq("node", node).lt("id", before),
  ).order("desc");
}

async function* mentioning(ctx: QueryCtx, node: string, before: string | undefined): AsyncGenerator<RecordDoc> {
  const mentions = ctx.db.query("knowledge_mentions").withIndex(
    "by_node",
    (q) =>
      before === undefined
        ? q.eq("node", node).eq("sourceType", "record")
        : q.eq("node", node).eq("sourceType", "record").lt("sourceId", before),
  ).order("desc");
  for await (const mention of mentions) {
    const record = await findRecord(ctx, mention.sourceId);
    if (record) yield record;
  }
}

/** Merges two id-descending streams, each id once. */
async function* union(a: AsyncGenerator<RecordDoc>, b: AsyncGenerator<RecordDoc>): AsyncGenerator<RecordDoc> {
  let x = await a.next();
  let y = await b.next();
  while (!x.done || !y.done) {
    if (y.done || (!x.done && x.value.id > y.value.id)) {
      yield x.value;
      x = await a.next();
    } else if (x.done || y.value.id > x.value.id) {
      yield y.value;
      y = await b.next();
    } else {
      yield x.value;
      x = await a.next();
      y = await b.next();
    }
  }
}

/**
 * One bounded step of the records about / mentioning / related to the
 * merge terminal of `node`, visible from `scope`, newest id first, below
 * `before`. `node` in the answer is the terminal (`null`: no such node).
 */
export const listStep = internalQuery({
  args: {
    node: v.string(),
    relation: relationValidator,
    scope: scopeValidator,
    includeDeleted: v.boolean(),
    before: v.optional(v.string()),
    limit: v.number(),
  },
  handler: async (ctx, args): Promise<RecordStep> => {
    const query = canonicalScope(args.scope);
    const terminal = await terminalNode(ctx, args.node);
    if (!terminal) return { records: [], next: null, node: null };
    const stream = args.relation === "about"
      ? about(ctx, terminal.id, args.before)
      : args.relation === "mentioning"
      ? mentioning(ctx, terminal.id, args.before)
      : union(about(ctx, terminal.id, args.before), mentioning(ctx, terminal.id, args.before));
    return await take(stream, query, args.includeDeleted, args.limit, terminal.id);
  },
});

async function take(
  stream: AsyncIterable<RecordDoc>,
  query: string[],
  includeDeleted: boolean,
  limit: number,
  node?: string,
): Promise<RecordStep> {
  const records: RecordRow[] = [];
  let read = 0;
  let last: string | null = null;
  for await (const doc of stream) {
    if (records.length >= limit) return { records, next: last, node };
    if (read++ >= STEP_DOCS) return { records, next: last, node };
    last = doc.id;
    if (visible(doc, query, includeDeleted)) records.push(withoutSystemFields(doc));
  }
  return { records, next: null, node };
}

/** One bounded step of a source thread's records visible from `scope`, oldest id first, after `after`. */
export const bySourceStep = internalQuery({
  args: {
    sourceThreadId: v.string(),
    scope: scopeValidator,
    includeDeleted: v.boolean(),
    after: v.optional(v.string()),
    limit: v.number(),
  },
  handler: async (ctx, args): Promise<RecordStep> => {
    const query = canonicalScope(args.scope);
    const stream = ctx.db.query("knowledge_records").withIndex(
      "by_source",
      (q) =>
        args.after === undefined
          ? q.eq("sourceThreadId", args.sourceThreadId)
          : q.eq("sourceThreadId", args.sourceThreadId).gt("id", args.after),
    );
    return await take(stream, query, args.includeDeleted, args.limit);
  },
});

async function requireRecord(ctx: QueryCtx, id: string): Promise<RecordDoc> {
  const record = await findRecord(ctx, id);
  if (!record) throw storageError("NOT_FOUND", `Knowledge record not found: ${id}`);
  return record;
}

/** Core's `removeKnowledge`: marks the record deleted (a deleted one is answered as it is). */
export const remove = internalMutation({
  args: { id: v.string(), deletedBy: v.string(), now: v.number() },
  handler: async (ctx, { id, deletedBy, now }): Promise<RecordRow> => {
    const record = await requireRecord(ctx, id);
    if (record.deletedAt !== undefined) return withoutSystemFields(record);
    const writer = new Writer(ctx, now);
    await ctx.db.patch(record._id, { deletedAt: writer.now, deletedBy });
    await writer.activity("record-deleted", "record", id, record.scope, record.sourceThreadId);
    await writer.enqueue("record", id, "delete", new Date(writer.now).toISOString(), record.scope);
    return withoutSystemFields((await findRecord(ctx, id))!);
  },
});

/** Core's `restoreKnowledge`: clears the deletion (a live one is answered as it is). */
export const restore = internalMutation({
  args: { id: v.string(), now: v.number() },
  handler: async (ctx, { id, now }): Promise<RecordRow> => {
    const record = await requireRecord(ctx, id);
    if (record.deletedAt === undefined) return withoutSystemFields(record);
    const writer = new Writer(ctx, now);
    await ctx.db.patch(record._id, { deletedAt: undefined, deletedBy: undefined });
    await writer.activity("record-restored", "record", id, record.scope, record.sourceThreadId);
    await writer.enqueue("record", id, "upsert", await writer.version(), record.scope);
    return withoutSystemFields((await findRecord(ctx, id))!);
  },
});

/** Core's `rescopeKnowledge`: a new scope within the record's ceiling. */
export const rescope = internalMutation({
  args: { id: v.string(), scope: scopeValidator, now: v.number(), opId: v.string() },
  handler: (ctx, { id, scope, now, opId }): Promise<RecordRow> =>
    once(ctx, opId, async () => {
      const record = await requireRecord(ctx, id);
      const canonical = canonicalScope(scope);
      assertWithinCeiling(canonical, record.maxScope);
      const writer = new Writer(ctx, now);
      await ctx.db.patch(record._id, { scope: canonical, scopeKey: scopeKey(canonical) });
      await writer.activity("record-rescoped", "record", id, canonical, record.sourceThreadId);
      if (record.scopeKey !== scopeKey(canonical)) {
        await writer.enqueue("record", id, "delete", await writer.version(), record.scope);
      }
      if (record.deletedAt === undefined) {
        await writer.enqueue("record", id, "upsert", await writer.version(), canonical);
      }
      return withoutSystemFields((await findRecord(ctx, id))!);
    }),
});

/** Core's `raiseKnowledgeCeiling` (an absent `maxScope` removes the ceiling). */
export const raiseCeiling = internalMutation({
  args: { id: v.string(), maxScope: v.optional(scopeLevelValidator) },
  handler: async (ctx, { id, maxScope }): Promise<RecordRow> => {
    const record = await requireRecord(ctx, id);
    assertWithinCeiling(record.scope, maxScope);
    assertCeilingRaised(record.maxScope, maxScope);
    await ctx.db.patch(record._id, { maxScope });
    return withoutSystemFields((await findRecord(ctx, id))!);
  },
});
