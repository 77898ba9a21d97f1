/**
 * Wire shapes of the knowledge domain, shared by our Convex functions and
 * the client. Times are epoch milliseconds; record `metadata` is codec
 * text (`kit/codec.ts`). Every scope is stored canonical (org, resource,
 * thread order) with its `scopeKey` (entries joined by U+001F, as core's
 * `knowledgeScopeKey`), so visibility by containment is an `IN` over the
 * at most three prefixes of the query scope.
 */
import { type Infer, v } from "convex/values";

/** Validator of a scope: `level:id` entries. */
export const scopeValidator = v.array(v.string());

/** Validator of a scope level a record may be raised to. */
export const scopeLevelValidator = v.union(v.literal("org"), v.literal("resource"), v.literal("thread"));

/** Fields of a stored node (core's `KnowledgeNode`, with its identity key). */
export const nodeValidator = v.object({
  id: v.string(),
  name: v.string(),
  /** `name` trimmed and lower-cased (`toLocaleLowerCase`): with `scopeKey`, the node's identity. */
  nameKey: v.string(),
  kind: v.string(),
  content: v.optional(v.string()),
  description: v.optional(v.string()),
  scope: scopeValidator,
  scopeKey: v.string(),
  version: v.number(),
  mergedInto: v.optional(v.string()),
  /** `true` until merged: listings read only live nodes. */
  live: v.boolean(),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A stored node. */
export type NodeRow = Infer<typeof nodeValidator>;

/** Fields of a stored record (core's `KnowledgeRecord`). */
export const recordValidator = v.object({
  id: v.string(),
  node: v.string(),
  text: v.string(),
  scope: scopeValidator,
  scopeKey: v.string(),
  sourceThreadId: v.string(),
  capturedAt: v.number(),
  when: v.optional(v.number()),
  maxScope: v.optional(scopeLevelValidator),
  metadata: v.optional(v.string()),
  deletedAt: v.optional(v.number()),
  deletedBy: v.optional(v.string()),
});
/** A stored record. */
export type RecordRow = Infer<typeof recordValidator>;

/**
 * One wikilink of a source (a node's content or a record's text) to a
 * node. `sourceOrder` is the creation time of the source's first mention
 * set (`knowledge_mention_sources`), the order core's map visits sources in.
 */
export const mentionValidator = v.object({
  sourceType: v.union(v.literal("record"), v.literal("node")),
  sourceId: v.string(),
  node: v.string(),
  sourceOrder: v.number(),
});

/** A source that has had a mention set (kept once created, as core's map keeps its key). */
export const mentionSourceValidator = v.object({
  sourceType: v.union(v.literal("record"), v.literal("node")),
  sourceId: v.string(),
});

/** A curation cursor of one (thread, agent). */
export const cursorValidator = v.object({
  sourceThreadId: v.string(),
  agent: v.string(),
  lastKnowledgeId: v.string(),
  updatedAt: v.number(),
});
/** A stored curation cursor. */
export type CursorRow = Infer<typeof cursorValidator>;

/** Validator of an activity action. */
export const activityActionValidator = v.union(
  v.literal("node-created"),
  v.literal("node-updated"),
  v.literal("node-merged"),
  v.literal("record-created"),
  v.literal("record-deleted"),
  v.literal("record-restored"),
  v.literal("record-rescoped"),
);

/** Fields of an activity event. */
export const activityValidator = v.object({
  id: v.string(),
  action: activityActionValidator,
  recordType: v.union(v.literal("node"), v.literal("record")),
  recordId: v.string(),
  scope: scopeValidator,
  scopeKey: v.string(),
  sourceThreadId: v.optional(v.string()),
  createdAt: v.number(),
});
/** A stored activity event. */
export type ActivityRow = Infer<typeof activityValidator>;

/** Validator of an outbox entry status. */
export const outboxStatusValidator = v.union(v.literal("pending"), v.literal("processing"), v.literal("completed"));

/** Fields of a semantic outbox entry. `open` is `status !== "completed"`. */
export const outboxValidator = v.object({
  id: v.string(),
  idempotencyKey: v.string(),
  documentId: v.string(),
  documentType: v.union(v.literal("node"), v.literal("record")),
  operation: v.union(v.literal("upsert"), v.literal("delete")),
  scope: scopeValidator,
  scopeKey: v.string(),
  status: outboxStatusValidator,
  open: v.boolean(),
  attempts: v.number(),
  availableAt: v.number(),
  claimedAt: v.optional(v.number()),
  claimedBy: v.optional(v.string()),
  createdAt: v.number(),
  completedAt: v.optional(v.number()),
});
/** A stored outbox entry. */
export type OutboxRow = Infer<typeof outboxValidator>;

/** The monotonic id generator's state (one document). */
export const ulidStateValidator = v.object({ key: v.literal("ulid"), time: v.number(), random: v.string() });
