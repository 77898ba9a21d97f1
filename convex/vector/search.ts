/**
 * Similarity search: an action (Convex runs `ctx.vectorSearch` only in
 * actions) that searches the index's table, loads the candidates with a
 * query, applies the filter exactly, and widens the search while fewer than
 * `topK` candidates pass, up to Convex's 256 results per search.
 */
import { makeFunctionReference } from "convex/server";
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalAction } from "../kit/functions.js";
import { type Filter, findPushdown, type Pushdown } from "./filter.js";
import { pad, parseFilterArg } from "./store.js";
import {
  MAX_SEARCH_RESULTS,
  type SearchStats,
  SLOT_FIELDS,
  type VectorIndexRow,
  type VectorMatch,
  vectorTableName,
  type VectorWidth,
} from "./validators.js";

const indexInfo = makeFunctionReference<"query", { name: string }, VectorIndexRow | null>("vector/indexes:info");
const loadCandidates = makeFunctionReference<
  "query",
  { name: string; ids: string[]; filter?: string; withVector: boolean },
  { position: number; row: VectorMatch }[]
>("vector/vectors:loadCandidates");

/** Candidates loaded per query call (each up to 32 KiB of vector plus its metadata). */
export const LOAD_CHUNK = 64;

/** Fewest candidates fetched when a filter must be applied after the search. */
export const MIN_FILTERED_CANDIDATES = 32;

/** True when the whole filter is the pushed-down equality (only array-valued rows can still fail it). */
function fullyPushedDown(filter: Filter | undefined, pushdown: Pushdown | undefined, keys: readonly string[]): boolean {
  if (!filter) return true;
  if (!pushdown) return false;
  const entries = Object.entries(filter);
  if (entries.length !== 1 || entries[0][0] !== keys[pushdown.slot]) return false;
  const condition = entries[0][1];
  if (typeof condition !== "object" || condition === null) return true;
  if (Array.isArray(condition)) return false;
  return Object.keys(condition).every((op) => op === "$eq" || op === "$in");
}

function dot(a: number[], b: number[]): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

/** The score of `stored` for `query` under `metric` (cosine scores come from the search itself). */
export function metricScore(metric: string, query: number[], stored: number[]): number {
  if (metric === "dotproduct") return dot(query, stored);
  let squared = 0;
  for (let i = 0; i < query.length; i++) squared += (query[i] - stored[i]) ** 2;
  return 1 / (1 + Math.sqrt(squared));
}

/**
 * The `topK` vectors of an index most similar to `vector` that match
 * `filter` (JSON text), best first, with `minScore` applied.
 */
export const search = internalAction({
  args: {
    name: v.string(),
    vector: v.array(v.float64()),
    topK: v.number(),
    filter: v.optional(v.string()),
    includeVector: v.boolean(),
    minScore: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<{ results: VectorMatch[]; stats: SearchStats }> => {
    const { name, vector, topK, includeVector, minScore } = args;
    if (!Number.isInteger(topK) || topK < 1 || topK > MAX_SEARCH_RESULTS) {
      throw storageError("INVALID", `topK must be an integer from 1 to ${MAX_SEARCH_RESULTS}, got ${topK}`);
    }
    const info = await ctx.runQuery(indexInfo, { name });
    if (!info || info.deleting) throw storageError("NOT_FOUND", `vector index ${JSON.stringify(name)} does not exist`);
    if (vector.length !== info.dimension) {
      throw storageError(
        "INVALID",
        `the query vector has ${vector.length} dimensions; index ${JSON.stringify(name)} has ${info.dimension}`,
      );
    }
    if (!vector.every(Number.isFinite)) throw storageError("INVALID", "the query vector has non-finite components");
    if (vector.every((x) => x === 0)) throw storageError("INVALID", "the query vector is all zeros");
    const filter = parseFilterArg(args.filter);
    const filterText = filter ? JSON.stringify(filter) : undefined;
    const pushdown = findPushdown(name, filter, info.filterKeys);
    const padded = pad(vector, info.width);
    const table = vectorTableName(info.width as VectorWidth);
    const rescore = info.metric !== "cosine";

    const stats: SearchStats = {
      searches: 0,
      candidates: 0,
      truncated: false,
      pushdown: pushdown ? SLOT_FIELDS[pushdown.slot] : "index",
    };
    const seen = new Set<string>();
    const passed: VectorMatch[] = [];
    let limit = fullyPushedDown(filter, pushdown, info.filterKeys)
      ? topK
      : Math.min(MAX_SEARCH_RESULTS, Math.max(2 * topK, MIN_FILTERED_CANDIDATES));
    for (;;) {
      const hits = await ctx.vectorSearch(table, "by_vector", {
        vector: padded,
        limit,
        // deno-lint-ignore no-explicit-any
        filter: (q: any) =>
          pushdown
            ? q.or(...pushdown.values.map((value) => q.eq(SLOT_FIELDS[pushdown.slot], value)))
            : q.eq("index", name),
      });
      stats.searches++;
      const fresh = hits.filter((hit) => !seen.has(hit._id));
      for (let start = 0; start < fresh.length; start += LOAD_CHUNK) {
        const chunk = fresh.slice(start, start + LOAD_CHUNK);
        const loaded = await ctx.runQuery(loadCandidates, {
          name,
          ids: chunk.map((hit) => hit._id),
          filter: filterText,
          withVector: includeVector || rescore,
        });
        stats.candidates += chunk.length;
        for (const { position, row } of loaded) {
          const score = rescore ? metricScore(info.metric, vector, row.vector!) : chunk[position]._score;
          if (!includeVector) delete row.vector;
          passed.push({ ...row, score });
        }
      }
      for (const hit of fresh) seen.add(hit._id);
      if (passed.length >= topK || hits.length < limit) break;
      if (!rescore && minScore !== undefined && hits[hits.length - 1]._score < minScore) break;
      if (limit >= MAX_SEARCH_RESULTS) {
        stats.truncated = true;
        break;
      }
      limit = Math.min(MAX_SEARCH_RESULTS, limit * 4);
    }
    passed.sort((a, b) => b.score - a.score);
    const results = passed.filter((row) => minScore === undefined || row.score >= minScore).slice(0, topK);
    return { results, stats };
  },
});
