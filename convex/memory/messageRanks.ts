/**
 * Rank buckets: where the k-th message of a thread starts, without reading
 * the k messages before it.
 *
 * A thread's messages are ordered by the key `(createdAt, id)`. Its buckets
 * partition that key space: bucket `b` holds the messages with keys after
 * `b.after` and up to the next bucket's `after` (the first bucket's `after`
 * is below every key), and counts them. Every insert, move and delete of a
 * message updates its bucket in the same mutation (through `CounterBatch`).
 * A bucket also remembers an upper bound `high` of its keys; a message
 * appended past the `high` of a full bucket opens a new bucket after that
 * `high`, so the usual append-only thread gets buckets of
 * {@link RANK_BUCKET_SIZE} without ever reading messages. (A full bucket that
 * receives keys in its middle just grows; it stays correct, seeks into it
 * cost a little more.)
 *
 * A seek sums bucket counts from the nearer end of the thread and resumes
 * the message walk after the chosen bucket's `after`, skipping fewer than
 * one bucket of messages. Seeks are used only when the buckets account for
 * every message of the thread (the `messagesRanked` counter equals the
 * thread's count), so threads written before buckets existed, or seeded
 * directly, are still served correctly by the plain walk.
 */
import { adjustCounters, readCounter } from "../kit/counters.js";
import type { DataModel, MutationCtx, QueryCtx } from "../kit/functions.js";
import type { SortKey, WalkState } from "../kit/walk.js";

/** Messages per bucket before an append opens the next one. */
export const RANK_BUCKET_SIZE = 256;

/** Below every real key (`createdAt` is epoch milliseconds). */
const MIN_CREATED_AT = -Number.MAX_VALUE;

/** A message key. */
export type MessageKey = { createdAt: number; id: string };

type BucketDoc = DataModel["message_buckets"]["document"];

/** Counter of the messages of a thread that its buckets account for. */
export function messagesRanked(threadId: string): string {
  return `messages:ranked:${JSON.stringify(threadId)}`;
}

function compareKeys(a: MessageKey, b: MessageKey): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

const afterKey = (bucket: BucketDoc): MessageKey => ({ createdAt: bucket.afterCreatedAt, id: bucket.afterId });
const highKey = (bucket: BucketDoc): MessageKey => ({ createdAt: bucket.highCreatedAt, id: bucket.highId });

/** The bucket holding `key`: the one with the greatest `after` below it. */
async function bucketFor(ctx: QueryCtx, threadId: string, key: MessageKey): Promise<BucketDoc | null> {
  const tie = await ctx.db
    .query("message_buckets")
    .withIndex(
      "by_thread_after",
      (q) => q.eq("threadId", threadId).eq("afterCreatedAt", key.createdAt).lt("afterId", key.id),
    )
    .order("desc")
    .first();
  if (tie) return tie;
  return await ctx.db
    .query("message_buckets")
    .withIndex("by_thread_after", (q) => q.eq("threadId", threadId).lt("afterCreatedAt", key.createdAt))
    .order("desc")
    .first();
}

/** The `after` key of the bucket following `bucket`, or `null` for the last one. */
async function upperOf(ctx: QueryCtx, bucket: BucketDoc): Promise<MessageKey | null> {
  const tie = await ctx.db
    .query("message_buckets")
    .withIndex(
      "by_thread_after",
      (q) =>
        q.eq("threadId", bucket.threadId).eq("afterCreatedAt", bucket.afterCreatedAt).gt("afterId", bucket.afterId),
    )
    .first();
  const next = tie ?? await ctx.db
    .query("message_buckets")
    .withIndex("by_thread_after", (q) => q.eq("threadId", bucket.threadId).gt("afterCreatedAt", bucket.afterCreatedAt))
    .first();
  return next ? afterKey(next) : null;
}

/** Collects rank changes during a mutation and applies them, grouped per bucket, at its end. */
export class RankBatch {
  readonly #adds = new Map<string, MessageKey[]>();
  readonly #removes = new Map<string, MessageKey[]>();

  /** Records a message that now exists at `key` in `threadId`. */
  add(threadId: string, key: MessageKey): void {
    if (!threadId) return;
    const list = this.#adds.get(threadId) ?? [];
    list.push({ createdAt: key.createdAt, id: key.id });
    this.#adds.set(threadId, list);
  }

  /** Records a message that no longer exists at `key` in `threadId`. */
  remove(threadId: string, key: MessageKey): void {
    if (!threadId) return;
    const list = this.#removes.get(threadId) ?? [];
    list.push({ createdAt: key.createdAt, id: key.id });
    this.#removes.set(threadId, list);
  }

  /** Writes the bucket changes and the `messagesRanked` counters. */
  async apply(ctx: MutationCtx): Promise<void> {
    const deltas: [string, number][] = [];
    for (const [threadId, keys] of this.#removes) {
      deltas.push([messagesRanked(threadId), -(await removeKeys(ctx, threadId, keys))]);
    }
    for (const [threadId, keys] of this.#adds) {
      deltas.push([messagesRanked(threadId), await addKeys(ctx, threadId, keys)]);
    }
    this.#adds.clear();
    this.#removes.clear();
    await adjustCounters(ctx, deltas);
  }
}

/** A bucket loaded for changes, with the range it covers. */
type Loaded = { bucket: BucketDoc; upper: MessageKey | null; dirty: boolean };

function covers(loaded: Loaded | undefined, key: MessageKey): loaded is Loaded {
  if (!loaded) return false;
  const after = afterKey(loaded.bucket);
  return compareKeys(key, after) > 0 && (loaded.upper === null || compareKeys(key, loaded.upper) <= 0);
}

async function load(ctx: MutationCtx, threadId: string, key: MessageKey): Promise<Loaded | undefined> {
  const bucket = await bucketFor(ctx, threadId, key);
  return bucket ? { bucket, upper: await upperOf(ctx, bucket), dirty: false } : undefined;
}

async function save(ctx: MutationCtx, loaded: Loaded | undefined): Promise<void> {
  if (!loaded?.dirty) return;
  const { bucket } = loaded;
  if (bucket.count <= 0 && bucket.afterCreatedAt !== MIN_CREATED_AT) await ctx.db.delete(bucket._id);
  else {
    await ctx.db.patch(bucket._id, {
      count: Math.max(0, bucket.count),
      highCreatedAt: bucket.highCreatedAt,
      highId: bucket.highId,
    });
  }
  loaded.dirty = false;
}

/** Removes keys (sorted, grouped by bucket); returns how many buckets accounted for. */
async function removeKeys(ctx: MutationCtx, threadId: string, keys: MessageKey[]): Promise<number> {
  keys.sort(compareKeys);
  let current: Loaded | undefined;
  let removed = 0;
  for (const key of keys) {
    if (!covers(current, key)) {
      await save(ctx, current);
      current = await load(ctx, threadId, key);
      // No bucket below this key means the thread has no buckets at all
      // (the first one sits below every key): nothing to account for.
      if (!current) break;
    }
    if (current.bucket.count > 0) {
      current.bucket.count--;
      current.dirty = true;
      removed++;
    }
  }
  await save(ctx, current);
  return removed;
}

/** Adds keys (sorted, grouped by bucket), opening buckets as appends fill them; returns the count added. */
async function addKeys(ctx: MutationCtx, threadId: string, keys: MessageKey[]): Promise<number> {
  keys.sort(compareKeys);
  let current: Loaded | undefined;
  for (const key of keys) {
    if (!covers(current, key)) {
      await save(ctx, current);
      current = await load(ctx, threadId, key);
      if (!current) {
        const id = await ctx.db.insert("message_buckets", {
          threadId,
          afterCreatedAt: MIN_CREATED_AT,
          afterId: "",
          highCreatedAt: key.createdAt,
          highId: key.id,
          count: 0,
        });
        current = { bucket: (await ctx.db.get(id))!, upper: await upperOf(ctx, (await ctx.db.get(id))!), dirty: false };
      }
    }
    const bucket = current.bucket;
    if (bucket.count >= RANK_BUCKET_SIZE && compareKeys(key, highKey(bucket)) > 0) {
      // An append past a full bucket opens the next one after the full bucket's high key.
      await save(ctx, current);
      const id = await ctx.db.insert("message_buckets", {
        threadId,
        afterCreatedAt: bucket.highCreatedAt,
        afterId: bucket.highId,
        highCreatedAt: key.createdAt,
        highId: key.id,
        count: 1,
      });
      current = { bucket: (await ctx.db.get(id))!, upper: current.upper, dirty: false };
      continue;
    }
    bucket.count++;
    if (compareKeys(key, highKey(bucket)) > 0) {
      bucket.highCreatedAt = key.createdAt;
      bucket.highId = key.id;
    }
    current.dirty = true;
  }
  await save(ctx, current);
  return keys.length;
}

/** Deletes every bucket of a thread (when the thread itself is deleted). */
export async function deleteBuckets(ctx: MutationCtx, threadId: string): Promise<void> {
  const buckets = await ctx.db
    .query("message_buckets")
    .withIndex("by_thread_after", (q) => q.eq("threadId", threadId))
    .take(4000);
  for (const bucket of buckets) await ctx.db.delete(bucket._id);
  await adjustCounters(ctx, [[messagesRanked(threadId), -(await readCounter(ctx, messagesRanked(threadId)))]]);
}

/**
 * Where an ascending walk over one thread should start to skip `skip`
 * messages: after some bucket's `after` key, with fewer than one bucket left
 * to skip. `null` when the buckets do not account for all `total` messages.
 */
export async function seekRank(
  ctx: QueryCtx,
  threadId: string,
  total: number,
  skip: number,
): Promise<{ after: SortKey | undefined; skip: number } | null> {
  if (await readCounter(ctx, messagesRanked(threadId)) !== total) return null;
  const fromEnd = skip > total / 2;
  const buckets = ctx.db
    .query("message_buckets")
    .withIndex("by_thread_after", (q) => q.eq("threadId", threadId))
    .order(fromEnd ? "desc" : "asc");
  let counted = 0;
  for await (const bucket of buckets) {
    // Rank of the bucket's first message, counted from the start.
    const start = fromEnd ? total - counted - bucket.count : counted;
    if (fromEnd ? start <= skip : start + bucket.count > skip) {
      const after = bucket.afterCreatedAt === MIN_CREATED_AT
        ? undefined
        : { value: bucket.afterCreatedAt, id: bucket.afterId };
      return { after, skip: skip - start };
    }
    counted += bucket.count;
  }
  return null;
}

/** The ascending walk state that serves one page of a single thread from its buckets, or `null`. */
export async function rankedPage(
  ctx: QueryCtx,
  threadId: string,
  total: number,
  offset: number,
  limit: number,
  order: "asc" | "desc",
): Promise<WalkState | null> {
  const take = Math.max(0, Math.min(limit, total - offset));
  const skipAsc = order === "asc" ? offset : Math.max(0, total - offset - take);
  if (take === 0 || Math.min(skipAsc, total - skipAsc - take) < RANK_BUCKET_SIZE) return null;
  const seek = await seekRank(ctx, threadId, total, skipAsc);
  if (!seek) return null;
  return {
    ...(seek.after ? { after: seek.after } : {}),
    skip: seek.skip,
    take,
    matched: 0,
    order: "asc",
    countAll: false,
    reversed: order === "desc",
  };
}
