/**
 * Mastra's knowledge domain on Convex (experimental in core): scoped nodes
 * and records, merges, optimistic versions, substring search, curation
 * cursors, activity and a semantic outbox that workers claim exactly once.
 * Every write is one mutation; every read is index-backed and runs in
 * bounded steps (`convex/knowledge/`).
 */
import { KnowledgeConflictError, KnowledgeStorage, parseKnowledgeNodeCursor } from "@mastra/core/storage";
import type {
  AppendKnowledgeInput,
  ClaimKnowledgeSemanticOutboxInput,
  CreateKnowledgeNodeInput,
  KnowledgeActivityEvent,
  KnowledgeCurationCursor,
  KnowledgeNode,
  KnowledgeNodeReference,
  KnowledgeRecord,
  KnowledgeScope,
  KnowledgeScopeLevel,
  KnowledgeSemanticOutboxEntry,
  ListKnowledgeNodesInput,
  QueryKnowledgeBySourceInput,
  QueryKnowledgeInput,
  QueryKnowledgeOutput,
  SearchKnowledgeInput,
  SearchKnowledgeResult,
  UpdateKnowledgeNodeInput,
} from "../coreTypes.ts";
import type { NodeStep } from "../../convex/knowledge/nodes.ts";
import type { RecordStep } from "../../convex/knowledge/records.ts";
import type { SearchStep } from "../../convex/knowledge/search.ts";
import type { OutboxStep } from "../../convex/knowledge/outbox.ts";
import { ID_BATCH } from "../../convex/knowledge/outbox.ts";
import type { ActivityRow, CursorRow, NodeRow, OutboxRow, RecordRow } from "../../convex/knowledge/validators.ts";
import { clearTables, type DomainContext } from "../kit/context.ts";
import { encodeValue, toMillis } from "../kit/codec.ts";
import { type ErrorDetails, InvalidInputError, storageErrorCode, withErrorContext } from "../kit/errors.ts";
import { requireId, requireRecord, requireString } from "../kit/validate.ts";
import {
  byNameThenId,
  checkLimit,
  checkScope,
  optionalFields,
  scopeArray,
  toActivity,
  toCursor,
  toNode,
  toOutboxEntry,
  toRecord,
} from "./rows.ts";

/** Every table of the domain, for `dangerouslyClearAll`. */
const TABLES = [
  "knowledge_nodes",
  "knowledge_records",
  "knowledge_mentions",
  "knowledge_mention_sources",
  "knowledge_cursors",
  "knowledge_activity",
  "knowledge_outbox",
  "knowledge_ulid",
];

const LEVELS = new Set(["org", "resource", "thread"]);

function nodeId(node: KnowledgeNodeReference, name: string): string {
  return requireId(typeof node === "string" ? node : (node as { id?: unknown })?.id, name);
}

function optionalText(value: unknown, name: string): string | undefined {
  return value === undefined ? undefined : requireString(value, name);
}

function optionalLevel(value: unknown, name: string): KnowledgeScopeLevel | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !LEVELS.has(value)) {
    throw new InvalidInputError(`${name} must be "org", "resource" or "thread", got ${String(value)}`);
  }
  return value as KnowledgeScopeLevel;
}

/** Knowledge stored in Convex. */
export class ConvexKnowledgeStorage extends KnowledgeStorage {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Runs `fn` as `operation`: failures become `MastraError`s, a stale version core's `KnowledgeConflictError`. */
  async #run<T>(operation: string, details: ErrorDetails, fn: () => Promise<T>): Promise<T> {
    try {
      return await withErrorContext({ operation, details }, fn);
    } catch (error) {
      if (storageErrorCode((error as { cause?: unknown }).cause) === "CONFLICT") {
        throw new KnowledgeConflictError(String(details.id ?? details.sourceId));
      }
      throw error;
    }
  }

  #mutation<T>(path: string, args: Record<string, unknown>, operation: string, details: ErrorDetails): Promise<T> {
    return this.#ctx.transport.mutation<T>(`knowledge/${path}` as `${string}:${string}`, args, {
      operation,
      details,
      idempotent: true,
    });
  }

  #query<T>(path: string, args: Record<string, unknown>, operation: string, details: ErrorDetails): Promise<T> {
    return this.#ctx.transport.query<T>(`knowledge/${path}` as `${string}:${string}`, args, { operation, details });
  }

  /** Deletes all knowledge. */
  override async dangerouslyClearAll(): Promise<void> {
    await clearTables(this.#ctx, TABLES, []);
  }

  /** Creates a node, or answers the node already holding its (scope, name) identity. */
  override createNode(input: CreateKnowledgeNodeInput): Promise<KnowledgeNode> {
    const details = { id: typeof input?.id === "string" ? input.id : null };
    return this.#run("createNode", details, async () => {
      const checked = requireRecord(input, "input");
      const args = {
        ...optionalFields(checked, { id: requireId, content: requireString, description: requireString }),
        name: requireString(checked.name, "input.name"),
        kind: requireString(checked.kind, "input.kind"),
        scope: checkScope(checked.scope, "input.scope"),
        ...optionalFields(checked, { resolutionScope: scopeArray }),
      };
      return toNode(
        await this.#mutation<NodeRow>("nodes:create", { input: args, now: this.#ctx.now() }, "createNode", details),
      );
    });
  }

  /** A node by id (merged ones included), or `null`. */
  override getNode(id: string): Promise<KnowledgeNode | null> {
    return this.#run("getNode", { id }, async () => {
      const row = await this.#query<NodeRow | null>("nodes:get", { id: requireId(id, "id") }, "getNode", { id });
      return row ? toNode(row) : null;
    });
  }

  /** A node looked up by (name, scope) through `path`. */
  #byName(operation: string, path: string, input: unknown): Promise<KnowledgeNode | null> {
    return this.#run(operation, {}, async () => {
      const checked = requireRecord(input, "input");
      const args = { name: requireString(checked.name, "input.name"), scope: checkScope(checked.scope, "input.scope") };
      const row = await this.#query<NodeRow | null>(path, args, operation, {});
      return row ? toNode(row) : null;
    });
  }

  /** The node of exactly this (scope, name), merged or not, or `null`. */
  override getNodeByName(input: { name: string; scope: KnowledgeScope }): Promise<KnowledgeNode | null> {
    return this.#byName("getNodeByName", "nodes:getByName", input);
  }

  /** The node a name means from a scope: through enclosing scopes and merges. */
  override resolveNode(input: { name: string; scope: KnowledgeScope }): Promise<KnowledgeNode | null> {
    return this.#byName("resolveNode", "nodes:resolve", input);
  }

  /** Runs node listing steps until `limit` nodes are taken (groups ordered as core orders them). */
  async #listNodes(
    scope: string[],
    filter: Record<string, unknown>,
    limit: number,
    operation: string,
  ): Promise<NodeRow[]> {
    const nodes: NodeRow[] = [];
    let from: number | undefined;
    while (nodes.length < limit) {
      const step: NodeStep = await this.#query(
        "nodes:listStep",
        {
          scope,
          filter,
          limit: limit - nodes.length,
          ...(from !== undefined ? { from } : {}),
        },
        operation,
        {},
      );
      for (const group of step.groups) nodes.push(...group.sort(byNameThenId));
      if (step.next === null) break;
      from = step.next;
    }
    return nodes.slice(0, limit);
  }

  /** Live nodes visible from the scope, most recently updated first, filtered, after the cursor. */
  override listNodes(input: ListKnowledgeNodesInput): Promise<KnowledgeNode[]> {
    return this.#run("listNodes", {}, async () => {
      const checked = requireRecord(input, "input");
      const scope = checkScope(checked.scope, "input.scope");
      const namePrefix = optionalText(checked.namePrefix, "input.namePrefix");
      const kind = optionalText(checked.kind, "input.kind");
      if (checked.hasContent !== undefined && typeof checked.hasContent !== "boolean") {
        throw new InvalidInputError("input.hasContent must be a boolean");
      }
      const hasContent = checked.hasContent as boolean | undefined;
      let cursor;
      if (checked.cursor !== undefined) {
        try {
          const parsed = parseKnowledgeNodeCursor(requireString(checked.cursor, "input.cursor"), {
            namePrefix,
            kind,
            hasContent,
          });
          cursor = { updatedAt: parsed.updatedAt.getTime(), name: parsed.name, id: parsed.id };
        } catch (error) {
          throw new InvalidInputError(error instanceof Error ? error.message : String(error));
        }
      }
      const filter = {
        ...(namePrefix ? { namePrefix } : {}),
        ...(kind ? { kind } : {}),
        ...(hasContent !== undefined ? { hasContent } : {}),
        ...(cursor ? { cursor } : {}),
      };
      const limit = checkLimit(checked.limit, "input.limit", 100);
      return (await this.#listNodes(scope, filter, limit, "listNodes")).map(toNode);
    });
  }

  /** Updates a node at `version` (else core's `KnowledgeConflictError`). */
  override updateNode(input: UpdateKnowledgeNodeInput): Promise<KnowledgeNode> {
    const details = { id: typeof input?.id === "string" ? input.id : null };
    return this.#run("updateNode", details, async () => {
      const checked = requireRecord(input, "input");
      if (typeof checked.version !== "number" || !Number.isFinite(checked.version)) {
        throw new InvalidInputError("input.version must be a number");
      }
      const args = {
        id: requireId(checked.id, "input.id"),
        version: checked.version,
        ...optionalFields(checked, {
          name: requireString,
          kind: requireString,
          content: requireString,
          description: requireString,
          // Core checks these after the version: the server canonicalises them in that order.
          scope: scopeArray,
          resolutionScope: scopeArray,
        }),
      };
      return toNode(
        await this.#mutation<NodeRow>(
          "nodes:update",
          { input: args, now: this.#ctx.now(), opId: crypto.randomUUID() },
          "updateNode",
          details,
        ),
      );
    });
  }

  /** Merges a node (at `sourceVersion`) into the target's merge terminal. */
  override mergeNodes(input: { sourceId: string; targetId: string; sourceVersion: number }): Promise<KnowledgeNode> {
    const details = { sourceId: input?.sourceId ?? null, targetId: input?.targetId ?? null };
    return this.#run("mergeNodes", details, async () => {
      const checked = requireRecord(input, "input");
      if (typeof checked.sourceVersion !== "number" || !Number.isFinite(checked.sourceVersion)) {
        throw new InvalidInputError("input.sourceVersion must be a number");
      }
      const row = await this.#mutation<NodeRow>(
        "nodes:merge",
        {
          now: this.#ctx.now(),
          sourceId: requireId(checked.sourceId, "input.sourceId"),
          targetId: requireId(checked.targetId, "input.targetId"),
          sourceVersion: checked.sourceVersion,
          opId: crypto.randomUUID(),
        },
        "mergeNodes",
        details,
      );
      return toNode(row);
    });
  }

  /** Appends a record about a node (its merge terminal). */
  override appendKnowledge(input: AppendKnowledgeInput): Promise<KnowledgeRecord> {
    const details = { id: typeof input?.id === "string" ? input.id : null };
    return this.#run("appendKnowledge", details, async () => {
      const checked = requireRecord(input, "input");
      const args = {
        node: nodeId(checked.node as KnowledgeNodeReference, "input.node"),
        text: requireString(checked.text, "input.text"),
        scope: checkScope(checked.scope, "input.scope"),
        sourceThreadId: requireString(checked.sourceThreadId, "input.sourceThreadId"),
        ...optionalFields(checked, {
          id: requireId,
          when: toMillis,
          maxScope: optionalLevel,
          metadata: (value) => encodeValue(value),
          resolutionScope: scopeArray,
          defaultScope: scopeArray,
        }),
      };
      return toRecord(
        await this.#mutation<RecordRow>(
          "records:append",
          { input: args, now: this.#ctx.now(), opId: crypto.randomUUID() },
          "appendKnowledge",
          details,
        ),
      );
    });
  }

  /** A record by id (`null` when deleted, unless `includeDeleted`). */
  override getKnowledge(input: { id: string; includeDeleted?: boolean }): Promise<KnowledgeRecord | null> {
    const details = { id: typeof input?.id === "string" ? input.id : null };
    return this.#run("getKnowledge", details, async () => {
      const checked = requireRecord(input, "input");
      const row = await this.#query<RecordRow | null>(
        "records:get",
        {
          id: requireId(checked.id, "input.id"),
          includeDeleted: checked.includeDeleted === true,
        },
        "getKnowledge",
        details,
      );
      return row ? toRecord(row) : null;
    });
  }

  /** Runs record listing steps until one record more than `limit` is seen (for `nextCursor`). */
  async #page(
    limit: number,
    step: (remaining: number, resume: string | undefined) => Promise<RecordStep>,
  ): Promise<RecordRow[]> {
    const records: RecordRow[] = [];
    let resume: string | undefined;
    for (;;) {
      const result = await step(limit + 1 - records.length, resume);
      records.push(...result.records);
      if (records.length > limit || result.next === null) return records;
      resume = result.next;
    }
  }

  #related(operation: string, relation: "about" | "mentioning" | "related", input: QueryKnowledgeInput) {
    return this.#run(operation, {}, async (): Promise<QueryKnowledgeOutput> => {
      const checked = requireRecord(input, "input");
      const scope = checkScope(checked.scope, "input.scope");
      const node = nodeId(checked.node as KnowledgeNodeReference, "input.node");
      const limit = checkLimit(checked.limit, "input.limit", 100);
      const after = optionalText(checked.after, "input.after") || undefined;
      const includeDeleted = Boolean(checked.includeDeleted);
      const records = await this.#page(
        limit,
        (remaining, resume) =>
          this.#query<RecordStep>(
            "records:listStep",
            {
              node,
              relation,
              scope,
              includeDeleted,
              limit: remaining,
              ...(resume ?? after) !== undefined ? { before: resume ?? after } : {},
            },
            operation,
            {},
          ),
      );
      const page = records.slice(0, limit);
      return {
        records: page.map(toRecord),
        ...(records.length > limit && page.length > 0 ? { nextCursor: page.at(-1)!.id } : {}),
      };
    });
  }

  /** Records about a node, newest id first. */
  override listKnowledgeAbout(input: QueryKnowledgeInput): Promise<QueryKnowledgeOutput> {
    return this.#related("listKnowledgeAbout", "about", input);
  }

  /** Records mentioning a node, newest id first. */
  override listKnowledgeMentioning(input: QueryKnowledgeInput): Promise<QueryKnowledgeOutput> {
    return this.#related("listKnowledgeMentioning", "mentioning", input);
  }

  /** Records about or mentioning a node, newest id first. */
  override listKnowledgeRelatedTo(input: QueryKnowledgeInput): Promise<QueryKnowledgeOutput> {
    return this.#related("listKnowledgeRelatedTo", "related", input);
  }

  /** Records captured from a source thread, oldest id first. */
  override knowledgeBySource(input: QueryKnowledgeBySourceInput): Promise<QueryKnowledgeOutput> {
    return this.#run("knowledgeBySource", {}, async () => {
      const checked = requireRecord(input, "input");
      const scope = checkScope(checked.scope, "input.scope");
      const sourceThreadId = requireString(checked.sourceThreadId, "input.sourceThreadId");
      const limit = checkLimit(checked.limit, "input.limit", 100);
      const after = optionalText(checked.after, "input.after") || undefined;
      const includeDeleted = Boolean(checked.includeDeleted);
      const records = await this.#page(
        limit,
        (remaining, resume) =>
          this.#query<RecordStep>(
            "records:bySourceStep",
            {
              sourceThreadId,
              scope,
              includeDeleted,
              limit: remaining,
              ...(resume ?? after) !== undefined ? { after: resume ?? after } : {},
            },
            "knowledgeBySource",
            {},
          ),
      );
      return {
        records: records.slice(0, limit).map(toRecord),
        ...(records.length > limit && limit > 0 ? { nextCursor: records[limit - 1].id } : {}),
      };
    });
  }

  /** One change of a record by id through `path` (`args` checks the rest of the input). */
  #changeRecord(
    operation: string,
    path: string,
    input: unknown,
    args: (checked: Record<string, unknown>) => Record<string, unknown>,
  ): Promise<KnowledgeRecord> {
    const id = (input as { id?: unknown } | null)?.id;
    const details = { id: typeof id === "string" ? id : null };
    return this.#run(operation, details, async () => {
      const checked = requireRecord(input, "input");
      const call = { id: requireId(checked.id, "input.id"), ...args(checked) };
      return toRecord(await this.#mutation<RecordRow>(path, call, operation, details));
    });
  }

  /** Marks a record deleted by `deletedBy`. */
  override removeKnowledge(input: { id: string; deletedBy: string }): Promise<KnowledgeRecord> {
    return this.#changeRecord("removeKnowledge", "records:remove", input, (checked) => ({
      deletedBy: requireString(checked.deletedBy, "input.deletedBy"),
      now: this.#ctx.now(),
    }));
  }

  /** Restores a deleted record. */
  override restoreKnowledge(input: { id: string }): Promise<KnowledgeRecord> {
    return this.#changeRecord("restoreKnowledge", "records:restore", input, () => ({ now: this.#ctx.now() }));
  }

  /** Moves a record to another scope within its ceiling. */
  override rescopeKnowledge(input: { id: string; scope: KnowledgeScope }): Promise<KnowledgeRecord> {
    return this.#changeRecord("rescopeKnowledge", "records:rescope", input, (checked) => ({
      scope: checkScope(checked.scope, "input.scope"),
      now: this.#ctx.now(),
      opId: crypto.randomUUID(),
    }));
  }

  /** Raises (or removes) a record's scope ceiling. */
  override raiseKnowledgeCeiling(input: { id: string; maxScope?: KnowledgeScopeLevel }): Promise<KnowledgeRecord> {
    return this.#changeRecord("raiseKnowledgeCeiling", "records:raiseCeiling", input, (checked) => {
      const maxScope = optionalLevel(checked.maxScope, "input.maxScope");
      return maxScope ? { maxScope } : {};
    });
  }

  /** Nodes then records visible from the scope containing the query (case-insensitive substring), at most `limit`. */
  override search(input: SearchKnowledgeInput): Promise<SearchKnowledgeResult[]> {
    return this.#run("search", {}, async () => {
      const checked = requireRecord(input, "input");
      const scope = checkScope(checked.scope, "input.scope");
      const query = requireString(checked.query, "input.query").trim().toLocaleLowerCase();
      const limit = checkLimit(checked.limit, "input.limit", 20);
      if (!query || limit === 0) return [];
      const results: SearchKnowledgeResult[] = [];
      for (const node of await this.#listNodes(scope, { search: query }, limit, "search")) {
        results.push({
          type: "node",
          id: node.id,
          recordId: node.id,
          name: node.name,
          text: [node.name, ...(node.description ? [node.description] : []), ...(node.content ? [node.content] : [])]
            .join("\n"),
          scope: [...node.scope],
        });
      }
      let after: number | undefined;
      while (results.length < limit) {
        const step: SearchStep = await this.#query(
          "search:recordStep",
          {
            scope,
            query,
            limit: limit - results.length,
            ...(after !== undefined ? { after } : {}),
          },
          "search",
          {},
        );
        for (const hit of step.hits) {
          results.push({
            type: "record",
            id: hit.id,
            recordId: hit.node,
            name: hit.name,
            text: hit.text,
            scope: hit.scope,
          });
        }
        if (step.next === null) break;
        after = step.next;
      }
      return results.slice(0, limit);
    });
  }

  /** The curation cursor of (thread, agent), or `null`. */
  override getCurationCursor(
    input: { sourceThreadId: string; agent: string },
  ): Promise<KnowledgeCurationCursor | null> {
    return this.#run("getCurationCursor", {}, async () => {
      const checked = requireRecord(input, "input");
      const row = await this.#query<CursorRow | null>(
        "activity:getCursor",
        {
          sourceThreadId: requireString(checked.sourceThreadId, "input.sourceThreadId"),
          agent: requireString(checked.agent, "input.agent"),
        },
        "getCurationCursor",
        {},
      );
      return row ? toCursor(row) : null;
    });
  }

  /** Moves the curation cursor of (thread, agent) forward (never backwards). */
  override advanceCurationCursor(
    input: { sourceThreadId: string; agent: string; lastKnowledgeId: string },
  ): Promise<KnowledgeCurationCursor> {
    return this.#run("advanceCurationCursor", {}, async () => {
      const checked = requireRecord(input, "input");
      return toCursor(
        await this.#mutation<CursorRow>(
          "activity:advanceCursor",
          {
            now: this.#ctx.now(),
            sourceThreadId: requireString(checked.sourceThreadId, "input.sourceThreadId"),
            agent: requireString(checked.agent, "input.agent"),
            lastKnowledgeId: requireString(checked.lastKnowledgeId, "input.lastKnowledgeId"),
          },
          "advanceCurationCursor",
          {},
        ),
      );
    });
  }

  /** Activity visible from the scope, newest first, below `after`. */
  override listActivity(
    input: { scope: KnowledgeScope; after?: string; limit?: number },
  ): Promise<KnowledgeActivityEvent[]> {
    return this.#run("listActivity", {}, async () => {
      const checked = requireRecord(input, "input");
      const scope = checkScope(checked.scope, "input.scope");
      const limit = checkLimit(checked.limit, "input.limit", 100);
      let before = optionalText(checked.after, "input.after") || undefined;
      const events: ActivityRow[] = [];
      while (events.length < limit) {
        const wanted = limit - events.length;
        const step = await this.#query<ActivityRow[]>(
          "activity:list",
          {
            scope,
            limit: wanted,
            ...(before !== undefined ? { before } : {}),
          },
          "listActivity",
          {},
        );
        events.push(...step);
        if (step.length === 0 || step.length >= wanted || step.length < Math.min(wanted, 1000)) break;
        before = step.at(-1)!.id;
      }
      return events.map(toActivity);
    });
  }

  /** Outbox entries (optionally of a status, visible from a scope), oldest first. */
  override listSemanticOutbox(
    input: { status?: KnowledgeSemanticOutboxEntry["status"]; scope?: KnowledgeScope; limit?: number } = {},
  ): Promise<KnowledgeSemanticOutboxEntry[]> {
    return this.#run("listSemanticOutbox", {}, async () => {
      const checked = requireRecord(input, "input");
      const scope = checked.scope !== undefined ? checkScope(checked.scope, "input.scope") : undefined;
      const status = checked.status;
      if (status !== undefined && status !== "pending" && status !== "processing" && status !== "completed") {
        throw new InvalidInputError(`input.status must be "pending", "processing" or "completed"`);
      }
      const limit = checkLimit(checked.limit, "input.limit", 100);
      const entries: OutboxRow[] = [];
      let after: OutboxStep["next"] = null;
      while (entries.length < limit) {
        const step: OutboxStep = await this.#query(
          "outbox:listStep",
          {
            ...(status ? { status } : {}),
            ...(scope ? { scope } : {}),
            ...(after ? { after } : {}),
            limit: limit - entries.length,
          },
          "listSemanticOutbox",
          {},
        );
        entries.push(...step.entries);
        if (step.next === null) break;
        after = step.next;
      }
      return entries.slice(0, limit).map(toOutboxEntry);
    });
  }

  /** Claims claimable entries for a worker: exactly one winner per entry, in order per document. */
  override claimSemanticOutbox(input: ClaimKnowledgeSemanticOutboxInput): Promise<KnowledgeSemanticOutboxEntry[]> {
    const details = { workerId: typeof input?.workerId === "string" ? input.workerId : null };
    return this.#run("claimSemanticOutbox", details, async () => {
      const checked = requireRecord(input, "input");
      const timeout = checked.claimTimeoutMs ?? 60_000;
      if (typeof timeout !== "number" || Number.isNaN(timeout)) {
        throw new InvalidInputError("input.claimTimeoutMs must be a number");
      }
      const rows = await this.#mutation<OutboxRow[]>(
        "outbox:claim",
        {
          workerId: requireString(checked.workerId, "input.workerId"),
          limit: checkLimit(checked.limit, "input.limit", 100),
          ...(checked.now !== undefined ? { now: toMillis(checked.now, "input.now") } : {}),
          claimTimeoutMs: timeout,
          ...(checked.scope !== undefined ? { scope: checkScope(checked.scope, "input.scope") } : {}),
          opId: crypto.randomUUID(),
        },
        "claimSemanticOutbox",
        details,
      );
      return rows.map(toOutboxEntry);
    });
  }

  async #settle(path: string, operation: string, ids: unknown, workerId: unknown, extra: Record<string, unknown>) {
    const details = { workerId: typeof workerId === "string" ? workerId : null };
    await this.#run(operation, details, async () => {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== "string")) {
        throw new InvalidInputError("input.ids must be an array of strings");
      }
      const worker = requireString(workerId, "input.workerId");
      for (let offset = 0; offset < ids.length; offset += ID_BATCH) {
        await this.#mutation(
          path,
          { ids: ids.slice(offset, offset + ID_BATCH), workerId: worker, ...extra, now: this.#ctx.now() },
          operation,
          details,
        );
      }
    });
  }

  /** Marks a worker's claimed entries completed. */
  override async completeSemanticOutbox(input: { ids: string[]; workerId: string }): Promise<void> {
    await this.#settle("outbox:complete", "completeSemanticOutbox", input?.ids, input?.workerId, {});
  }

  /** Puts a worker's claimed entries back to pending, available at `retryAt` (default now). */
  override async releaseSemanticOutbox(input: { ids: string[]; workerId: string; retryAt?: Date }): Promise<void> {
    const retryAt = input?.retryAt !== undefined ? { retryAt: toMillis(input.retryAt, "input.retryAt") } : {};
    await this.#settle("outbox:release", "releaseSemanticOutbox", input?.ids, input?.workerId, retryAt);
  }
}
