/**
 * Values larger than one Convex document, stored in chunks.
 *
 * A stored field holds either the encoded value itself or, when it is too
 * large, a reference `~blob:<blobId>` to a blob whose chunks live in
 * `blob_chunks`. Writing a large value takes several calls:
 *
 * 1. the client uploads the chunks with `blobs:putChunks` (idempotent by
 *    `(blobId, index)`, so a retried piece never duplicates); the blob is
 *    `pending` and invisible to readers, since no row refers to it yet;
 * 2. the mutation that writes the row calls {@link adoptBlobs}, which checks
 *    that every chunk arrived and marks the blob `committed`, and
 *    {@link releaseBlobs} for the values the row no longer refers to, which
 *    become `garbage`;
 * 3. `blobs:sweep` deletes garbage and abandoned pending blobs in bounded
 *    batches; the deployment also reclaims each blob by itself
 *    (`blobs:reclaim`, scheduled when the upload starts and when it is
 *    released), so no abandoned upload outlives {@link ABANDONED_AFTER_MS}
 *    by much even when no client ever sweeps. Every age decision uses the
 *    server's clock.
 *
 * References are unforgeable by data: only fields that can hold large
 * values are ever read as references (callers pass those fields' values
 * explicitly), such fields hold encoded JSON text (which never starts with
 * `~`) or a reference, and a blob records the row that adopted it
 * ({@link blobOwner}) so only that row can release it.
 *
 * A half-written value is never visible, and a retried write completes it.
 * The helpers here let mutations read and write such values themselves
 * (e.g. to merge metadata atomically) while they fit one transaction.
 */
import { type FunctionReference, makeFunctionReference } from "convex/server";
import type { GenericId } from "convex/values";
import { storageError } from "./errors.js";
import type { DataModel, MutationCtx, QueryCtx } from "./functions.js";
import { utf8Length } from "./walk.js";

/** Prefix of a blob reference. Encoded values are JSON text and never start with `~`. */
export const BLOB_PREFIX = "~blob:";

/** Values up to this many UTF-8 bytes stay inline in their row. */
export const INLINE_LIMIT = 256 * 1024;

/** Characters per chunk: at most ~900 KB of UTF-8 (3 bytes per char), within one document. */
export const CHUNK_CHARS = 300_000;

/** Largest value, in UTF-8 bytes, a mutation may assemble or write by itself (the client handles larger ones). */
export const IN_TRANSACTION_LIMIT = 12 * 1024 * 1024;

/** True when a stored field holds a blob reference. */
export function isBlobRef(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(BLOB_PREFIX);
}

/** The blob id of a reference. */
export function blobIdOf(ref: string): string {
  return ref.slice(BLOB_PREFIX.length);
}

/** UTF-8 length of a string, without allocating it (counted like Convex: lone surrogates as 3 bytes). */
export { utf8Length };

/** Splits a string into chunks of at most {@link CHUNK_CHARS}, never inside a surrogate pair. */
export function splitChunks(text: string): string[] {
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + CHUNK_CHARS);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

async function findBlob(ctx: QueryCtx, blobId: string) {
  return await ctx.db.query("blobs").withIndex("by_blobId", (q) => q.eq("blobId", blobId)).unique();
}

/**
 * The row a blob belongs to, `<table>:<key>` (e.g. `threads:t1`). Recorded
 * on the blob when a row adopts it, and checked on release, so a row can
 * only ever release its own large values.
 */
export function blobOwner(table: string, key: string): string {
  return `${table}:${key}`;
}

/** The references among the values of a row's large-value fields (never other fields). */
function refsIn(values: readonly (string | undefined | null)[]): string[] {
  return values.filter(isBlobRef);
}

/** Pending blobs untouched this long (by the server's clock) are abandoned uploads. */
export const ABANDONED_AFTER_MS = 60 * 60 * 1000;
/** Slack added to the reclaim schedule, so the check runs after the blob has surely aged. */
export const RECLAIM_MARGIN_MS = 60 * 1000;
/** A released blob is deleted by the deployment after this long unless a client sweep got there first. */
export const GARBAGE_GRACE_MS = 10 * 60 * 1000;

/** The component's own reclaim of one blob (see `system/blobs:reclaim`). */
export const reclaimBlobRef: FunctionReference<"mutation", "internal", { blobId: string }> = makeFunctionReference<
  "mutation",
  { blobId: string }
>("system/blobs:reclaim") as never;

/** Schedules the deployment's own check of `blobId` after `delayMs` (no client involved). */
export async function scheduleReclaim(ctx: MutationCtx, blobId: string, delayMs: number): Promise<void> {
  await ctx.scheduler.runAfter(delayMs, reclaimBlobRef, { blobId });
}

/**
 * Marks the blobs that a row's large-value fields now refer to as committed
 * and owned by `owner` (see {@link blobOwner}). Only the values of fields
 * that can be large are passed: those hold encoded JSON text or a reference,
 * and JSON text never starts with `~`, so user data can never produce a
 * reference. Fails (nothing written) with `RECLAIMED` when an upload is gone
 * (retryable: the client uploads again), `INVALID` when it is incomplete or
 * belongs to another row.
 */
export async function adoptBlobs(
  ctx: MutationCtx,
  owner: string,
  values: readonly (string | undefined | null)[],
): Promise<void> {
  for (const ref of refsIn(values)) {
    const blob = await findBlob(ctx, blobIdOf(ref));
    if (!blob || blob.state === "garbage") {
      throw storageError(
        "RECLAIMED",
        `large value ${blobIdOf(ref)} was reclaimed (or released) before the write that uses it; retry the call`,
      );
    }
    if (blob.owner !== undefined && blob.owner !== owner) {
      throw storageError("INVALID", `large value ${blob.blobId} belongs to another row`);
    }
    if (blob.received !== blob.chunkCount) {
      throw storageError(
        "INVALID",
        `large value ${blob.blobId} is incomplete: ${blob.received} of ${blob.chunkCount} chunks arrived`,
      );
    }
    if (blob.state !== "committed" || blob.owner !== owner) {
      await ctx.db.patch(blob._id, { state: "committed", owner, updatedAt: Date.now() });
    }
  }
}

/**
 * Releases the blobs that `owner`'s large-value fields referred to
 * (`previous`) and no longer do (`next`; empty when the row is deleted).
 * A blob is released only when it belongs to `owner` (or was never adopted:
 * an upload the write refused); a reference to anyone else's blob is
 * ignored. Returns true when something became garbage, so the caller can
 * ask the client to sweep; the deployment deletes it by itself as well.
 */
export async function releaseBlobs(
  ctx: MutationCtx,
  owner: string,
  previous: readonly (string | undefined | null)[],
  next: readonly (string | undefined | null)[] = [],
): Promise<boolean> {
  const kept = new Set(refsIn(next));
  let released = false;
  for (const ref of refsIn(previous)) {
    if (kept.has(ref)) continue;
    const blob = await findBlob(ctx, blobIdOf(ref));
    if (!blob || blob.state === "garbage") continue;
    if (blob.owner !== undefined ? blob.owner !== owner : blob.state === "committed") continue;
    await ctx.db.patch(blob._id, { state: "garbage", updatedAt: Date.now() });
    await scheduleReclaim(ctx, blob.blobId, GARBAGE_GRACE_MS);
    released = true;
  }
  return released;
}

/**
 * Reads a stored field inside a query or mutation: the inline value, or the
 * assembled blob when it fits one transaction (else `TOO_LARGE`).
 */
export async function readField(ctx: QueryCtx, stored: string): Promise<string> {
  if (!isBlobRef(stored)) return stored;
  const blob = await findBlob(ctx, blobIdOf(stored));
  if (!blob || blob.state === "garbage") throw storageError("NOT_FOUND", `large value ${blobIdOf(stored)} is gone`);
  if (blob.received !== blob.chunkCount) {
    throw storageError("INVALID", `large value ${blob.blobId} is incomplete: ${blob.received} of ${blob.chunkCount}`);
  }
  if (blob.length > IN_TRANSACTION_LIMIT) {
    throw storageError(
      "TOO_LARGE",
      `value of ${blob.length} bytes is too large to change inside one Convex transaction`,
    );
  }
  const parts: string[] = [];
  for await (
    const chunk of ctx.db.query("blob_chunks").withIndex("by_blob_index", (q) => q.eq("blobId", blob.blobId))
  ) {
    parts.push(chunk.data);
  }
  return parts.join("");
}

/**
 * Stores an encoded value computed inside a mutation: inline when small,
 * else as a committed blob written in the same transaction.
 */
export async function writeField(ctx: MutationCtx, encoded: string, owner: string): Promise<string> {
  const bytes = utf8Length(encoded);
  if (bytes <= INLINE_LIMIT) return encoded;
  if (bytes > IN_TRANSACTION_LIMIT) {
    throw storageError("TOO_LARGE", `value of ${bytes} bytes is too large for one Convex transaction`);
  }
  const blobId = crypto.randomUUID();
  const chunks = splitChunks(encoded);
  for (const [index, data] of chunks.entries()) {
    await ctx.db.insert("blob_chunks", { blobId, index, data });
  }
  await ctx.db.insert("blobs", {
    blobId,
    state: "committed",
    chunkCount: chunks.length,
    received: chunks.length,
    length: bytes,
    owner,
    updatedAt: Date.now(),
  });
  return `${BLOB_PREFIX}${blobId}`;
}

/**
 * Size in UTF-8 bytes of the value a stored field holds, without reading
 * chunks: the string's own size, or the blob's recorded size (`null` when
 * the blob is gone).
 */
export async function storedLength(ctx: QueryCtx, stored: string): Promise<number | null> {
  if (!stored.startsWith(BLOB_PREFIX)) return utf8Length(stored);
  const blob = await findBlob(ctx, blobIdOf(stored));
  return !blob || blob.state === "garbage" ? null : blob.length;
}

/**
 * Copies the chunks of the committed blob `fromRef` into the pending blob
 * `toBlobId` (created on the first call with the same size), from chunk
 * `from` on, at most about `maxBytes` per call. Idempotent: chunks already
 * copied are skipped. Returns where to resume (`null` when every chunk is
 * there), or `gone: true` when the source is no longer available (then
 * the pending copy is released).
 */
export async function copyBlobChunks(
  ctx: MutationCtx,
  { fromRef, toBlobId, from, maxBytes }: {
    fromRef: string;
    toBlobId: string;
    from: number;
    maxBytes: number;
  },
): Promise<{ next: number | null; gone: boolean }> {
  const source = await findBlob(ctx, blobIdOf(fromRef));
  let target = await findBlob(ctx, toBlobId);
  if (!source || source.state !== "committed") {
    if (target && target.state === "pending" && target.owner === undefined) {
      await ctx.db.patch(target._id, { state: "garbage", updatedAt: Date.now() });
      await scheduleReclaim(ctx, toBlobId, 0);
    }
    return { next: null, gone: true };
  }
  if (target && (target.state === "garbage" || target.chunkCount !== source.chunkCount)) {
    throw storageError("INVALID", `large value ${toBlobId} is not a pending copy of ${source.blobId}`);
  }
  if (!target) {
    const id = await ctx.db.insert("blobs", {
      blobId: toBlobId,
      state: "pending",
      chunkCount: source.chunkCount,
      received: 0,
      length: source.length,
      updatedAt: Date.now(),
    });
    target = (await ctx.db.get(id))!;
    await scheduleReclaim(ctx, toBlobId, ABANDONED_AFTER_MS + RECLAIM_MARGIN_MS);
  }
  let received = target.received;
  let bytes = 0;
  let index = from;
  for await (
    const chunk of ctx.db.query("blob_chunks").withIndex(
      "by_blob_index",
      (q) => q.eq("blobId", source.blobId).gte("index", from),
    )
  ) {
    const size = utf8Length(chunk.data);
    if (bytes > 0 && bytes + size > maxBytes) break;
    bytes += size;
    index = chunk.index + 1;
    const existing = await ctx.db
      .query("blob_chunks")
      .withIndex("by_blob_index", (q) => q.eq("blobId", toBlobId).eq("index", chunk.index))
      .unique();
    if (existing) continue;
    await ctx.db.insert("blob_chunks", { blobId: toBlobId, index: chunk.index, data: chunk.data });
    received++;
  }
  await ctx.db.patch(target._id, { received, updatedAt: Date.now() });
  return { next: index < source.chunkCount ? index : null, gone: false };
}

/** Largest chunk in UTF-8 bytes (`CHUNK_CHARS` characters of at most 3 bytes each). */
const MAX_CHUNK_BYTES = CHUNK_CHARS * 3;
/**
 * UTF-8 bytes of chunks deleted per sweep or reclaim step at most: each
 * deleted chunk is read once, well inside Convex's 16 MiB per transaction.
 */
export const SWEEP_BYTES = 6 * 1024 * 1024;
/** Blob rows examined per sweep. */
const SWEEP_BLOBS = 100;

/**
 * Deletes chunks of a garbage blob while about `budget` bytes of them fit
 * (always at least one), and the blob itself once it has none left;
 * returns the bytes deleted and whether the blob is gone.
 */
export async function deleteGarbage(
  ctx: MutationCtx,
  blob: { _id: GenericId<"blobs">; blobId: string },
  budget: number,
): Promise<{ deletedBytes: number; gone: boolean }> {
  const batch = [];
  let bytes = 0;
  let more = false;
  for await (
    const chunk of ctx.db.query("blob_chunks").withIndex("by_blob_index", (q) => q.eq("blobId", blob.blobId))
  ) {
    if (batch.length > 0 && bytes + MAX_CHUNK_BYTES > budget) {
      more = true;
      break;
    }
    batch.push(chunk._id);
    bytes += utf8Length(chunk.data);
  }
  for (const id of batch) await ctx.db.delete(id);
  if (more) return { deletedBytes: bytes, gone: false };
  await ctx.db.delete(blob._id);
  return { deletedBytes: bytes, gone: true };
}

/**
 * Deletes released blobs and abandoned uploads (pending and untouched for
 * {@link ABANDONED_AFTER_MS} by the server's clock), one bounded batch per
 * call (`system/blobs:sweep`, and the scheduled sweeps of domains that
 * release blobs without a client); call until `done`.
 */
export async function sweepGarbage(ctx: MutationCtx): Promise<{ done: boolean; deletedBytes: number }> {
  const now = Date.now();
  const abandoned = await ctx.db
    .query("blobs")
    .withIndex("by_state_updatedAt", (q) => q.eq("state", "pending").lt("updatedAt", now - ABANDONED_AFTER_MS))
    .take(SWEEP_BLOBS);
  for (const blob of abandoned) await ctx.db.patch(blob._id, { state: "garbage", updatedAt: now });
  let budget = SWEEP_BYTES;
  const garbage = await ctx.db.query("blobs").withIndex("by_state_updatedAt", (q) => q.eq("state", "garbage"))
    .take(SWEEP_BLOBS);
  let deletedBytes = 0;
  for (const blob of garbage) {
    if (budget < MAX_CHUNK_BYTES) return { done: false, deletedBytes };
    const step = await deleteGarbage(ctx, blob, budget);
    deletedBytes += step.deletedBytes;
    budget -= step.deletedBytes;
    if (!step.gone) return { done: false, deletedBytes };
  }
  return { done: garbage.length < SWEEP_BLOBS, deletedBytes };
}

/**
 * Writes a row whose large-value fields hold `values`: adopts the blobs
 * they refer to for `owner`, then inserts `row`, or replaces `existing`
 * with it, releasing the blobs that only `existing`'s values (`previous`)
 * referred to. Returns true when something was released.
 */
export async function writeOwnedRow(
  ctx: MutationCtx,
  table: keyof DataModel & string,
  owner: string,
  row: Record<string, unknown>,
  values: readonly (string | undefined | null)[],
  existing: { _id: GenericId<string>; previous: readonly (string | undefined | null)[] } | null,
): Promise<boolean> {
  await adoptBlobs(ctx, owner, values);
  // deno-lint-ignore no-explicit-any
  const db = ctx.db as any;
  if (!existing) {
    await db.insert(table, row);
    return false;
  }
  const released = await releaseBlobs(ctx, owner, existing.previous, values);
  await db.replace(existing._id, row);
  return released;
}
