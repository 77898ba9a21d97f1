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
 *    batches.
 *
 * A half-written value is never visible, and a retried write completes it.
 * The helpers here let mutations read and write such values themselves
 * (e.g. to merge metadata atomically) while they fit one transaction.
 */
import { storageError } from "./errors.js";
import type { MutationCtx, QueryCtx } from "./functions.js";

/** Prefix of a blob reference. Encoded values are JSON text and never start with `~`. */
export const BLOB_PREFIX = "~blob:";

/** Values up to this many UTF-8 bytes stay inline in their row. */
export const INLINE_LIMIT = 256 * 1024;

/** Characters per chunk: at most ~900 KB of UTF-8 (3 bytes per char), within one document. */
export const CHUNK_CHARS = 300_000;

/** Largest value a mutation may assemble or write by itself (the client handles larger ones). */
export const IN_TRANSACTION_LIMIT = 12 * 1024 * 1024;

/** True when a stored field holds a blob reference. */
export function isBlobRef(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(BLOB_PREFIX);
}

/** The blob id of a reference. */
export function blobIdOf(ref: string): string {
  return ref.slice(BLOB_PREFIX.length);
}

/** UTF-8 length of a string, without allocating it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

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

/** Every blob reference among the values of `fields`. */
function refsIn(fields: Record<string, unknown> | null | undefined): string[] {
  return Object.values(fields ?? {}).filter(isBlobRef);
}

/**
 * Marks the blobs a row now refers to as committed, failing with `INVALID`
 * when one is unknown or incomplete (nothing is written then).
 */
export async function adoptBlobs(ctx: MutationCtx, fields: Record<string, unknown>, now: number): Promise<void> {
  for (const ref of refsIn(fields)) {
    const blob = await findBlob(ctx, blobIdOf(ref));
    if (!blob || blob.state === "garbage") {
      throw storageError("INVALID", `large value ${blobIdOf(ref)} was not uploaded (or was already released)`);
    }
    if (blob.received !== blob.chunkCount) {
      throw storageError(
        "INVALID",
        `large value ${blob.blobId} is incomplete: ${blob.received} of ${blob.chunkCount} chunks arrived`,
      );
    }
    if (blob.state !== "committed") await ctx.db.patch(blob._id, { state: "committed", updatedAt: now });
  }
}

/**
 * Releases the blobs a row referred to and no longer does (pass `null` for
 * `next` when the row is deleted). Returns true when something became
 * garbage, so the caller can ask the client to sweep.
 */
export async function releaseBlobs(
  ctx: MutationCtx,
  previous: Record<string, unknown> | null | undefined,
  next: Record<string, unknown> | null | undefined,
  now: number,
): Promise<boolean> {
  const kept = new Set(refsIn(next));
  let released = false;
  for (const ref of refsIn(previous)) {
    if (kept.has(ref)) continue;
    const blob = await findBlob(ctx, blobIdOf(ref));
    if (blob && blob.state !== "garbage") {
      await ctx.db.patch(blob._id, { state: "garbage", updatedAt: now });
      released = true;
    }
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
      `value of ${blob.length} characters is too large to change inside one Convex transaction`,
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
export async function writeField(ctx: MutationCtx, encoded: string, now: number): Promise<string> {
  if (utf8Length(encoded) <= INLINE_LIMIT) return encoded;
  if (encoded.length > IN_TRANSACTION_LIMIT) {
    throw storageError("TOO_LARGE", `value of ${encoded.length} characters is too large for one Convex transaction`);
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
    length: encoded.length,
    updatedAt: now,
  });
  return `${BLOB_PREFIX}${blobId}`;
}

/**
 * Length in characters of the value a stored field holds, without reading
 * chunks: the string's own length, or the blob's recorded length (`null`
 * when the blob is gone).
 */
export async function storedLength(ctx: QueryCtx, stored: string): Promise<number | null> {
  if (!stored.startsWith(BLOB_PREFIX)) return stored.length;
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
  { fromRef, toBlobId, from, maxBytes, now }: {
    fromRef: string;
    toBlobId: string;
    from: number;
    maxBytes: number;
    now: number;
  },
): Promise<{ next: number | null; gone: boolean }> {
  const source = await findBlob(ctx, blobIdOf(fromRef));
  let target = await findBlob(ctx, toBlobId);
  if (!source || source.state !== "committed") {
    if (target && target.state !== "garbage") await ctx.db.patch(target._id, { state: "garbage", updatedAt: now });
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
      updatedAt: now,
    });
    target = (await ctx.db.get(id))!;
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
  await ctx.db.patch(target._id, { received, updatedAt: now });
  return { next: index < source.chunkCount ? index : null, gone: false };
}

/** Chunks deleted per {@link sweepGarbage} call (each up to ~900 KB). */
const SWEEP_CHUNKS = 12;
/** Pending blobs untouched this long are abandoned uploads. */
const ABANDONED_AFTER_MS = 60 * 60 * 1000;

/**
 * Deletes released blobs and abandoned uploads, one bounded batch per call
 * (`blobs:sweep`, and the scheduled sweeps of domains that release blobs
 * without a client); call until `done`.
 */
export async function sweepGarbage(ctx: MutationCtx, now: number): Promise<{ done: boolean; deletedChunks: number }> {
  const abandoned = await ctx.db
    .query("blobs")
    .withIndex("by_state_updatedAt", (q) => q.eq("state", "pending").lt("updatedAt", now - ABANDONED_AFTER_MS))
    .take(100);
  for (const blob of abandoned) await ctx.db.patch(blob._id, { state: "garbage", updatedAt: now });
  let budget = SWEEP_CHUNKS;
  const garbage = await ctx.db.query("blobs").withIndex("by_state_updatedAt", (q) => q.eq("state", "garbage"))
    .take(100);
  let deletedChunks = 0;
  for (const blob of garbage) {
    const chunks = await ctx.db
      .query("blob_chunks")
      .withIndex("by_blob_index", (q) => q.eq("blobId", blob.blobId))
      .take(budget);
    for (const chunk of chunks) await ctx.db.delete(chunk._id);
    deletedChunks += chunks.length;
    budget -= chunks.length;
    if (budget === 0) return { done: false, deletedChunks };
    await ctx.db.delete(blob._id);
  }
  return { done: garbage.length < 100, deletedChunks };
}
