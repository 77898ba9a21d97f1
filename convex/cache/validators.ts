/**
 * Wire shapes of the server cache (`ConvexServerCache`), shared by our
 * Convex functions and the client.
 *
 * One keyspace, like core's in-memory cache: a key holds either a value
 * (any codec-encoded value, counters included) or a list. A list's items are
 * rows of their own, keyed by the list's generation `gen` and their
 * position, so lists of any length are written one item per call and read
 * in bounded pages; dropping a list is one row, its items are reclaimed by
 * a scheduled function of the component.
 */
import { type Infer, v } from "convex/values";

/** A cache entry as stored (without Convex's system fields). */
export const entryValidator = v.object({
  key: v.string(),
  kind: v.union(v.literal("value"), v.literal("list")),
  /** The encoded value (`kind: "value"`), or a `~blob:` reference when large. */
  value: v.optional(v.string()),
  /** Generation of a list's items (a fresh one whenever the list is replaced or dropped). */
  gen: v.string(),
  /** Number of items (`kind: "list"`). */
  length: v.number(),
  /** Server time (epoch ms) from which the entry is expired; absent: never. */
  expiresAt: v.optional(v.number()),
  /** When the pending expiry job for this generation runs; absent: none pending. */
  reaperAt: v.optional(v.number()),
});
/** A cache entry as stored. */
export type EntryRow = Infer<typeof entryValidator>;

/** One list item as stored. */
export const itemValidator = v.object({
  gen: v.string(),
  /** Position in the list, from 0. */
  pos: v.number(),
  /** The encoded item, or a `~blob:` reference when large. */
  value: v.string(),
  /** Set by `listPushIndexed`: readers return the (object) item with this `index` field set. */
  indexed: v.optional(v.number()),
});
/** One list item as stored. */
export type ItemRow = Infer<typeof itemValidator>;

/** A list item on the wire: its stored value and the index `listPushIndexed` gave it. */
export type WireItem = { value: string; indexed?: number };

/** One bounded page of a list: items from `from` on; `next` is where to continue (`null`: done). */
export type ListPage = { gen: string; items: WireItem[]; next: number | null; end: number };

/** What `cache/entries:get` answers. */
export type GetResult =
  | { kind: "missing" }
  | { kind: "value"; value: string }
  | ({ kind: "list" } & ListPage);

/** What `cache/entries:rangeMore` answers: the next page, or `stale` when the list was replaced meanwhile. */
export type MoreResult = ListPage | { stale: true };

/** Items a whole-array `set` may write in one mutation (longer arrays: `listPush`). */
export const MAX_SET_ITEMS = 4000;
/** Characters of inline items a whole-array `set` may write in one mutation. */
export const MAX_SET_CHARS = 8 * 1024 * 1024;

/** Validator of a value to write: its encoded form (or a blob reference). */
export const encodedItemValidator = v.string();
