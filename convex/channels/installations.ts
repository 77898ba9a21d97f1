/**
 * Channel installations of Mastra's channels domain. Internal functions only.
 *
 * Every lookup is one index read: by id, by (platform, agent) in status
 * order (active, pending, error), by webhook id, and lists by platform in
 * bounded pages. Ties resolve by insertion order (`seq`), as core's
 * in-memory store resolves them by its `Map`'s order. Error messages carry
 * ids and sizes only, never the stored record (which holds secrets).
 */
import { v } from "convex/values";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { channelCounters } from "./counterNames.js";
import { type InstallationPage, statusRank } from "./validators.js";

/** Installations returned per `list` call at most. */
const PAGE_ROWS = 500;
/** Characters of records returned per `list` call at most (the last row may pass it). */
const PAGE_CHARS = 4 * 1024 * 1024;

async function findInstallation(ctx: QueryCtx, id: string) {
  return await ctx.db.query("channel_installations").withIndex("by_mastra_id", (q) => q.eq("id", id)).unique();
}

async function nextSeq(ctx: MutationCtx): Promise<number> {
  const name = channelCounters.installationSeq;
  const row = await ctx.db.query("counters").withIndex("by_name", (q) => q.eq("name", name)).unique();
  const value = (row?.value ?? 0) + 1;
  if (row) await ctx.db.patch(row._id, { value });
  else await ctx.db.insert("counters", { name, value });
  return value;
}

/** The encoded installation with this id, or `null`. */
export const get = internalQuery({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<string | null> => (await findInstallation(ctx, id))?.record ?? null,
});

/** The platform's installation for an agent, preferring active, then pending, then error; or `null`. */
export const getByAgent = internalQuery({
  args: { platform: v.string(), agentId: v.string() },
  handler: async (ctx, { platform, agentId }): Promise<string | null> => {
    const row = await ctx.db
      .query("channel_installations")
      .withIndex("by_agent_rank_seq", (q) => q.eq("platform", platform).eq("agentId", agentId))
      .first();
    return row?.record ?? null;
  },
});

/** The first installation (insertion order) with this webhook id, or `null`. */
export const getByWebhookId = internalQuery({
  args: { webhookId: v.string() },
  handler: async (ctx, { webhookId }): Promise<string | null> => {
    const row = await ctx.db
      .query("channel_installations")
      .withIndex("by_webhook_seq", (q) => q.eq("webhookId", webhookId))
      .first();
    return row?.record ?? null;
  },
});

/**
 * One bounded page of a platform's installations in insertion order, after
 * sequence number `after`; `next` is where to continue (`null`: done).
 */
export const list = internalQuery({
  args: { platform: v.string(), after: v.optional(v.number()) },
  handler: async (ctx, { platform, after }): Promise<InstallationPage> => {
    const records: string[] = [];
    let chars = 0;
    let last: number | null = null;
    for await (
      const row of ctx.db
        .query("channel_installations")
        .withIndex(
          "by_platform_seq",
          (q) => after === undefined ? q.eq("platform", platform) : q.eq("platform", platform).gt("seq", after),
        )
    ) {
      if (records.length >= PAGE_ROWS || (records.length > 0 && chars + row.record.length > PAGE_CHARS)) {
        return { records, next: last };
      }
      records.push(row.record);
      chars += row.record.length;
      last = row.seq;
    }
    return { records, next: null };
  },
});

/**
 * `record` (encoded) with the `createdAt` of the `stored` one: updating an
 * installation keeps the time it was first created (as the SQL stores do).
 */
function keepCreatedAt(stored: string, record: string): string {
  const before = decodeValue(stored) as Record<string, unknown>;
  if (before.createdAt === undefined) return record;
  const after = decodeValue(record) as Record<string, unknown>;
  return encodeValue({ ...after, createdAt: before.createdAt });
}

/**
 * Inserts or replaces an installation by id. A replaced installation keeps
 * its place in insertion order (like re-setting a `Map` key).
 */
export const save = internalMutation({
  args: {
    id: v.string(),
    platform: v.string(),
    agentId: v.string(),
    status: v.string(),
    webhookId: v.optional(v.string()),
    record: v.string(),
  },
  handler: async (ctx, { id, platform, agentId, status, webhookId, record }): Promise<null> => {
    const existing = await findInstallation(ctx, id);
    if (existing) record = keepCreatedAt(existing.record, record);
    const fields = { id, platform, agentId, status, rank: statusRank(status), webhookId, record };
    assertFitsDocument(`installation ${JSON.stringify(id.slice(0, 100))}`, { ...fields, seq: 0 });
    if (existing) await ctx.db.replace(existing._id, { ...fields, seq: existing.seq });
    else await ctx.db.insert("channel_installations", { ...fields, seq: await nextSeq(ctx) });
    return null;
  },
});

/** Deletes an installation (nothing happens when there is none). */
export const remove = internalMutation({
  args: { id: v.string() },
  handler: async (ctx, { id }): Promise<null> => {
    const existing = await findInstallation(ctx, id);
    if (existing) await ctx.db.delete(existing._id);
    return null;
  },
});
