/**
 * Nodes of Mastra's knowledge domain. Internal functions only.
 *
 * Identity (scope, normalised name) is checked through `by_identity`
 * inside the creating or updating mutation, so racing creates of one node
 * leave one node (Convex serialises them). A merge and a scope change
 * rewrite the records and mentions of the node in the same mutation, up to
 * {@link MAX_REWRITE} documents (a larger rewrite is refused, nothing changed).
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { withoutSystemFields } from "../kit/rows.js";
import { once } from "./once.js";
import { assertDescription, canonicalScope, isVisible, nameKey, scopeKey, visibleScopeKeys } from "./scope.js";
import { type NodeRow, scopeValidator } from "./validators.js";
import { findByIdentity, findNode, type NodeDoc, resolveNode, terminalNode, Writer } from "./writer.js";

/** Records and mentions a merge or a node's scope change rewrites at most, in its one mutation. */
export const MAX_REWRITE = 1000;

/** Nodes one list step reads before it stops at a group boundary. */
const STEP_DOCS = 1000;
/** Most nodes of one scope updated in the same millisecond a list step reads (one group is read whole). */
const MAX_GROUP = 4000;

const createArgs = {
  id: v.optional(v.string()),
  name: v.string(),
  kind: v.string(),
  content: v.optional(v.string()),
  description: v.optional(v.string()),
  scope: scopeValidator,
  resolutionScope: v.optional(scopeValidator),
};

/** Creates a node, or answers the node (merge terminal) already holding its identity. Safe to repeat. */
export const create = internalMutation({
  args: { input: v.object(createArgs), now: v.number() },
  handler: async (ctx, { input, now }): Promise<NodeRow> => {
    const node = await new Writer(ctx, now).createNode(input);
    return withoutSystemFields(node as NodeRow & { _id?: unknown; _creationTime?: unknown });
  },
});

/** A node by id (merged or not), or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<NodeRow | null> => {
    const node = await findNode(ctx, id);
    return node ? withoutSystemFields(node) : null;
  },
});

/** The node holding exactly (`scope`, `name`), merged or not, or `null`. */
export const getByName = internalQuery({
  args: { name: v.string(), scope: scopeValidator },
  handler: async (ctx, { name, scope }): Promise<NodeRow | null> => {
    const node = await findByIdentity(ctx, name, canonicalScope(scope));
    return node ? withoutSystemFields(node) : null;
  },
});

/** Core's `resolveNode`: through enclosing scopes and merge chains. */
export const resolve = internalQuery({
  args: { name: v.string(), scope: scopeValidator },
  handler: async (ctx, { name, scope }): Promise<NodeRow | null> => {
    const node = await resolveNode(ctx, name, scope);
    return node ? withoutSystemFields(node) : null;
  },
});

/** Filters of a node listing (and the search predicate) applied on the server. */
const nodeFilterValidator = v.object({
  namePrefix: v.optional(v.string()),
  kind: v.optional(v.string()),
  hasContent: v.optional(v.boolean()),
  /** Lower-cased search text: name, kind, content or description contains it. */
  search: v.optional(v.string()),
  cursor: v.optional(v.object({ updatedAt: v.number(), name: v.string(), id: v.string() })),
});

/** One step of a node listing: whole `updatedAt` groups, newest first; `next` is the group to resume at. */
export type NodeStep = { groups: NodeRow[][]; next: number | null };

function keep(node: NodeRow, filter: typeof nodeFilterValidator.type): boolean {
  if (filter.namePrefix && !node.name.toLocaleLowerCase().startsWith(filter.namePrefix.toLocaleLowerCase())) {
    return false;
  }
  if (filter.kind && node.kind !== filter.kind) return false;
  if (filter.hasContent !== undefined && Boolean(node.content) !== filter.hasContent) return false;
  const c = filter.cursor;
  if (
    c && !(node.updatedAt < c.updatedAt ||
      node.updatedAt === c.updatedAt && (node.name > c.name || node.name === c.name && node.id > c.id))
  ) return false;
  const search = filter.search;
  if (search !== undefined) {
    return node.name.toLocaleLowerCase().includes(search) || node.kind.toLocaleLowerCase().includes(search) ||
      (node.content?.toLocaleLowerCase().includes(search) ?? false) ||
      (node.description?.toLocaleLowerCase().includes(search) ?? false);
  }
  return true;
}

/**
 * One bounded step of the live nodes visible from `scope` (each of its at
 * most three prefix scopes is one range of `by_scope_updated`, read newest
 * first and merged), from group `from` (inclusive) down. Each `updatedAt`
 * group is returned whole and filtered; the client orders it (by name,
 * then id, as core does with `localeCompare`). The step ends at a group
 * boundary once `limit` nodes matched or {@link STEP_DOCS} were read.
 */
export const listStep = internalQuery({
  args: { scope: scopeValidator, filter: nodeFilterValidator, from: v.optional(v.number()), limit: v.number() },
  handler: async (ctx, { scope, filter, from, limit }): Promise<NodeStep> => {
    const at = from ?? filter.cursor?.updatedAt ?? Infinity;
    const streams = visibleScopeKeys(canonicalScope(scope)).map((key) =>
      ctx.db.query("knowledge_nodes").withIndex(
        "by_scope_updated",
        (q) => q.eq("live", true).eq("scopeKey", key).lte("updatedAt", at),
      ).order("desc")[Symbol.asyncIterator]()
    );
    const heads = await Promise.all(streams.map((stream) => stream.next()));
    const groups: NodeRow[][] = [];
    let matched = 0;
    let read = 0;
    let group: NodeRow[] = [];
    let groupAt: number | undefined;
    for (;;) {
      let best = -1;
      for (let index = 0; index < heads.length; index++) {
        const head = heads[index];
        if (!head.done && (best < 0 || head.value.updatedAt > heads[best].value!.updatedAt)) best = index;
      }
      const doc: NodeDoc | undefined = best < 0 ? undefined : heads[best].value as NodeDoc;
      if (doc === undefined || doc.updatedAt !== groupAt) {
        // A group ends here.
        if (group.length > 0) groups.push(group);
        matched += group.length;
        group = [];
        if (doc === undefined) return { groups, next: null };
        if (matched >= limit || read >= STEP_DOCS) return { groups, next: doc.updatedAt };
        groupAt = doc.updatedAt;
      }
      if (++read > STEP_DOCS + MAX_GROUP) {
        throw storageError("INVALID", `more than ${MAX_GROUP} knowledge nodes were updated at ${groupAt}`);
      }
      if (keep(doc, filter)) group.push(withoutSystemFields(doc));
      heads[best] = await streams[best].next();
    }
  },
});

/** Core's `updateNode`: version-checked, identity-checked, with mention and outbox upkeep. */
export const update = internalMutation({
  args: {
    input: v.object({
      id: v.string(),
      version: v.number(),
      name: v.optional(v.string()),
      kind: v.optional(v.string()),
      content: v.optional(v.string()),
      description: v.optional(v.string()),
      scope: v.optional(scopeValidator),
      resolutionScope: v.optional(scopeValidator),
    }),
    now: v.number(),
    opId: v.string(),
  },
  handler: (ctx, { input, now, opId }): Promise<NodeRow> =>
    once(ctx, opId, async () => {
      const writer = new Writer(ctx, now);
      assertDescription(input.description);
      const existing = await findNode(ctx, input.id);
      if (!existing) throw storageError("NOT_FOUND", `Knowledge node not found: ${input.id}`);
      if (existing.version !== input.version) throw conflict(input.id);
      if (existing.mergedInto) throw storageError("INVALID", `Cannot update merged knowledge node: ${input.id}`);
      const scope = canonicalScope(input.scope ?? existing.scope);
      const name = (input.name ?? existing.name).trim();
      const collision = await findByIdentity(ctx, name, scope);
      if (collision && collision.id !== input.id) {
        throw storageError("ALREADY_EXISTS", `Knowledge node already exists in scope: ${name}`);
      }
      const scopeChanged = existing.scopeKey !== scopeKey(scope);
      if (scopeChanged) await assertRewriteWithin(ctx, input.id, false);
      const updated: NodeRow = {
        ...withoutSystemFields(existing),
        name,
        nameKey: nameKey(name),
        kind: input.kind ?? existing.kind,
        scope,
        scopeKey: scopeKey(scope),
        version: existing.version + 1,
        updatedAt: writer.now,
      };
      const content = input.content ?? existing.content;
      const description = input.description ?? existing.description;
      if (content !== undefined) updated.content = content;
      if (description !== undefined) updated.description = description;
      assertFitsDocument(`knowledge node ${input.id}`, updated);
      await ctx.db.replace(existing._id, updated);
      if (input.content !== undefined || input.name !== undefined || input.scope !== undefined) {
        await writer.replaceMentions("node", input.id, updated.content ?? "", input.resolutionScope ?? scope, scope);
      }
      await writer.activity("node-updated", "node", input.id, scope);
      if (scopeChanged) {
        await writer.enqueue("node", input.id, "delete", await writer.version(), existing.scope);
        for await (
          const record of ctx.db.query("knowledge_records").withIndex("by_node_created", (q) => q.eq("node", input.id))
        ) {
          await writer.enqueue("record", record.id, "delete", await writer.version(), record.scope);
          if (record.deletedAt === undefined) {
            await writer.enqueue("record", record.id, "upsert", await writer.version(), record.scope);
          }
        }
      }
      await writer.enqueue("node", input.id, "upsert", updated.version, scope);
      return withoutSystemFields((await findNode(ctx, input.id))!);
    }),
});

/** The error a stale `version` gets: the client turns it into core's `KnowledgeConflictError`. */
export function conflict(id: string): Error {
  return storageError("CONFLICT", `Knowledge record version conflict: ${id}`);
}

/** Refuses (nothing written) a rewrite of a node's records (and mentions) over {@link MAX_REWRITE} documents. */
async function assertRewriteWithin(
  ctx: Parameters<typeof findNode>[0],
  id: string,
  withMentions: boolean,
): Promise<void> {
  let count = 0;
  const over = () => ++count > MAX_REWRITE;
  for await (const _ of ctx.db.query("knowledge_records").withIndex("by_node_created", (q) => q.eq("node", id))) {
    if (over()) break;
  }
  if (withMentions && count <= MAX_REWRITE) {
    for await (const _ of ctx.db.query("knowledge_mentions").withIndex("by_node", (q) => q.eq("node", id))) {
      if (over()) break;
    }
  }
  if (count > MAX_REWRITE) {
    throw storageError(
      "TOO_LARGE",
      `knowledge node ${id} has more than ${MAX_REWRITE} records and mentions to rewrite in one call`,
    );
  }
}

/** Core's `mergeNodes`: the source's records and mentions move to the target's merge terminal. */
export const merge = internalMutation({
  args: { sourceId: v.string(), targetId: v.string(), sourceVersion: v.number(), now: v.number(), opId: v.string() },
  handler: (ctx, { sourceId, targetId, sourceVersion, now, opId }): Promise<NodeRow> =>
    once(ctx, opId, async () => {
      const writer = new Writer(ctx, now);
      if (sourceId === targetId) throw storageError("INVALID", "Cannot merge a knowledge node into itself");
      const source = await findNode(ctx, sourceId);
      if (!source) throw storageError("NOT_FOUND", `Knowledge node not found: ${sourceId}`);
      if (source.version !== sourceVersion) throw conflict(sourceId);
      const target = await terminalNode(ctx, targetId);
      if (!target) throw storageError("NOT_FOUND", `Knowledge node not found: ${targetId}`);
      if (target.id === source.id) throw storageError("INVALID", "Cannot create a knowledge merge cycle");
      if (!isVisible(target.scope, source.scope)) {
        throw storageError(
          "INVALID",
          "Cannot merge a knowledge node into a target that is narrower than its source scope",
        );
      }
      await assertRewriteWithin(ctx, source.id, true);
      for await (
        const record of ctx.db.query("knowledge_records").withIndex("by_node_created", (q) => q.eq("node", source.id))
      ) {
        await ctx.db.patch(record._id, { node: target.id });
        const operation = record.deletedAt !== undefined ? "delete" : "upsert";
        await writer.enqueue("record", record.id, operation, await writer.version(), record.scope);
      }
      const mentions = await ctx.db.query("knowledge_mentions").withIndex(
        "by_node_order",
        (q) => q.eq("node", source.id),
      ).collect(); // bounded: counted against MAX_REWRITE above
      for (const mention of mentions) {
        await ctx.db.delete(mention._id);
        const already = await ctx.db.query("knowledge_mentions").withIndex(
          "by_source",
          (q) => q.eq("sourceType", mention.sourceType).eq("sourceId", mention.sourceId).eq("node", target.id),
        ).first();
        if (!already) await ctx.db.insert("knowledge_mentions", { ...withoutSystemFields(mention), node: target.id });
        if (mention.sourceType === "record") {
          const record = await ctx.db.query("knowledge_records").withIndex("by_knowledge_id", (q) =>
            q.eq("id", mention.sourceId))
            .unique();
          if (record) {
            const operation = record.deletedAt !== undefined ? "delete" : "upsert";
            await writer.enqueue("record", record.id, operation, await writer.version(), record.scope);
          }
        } else {
          const node = await findNode(ctx, mention.sourceId);
          if (node) {
            await writer.enqueue("node", node.id, "upsert", await writer.version(), node.scope);
          }
        }
      }
      const mergedSource = { mergedInto: target.id, live: false, version: source.version + 1, updatedAt: writer.now };
      await ctx.db.patch(source._id, mergedSource);
      const current = (await findNode(ctx, target.id))!;
      if (current.description === undefined && source.description) {
        await ctx.db.patch(current._id, {
          description: source.description,
          version: current.version + 1,
          updatedAt: writer.now,
        });
        await writer.activity("node-updated", "node", target.id, current.scope);
      }
      await writer.activity("node-merged", "node", source.id, source.scope);
      await writer.enqueue("node", source.id, "delete", mergedSource.version, source.scope);
      await writer.enqueue("node", target.id, "upsert", await writer.version(), current.scope);
      return withoutSystemFields((await findNode(ctx, target.id))!);
    }),
});
