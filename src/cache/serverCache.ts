/**
 * `ConvexServerCache`: Mastra's server cache (`MastraServerCache` of
 * `@mastra/core/cache`) on Convex, shared by every Mastra server that
 * points at the same deployment. Core uses it for resumable streams
 * (`CachingPubSub`: every stream event is `listPushIndexed` onto a topic's
 * list and replayed with `listFromTo`).
 *
 * Semantics are those of core's `InMemoryServerCache` (one keyspace where
 * a key holds a value, a counter or a list; the same default TTL of five
 * minutes, 0 disabling it; `listPush` refreshing a list's TTL), with these
 * differences, all deliberate:
 *
 * - nothing is evicted for size (the in-memory cache drops entries beyond
 *   `maxSize`; a deployment holds what it is given until it expires);
 * - expiry is judged by the deployment's clock, and expired rows are
 *   deleted by the deployment's own scheduled functions;
 * - values are copies (encoded by the codec), never shared references;
 * - `set(key, undefined)` deletes the key;
 * - `set(key, array)` stores the array as a list of at most 4,000 items
 *   and 8 MiB in one call (longer lists are built with `listPush`, which
 *   has no length limit); values and items over 256 KiB are stored in
 *   chunks and read back whole;
 * - `listFromTo` takes integer bounds only; `listPushIndexed` takes an
 *   object only, and is one atomic mutation (one round trip).
 *
 * ```ts
 * import { ConvexServerCache } from "@mastra/convex";
 * const mastra = new Mastra({ storage, cache: new ConvexServerCache() }); // CONVEX_URL + key from the environment
 * ```
 */
import { MastraServerCache } from "@mastra/core/cache";
import { ErrorDomain } from "@mastra/core/error";
import {
  type GetResult,
  type ListPage,
  MAX_SET_CHARS,
  MAX_SET_ITEMS,
  type MoreResult,
  type WireItem,
} from "../../convex/cache/validators.ts";
import { decodeValue, encodeValue } from "../kit/codec.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { repeatUntilDone } from "../kit/multiStep.ts";
import { loadLarge, mapLimited, storeLarge } from "../kit/largeValues.ts";
import { requireKey } from "../kit/validate.ts";
import { ConvexTransport } from "../transport.ts";
import { configError, type ConnectionOptions, type Connector, resolveConnection } from "../kit/connection.ts";

/** Options of {@link ConvexServerCache}: the connection options, and these. */
export type ConvexServerCacheOptions = ConnectionOptions & {
  /**
   * Default TTL in milliseconds of entries written without one (default
   * 300,000, as core's in-memory cache); 0 disables expiry.
   */
  ttlMs?: number;
  /** Name of the cache (default `"ConvexServerCache"`). */
  name?: string;
};

/** Default TTL, as core's in-memory cache. */
export const DEFAULT_CACHE_TTL_MS = 5 * 60 * 1000;

const WHO: Connector = { name: "ConvexServerCache", errorPrefix: "CONVEX_SERVER_CACHE", domain: ErrorDomain.STORAGE };

/** Large items downloaded at the same time by one list read. */
const LARGE_PARALLEL = 4;
/** Restarts of a list read whose list was replaced while it was read. */
const STALE_RESTARTS = 3;

function requireTtl(value: unknown): number {
  if (typeof value !== "number" || Number.isNaN(value)) {
    throw new InvalidInputError(`ttlMs must be a number of milliseconds, got ${typeof value}`);
  }
  return value;
}

function requireIndex(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value)) {
    throw new InvalidInputError(`${name} must be an integer, got ${typeof value === "number" ? value : typeof value}`);
  }
  return value;
}

/** Mastra's server cache on Convex: one cache shared by every server using the deployment. */
export class ConvexServerCache extends MastraServerCache {
  /** The transport calls go through; exposed for advanced use and tests. */
  readonly transport: ConvexTransport;
  readonly #ctx: DomainContext;
  readonly #ttlMs: number;

  /** Creates the cache; fails with a `MastraError` naming what to set when the URL or key is missing. */
  constructor(options: ConvexServerCacheOptions = {}) {
    super({ name: options.name ?? "ConvexServerCache" });
    const connection = resolveConnection(options, WHO);
    const ttlMs = options.ttlMs ?? DEFAULT_CACHE_TTL_MS;
    if (typeof ttlMs !== "number" || Number.isNaN(ttlMs)) {
      throw configError(
        WHO,
        "BAD_TTL",
        `ConvexServerCache's ttlMs must be a number of milliseconds, got ${typeof ttlMs}`,
      );
    }
    this.#ttlMs = ttlMs;
    this.transport = new ConvexTransport(connection.client, connection.retry);
    this.#ctx = { transport: this.transport, now: Date.now };
  }

  /** The value at `key` (a list comes back as an array), or `undefined` when missing or expired. */
  override get(key: string): Promise<unknown> {
    return this.#run("get", key, (k) => this.#get(k, 1));
  }

  async #get(key: string, attempt: number): Promise<unknown> {
    const result = await this.#ctx.transport.query<GetResult>("cache/entries:get", { key }, this.#opts("get", key));
    if (result.kind === "missing") return undefined;
    if (result.kind === "value") return decodeValue(await loadLarge(this.#ctx, result.value, "get"));
    const items = await this.#readList("get", key, result);
    if (items !== null) return items;
    this.#checkAttempt(key, attempt);
    return await this.#get(key, attempt + 1);
  }

  /** Stores `value` at `key` for `ttlMs` (default: the cache's TTL; 0 or less: no expiry). */
  override set(key: string, value: unknown, ttlMs?: number): Promise<void> {
    return this.#run("set", key, async (k) => {
      const ttl = ttlMs === undefined ? this.#ttlMs : requireTtl(ttlMs);
      if (value === undefined) {
        await this.#remove("set", k);
        return;
      }
      const args: Record<string, unknown> = { key: k, ttlMs: ttl };
      if (Array.isArray(value)) {
        if (value.length > MAX_SET_ITEMS) {
          throw new InvalidInputError(
            `an array of ${value.length} items is too long to store at once (at most ${MAX_SET_ITEMS}); ` +
              "build it with listPush",
          );
        }
        const encoded = value.map((item) => encodeValue(item));
        const items: WireItem[] = await mapLimited(encoded, LARGE_PARALLEL, async (text) => ({
          value: await storeLarge(this.#ctx, text, "set"),
        }));
        const chars = items.reduce((sum, item) => sum + item.value.length, 0);
        if (chars > MAX_SET_CHARS) {
          throw new InvalidInputError(
            `an array of ${chars} encoded characters is too large to store at once (at most ${MAX_SET_CHARS}); ` +
              "build it with listPush",
          );
        }
        args.items = items;
      } else {
        args.value = await storeLarge(this.#ctx, encodeValue(value), "set");
      }
      await this.#ctx.transport.mutation("cache/entries:set", args, { ...this.#opts("set", k), idempotent: true });
    });
  }

  /** Number of items of the list at `key` (0 when missing); fails when the key holds a value. */
  override listLength(key: string): Promise<number> {
    return this.#run(
      "listLength",
      key,
      (k) => this.#ctx.transport.query<number>("cache/entries:length", { key: k }, this.#opts("listLength", k)),
    );
  }

  /** Appends `value` to the list at `key` (created when missing); refreshes the list's TTL. */
  override listPush(key: string, value: unknown): Promise<void> {
    return this.#run("listPush", key, async (k) => {
      const stored = await storeLarge(this.#ctx, encodeValue(value), "listPush");
      await this.#ctx.transport.mutation("cache/entries:push", { key: k, value: stored, ttlMs: this.#ttlMs }, {
        ...this.#opts("listPush", k),
      });
    });
  }

  /**
   * Items `from` to `to` inclusive of the list at `key` (`to` -1, the
   * default, means the end; negative bounds count from the end, like
   * `Array.prototype.slice`); `[]` when missing or not a list. Read in
   * bounded pages, so a list of any length can be read.
   */
  override listFromTo(key: string, from: number, to: number = -1): Promise<unknown[]> {
    return this.#run("listFromTo", key, async (k) => {
      const start = requireIndex(from, "from");
      const last = requireIndex(to, "to");
      for (let attempt = 1;; attempt++) {
        const page = await this.#ctx.transport.query<ListPage | null>("cache/entries:range", {
          key: k,
          from: start,
          to: last,
        }, this.#opts("listFromTo", k));
        if (page === null) return [];
        const items = await this.#readList("listFromTo", k, page);
        if (items !== null) return items;
        this.#checkAttempt(k, attempt);
      }
    });
  }

  /** Deletes the entry at `key`. */
  override delete(key: string): Promise<void> {
    return this.#run("delete", key, (k) => this.#remove("delete", k));
  }

  /** Deletes every entry (bounded calls; list items are reclaimed by the deployment afterwards). */
  override clear(): Promise<void> {
    return withErrorContext({ operation: "clear" }, async () => {
      await repeatUntilDone({ operation: "clear" }, () => ({
        state: "some entries of the cache may be deleted and the rest not",
        remedy: "calling clear again finishes",
      }), async () => {
        const { done } = await this.#ctx.transport.mutation<{ done: boolean }>("cache/entries:clear", {}, {
          operation: "clear",
          idempotent: true,
        });
        return done;
      });
    });
  }

  /** Atomically adds one to the counter at `key` and returns the new value (1 for a missing key). */
  override increment(key: string): Promise<number> {
    return this.#run(
      "increment",
      key,
      (k) =>
        this.#ctx.transport.mutation<number>("cache/entries:increment", { key: k, ttlMs: this.#ttlMs }, {
          ...this.#opts("increment", k),
        }),
    );
  }

  /**
   * In one atomic mutation: allocates the next 0-based index from the
   * counter at `counterKey` and appends `{ ...value, index }` to the list at
   * `listKey`. Returns the index.
   */
  override listPushIndexed(listKey: string, counterKey: string, value: Record<string, unknown>): Promise<number> {
    const details = {
      listKey: typeof listKey === "string" ? listKey.slice(0, 200) : null,
      counterKey: typeof counterKey === "string" ? counterKey.slice(0, 200) : null,
    };
    return withErrorContext({ operation: "listPushIndexed", details }, async () => {
      const list = requireKey(listKey, "listKey");
      const counter = requireKey(counterKey, "counterKey");
      if (typeof value !== "object" || value === null || Array.isArray(value)) {
        throw new InvalidInputError(
          `value must be an object, got ${value === null ? "null" : Array.isArray(value) ? "an array" : typeof value}`,
        );
      }
      const stored = await storeLarge(this.#ctx, encodeValue({ ...value }), "listPushIndexed");
      return await this.#ctx.transport.mutation<number>("cache/entries:pushIndexed", {
        listKey: list,
        counterKey: counter,
        value: stored,
        ttlMs: this.#ttlMs,
      }, { operation: "listPushIndexed", details });
    });
  }

  #opts(operation: string, key: string) {
    return { operation, details: { key: key.slice(0, 200) } };
  }

  #run<T>(operation: string, key: unknown, fn: (key: string) => Promise<T>): Promise<T> {
    const details = { key: typeof key === "string" ? key.slice(0, 200) : null };
    return withErrorContext({ operation, details }, () => fn(requireKey(key, "key")));
  }

  async #remove(operation: string, key: string): Promise<void> {
    await this.#ctx.transport.mutation("cache/entries:remove", { key }, {
      ...this.#opts(operation, key),
      idempotent: true,
    });
  }

  /** Decodes one page's items (assembling large ones). */
  async #decodeItems(operation: string, items: WireItem[]): Promise<unknown[]> {
    return await mapLimited(items, LARGE_PARALLEL, async (item) => {
      const decoded = decodeValue(await loadLarge(this.#ctx, item.value, operation));
      return item.indexed === undefined ? decoded : { ...(decoded as Record<string, unknown>), index: item.indexed };
    });
  }

  #checkAttempt(key: string, attempt: number): void {
    if (attempt >= STALE_RESTARTS) {
      throw new InvalidInputError(`the list at ${JSON.stringify(key.slice(0, 200))} kept being replaced while read`);
    }
  }

  /** Reads the rest of a list from its first page; `null` when the list was replaced meanwhile (read again). */
  async #readList(operation: string, key: string, first: ListPage): Promise<unknown[] | null> {
    const out = await this.#decodeItems(operation, first.items);
    let page: ListPage = first;
    while (page.next !== null) {
      const more: MoreResult = await this.#ctx.transport.query("cache/entries:rangeMore", {
        key,
        gen: page.gen,
        from: page.next,
        end: page.end,
      }, this.#opts(operation, key));
      if ("stale" in more) return null;
      out.push(...(await this.#decodeItems(operation, more.items)));
      page = more;
    }
    return out;
  }
}
