/**
 * Client side of large values (see `convex/kit/blobs.ts`): uploads values
 * too large for one document in chunks before the row that refers to them
 * is written, and assembles them again on read.
 */
import { BLOB_PREFIX, blobIdOf, INLINE_LIMIT, isBlobRef, splitChunks, utf8Length } from "../../convex/kit/blobs.ts";
import type { DomainContext } from "./context.ts";

/** Bytes of chunk data sent per upload call (Convex accepts 16 MiB of arguments). */
const UPLOAD_BYTES = 8 * 1024 * 1024;

/**
 * Returns what to store for an encoded value: the value itself when small,
 * else a `~blob:` reference to chunks uploaded now (pending until the row
 * that refers to them is written).
 */
export async function storeLarge(ctx: DomainContext, encoded: string, operation: string): Promise<string> {
  const totalBytes = utf8Length(encoded);
  if (totalBytes <= INLINE_LIMIT) return encoded;
  const blobId = crypto.randomUUID();
  const chunks = splitChunks(encoded);
  let group: { index: number; data: string }[] = [];
  let bytes = 0;
  const flush = async () => {
    if (group.length === 0) return;
    await ctx.transport.mutation("system/blobs:putChunks", {
      blobId,
      chunkCount: chunks.length,
      length: totalBytes,
      chunks: group,
    }, { operation, details: { blobId, chunks: chunks.length }, idempotent: true });
    group = [];
    bytes = 0;
  };
  for (const [index, data] of chunks.entries()) {
    const size = utf8Length(data);
    if (bytes + size > UPLOAD_BYTES) await flush();
    group.push({ index, data });
    bytes += size;
  }
  await flush();
  return `${BLOB_PREFIX}${blobId}`;
}

/** Returns the encoded value of a stored field, assembling chunks when it is a blob reference. */
export async function loadLarge(ctx: DomainContext, stored: string, operation: string): Promise<string> {
  if (!isBlobRef(stored)) return stored;
  const blobId = blobIdOf(stored);
  const parts: string[] = [];
  let from: number | null = 0;
  while (from !== null) {
    const page: { chunks: string[]; next: number | null } = await ctx.transport.query("system/blobs:getChunks", {
      blobId,
      from,
    }, { operation, details: { blobId } });
    parts.push(...page.chunks);
    from = page.next;
  }
  return parts.join("");
}

/** Deletes released large values, in bounded calls. */
export async function sweepBlobs(ctx: DomainContext, operation: string): Promise<void> {
  for (;;) {
    const { done } = await ctx.transport.mutation<{ done: boolean }>("system/blobs:sweep", {}, {
      operation,
      idempotent: true,
    });
    if (done) return;
  }
}

/** A copy of `row` whose listed fields hold their encoded values, never blob references. */
export async function resolveFields<Row extends Record<string, unknown>>(
  ctx: DomainContext,
  row: Row,
  fields: (keyof Row & string)[],
  operation: string,
): Promise<Row> {
  const out: Record<string, unknown> = { ...row };
  for (const field of fields) {
    const value = row[field];
    if (isBlobRef(value)) out[field] = await loadLarge(ctx, value, operation);
  }
  return out as Row;
}

/** A copy of `row` whose listed (encoded) fields are stored out of line when large. */
export async function offloadFields<Row extends Record<string, unknown>>(
  ctx: DomainContext,
  row: Row,
  fields: (keyof Row & string)[],
  operation: string,
): Promise<Row> {
  const out: Record<string, unknown> = { ...row };
  for (const field of fields) {
    const value = row[field];
    if (typeof value === "string") out[field] = await storeLarge(ctx, value, operation);
  }
  return out as Row;
}

/**
 * Copies a committed large value into a new blob on the server, in bounded
 * calls of the mutation at `path` (which wraps `copyBlobChunks` of
 * `convex/kit/blobs.ts`). Returns the new reference (pending until a row
 * adopts it), or `null` when the source value is gone.
 */
export async function copyLarge(
  ctx: DomainContext,
  path: `${string}:${string}`,
  ref: string,
  operation: string,
): Promise<string | null> {
  const toBlobId = crypto.randomUUID();
  let from: number | null = 0;
  while (from !== null) {
    const step: { next: number | null; gone: boolean } = await ctx.transport.mutation(path, {
      fromRef: ref,
      toBlobId,
      from,
    }, { operation, details: { blobId: toBlobId }, idempotent: true });
    if (step.gone) return null;
    from = step.next;
  }
  return `${BLOB_PREFIX}${toBlobId}`;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results in input order. */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Attempts of {@link resolveFresh} before it gives up. */
const FRESH_ATTEMPTS = 4;

/**
 * Like {@link resolveFields}, for a row read a moment ago: when one of its
 * large values is gone (a concurrent write replaced it and the sweep
 * deleted it), reads the row again with `reread` and retries. Returns
 * `null` when the row itself is gone by then.
 */
export async function resolveFresh<Row extends Record<string, unknown>>(
  ctx: DomainContext,
  row: Row,
  fields: (keyof Row & string)[],
  operation: string,
  reread: () => Promise<Row | null>,
): Promise<Row | null> {
  let current: Row | null = row;
  for (let attempt = 1;; attempt++) {
    try {
      return await resolveFields(ctx, current, fields, operation);
    } catch (error) {
      if (attempt >= FRESH_ATTEMPTS) throw error;
      current = await reread();
      if (current === null) return null;
    }
  }
}
