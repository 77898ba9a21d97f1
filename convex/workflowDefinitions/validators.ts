/**
 * Wire shapes of Mastra's workflow-definitions domain: a stored workflow's
 * schemas, step graph and schedule. Everything but the indexed columns is
 * one codec text (`kit/codec.ts`), or a large-value reference when it
 * does not fit a row. Times are epoch milliseconds.
 */
import { type Infer, v } from "convex/values";

/** A workflow definition as stored (without Convex's system fields). */
export const definitionRowValidator = v.object({
  id: v.string(),
  status: v.string(),
  authorId: v.optional(v.string()),
  /** Codec text of the other fields (description, metadata, schemas, graph, schedule, source), or a reference. */
  body: v.string(),
  createdAt: v.number(),
  updatedAt: v.number(),
});
/** A workflow definition as stored. */
export type DefinitionRow = Infer<typeof definitionRowValidator>;

/** Fields of a definition kept out of its body. */
export const DEFINITION_COLUMNS = ["id", "status", "authorId", "createdAt", "updatedAt"] as const;
/** Fields an upsert of an existing definition may change (when given and not `undefined`). */
export const DEFINITION_UPDATABLE = [
  "description",
  "metadata",
  "inputSchema",
  "outputSchema",
  "stateSchema",
  "requestContextSchema",
  "graph",
  "schedule",
  "status",
  "authorId",
] as const;
