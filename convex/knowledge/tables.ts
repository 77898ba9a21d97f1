/**
 * Tables of Mastra's knowledge domain (fields: `knowledge/validators.ts`).
 *
 * - Node identity is unique on (scope, normalised name): `by_identity`,
 *   checked inside the creating / updating mutation.
 * - Visibility by containment reads the at most three scope keys of a
 *   query scope's prefixes (`by_scope_*`), merged in order.
 * - Records of a node, of a source thread, mentions of a node: one index each.
 * - The outbox claim reads open entries in (createdAt, id) order and the
 *   head of each entry's document through `by_document_open`.
 */
import { defineTable } from "convex/server";
import {
  activityValidator,
  cursorValidator,
  mentionSourceValidator,
  mentionValidator,
  nodeValidator,
  outboxValidator,
  recordValidator,
  ulidStateValidator,
} from "./validators.js";

/** Knowledge tables, to be spread into a schema. */
export const knowledgeTables = {
  knowledge_nodes: defineTable(nodeValidator)
    .index("by_knowledge_id", ["id"])
    .index("by_identity", ["scopeKey", "nameKey"])
    .index("by_scope_updated", ["live", "scopeKey", "updatedAt"]),
  knowledge_records: defineTable(recordValidator)
    .index("by_knowledge_id", ["id"])
    .index("by_node", ["node", "id"])
    .index("by_node_created", ["node"])
    .index("by_source", ["sourceThreadId", "id"])
    .index("by_scope", ["scopeKey"]),
  knowledge_mentions: defineTable(mentionValidator)
    .index("by_source", ["sourceType", "sourceId", "node"])
    .index("by_node", ["node", "sourceType", "sourceId"])
    .index("by_node_order", ["node", "sourceOrder"]),
  knowledge_mention_sources: defineTable(mentionSourceValidator)
    .index("by_source", ["sourceType", "sourceId"]),
  knowledge_cursors: defineTable(cursorValidator)
    .index("by_key", ["sourceThreadId", "agent"]),
  knowledge_activity: defineTable(activityValidator)
    .index("by_scope_id", ["scopeKey", "id"]),
  knowledge_outbox: defineTable(outboxValidator)
    .index("by_knowledge_id", ["id"])
    .index("by_idempotency", ["idempotencyKey"])
    .index("by_created", ["createdAt", "id"])
    .index("by_status_created", ["status", "createdAt", "id"])
    .index("by_open", ["open", "createdAt", "id"])
    .index("by_scope_created", ["scopeKey", "createdAt", "id"])
    .index("by_scope_status_created", ["scopeKey", "status", "createdAt", "id"])
    .index("by_scope_open", ["scopeKey", "open", "createdAt", "id"])
    .index("by_document_open", ["documentId", "open", "createdAt", "id"]),
  knowledge_ulid: defineTable(ulidStateValidator).index("by_key", ["key"]),
};
