/**
 * `ConvexVector`: a Mastra vector store on Convex's native vector indexes,
 * in the tables of our component (see `convex/vector/`).
 */
import type {
  CreateIndexParams,
  DeleteIndexParams,
  DeleteVectorParams,
  DeleteVectorsParams,
  DescribeIndexParams,
  IndexStats,
  QueryResult,
  QueryVectorParams,
  UpdateVectorParams,
  UpsertVectorParams,
  VectorFilter,
} from "../coreTypes.ts";
import { type ErrorCategory, ErrorDomain, MastraError } from "@mastra/core/error";
import { MastraVector } from "@mastra/core/vector";
import type { ErrorDetails } from "../kit/errors.ts";
import { InvalidInputError, storageError } from "../kit/errors.ts";
import { repeatUntilDone, writeBatches } from "../kit/multiStep.ts";
import { ConvexTransport, type FunctionPath } from "../transport.ts";
import { configError, type ConnectionOptions, type Connector, resolveConnection } from "../kit/connection.ts";
import {
  DEFAULT_FILTER_KEYS,
  MAX_FILTER_KEYS,
  MAX_SEARCH_RESULTS,
  type Metric,
  type SearchStats,
  type UpsertItem,
  type VectorMatch,
  type WalkCursor,
  widthFor,
} from "../../convex/vector/validators.ts";
import {
  checkIndexName,
  checkMetric,
  checkTopK,
  checkUnitLength,
  checkVector,
  checkVectorId,
  encodeFilter,
  encodeMetadata,
} from "./input.ts";

/** Options of {@link ConvexVector}: the connection options, and these. */
export type ConvexVectorOptions = ConnectionOptions & {
  /** Vector store id (default `"convex-vector"`). */
  id?: string;
  /**
   * Metadata keys (up to 3) whose equality filters new indexes push down into
   * Convex's vector search and into index-backed deletes. Default
   * `["resource_id", "thread_id"]`, the keys Mastra's Memory filters on.
   * Fixed per index when it is created.
   */
  filterKeys?: string[];
};

/** `query` parameters: core's, plus `minScore` (results scoring below it are left out). */
export type ConvexQueryVectorParams = QueryVectorParams<VectorFilter> & { minScore?: number };

/**
 * What the last `query` cost (see {@link ConvexVector.lastQueryStats}).
 * `requestedTopK` is set when the caller asked for more than the
 * {@link MAX_SEARCH_RESULTS} results a similarity search answers; `truncated`
 * is then true.
 */
export type ConvexQueryStats = SearchStats & { roundTrips: number; requestedTopK?: number };
/** What a query's search cost (see `convex/vector/validators.ts`). */
export type { SearchStats };

/** Most bytes of vectors and metadata written by one upsert call (Convex writes at most 16 MiB per transaction). */
export const UPSERT_BATCH_BYTES = 6 * 1024 * 1024;
/** Most bytes of arguments of one upsert call (Convex takes at most 16 MiB). */
const UPSERT_BATCH_ARG_BYTES = 10 * 1024 * 1024;
/** Most vectors sent in one upsert call. */
export const UPSERT_BATCH_ITEMS = 1000;
/** Most ids sent in one delete call. */
const DELETE_BATCH_IDS = 1000;

/** Turns a storage-shaped `MastraError` into the vector store's (`ConvexVector.op`, domain MASTRA_VECTOR). */
function asVectorError(error: MastraError): MastraError {
  return new MastraError(
    {
      id: error.id.replace(/^CONVEX_STORAGE_/, "CONVEX_VECTOR_") as Uppercase<string>,
      domain: ErrorDomain.MASTRA_VECTOR,
      category: error.category as ErrorCategory,
      text: error.message.replace(/^ConvexStorage\./, "ConvexVector."),
      details: error.details,
    },
    error.cause,
  );
}

const WHO: Connector = { name: "ConvexVector", errorPrefix: "CONVEX_VECTOR", domain: ErrorDomain.MASTRA_VECTOR };

/**
 * Mastra vector store on Convex's native vector indexes. Pass it to
 * `new Memory({ storage, vector: new ConvexVector(), embedder })` or use it
 * in RAG pipelines.
 *
 * - Any dimension from 2 to 4096 (stored in the narrowest table of width
 *   128, 256, 384, 512, 768, 1024, 1536, 2048, 3072 or 4096, zero-padded).
 * - `cosine` natively; `euclidean` and `dotproduct` exactly for unit-length
 *   vectors (others are refused at write time).
 * - Filters: Mastra's full filter language, applied exactly on the server;
 *   equality on the index's push-down keys runs inside Convex's vector search.
 * - A similarity search answers at most the 256 nearest vectors (Convex's
 *   limit): a larger `topK` gets those 256 (or all, when fewer exist), with
 *   `truncated` and `requestedTopK` in {@link ConvexVector.lastQueryStats}
 *   and one warning per store. A query considers at most the 256 nearest
 *   vectors (within the push-down) and reports `truncated` when fewer than
 *   `topK` of them pass the filter.
 */
export class ConvexVector extends MastraVector<VectorFilter> {
  /** The transport all calls use. */
  readonly transport: ConvexTransport;
  readonly #filterKeys: string[];
  #lastQueryStats: ConvexQueryStats | undefined;
  #warnedTopK = false;

  /** Creates the store; fails with a `MastraError` naming what to set when the URL or key is missing. */
  constructor(options: ConvexVectorOptions = {}) {
    super({ id: options.id ?? "convex-vector" });
    const connection = resolveConnection(options, WHO);
    const filterKeys = options.filterKeys ?? [...DEFAULT_FILTER_KEYS];
    if (filterKeys.length > MAX_FILTER_KEYS || new Set(filterKeys).size !== filterKeys.length) {
      throw configError(WHO, "FILTER_KEYS", `filterKeys takes at most ${MAX_FILTER_KEYS} distinct metadata keys`);
    }
    this.#filterKeys = filterKeys;
    this.transport = new ConvexTransport(connection.client, connection.retry);
  }

  /** Cost of the last `query` call: searches, candidates loaded, round trips, truncation. */
  get lastQueryStats(): ConvexQueryStats | undefined {
    return this.#lastQueryStats;
  }

  async #run<T>(operation: string, details: ErrorDetails, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      const wrapped = error instanceof MastraError ? error : storageError({ operation, details }, error);
      throw wrapped.id.startsWith("CONVEX_STORAGE_") ? asVectorError(wrapped) : wrapped;
    }
  }

  #query<T>(path: FunctionPath, args: Record<string, unknown>, operation: string, details: ErrorDetails): Promise<T> {
    return this.transport.query<T>(path, args, { operation, details });
  }

  #mutation<T>(
    path: FunctionPath,
    args: Record<string, unknown>,
    operation: string,
    details: ErrorDetails,
  ): Promise<T> {
    return this.transport.mutation<T>(path, args, { operation, details, idempotent: true });
  }

  /**
   * Creates an index. Creating an existing index with the same dimension is
   * a no-op (a different metric is logged as a warning, as core does); a
   * different dimension fails.
   */
  override createIndex({ indexName, dimension, metric = "cosine" }: CreateIndexParams): Promise<void> {
    const details = { indexName, dimension, metric };
    return this.#run("createIndex", details, async () => {
      checkIndexName(indexName);
      checkMetric(metric);
      if (typeof dimension !== "number" || widthFor(dimension) === undefined) {
        throw new InvalidInputError(
          `dimension must be an integer from 2 to 4096 (Convex's vector index limits), got ${String(dimension)}`,
        );
      }
      const result = await this.#mutation<{ created: boolean; metric: Metric }>(
        "vector/indexes:create",
        {
          name: indexName,
          dimension,
          metric,
          filterKeys: this.#filterKeys,
        },
        "createIndex",
        details,
      );
      if (!result.created && result.metric !== metric) {
        this.logger?.warn(
          `Attempted to create index with metric "${metric}", but index already exists with metric ` +
            `"${result.metric}". To use a different metric, delete and recreate the index.`,
        );
      }
    });
  }

  /** Names of the indexes (at most 1,000). */
  override listIndexes(): Promise<string[]> {
    return this.#run("listIndexes", {}, () => this.#query<string[]>("vector/indexes:list", {}, "listIndexes", {}));
  }

  /** Dimension, metric and vector count (an exact counter, not a scan) of an index. */
  override describeIndex({ indexName }: DescribeIndexParams): Promise<IndexStats> {
    return this.#run("describeIndex", { indexName }, async () => {
      checkIndexName(indexName);
      return await this.#query<IndexStats>("vector/indexes:describe", { name: indexName }, "describeIndex", {
        indexName,
      });
    });
  }

  /**
   * Deletes an index and its vectors in bounded batches (one mutation each,
   * within Convex's transaction limits). If interrupted, the index stays
   * marked as being deleted and calling again finishes the job.
   */
  override deleteIndex({ indexName }: DeleteIndexParams): Promise<void> {
    return this.#run("deleteIndex", { indexName }, async () => {
      checkIndexName(indexName);
      await repeatUntilDone({ operation: "deleteIndex", details: { indexName } }, () => ({
        state: `index ${indexName} may be partly deleted (hidden already, some of its vectors removed)`,
        remedy: "calling deleteIndex again finishes the deletion",
      }), async () => {
        const { done } = await this.#mutation<{ done: boolean }>(
          "vector/indexes:drop",
          { name: indexName },
          "deleteIndex",
          { indexName },
        );
        return done;
      });
    });
  }

  /**
   * Inserts or replaces vectors (ids generated when not given), in calls
   * split at Convex's transaction limits. Everything is checked before the
   * first call, so bad input writes nothing. Each call is atomic; a batch
   * that fails leaves the earlier ones written (re-running the upsert is safe).
   * With `deleteFilter`, the matching vectors are deleted first, in the same
   * transaction when everything fits one, otherwise in batches before.
   */
  override upsert(params: UpsertVectorParams<VectorFilter>): Promise<string[]> {
    const { indexName, vectors, metadata, ids, deleteFilter, sparseVectors } = params;
    const details: ErrorDetails = { indexName, vectors: Array.isArray(vectors) ? vectors.length : null };
    return this.#run("upsert", details, async () => {
      checkIndexName(indexName);
      if (sparseVectors !== undefined && sparseVectors.length > 0) {
        throw new InvalidInputError("sparse vectors (hybrid search) are not supported by Convex's vector search");
      }
      if (!Array.isArray(vectors) || vectors.length === 0) {
        throw new InvalidInputError("vectors must be a non-empty array");
      }
      if (ids !== undefined && (!Array.isArray(ids) || ids.length !== vectors.length)) {
        throw new InvalidInputError(`ids must have one entry per vector (${vectors.length}), got ${ids?.length}`);
      }
      if (metadata !== undefined && (!Array.isArray(metadata) || metadata.length !== vectors.length)) {
        throw new InvalidInputError(
          `metadata must have one entry per vector (${vectors.length}), got ${metadata?.length}`,
        );
      }
      const items: UpsertItem[] = vectors.map((vector, i) => {
        const given = ids?.[i];
        const id = given ?? crypto.randomUUID();
        const what = `vector ${i} (id ${JSON.stringify(id)})`;
        checkVectorId(id, what);
        checkVector(vector, what);
        if (vector.length !== vectors[0].length) {
          throw new InvalidInputError(`${what} has ${vector.length} dimensions; vector 0 has ${vectors[0].length}`);
        }
        const item: UpsertItem = { id, vector, metadata: encodeMetadata(metadata?.[i], what) };
        if (given === undefined) item.fresh = true; // our own random id: no existing row to look up
        return item;
      });
      const filterText = deleteFilter === undefined ? undefined : encodeFilter(deleteFilter);
      if (deleteFilter !== undefined && filterText === undefined) {
        throw new InvalidInputError("Cannot delete with empty filter (deleteFilter): it would delete every vector");
      }
      const batches = splitBatches(items);
      if (batches.length > 1) {
        // Check against the index before the first call, so a bad vector in a later batch writes nothing.
        const info = await this.#query<IndexStats>("vector/indexes:describe", { name: indexName }, "upsert", details);
        items.forEach((item, i) => {
          const what = `vector ${i} (id ${JSON.stringify(item.id)})`;
          if (item.vector.length !== info.dimension) {
            throw new InvalidInputError(
              `${what} has ${item.vector.length} dimensions; index ${JSON.stringify(indexName)} has ${info.dimension}`,
            );
          }
          checkUnitLength(item.vector, info.metric ?? "cosine", what);
        });
      }
      if (filterText !== undefined) {
        if (batches.length === 1) {
          try {
            await this.#mutation(
              "vector/vectors:upsert",
              { name: indexName, items: batches[0], deleteFilter: filterText },
              "upsert",
              details,
            );
            return items.map((item) => item.id);
          } catch (error) {
            if (!/deleteFilter: the vectors to scan exceed one transaction/.test(String((error as Error).message))) {
              throw error;
            }
          }
        }
        await this.#deleteWhere(indexName, filterText, "upsert", details);
      }
      await writeBatches(
        { operation: "upsert", details },
        batches,
        (batch) => batch.length,
        {
          items: "vectors",
          remedy: "upserting the same vectors (with their ids) again is safe" +
            (ids === undefined ? "; these had generated ids, listed in details.ids only by count" : ""),
        },
        async (batch, index) => {
          await this.#mutation("vector/vectors:upsert", { name: indexName, items: batch }, "upsert", {
            ...details,
            batch: index,
          });
        },
      );
      return items.map((item) => item.id);
    });
  }

  async #deleteWhere(indexName: string, filter: string, operation: string, details: ErrorDetails): Promise<number> {
    let cursor: WalkCursor | undefined;
    let deleted = 0;
    await repeatUntilDone({ operation, details }, () => ({
      state: `some of the vectors matching the filter may be deleted (${deleted} confirmed) and the rest not`,
      remedy: `calling ${operation} again finishes (deleting by the same filter is safe to repeat)`,
    }), async () => {
      const step = await this.#mutation<{ deleted: number; done: boolean; cursor?: WalkCursor }>(
        "vector/vectors:deleteWhere",
        { name: indexName, filter, ...(cursor ? { cursor } : {}) },
        operation,
        details,
      );
      deleted += step.deleted;
      cursor = step.cursor;
      return step.done;
    });
    return deleted;
  }

  /**
   * The `topK` vectors most similar to `queryVector` that match `filter`,
   * best first; `minScore` leaves out weaker ones. A `topK` above 256 gets
   * the nearest 256 (Convex's vector search limit), reported in
   * {@link lastQueryStats}. Without `queryVector`, the first `topK` vectors
   * matching `filter` (score 0).
   * Scores: cosine similarity; dot product; `1 / (1 + distance)` for euclidean.
   */
  override query(params: ConvexQueryVectorParams): Promise<QueryResult[]> {
    const { indexName, queryVector, topK = 10, filter, includeVector = false, minScore } = params;
    const details: ErrorDetails = { indexName, topK };
    return this.#run("query", details, async () => {
      checkIndexName(indexName);
      checkTopK(topK);
      if (minScore !== undefined && (typeof minScore !== "number" || Number.isNaN(minScore))) {
        throw new InvalidInputError(`minScore must be a number, got ${String(minScore)}`);
      }
      if (params.sparseVector !== undefined) {
        throw new InvalidInputError("sparse vectors (hybrid search) are not supported by Convex's vector search");
      }
      const filterText = encodeFilter(filter);
      if (queryVector === undefined || queryVector === null) {
        if (filterText === undefined) throw new InvalidInputError("query needs a queryVector or a filter");
        return await this.#scan(indexName, filterText, topK, includeVector, details);
      }
      checkVector(queryVector, "queryVector");
      const capped = topK > MAX_SEARCH_RESULTS;
      if (capped && !this.#warnedTopK) {
        this.#warnedTopK = true;
        this.logger?.warn(
          `ConvexVector.query on "${indexName}": topK ${topK} is above ${MAX_SEARCH_RESULTS}, the most results ` +
            `Convex's vector search answers; answering with the nearest ${MAX_SEARCH_RESULTS} ` +
            "(lastQueryStats.requestedTopK records the request; this is logged once per store)",
        );
      }
      const { results, stats } = await this.transport.action<{ results: VectorMatch[]; stats: SearchStats }>(
        "vector/search:search",
        {
          name: indexName,
          vector: queryVector,
          topK: Math.min(topK, MAX_SEARCH_RESULTS),
          includeVector,
          ...(filterText !== undefined ? { filter: filterText } : {}),
          ...(minScore !== undefined ? { minScore } : {}),
        },
        { operation: "query", details, idempotent: true },
      );
      this.#lastQueryStats = capped
        ? { ...stats, truncated: true, roundTrips: 1, requestedTopK: topK }
        : { ...stats, roundTrips: 1 };
      if (stats.truncated) {
        this.logger?.warn(
          `ConvexVector.query on "${indexName}": only ${results.length} of topK ${topK} results passed the filter ` +
            "among the 256 nearest vectors (Convex's vector search limit); push the selective part of the filter " +
            "down (an equality on one of the index's filterKeys) to search within it",
        );
      }
      return results.map(toResult);
    });
  }

  async #scan(indexName: string, filter: string, topK: number, includeVector: boolean, details: ErrorDetails) {
    const results: QueryResult[] = [];
    let cursor: WalkCursor | undefined;
    let roundTrips = 0;
    let candidates = 0;
    for (;;) {
      const step = await this.#query<{ matches: VectorMatch[]; scanned: number; done: boolean; cursor?: WalkCursor }>(
        "vector/vectors:scan",
        { name: indexName, filter, limit: topK - results.length, includeVector, ...(cursor ? { cursor } : {}) },
        "query",
        details,
      );
      roundTrips++;
      candidates += step.scanned;
      results.push(...step.matches.map(toResult));
      if (step.done || results.length >= topK) break;
      cursor = step.cursor;
    }
    this.#lastQueryStats = { searches: 0, candidates, truncated: false, pushdown: "scan", roundTrips };
    return results.slice(0, topK);
  }

  /** Replaces the vector and/or metadata of one vector (by `id`) or of every vector matching `filter`. */
  override updateVector(params: UpdateVectorParams<VectorFilter>): Promise<void> {
    const { indexName, id, filter, update } = params as {
      indexName: string;
      id?: string;
      filter?: VectorFilter;
      update?: { vector?: number[]; metadata?: Record<string, unknown> };
    };
    const details: ErrorDetails = { indexName, id: id ?? null };
    return this.#run("updateVector", details, async () => {
      checkIndexName(indexName);
      if (id !== undefined && filter !== undefined) {
        throw new InvalidInputError("id and filter are mutually exclusive: updateVector takes exactly one of them");
      }
      if (id === undefined && filter === undefined) {
        throw new InvalidInputError("Either id or filter must be provided");
      }
      if (!update || (update.vector === undefined && update.metadata === undefined)) {
        throw new InvalidInputError("updateVector needs `update.vector` and/or `update.metadata`");
      }
      if (update.vector !== undefined) checkVector(update.vector, "update.vector");
      const changes = {
        ...(update.vector !== undefined ? { vector: update.vector } : {}),
        ...(update.metadata !== undefined ? { metadata: encodeMetadata(update.metadata, "update") } : {}),
      };
      if (id !== undefined) {
        checkVectorId(id, "id");
        await this.#mutation("vector/vectors:updateById", { name: indexName, id, ...changes }, "updateVector", details);
        return;
      }
      const filterText = encodeFilter(filter);
      if (filterText === undefined) {
        throw new InvalidInputError("Cannot update with empty filter: it would update every vector");
      }
      let cursor: WalkCursor | undefined;
      await repeatUntilDone({ operation: "updateVector", details }, () => ({
        state: "some of the vectors matching the filter may be updated and the rest not",
        remedy: "calling updateVector again with the same filter and update finishes",
      }), async () => {
        const step = await this.#mutation<{ done: boolean; cursor?: WalkCursor }>(
          "vector/vectors:updateWhere",
          { name: indexName, filter: filterText, ...changes, ...(cursor ? { cursor } : {}) },
          "updateVector",
          details,
        );
        cursor = step.cursor;
        return step.done;
      });
    });
  }

  /** Deletes one vector by id (a missing id is not an error). */
  override deleteVector({ indexName, id }: DeleteVectorParams): Promise<void> {
    return this.#run("deleteVector", { indexName, id }, async () => {
      checkIndexName(indexName);
      checkVectorId(id, "id");
      await this.#mutation("vector/vectors:deleteByIds", { name: indexName, ids: [id] }, "deleteVector", {
        indexName,
        id,
      });
    });
  }

  /** Deletes vectors by ids, or every vector matching a (non-empty) filter, in bounded batches. */
  override deleteVectors({ indexName, ids, filter }: DeleteVectorsParams<VectorFilter>): Promise<void> {
    const details: ErrorDetails = { indexName, ids: ids?.length ?? null };
    return this.#run("deleteVectors", details, async () => {
      checkIndexName(indexName);
      if (ids !== undefined && filter !== undefined) {
        throw new InvalidInputError("ids and filter are mutually exclusive: deleteVectors takes exactly one of them");
      }
      if (ids === undefined && filter === undefined) {
        throw new InvalidInputError("Either filter or ids must be provided");
      }
      if (ids !== undefined) {
        if (!Array.isArray(ids)) throw new InvalidInputError("ids must be an array of non-empty strings");
        ids.forEach((id, i) => checkVectorId(id, `ids[${i}]`));
        if (ids.length === 0) throw new InvalidInputError("Cannot delete with empty ids array");
        const batches: string[][] = [];
        for (let start = 0; start < ids.length; start += DELETE_BATCH_IDS) {
          batches.push(ids.slice(start, start + DELETE_BATCH_IDS));
        }
        await writeBatches(
          { operation: "deleteVectors", details },
          batches,
          (batch) => batch.length,
          { items: "ids", remedy: "deleting the same ids again is safe (missing ids are skipped)" },
          async (batch) => {
            await this.#mutation(
              "vector/vectors:deleteByIds",
              { name: indexName, ids: batch },
              "deleteVectors",
              details,
            );
          },
        );
        return;
      }
      const filterText = encodeFilter(filter);
      if (filterText === undefined) {
        throw new InvalidInputError("Cannot delete with empty filter: use deleteIndex to delete every vector");
      }
      await this.#deleteWhere(indexName, filterText, "deleteVectors", details);
    });
  }
}

function toResult(match: VectorMatch): QueryResult {
  const result: QueryResult = { id: match.id, score: match.score, metadata: JSON.parse(match.metadata) };
  if (match.vector !== undefined) result.vector = match.vector;
  return result;
}

/** Splits items into calls of at most {@link UPSERT_BATCH_ITEMS} vectors and about {@link UPSERT_BATCH_BYTES} bytes. */
function splitBatches(items: UpsertItem[]): UpsertItem[][] {
  const batches: UpsertItem[][] = [];
  let current: UpsertItem[] = [];
  let bytes = 0;
  let argBytes = 0;
  for (const item of items) {
    const width = widthFor(item.vector.length) ?? item.vector.length;
    const extra = item.metadata.length + item.id.length + 200;
    const size = width * 8 + extra;
    const argSize = item.vector.length * 24 + extra;
    if (
      current.length > 0 &&
      (current.length >= UPSERT_BATCH_ITEMS || bytes + size > UPSERT_BATCH_BYTES ||
        argBytes + argSize > UPSERT_BATCH_ARG_BYTES)
    ) {
      batches.push(current);
      current = [];
      bytes = 0;
      argBytes = 0;
    }
    current.push(item);
    bytes += size;
    argBytes += argSize;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
