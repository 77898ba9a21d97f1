/**
 * Activity and curation cursors of Mastra's knowledge domain. Internal
 * functions only. Activity visible from a scope is read from the at most
 * three `by_scope_id` ranges of its prefix scopes, merged newest id first.
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { withoutSystemFields } from "../kit/rows.js";
import { canonicalScope, visibleScopeKeys } from "./scope.js";
import type { ActivityRow, CursorRow } from "./validators.js";
import { scopeValidator } from "./validators.js";

/** Events one activity read returns at most (the client asks again for more). */
const STEP_EVENTS = 1000;

/** The newest `limit` (at most 1,000) events visible from `scope` with an id below `before`. */
export const list = internalQuery({
  args: { scope: scopeValidator, before: v.optional(v.string()), limit: v.number() },
  handler: async (ctx, { scope, before, limit }): Promise<ActivityRow[]> => {
    const wanted = Math.min(limit, STEP_EVENTS);
    const events: ActivityRow[] = [];
    for (const key of visibleScopeKeys(canonicalScope(scope))) {
      const range = ctx.db.query("knowledge_activity").withIndex(
        "by_scope_id",
        (q) => before === undefined ? q.eq("scopeKey", key) : q.eq("scopeKey", key).lt("id", before),
      ).order("desc");
      events.push(...(await range.take(wanted)).map(withoutSystemFields));
    }
    events.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
    return events.slice(0, wanted);
  },
});

/** The curation cursor of (thread, agent), or `null`. */
export const getCursor = internalQuery({
  args: { sourceThreadId: v.string(), agent: v.string() },
  handler: async (ctx, { sourceThreadId, agent }): Promise<CursorRow | null> => {
    const row = await ctx.db.query("knowledge_cursors").withIndex(
      "by_key",
      (q) => q.eq("sourceThreadId", sourceThreadId).eq("agent", agent),
    ).unique();
    return row ? withoutSystemFields(row) : null;
  },
});

/** Moves the curation cursor of (thread, agent) to `lastKnowledgeId`, never backwards. */
export const advanceCursor = internalMutation({
  args: { sourceThreadId: v.string(), agent: v.string(), lastKnowledgeId: v.string(), now: v.number() },
  handler: async (ctx, { sourceThreadId, agent, lastKnowledgeId, now }): Promise<CursorRow> => {
    const existing = await ctx.db.query("knowledge_cursors").withIndex(
      "by_key",
      (q) => q.eq("sourceThreadId", sourceThreadId).eq("agent", agent),
    ).unique();
    if (existing && lastKnowledgeId < existing.lastKnowledgeId) {
      throw storageError("INVALID", "Knowledge curation cursor cannot move backwards");
    }
    const row: CursorRow = { sourceThreadId, agent, lastKnowledgeId, updatedAt: now };
    if (existing) await ctx.db.replace(existing._id, row);
    else await ctx.db.insert("knowledge_cursors", row);
    return row;
  },
});
