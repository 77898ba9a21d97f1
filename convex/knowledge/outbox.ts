/**
 * The semantic outbox of Mastra's knowledge domain. Internal functions only.
 *
 * A claim is one mutation, so concurrent workers never claim the same
 * entry (Convex serialises conflicting mutations): each entry has one
 * winner. It reads open entries oldest first (`by_open`) and takes an
 * entry only when it is the head of its document (`by_document_open`:
 * no earlier open entry of the same document), so entries of one document
 * are processed in order. Claim timeouts are decided on the server's
 * clock unless the caller passes `now` (core's `input.now`). A claim reads
 * at most {@link CLAIM_SCAN} open entries; when more open entries that
 * cannot be claimed come first, it claims fewer than `limit` (documented).
 */
import { type GenericId, v } from "convex/values";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { withoutSystemFields } from "../kit/rows.js";
import { once } from "./once.js";
import { mergeOrdered } from "./merge.js";
import { canonicalScope, visibleScopeKeys } from "./scope.js";
import { type OutboxRow, outboxStatusValidator, scopeValidator } from "./validators.js";

/** Open entries one claim reads at most. */
export const CLAIM_SCAN = 2000;
/** Entries one list step reads at most. */
const STEP_DOCS = 1000;
/** Ids one complete / release call takes at most (the client sends longer lists in batches). */
export const ID_BATCH = 1000;

type OutboxDoc = OutboxRow & { _id: GenericId<"knowledge_outbox">; _creationTime: number };

/** Core's outbox order: oldest first, then by id. */
function oldestFirst(a: OutboxRow, b: OutboxRow): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** One step of an outbox listing, and the (createdAt, id) to resume after. */
export type OutboxStep = { entries: OutboxRow[]; next: { createdAt: number; id: string } | null };

/** One bounded step of the entries (optionally of a status, visible from a scope), oldest first. */
export const listStep = internalQuery({
  args: {
    status: v.optional(outboxStatusValidator),
    scope: v.optional(scopeValidator),
    after: v.optional(v.object({ createdAt: v.number(), id: v.string() })),
    limit: v.number(),
  },
  handler: async (ctx, { status, scope, after, limit }): Promise<OutboxStep> => {
    // deno-lint-ignore no-explicit-any
    const from = (q: any) => after ? q.gte("createdAt", after.createdAt) : q;
    const outbox = () => ctx.db.query("knowledge_outbox");
    const streams: AsyncIterable<OutboxDoc>[] = scope
      ? visibleScopeKeys(canonicalScope(scope)).map((key) =>
        status
          ? outbox().withIndex("by_scope_status_created", (q) => from(q.eq("scopeKey", key).eq("status", status)))
          : outbox().withIndex("by_scope_created", (q) => from(q.eq("scopeKey", key)))
      )
      : [
        status
          ? outbox().withIndex("by_status_created", (q) => from(q.eq("status", status)))
          : outbox().withIndex("by_created", (q) => from(q)),
      ];
    const entries: OutboxRow[] = [];
    let read = 0;
    for await (const doc of mergeOrdered(streams, oldestFirst)) {
      if (after && (doc.createdAt === after.createdAt && doc.id <= after.id)) continue;
      if (entries.length >= limit || read++ >= STEP_DOCS) {
        const last = entries.at(-1);
        return { entries, next: last ? { createdAt: last.createdAt, id: last.id } : after ?? null };
      }
      entries.push(withoutSystemFields(doc));
    }
    return { entries, next: null };
  },
});

/**
 * Claims up to `limit` claimable entries for `workerId`, oldest first:
 * pending, or processing with a claim older than `claimTimeoutMs`;
 * available at `now`; visible from `scope`; first open entry of their
 * document. Safe to repeat (`opId`).
 */
export const claim = internalMutation({
  args: {
    workerId: v.string(),
    limit: v.number(),
    now: v.optional(v.number()),
    claimTimeoutMs: v.number(),
    scope: v.optional(scopeValidator),
    opId: v.string(),
  },
  handler: (ctx, args): Promise<OutboxRow[]> =>
    once(ctx, args.opId, async () => {
      const now = args.now ?? Date.now();
      const query = args.scope ? canonicalScope(args.scope) : undefined;
      const claimed: OutboxRow[] = [];
      if (args.limit <= 0) return claimed;
      let read = 0;
      const outbox = () => ctx.db.query("knowledge_outbox");
      const open = query
        ? mergeOrdered(
          visibleScopeKeys(query).map((key) =>
            outbox().withIndex("by_scope_open", (q) => q.eq("scopeKey", key).eq("open", true))
          ),
          oldestFirst,
        )
        : outbox().withIndex("by_open", (q) => q.eq("open", true));
      const chosen = [];
      for await (const entry of open) {
        if (read++ >= CLAIM_SCAN) break;
        const claimable = entry.status === "pending" ||
          (entry.claimedAt !== undefined && now - entry.claimedAt >= args.claimTimeoutMs);
        if (!claimable || entry.availableAt > now) continue;
        const head = await ctx.db.query("knowledge_outbox").withIndex(
          "by_document_open",
          (q) => q.eq("documentId", entry.documentId).eq("open", true),
        ).first();
        if (head && head._id !== entry._id) continue;
        chosen.push(entry);
        if (chosen.length >= args.limit) break;
      }
      for (const entry of chosen) {
        const next: OutboxRow = {
          ...withoutSystemFields(entry),
          status: "processing",
          claimedAt: now,
          claimedBy: args.workerId,
          attempts: entry.attempts + 1,
        };
        await ctx.db.replace(entry._id, next);
        claimed.push(next);
      }
      return claimed;
    }),
});

/** Marks each of `ids` claimed by `workerId` completed at `now` (others are left as they are). */
export const complete = internalMutation({
  args: { ids: v.array(v.string()), workerId: v.string(), now: v.number() },
  handler: async (ctx, { ids, workerId, now }): Promise<null> => {
    for (const id of ids) {
      const entry = await ctx.db.query("knowledge_outbox").withIndex("by_knowledge_id", (q) => q.eq("id", id)).unique();
      if (entry?.status === "processing" && entry.claimedBy === workerId) {
        await ctx.db.patch(entry._id, { status: "completed", open: false, completedAt: now });
      }
    }
    return null;
  },
});

/** Puts each of `ids` claimed by `workerId` back to pending, available at `retryAt` (default now). */
export const release = internalMutation({
  args: { ids: v.array(v.string()), workerId: v.string(), retryAt: v.optional(v.number()), now: v.number() },
  handler: async (ctx, { ids, workerId, retryAt, now }): Promise<null> => {
    for (const id of ids) {
      const entry = await ctx.db.query("knowledge_outbox").withIndex("by_knowledge_id", (q) => q.eq("id", id)).unique();
      if (entry?.status === "processing" && entry.claimedBy === workerId) {
        await ctx.db.patch(entry._id, {
          status: "pending",
          availableAt: retryAt ?? now,
          claimedAt: undefined,
          claimedBy: undefined,
        });
      }
    }
    return null;
  },
});
