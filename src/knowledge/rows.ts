/**
 * Conversions between the knowledge domain's wire rows
 * (`convex/knowledge/validators.ts`) and core's shapes, and the checks
 * made on input before anything is sent.
 */
import { canonicalizeKnowledgeScope } from "@mastra/core/storage";
import type {
  KnowledgeActivityEvent,
  KnowledgeCurationCursor,
  KnowledgeNode,
  KnowledgeRecord,
  KnowledgeSemanticOutboxEntry,
} from "../coreTypes.ts";
import type { ActivityRow, CursorRow, NodeRow, OutboxRow, RecordRow } from "../../convex/knowledge/validators.ts";
import { decodeValue } from "../kit/codec.ts";
import { InvalidInputError } from "../kit/errors.ts";

/** A scope's shape (an array of strings), left for the server to canonicalise where core checks it late. */
export function scopeArray(scope: unknown, name: string): string[] {
  if (!Array.isArray(scope) || scope.some((entry) => typeof entry !== "string")) {
    throw new InvalidInputError(`${name} must be an array of "level:id" strings`);
  }
  return scope;
}

/** Core's canonical form of a scope, or an `InvalidInputError` with core's message. */
export function checkScope(scope: unknown, name: string): string[] {
  scopeArray(scope, name);
  try {
    return canonicalizeKnowledgeScope(scope as string[]);
  } catch (error) {
    throw new InvalidInputError(error instanceof Error ? error.message : String(error));
  }
}

/** A page size: absent (the default) or an integer >= 0. */
export function checkLimit(limit: unknown, name: string, fallback: number): number {
  if (limit === undefined) return fallback;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 0) {
    throw new InvalidInputError(`${name} must be an integer >= 0, got ${String(limit)}`);
  }
  return limit;
}

/** A stored node as core's `KnowledgeNode`. */
export function toNode(row: NodeRow): KnowledgeNode {
  return {
    id: row.id,
    type: "node",
    name: row.name,
    kind: row.kind,
    ...(row.content !== undefined ? { content: row.content } : {}),
    ...(row.description !== undefined ? { description: row.description } : {}),
    scope: [...row.scope],
    version: row.version,
    ...(row.mergedInto !== undefined ? { mergedInto: row.mergedInto } : {}),
    createdAt: new Date(row.createdAt),
    updatedAt: new Date(row.updatedAt),
  };
}

/** A stored record as core's `KnowledgeRecord`. */
export function toRecord(row: RecordRow): KnowledgeRecord {
  return {
    id: row.id,
    node: row.node,
    text: row.text,
    scope: [...row.scope],
    sourceThreadId: row.sourceThreadId,
    capturedAt: new Date(row.capturedAt),
    ...(row.when !== undefined ? { when: new Date(row.when) } : {}),
    ...(row.maxScope !== undefined ? { maxScope: row.maxScope } : {}),
    ...(row.metadata !== undefined ? { metadata: decodeValue(row.metadata) as Record<string, unknown> } : {}),
    ...(row.deletedAt !== undefined ? { deletedAt: new Date(row.deletedAt) } : {}),
    ...(row.deletedBy !== undefined ? { deletedBy: row.deletedBy } : {}),
  };
}

/** A stored activity event as core's `KnowledgeActivityEvent`. */
export function toActivity(row: ActivityRow): KnowledgeActivityEvent {
  return {
    id: row.id,
    action: row.action,
    recordType: row.recordType,
    recordId: row.recordId,
    scope: [...row.scope],
    ...(row.sourceThreadId !== undefined ? { sourceThreadId: row.sourceThreadId } : {}),
    createdAt: new Date(row.createdAt),
  };
}

/** A stored curation cursor as core's `KnowledgeCurationCursor`. */
export function toCursor(row: CursorRow): KnowledgeCurationCursor {
  return { ...row, updatedAt: new Date(row.updatedAt) };
}

/** A stored outbox entry as core's `KnowledgeSemanticOutboxEntry`. */
export function toOutboxEntry(row: OutboxRow): KnowledgeSemanticOutboxEntry {
  return {
    id: row.id,
    idempotencyKey: row.idempotencyKey,
    documentId: row.documentId,
    documentType: row.documentType,
    operation: row.operation,
    scope: [...row.scope],
    status: row.status,
    attempts: row.attempts,
    availableAt: new Date(row.availableAt),
    ...(row.claimedAt !== undefined ? { claimedAt: new Date(row.claimedAt) } : {}),
    ...(row.claimedBy !== undefined ? { claimedBy: row.claimedBy } : {}),
    createdAt: new Date(row.createdAt),
    ...(row.completedAt !== undefined ? { completedAt: new Date(row.completedAt) } : {}),
  };
}

/** Core's order of nodes within one `updatedAt` group: name (`localeCompare`), then id. */
export function byNameThenId(a: NodeRow, b: NodeRow): number {
  return a.name === b.name ? a.id.localeCompare(b.id) : a.name.localeCompare(b.name);
}

/** The fields of `checked` named in `checks` that are present, each checked (named `input.<field>` in errors). */
export function optionalFields(
  checked: Record<string, unknown>,
  checks: Record<string, (value: unknown, name: string) => unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [field, check] of Object.entries(checks)) {
    if (checked[field] !== undefined) out[field] = check(checked[field], `input.${field}`);
  }
  return out;
}
