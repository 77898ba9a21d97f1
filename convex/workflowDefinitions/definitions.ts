/**
 * Workflow definitions of Mastra's workflow-definitions domain. Internal
 * functions only. `upsert` is core's in one mutation: a new definition
 * needs its input and output schemas and graph and starts `active`; an
 * existing one changes only the fields given (not `undefined`), and
 * `schedule: null` clears its schedule.
 */
import { v } from "convex/values";
import { adoptBlobs, blobOwner, readField, releaseBlobs, writeField } from "../kit/blobs.js";
import { decodeValue, defineData, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { type IndexSpec, walk, type WalkState, walkStateValidator } from "../kit/walk.js";
import { DEFINITION_UPDATABLE, type DefinitionRow } from "./validators.js";

async function findDefinition(ctx: QueryCtx, id: string) {
  return await ctx.db.query("workflow_definitions").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

const ownerOf = (id: string): string => blobOwner("workflow_definitions", id);

/** One definition, or `null` (its body may be a large-value reference). */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<DefinitionRow | null> => {
    const doc = await findDefinition(ctx, id);
    return doc ? withoutSystemFields(doc) : null;
  },
});

/** Creates or partially updates a definition from `input` (codec text of core's upsert input). */
export const upsert = internalMutation({
  args: { id: v.string(), input: v.string() },
  handler: async (ctx, { id, input: text }): Promise<{ row: DefinitionRow; released: boolean }> => {
    const input = decodeValue(text) as Record<string, unknown>;
    const given = (key: string) => key in input && input[key] !== undefined;
    const now = Date.now();
    const existing = await findDefinition(ctx, id);
    if (existing) {
      const body = decodeValue(await readField(ctx, existing.body)) as Record<string, unknown>;
      const row: DefinitionRow = { ...withoutSystemFields(existing), updatedAt: now };
      for (const key of DEFINITION_UPDATABLE) {
        if (!given(key)) continue;
        if (key === "status") row.status = String(input.status);
        else if (key === "authorId") row.authorId = String(input.authorId);
        else defineData(body, key, key === "schedule" ? input.schedule ?? undefined : input[key]);
      }
      row.body = await writeField(ctx, encodeValue(body), ownerOf(id));
      assertFitsDocument(`workflow definition ${id}`, row);
      await ctx.db.replace(existing._id, row);
      const released = await releaseBlobs(ctx, ownerOf(id), [existing.body], [row.body]);
      return { row, released };
    }
    if (!given("inputSchema") || !given("outputSchema") || !given("graph")) {
      throw storageError(
        "INVALID",
        `Cannot create workflow definition "${id}": inputSchema, outputSchema, and graph are required.`,
      );
    }
    const body = {
      description: input.description,
      metadata: input.metadata,
      inputSchema: input.inputSchema,
      outputSchema: input.outputSchema,
      stateSchema: input.stateSchema,
      requestContextSchema: input.requestContextSchema,
      graph: input.graph,
      schedule: "schedule" in input ? input.schedule ?? undefined : undefined,
      source: "storage",
    };
    const row: DefinitionRow = {
      id,
      status: "active",
      ...(typeof input.authorId === "string" ? { authorId: input.authorId } : {}),
      body: await writeField(ctx, encodeValue(body), ownerOf(id)),
      createdAt: now,
      updatedAt: now,
    };
    assertFitsDocument(`workflow definition ${id}`, row);
    await adoptBlobs(ctx, ownerOf(id), [row.body]);
    await ctx.db.insert("workflow_definitions", row);
    return { row, released: false };
  },
});

/** Deletes a definition (nothing when it does not exist); returns whether a large value was released. */
export const remove = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<{ released: boolean }> => {
    const doc = await findDefinition(ctx, id);
    if (!doc) return { released: false };
    await ctx.db.delete(doc._id);
    return { released: await releaseBlobs(ctx, ownerOf(id), [doc.body]) };
  },
});

/** One bounded step of the definitions of a status and/or author, in the order they were first stored. */
export const list = internalQuery({
  args: { status: v.optional(v.string()), authorId: v.optional(v.string()), state: v.optional(walkStateValidator) },
  handler: async (ctx, { status, authorId, state }): Promise<ListResult<DefinitionRow>> => {
    const table = "workflow_definitions" as const;
    const sortField = "createdAt";
    const spec: IndexSpec = status !== undefined
      ? { table, index: "by_status_createdAt", eq: [["status", status]], sortField }
      : authorId !== undefined
      ? { table, index: "by_author_createdAt", eq: [["authorId", authorId]], sortField }
      : { table, index: "by_createdAt", eq: [], sortField };
    const start: WalkState = state ??
      { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
    const step = await walk<DefinitionRow & { _id: unknown; _creationTime: number }>(ctx.db, spec, start, {
      predicate: status !== undefined && authorId !== undefined ? (doc) => doc.authorId === authorId : undefined,
    });
    return {
      rows: step.rows.map((doc) => withoutSystemFields(doc) as DefinitionRow),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});

/** Rows deleted per `clear` call (bodies are up to 256 KiB inline). */
const CLEAR_BATCH = 32;

/** One bounded step of deleting every definition. Call until `done`. */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean; released: boolean }> => {
    const docs = await ctx.db.query("workflow_definitions").take(CLEAR_BATCH);
    let released = false;
    for (const doc of docs) {
      await ctx.db.delete(doc._id);
      released = (await releaseBlobs(ctx, ownerOf(doc.id), [doc.body])) || released;
    }
    return { done: docs.length < CLEAR_BATCH, released };
  },
});
