/**
 * Helpers of the server cache's functions: finding live entries (expiry is
 * judged by the server's clock), dropping entries (their list items and
 * large values are reclaimed by scheduled functions), arming expiry jobs,
 * and the list and counter operations shared by several mutations.
 */
import { type DocumentByName, makeFunctionReference } from "convex/server";
import { adoptBlobs, blobOwner, isBlobRef, releaseBlobs } from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { storageError } from "../kit/errors.js";
import type { DataModel, MutationCtx, QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import type { EntryRow, ListPage, WireItem } from "./validators.js";

/** The expiry job of one entry generation (`cache/reaper:expire`). */
export const EXPIRE = makeFunctionReference<"mutation", { key: string; gen: string }, null>("cache/reaper:expire");
/** The job deleting the items of a dropped list generation (`cache/reaper:reclaim`). */
export const RECLAIM = makeFunctionReference<"mutation", { gen: string }, null>("cache/reaper:reclaim");
/** The job deleting released large values (`cache/reaper:sweepBlobs`). */
export const SWEEP = makeFunctionReference<"mutation", Record<string, never>, null>("cache/reaper:sweepBlobs");

/** Items returned per list page at most. */
export const PAGE_ITEMS = 1000;
/** Characters of items returned per list page at most (the first item always fits). */
export const PAGE_CHARS = 4 * 1024 * 1024;

/** Longest key quoted in an error message. */
const KEY_CHARS = 200;

/** A key for error messages. */
export function quoteKey(key: string): string {
  return key.length > KEY_CHARS ? `${JSON.stringify(key.slice(0, KEY_CHARS))}...` : JSON.stringify(key);
}

/** A cache entry document (with Convex's system fields). */
export type EntryDoc = DocumentByName<DataModel, "cache_entries">;

/** The entry row of a key (live or expired), or `null`. */
export async function findEntry(ctx: QueryCtx, key: string): Promise<EntryDoc | null> {
  return await ctx.db.query("cache_entries").withIndex("by_key", (q) => q.eq("key", key)).unique();
}

/** True while an entry has not expired at server time `now`. */
export function isLive(entry: EntryRow, now: number): boolean {
  return entry.expiresAt === undefined || entry.expiresAt > now;
}

/** The live entry of a key, or `null` (an expired entry is invisible at once, whether reclaimed yet or not). */
export async function liveEntry(ctx: QueryCtx, key: string, now: number): Promise<EntryDoc | null> {
  const entry = await findEntry(ctx, key);
  return entry && isLive(entry, now) ? entry : null;
}

/** Server time at which a TTL set now ends (`undefined`: never; a TTL of 0 or less means no expiry, as in core). */
export function expiryOf(now: number, ttlMs: number): number | undefined {
  return ttlMs > 0 ? now + ttlMs : undefined;
}

/**
 * Deletes an entry row. Its list items (one row each) are deleted by a
 * scheduled {@link RECLAIM} job in bounded batches, and a large value it
 * held is released and swept by a scheduled {@link SWEEP} job.
 */
export async function dropEntry(ctx: MutationCtx, entry: EntryDoc): Promise<void> {
  await ctx.db.delete(entry._id);
  if (entry.kind === "list" && entry.length > 0) await ctx.scheduler.runAfter(0, RECLAIM, { gen: entry.gen });
  if (entry.value !== undefined && (await releaseBlobs(ctx, valueOwner(entry.key), [entry.value]))) {
    await ctx.scheduler.runAfter(0, SWEEP, {});
  }
}

/** The live entry of a key for a write; an expired one is dropped first (and `null` returned). */
export async function writableEntry(ctx: MutationCtx, key: string, now: number): Promise<EntryDoc | null> {
  const entry = await findEntry(ctx, key);
  if (entry && !isLive(entry, now)) {
    await dropEntry(ctx, entry);
    return null;
  }
  return entry;
}

/**
 * Makes sure an expiry job will look at the entry by the time it expires:
 * one is scheduled when none is pending or the pending one comes too late.
 * A job that finds the entry not yet expired (its TTL was extended)
 * schedules itself again, so refreshing a TTL on every write schedules
 * nothing.
 */
export async function armExpiry(ctx: MutationCtx, id: EntryDoc["_id"], entry: EntryRow): Promise<void> {
  if (entry.expiresAt === undefined) return;
  if (entry.reaperAt !== undefined && entry.reaperAt <= entry.expiresAt) return;
  await ctx.scheduler.runAt(entry.expiresAt, EXPIRE, { key: entry.key, gen: entry.gen });
  await ctx.db.patch(id, { reaperAt: entry.expiresAt });
}

/** A fresh list generation. */
export function newGen(): string {
  return crypto.randomUUID();
}

/** Inserts a new entry and arms its expiry. */
export async function insertEntry(ctx: MutationCtx, entry: EntryRow): Promise<void> {
  const id = await ctx.db.insert("cache_entries", entry);
  await armExpiry(ctx, id, entry);
}

/** Checks a stored item and adopts the large value it refers to. */
async function prepareItem(ctx: MutationCtx, key: string, gen: string, item: WireItem): Promise<void> {
  assertFitsDocument(`item of list ${quoteKey(key)}`, { value: item.value });
  if (isBlobRef(item.value)) await adoptBlobs(ctx, itemOwner(gen), [item.value]);
}

/** The owner of the large value of a cache entry (see `blobOwner`). */
export const valueOwner = (key: string): string => blobOwner("cache_entries", key);
/** The owner of the large item values of one list generation. */
export const itemOwner = (gen: string): string => blobOwner("cache_items", gen);

/**
 * Appends an item to the list at `key`, creating the list when the key is
 * missing (or expired). As in core, appending to an existing list resets
 * its TTL to `ttlMs` when that is positive, and a new list gets `ttlMs`.
 */
export async function pushItem(ctx: MutationCtx, key: string, item: WireItem, ttlMs: number): Promise<void> {
  const now = Date.now();
  const entry = await writableEntry(ctx, key, now);
  if (entry && entry.kind !== "list") throw storageError("INVALID", `${quoteKey(key)} exists but is not an array`);
  const gen = entry ? entry.gen : newGen();
  await prepareItem(ctx, key, gen, item);
  if (entry) {
    await ctx.db.insert("cache_items", { gen, pos: entry.length, ...item });
    const expiresAt = ttlMs > 0 ? now + ttlMs : entry.expiresAt;
    await ctx.db.patch(entry._id, { length: entry.length + 1, expiresAt });
    await armExpiry(ctx, entry._id, { ...entry, expiresAt });
    return;
  }
  await ctx.db.insert("cache_items", { gen, pos: 0, ...item });
  await insertEntry(ctx, { key, kind: "list", gen, length: 1, expiresAt: expiryOf(now, ttlMs) });
}

/**
 * Adds one to the counter at `key` (a missing key counts from 0) and
 * returns the new value; as in core, the counter then expires `ttlMs`
 * from now (never when `ttlMs` is 0 or less).
 */
export async function incrementCounter(ctx: MutationCtx, key: string, ttlMs: number): Promise<number> {
  const now = Date.now();
  const entry = await writableEntry(ctx, key, now);
  const expiresAt = expiryOf(now, ttlMs);
  if (!entry) {
    await insertEntry(ctx, { key, kind: "value", gen: newGen(), length: 0, value: "1", expiresAt });
    return 1;
  }
  const current = entry.kind === "value" && entry.value !== undefined && !isBlobRef(entry.value)
    ? decodeValue(entry.value)
    : undefined;
  if (typeof current !== "number") throw storageError("INVALID", `${quoteKey(key)} exists but is not a number`);
  const next = current + 1;
  await ctx.db.patch(entry._id, { value: encodeValue(next), expiresAt });
  await armExpiry(ctx, entry._id, { ...entry, expiresAt });
  return next;
}

/** Inserts the items of a whole array as a new list generation (checked and adopted). */
export async function writeItems(ctx: MutationCtx, key: string, gen: string, items: WireItem[]): Promise<void> {
  for (const [pos, item] of items.entries()) {
    await prepareItem(ctx, key, gen, item);
    await ctx.db.insert("cache_items", { gen, pos, ...item });
  }
}

/** Reads the items of generation `gen` from `from` up to `end` (exclusive), one bounded page. */
export async function readPage(ctx: QueryCtx, gen: string, from: number, end: number): Promise<ListPage> {
  const items: WireItem[] = [];
  let chars = 0;
  let next: number | null = null;
  if (from < end) {
    for await (
      const row of ctx.db.query("cache_items").withIndex(
        "by_gen_pos",
        (q) => q.eq("gen", gen).gte("pos", from).lt("pos", end),
      )
    ) {
      if (items.length >= PAGE_ITEMS || (items.length > 0 && chars + row.value.length > PAGE_CHARS)) {
        next = row.pos;
        break;
      }
      items.push(row.indexed === undefined ? { value: row.value } : { value: row.value, indexed: row.indexed });
      chars += row.value.length;
    }
  }
  return { gen, items, next, end };
}

/** `Array.prototype.slice`'s reading of a relative index against a length. */
export function relativeIndex(index: number, length: number): number {
  return index < 0 ? Math.max(length + index, 0) : Math.min(index, length);
}
