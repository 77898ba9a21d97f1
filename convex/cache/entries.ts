/**
 * The server cache's functions (`ConvexServerCache`). Internal functions
 * only.
 *
 * Every read and write judges expiry by the server's clock (`Date.now()`
 * inside the function), so an expired entry is invisible at once; its rows
 * are deleted by the component's scheduled jobs (`cache/reaper.ts`), never
 * by readers. Every read-modify-write (increment, push, push-with-index) is
 * one mutation: Convex runs mutations serializably, so concurrent writers
 * never lose an update. Lists are read in bounded pages.
 */
import { v } from "convex/values";
import { adoptBlobs, releaseBlobs } from "../kit/blobs.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import {
  armExpiry,
  dropEntry,
  expiryOf,
  findEntry,
  incrementCounter,
  insertEntry,
  liveEntry,
  newGen,
  pushItem,
  quoteKey,
  readPage,
  relativeIndex,
  SWEEP,
  valueOwner,
  writableEntry,
  writeItems,
} from "./store.js";
import { type GetResult, type ListPage, MAX_SET_CHARS, MAX_SET_ITEMS, type MoreResult } from "./validators.js";

/** Entries dropped per `clear` call at most (each may schedule two jobs; Convex allows 1,000 per mutation). */
const CLEAR_BATCH = 200;
/** Characters of entries read per `clear` call at most (inline values reach 256 KiB each). */
const CLEAR_CHARS = 4 * 1024 * 1024;

const itemArg = v.object({ value: v.string(), indexed: v.optional(v.number()) });

/** The value at `key`, or the first page of the list there, or `missing`. */
export const get = internalQuery({
  args: { key: v.string() },
  handler: async (ctx, { key }): Promise<GetResult> => {
    const entry = await liveEntry(ctx, key, Date.now());
    if (!entry) return { kind: "missing" };
    if (entry.kind === "value") return { kind: "value", value: entry.value! };
    return { kind: "list", ...(await readPage(ctx, entry.gen, 0, entry.length)) };
  },
});

/** Length of the list at `key` (0 when missing); fails when the key holds a value. */
export const length = internalQuery({
  args: { key: v.string() },
  handler: async (ctx, { key }): Promise<number> => {
    const entry = await liveEntry(ctx, key, Date.now());
    if (!entry) return 0;
    if (entry.kind !== "list") throw storageError("INVALID", `${quoteKey(key)} exists but is not an array`);
    return entry.length;
  },
});

/**
 * First page of `list.slice(from, to === -1 ? undefined : to + 1)` of the
 * list at `key`; `null` when the key is missing or holds a value (core
 * answers `[]` then).
 */
export const range = internalQuery({
  args: { key: v.string(), from: v.number(), to: v.number() },
  handler: async (ctx, { key, from, to }): Promise<ListPage | null> => {
    const entry = await liveEntry(ctx, key, Date.now());
    if (!entry || entry.kind !== "list") return null;
    const start = relativeIndex(from, entry.length);
    const end = to === -1 ? entry.length : relativeIndex(to + 1, entry.length);
    return await readPage(ctx, entry.gen, start, Math.max(start, end));
  },
});

/** The next page of a list read begun by `range` or `get`; `stale` when the list was replaced or expired since. */
export const rangeMore = internalQuery({
  args: { key: v.string(), gen: v.string(), from: v.number(), end: v.number() },
  handler: async (ctx, { key, gen, from, end }): Promise<MoreResult> => {
    const entry = await liveEntry(ctx, key, Date.now());
    if (!entry || entry.kind !== "list" || entry.gen !== gen) return { stale: true };
    return await readPage(ctx, gen, from, Math.min(end, entry.length));
  },
});

/**
 * Stores a value (`value`) or a whole array as a list (`items`) at `key`,
 * replacing what was there; it expires `ttlMs` from now (never when 0 or
 * less).
 */
export const set = internalMutation({
  args: { key: v.string(), value: v.optional(v.string()), items: v.optional(v.array(itemArg)), ttlMs: v.number() },
  handler: async (ctx, { key, value, items, ttlMs }): Promise<null> => {
    const now = Date.now();
    const expiresAt = expiryOf(now, ttlMs);
    const entry = await writableEntry(ctx, key, now);
    if (value !== undefined) {
      assertFitsDocument(`value of ${quoteKey(key)}`, { key, value });
      await adoptBlobs(ctx, valueOwner(key), [value]);
      if (entry && entry.kind === "value") {
        if (await releaseBlobs(ctx, valueOwner(key), [entry.value], [value])) {
          await ctx.scheduler.runAfter(0, SWEEP, {});
        }
        await ctx.db.patch(entry._id, { value, expiresAt });
        await armExpiry(ctx, entry._id, { ...entry, value, expiresAt });
        return null;
      }
      if (entry) await dropEntry(ctx, entry);
      await insertEntry(ctx, { key, kind: "value", gen: newGen(), length: 0, value, expiresAt });
      return null;
    }
    if (items === undefined) throw storageError("INVALID", "set needs a value or items");
    if (items.length > MAX_SET_ITEMS) {
      throw storageError(
        "TOO_LARGE",
        `an array of ${items.length} items is too long to store at once (at most ${MAX_SET_ITEMS}); build it with listPush`,
      );
    }
    const chars = items.reduce((sum, item) => sum + item.value.length, 0);
    if (chars > MAX_SET_CHARS) {
      throw storageError(
        "TOO_LARGE",
        `an array of ${chars} encoded characters is too large to store at once (at most ${MAX_SET_CHARS}); build it with listPush`,
      );
    }
    if (entry) await dropEntry(ctx, entry);
    const gen = newGen();
    await writeItems(ctx, key, gen, items);
    await insertEntry(ctx, { key, kind: "list", gen, length: items.length, expiresAt });
    return null;
  },
});

/** Deletes the entry at `key` (nothing happens when there is none). */
export const remove = internalMutation({
  args: { key: v.string() },
  handler: async (ctx, { key }): Promise<null> => {
    const entry = await findEntry(ctx, key);
    if (entry) await dropEntry(ctx, entry);
    return null;
  },
});

/** Deletes one batch of entries; call until `done`. Their items are reclaimed by scheduled jobs. */
export const clear = internalMutation({
  args: {},
  handler: async (ctx): Promise<{ done: boolean }> => {
    const entries = [];
    let chars = 0;
    let more = false;
    for await (const entry of ctx.db.query("cache_entries")) {
      const size = entry.key.length + (entry.value?.length ?? 0);
      if (entries.length >= CLEAR_BATCH || (entries.length > 0 && chars + size > CLEAR_CHARS)) {
        more = true;
        break;
      }
      entries.push(entry);
      chars += size;
    }
    for (const entry of entries) await dropEntry(ctx, entry);
    return { done: !more };
  },
});

/** Atomically adds one to the counter at `key` and returns the new value (1 for a missing key). */
export const increment = internalMutation({
  args: { key: v.string(), ttlMs: v.number() },
  handler: (ctx, { key, ttlMs }): Promise<number> => incrementCounter(ctx, key, ttlMs),
});

/** Appends an item to the list at `key` (created when missing). */
export const push = internalMutation({
  args: { key: v.string(), value: v.string(), ttlMs: v.number() },
  handler: async (ctx, { key, value, ttlMs }): Promise<null> => {
    await pushItem(ctx, key, { value }, ttlMs);
    return null;
  },
});

/**
 * In one transaction: allocates the next index from the counter at
 * `counterKey` and appends the (object) item to the list at `listKey`,
 * where readers see it with `index` set to that index. Returns the index.
 */
export const pushIndexed = internalMutation({
  args: { listKey: v.string(), counterKey: v.string(), value: v.string(), ttlMs: v.number() },
  handler: async (ctx, { listKey, counterKey, value, ttlMs }): Promise<number> => {
    const index = (await incrementCounter(ctx, counterKey, ttlMs)) - 1;
    await pushItem(ctx, listKey, { value, indexed: index }, ttlMs);
    return index;
  },
});
