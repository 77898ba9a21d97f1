/**
 * Mastra's blobs domain on Convex: content-addressed file contents keyed
 * by SHA-256 hash (`convex/blobs/`). Contents of any size are stored through
 * the large-value mechanism (`kit/largeValues.ts`); `put`/`putMany` skip
 * hashes already stored, without uploading their contents again.
 */
import { BlobStore } from "@mastra/core/storage";
import type { StorageBlobEntry } from "../coreTypes.ts";
import { decodeValue, encodeValue } from "../../convex/kit/codec.ts";
import { INLINE_LIMIT, utf8Length } from "../../convex/kit/blobs.ts";
import { MAX_HASHES } from "../../convex/blobs/store.ts";
import type { ContentBlobRow } from "../../convex/blobs/validators.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { loadLarge, storeLarge, sweepBlobs } from "../kit/largeValues.ts";
import { requireKey } from "../kit/validate.ts";

/** Bytes of entries sent per `putMany` call (Convex accepts 16 MiB of arguments). */
const PUT_BYTES = 8 * 1024 * 1024;

function checkEntry(entry: StorageBlobEntry, index: number): void {
  const where = `entries[${index}]`;
  if (entry === null || typeof entry !== "object") throw new InvalidInputError(`${where} must be a blob entry`);
  requireKey(entry.hash, `${where}.hash`);
  if (typeof entry.content !== "string") throw new InvalidInputError(`${where}.content must be a string`);
  if (typeof entry.size !== "number") throw new InvalidInputError(`${where}.size must be a number`);
  if (entry.mimeType !== undefined && typeof entry.mimeType !== "string") {
    throw new InvalidInputError(`${where}.mimeType must be a string`);
  }
  if (!(entry.createdAt instanceof Date) || Number.isNaN(entry.createdAt.getTime())) {
    throw new InvalidInputError(`${where}.createdAt must be a valid Date`);
  }
}

/** File contents stored in Convex by hash. */
export class ConvexBlobStore extends BlobStore {
  readonly #ctx: DomainContext;

  /** Creates the domain over the shared transport and clock. */
  constructor(ctx: DomainContext) {
    super();
    this.#ctx = ctx;
  }

  /** Nothing to do: the component's tables exist once it is deployed. */
  async init(): Promise<void> {}

  /** Stores a blob unless its hash is stored already. */
  put(entry: StorageBlobEntry): Promise<void> {
    return this.putMany([entry]);
  }

  /** Stores the blobs whose hash is new (the first of repeated hashes wins), in calls of at most 8 MiB. */
  putMany(entries: StorageBlobEntry[]): Promise<void> {
    return withErrorContext({ operation: "putMany", details: { entries: entries?.length ?? null } }, async () => {
      if (!Array.isArray(entries)) throw new InvalidInputError("entries must be an array");
      entries.forEach(checkEntry);
      const encoded = entries.map((entry) => encodeValue(entry.content));
      // Large contents whose hash is stored are never uploaded again.
      const large = [...new Set(entries.filter((_, i) => utf8Length(encoded[i]) > INLINE_LIMIT).map((e) => e.hash))];
      const stored = new Set(await this.#existing(large));
      let batch: Record<string, unknown>[] = [];
      let bytes = 0;
      let released = false;
      const flush = async () => {
        if (batch.length === 0) return;
        const result = await this.#ctx.transport.mutation<{ released: boolean }>("blobs/store:putMany", {
          entries: batch,
        }, { operation: "putMany", idempotent: true });
        released ||= result.released;
        batch = [];
        bytes = 0;
      };
      for (const [index, entry] of entries.entries()) {
        if (stored.has(entry.hash)) continue;
        const content = await storeLarge(this.#ctx, encoded[index], "putMany");
        const size = utf8Length(content) + utf8Length(entry.hash) + 64;
        if (bytes + size > PUT_BYTES) await flush();
        batch.push({
          hash: entry.hash,
          content,
          size: entry.size,
          ...(entry.mimeType !== undefined ? { mimeType: entry.mimeType } : {}),
          createdAt: entry.createdAt.getTime(),
        });
        bytes += size;
      }
      await flush();
      if (released) await sweepBlobs(this.#ctx, "putMany");
    });
  }

  async #existing(hashes: string[]): Promise<string[]> {
    const found: string[] = [];
    for (let i = 0; i < hashes.length; i += MAX_HASHES) {
      found.push(
        ...await this.#ctx.transport.query<string[]>("blobs/store:existing", {
          hashes: hashes.slice(i, i + MAX_HASHES),
        }, { operation: "putMany" }),
      );
    }
    return found;
  }

  async #entry(row: ContentBlobRow, operation: string): Promise<StorageBlobEntry> {
    const content = decodeValue(await loadLarge(this.#ctx, row.content, operation)) as string;
    return {
      hash: row.hash,
      content,
      size: row.size,
      ...(row.mimeType !== undefined ? { mimeType: row.mimeType } : {}),
      createdAt: new Date(row.createdAt),
    };
  }

  /** One blob, or `null`. */
  get(hash: string): Promise<StorageBlobEntry | null> {
    const details = { hash: typeof hash === "string" ? hash : null };
    return withErrorContext({ operation: "get", details }, async () => {
      const row = await this.#ctx.transport.query<ContentBlobRow | null>("blobs/store:get", {
        hash: requireKey(hash, "hash"),
      }, { operation: "get", details });
      return row ? await this.#entry(row, "get") : null;
    });
  }

  /** Whether a blob with this hash is stored. */
  has(hash: string): Promise<boolean> {
    const details = { hash: typeof hash === "string" ? hash : null };
    return withErrorContext({ operation: "has", details }, async () => {
      return (await this.#existing([requireKey(hash, "hash")])).length > 0;
    });
  }

  /** Deletes a blob; returns whether it existed. */
  delete(hash: string): Promise<boolean> {
    const details = { hash: typeof hash === "string" ? hash : null };
    return withErrorContext({ operation: "delete", details }, async () => {
      const result = await this.#ctx.transport.mutation<{ deleted: boolean; released: boolean }>(
        "blobs/store:remove",
        { hash: requireKey(hash, "hash") },
        { operation: "delete", details },
      );
      if (result.released) await sweepBlobs(this.#ctx, "delete");
      return result.deleted;
    });
  }

  /** The stored blobs among `hashes`, by hash (missing ones omitted), in as few calls as their size allows. */
  getMany(hashes: string[]): Promise<Map<string, StorageBlobEntry>> {
    return withErrorContext({ operation: "getMany" }, async () => {
      if (!Array.isArray(hashes)) throw new InvalidInputError("hashes must be an array");
      const wanted = hashes.map((hash, i) => requireKey(hash, `hashes[${i}]`));
      const result = new Map<string, StorageBlobEntry>();
      for (let i = 0; i < wanted.length; i += MAX_HASHES) {
        let rest = wanted.slice(i, i + MAX_HASHES);
        while (rest.length > 0) {
          const page = await this.#ctx.transport.query<{ rows: ContentBlobRow[]; rest: string[] }>(
            "blobs/store:getMany",
            { hashes: rest },
            { operation: "getMany" },
          );
          for (const row of page.rows) result.set(row.hash, await this.#entry(row, "getMany"));
          rest = page.rest;
        }
      }
      // In the order asked, as core's in-memory store answers.
      return new Map(wanted.filter((hash) => result.has(hash)).map((hash) => [hash, result.get(hash)!]));
    });
  }

  /** Deletes every blob, in bounded calls. */
  dangerouslyClearAll(): Promise<void> {
    return withErrorContext({ operation: "dangerouslyClearAll" }, async () => {
      let released = false;
      for (;;) {
        const step = await this.#ctx.transport.mutation<{ done: boolean; released: boolean }>("blobs/store:clear", {}, {
          operation: "dangerouslyClearAll",
          idempotent: true,
        });
        released ||= step.released;
        if (step.done) break;
      }
      if (released) await sweepBlobs(this.#ctx, "dangerouslyClearAll");
    });
  }
}
