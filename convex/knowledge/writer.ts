/**
 * The writes every knowledge mutation shares, done as core's in-memory
 * store does them, inside the calling mutation: node creation with its
 * identity check, resolution through scopes and merge chains, mention
 * sets, activity events and semantic outbox entries. One `Writer` per
 * mutation, with that mutation's server time.
 */
import type { GenericId } from "convex/values";
import { storageError } from "../kit/errors.js";
import { assertFitsDocument } from "../kit/limits.js";
import type { MutationCtx, QueryCtx } from "../kit/functions.js";
import { nextUlid, type UlidCache } from "./ids.js";
import { assertDescription, canonicalScope, isVisible, nameKey, scopeKey, wikilinks } from "./scope.js";
import type { NodeRow, OutboxRow, RecordRow } from "./validators.js";

/** A stored node with its document id. */
export type NodeDoc = NodeRow & { _id: GenericId<"knowledge_nodes">; _creationTime: number };
/** A stored record with its document id. */
export type RecordDoc = RecordRow & { _id: GenericId<"knowledge_records">; _creationTime: number };

/** Longest merge chain followed (each hop reads one node); a longer one is refused with a clear error. */
export const MAX_MERGE_CHAIN = 1000;

/** A node by id, or `null`. */
export async function findNode(ctx: QueryCtx, id: string): Promise<NodeDoc | null> {
  return await ctx.db.query("knowledge_nodes").withIndex("by_knowledge_id", (q) => q.eq("id", id)).unique();
}

/** A record by id, or `null`. */
export async function findRecord(ctx: QueryCtx, id: string): Promise<RecordDoc | null> {
  return await ctx.db.query("knowledge_records").withIndex("by_knowledge_id", (q) => q.eq("id", id)).unique();
}

/** The node holding identity (`scope`, `name`), merged or not, or `null`. */
export async function findByIdentity(ctx: QueryCtx, name: string, canonical: string[]): Promise<NodeDoc | null> {
  return await ctx.db.query("knowledge_nodes").withIndex(
    "by_identity",
    (q) => q.eq("scopeKey", scopeKey(canonical)).eq("nameKey", nameKey(name)),
  ).unique();
}

/** The end of `id`'s merge chain (the node itself when not merged), or `null`. */
export async function terminalNode(ctx: QueryCtx, id: string): Promise<NodeDoc | null> {
  let node = await findNode(ctx, id);
  const seen = new Set<string>();
  while (node?.mergedInto) {
    if (seen.has(node.id)) throw storageError("INVALID", `Knowledge merge cycle detected at ${node.id}`);
    if (seen.size >= MAX_MERGE_CHAIN) {
      throw storageError("INVALID", `Knowledge merge chain from ${id} is longer than ${MAX_MERGE_CHAIN} nodes`);
    }
    seen.add(node.id);
    node = await findNode(ctx, node.mergedInto);
  }
  return node;
}

/** Core's `resolveNode`: the name in the scope, then in each enclosing scope, through merges, visible from the scope. */
export async function resolveNode(ctx: QueryCtx, name: string, scope: string[] | undefined): Promise<NodeDoc | null> {
  const canonical = canonicalScope(scope ?? []);
  for (let length = canonical.length; length > 0; length--) {
    const node = await findByIdentity(ctx, name, canonical.slice(0, length));
    if (node) {
      const terminal = await terminalNode(ctx, node.id);
      if (terminal && isVisible(terminal.scope, canonical)) return terminal;
    }
  }
  return null;
}

/** Input of a node creation (core's `CreateKnowledgeNodeInput`). */
export type CreateNode = {
  id?: string;
  name: string;
  kind: string;
  content?: string;
  description?: string;
  scope: string[];
  resolutionScope?: string[];
};

/** The writes of one knowledge mutation, at its server time `now`. */
export class Writer {
  readonly #ulids: UlidCache = {};
  /** Versions this writer made: fresh ULIDs, never enqueued before (no idempotency lookup needed). */
  readonly #fresh = new Set<string>();

  /** Binds the writer to a mutation and its time. */
  constructor(readonly ctx: MutationCtx, readonly now: number) {}

  /** Next id of the monotonic ULID sequence (the state document is read once per mutation). */
  ulid(): Promise<string> {
    return nextUlid(this.ctx, this.now, this.#ulids);
  }

  /** Core's `#createNode`: the existing node of the same identity (its merge terminal), or a new one. */
  async createNode(input: CreateNode): Promise<NodeRow> {
    assertDescription(input.description);
    const scope = canonicalScope(input.scope);
    const existing = await findByIdentity(this.ctx, input.name, scope);
    if (existing) {
      const terminal = (await terminalNode(this.ctx, existing.id))!;
      if (!isVisible(terminal.scope, scope)) {
        throw storageError("INVALID", `Merged knowledge node is not visible from scope: ${input.name}`);
      }
      return terminal;
    }
    const id = input.id ?? crypto.randomUUID();
    if (await findNode(this.ctx, id)) throw storageError("ALREADY_EXISTS", `Knowledge node already exists: ${id}`);
    const node: NodeRow = {
      id,
      name: input.name.trim(),
      nameKey: nameKey(input.name),
      kind: input.kind,
      ...(input.content !== undefined ? { content: input.content } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      scope,
      scopeKey: scopeKey(scope),
      version: 1,
      live: true,
      createdAt: this.now,
      updatedAt: this.now,
    };
    assertFitsDocument(`knowledge node ${id}`, node);
    await this.ctx.db.insert("knowledge_nodes", node);
    await this.replaceMentions("node", id, node.content ?? "", input.resolutionScope ?? scope, scope);
    await this.activity("node-created", "node", id, scope);
    await this.enqueue("node", id, "upsert", 1, scope);
    return node;
  }

  /** Replaces the mention set of a source with the nodes its wikilinks resolve to (created at `defaultScope` when missing). */
  async replaceMentions(
    sourceType: "node" | "record",
    sourceId: string,
    text: string,
    resolutionScope: string[] | undefined,
    defaultScope: string[] | undefined,
  ): Promise<void> {
    const nodes = new Set<string>();
    for (const name of wikilinks(text)) {
      const node = await resolveNode(this.ctx, name, resolutionScope) ??
        await this.createNode({ name, kind: "node", scope: defaultScope ?? [] });
      nodes.add(node.id);
    }
    const db = this.ctx.db;
    let source = await db.query("knowledge_mention_sources").withIndex(
      "by_source",
      (q) => q.eq("sourceType", sourceType).eq("sourceId", sourceId),
    ).unique();
    if (!source) {
      const _id = await db.insert("knowledge_mention_sources", { sourceType, sourceId });
      source = (await db.get(_id))!;
    }
    for await (
      const row of db.query("knowledge_mentions").withIndex(
        "by_source",
        (q) => q.eq("sourceType", sourceType).eq("sourceId", sourceId),
      )
    ) {
      if (nodes.has(row.node)) nodes.delete(row.node);
      else await db.delete(row._id);
    }
    for (const node of nodes) {
      await db.insert("knowledge_mentions", { sourceType, sourceId, node, sourceOrder: source._creationTime });
    }
  }

  /** Appends an activity event. */
  async activity(
    action:
      | "node-created"
      | "node-updated"
      | "node-merged"
      | `record-${"created" | "deleted" | "restored" | "rescoped"}`,
    recordType: "node" | "record",
    recordId: string,
    scope: string[],
    sourceThreadId?: string,
  ): Promise<void> {
    await this.ctx.db.insert("knowledge_activity", {
      id: await this.ulid(),
      action,
      recordType,
      recordId,
      scope,
      scopeKey: scopeKey(scope),
      ...(sourceThreadId !== undefined ? { sourceThreadId } : {}),
      createdAt: this.now,
    });
  }

  /** A fresh version for an outbox entry (core uses a new ULID where it has no version number). */
  async version(): Promise<string> {
    const version = await this.ulid();
    this.#fresh.add(version);
    return version;
  }

  /** Core's `#enqueue`: a pending outbox entry, unless one with the same idempotency key was ever enqueued. */
  async enqueue(
    documentType: "node" | "record",
    id: string,
    operation: "upsert" | "delete",
    version: number | string,
    scope: string[],
  ): Promise<void> {
    const documentId = `knowledge:${documentType}:${id}`;
    const idempotencyKey = `${documentId}:${operation}:${version}`;
    if (typeof version !== "string" || !this.#fresh.has(version)) {
      const seen = await this.ctx.db.query("knowledge_outbox").withIndex(
        "by_idempotency",
        (q) => q.eq("idempotencyKey", idempotencyKey),
      ).first();
      if (seen) return;
    }
    const entry: OutboxRow = {
      id: await this.ulid(),
      idempotencyKey,
      documentId,
      documentType,
      operation,
      scope,
      scopeKey: scopeKey(scope),
      status: "pending",
      open: true,
      attempts: 0,
      availableAt: this.now,
      createdAt: this.now,
    };
    await this.ctx.db.insert("knowledge_outbox", entry);
  }
}
