/**
 * The trace-query discovery dictionary (Mastra Studio's filter bar: core's
 * `getTraceQueryObservedFields` / `getTraceQueryValues` over the trace scope),
 * maintained by the span write path in the same mutation as the trace rows.
 *
 * What it answers exactly: for a time range `[from, to)` on the trace's
 * `startedAt`, a tenant scope (none, one organization, or one organization and
 * resource) and a *slot* — `f` (root metadata keys holding a non-empty string,
 * core's observed fields) or `v:<path>` (the values of a trace field with value
 * suggestions: `entityName`, `entityType`, `environment`, `status`, `tags`,
 * `metadata.<key>`) — the number of eligible traces (listed, root ended, in scope)
 * having each key or value.
 *
 * How:
 * - `obs_trace_dictionary` holds one row per `(level, slot, value)` ever seen, written once
 *   when first seen (never a document every writer touches). The *level* is the tenant
 *   scope the row answers: `*` (every trace), `o:[org]`, `r:[org,resource]`; a trace is
 *   entered at each level it belongs to, so a scoped read only ever sees its tenant's rows.
 * - Per entry, a rank tree (`kit/rankTree.ts`) of the eligible traces having it, keyed by
 *   `(startedAt, traceId)`, split into {@link DICTIONARY_SHARDS} trees by trace id so that
 *   concurrent writers of a popular value (status `success`) rarely touch the same node. The
 *   count of an entry in `[from, to)` is two order-statistic descents per shard tree:
 *   O(log N) reads, exact for any range. Deletes and root changes move the trace's keys
 *   out of (or between) the trees in the same mutation, so counts stay exact; a row of the
 *   dictionary whose count fell to 0 stays (observed once) and is skipped by the reads.
 * - One more sharded tree holds every *listed* trace: its total, compared with the listed
 *   counter, tells whether the dictionary accounts for every trace (rows written before it
 *   existed are not in it until {@link rebuild}); until then the reads are not used and the
 *   bounded walk of `traceQuery.ts` (`discover`) answers instead. Its count in the range is
 *   the walk's cost, which {@link plan} compares with the dictionary's.
 *
 * Trees are named under the domain's counter prefix (`observability:`), so clearing the
 * domain clears them.
 */
import { fnv1a } from "../../kit/hash.js";
import { v } from "convex/values";
import { decodeOptional } from "../../kit/codec.js";
import { readShardedCounter } from "../../kit/counters.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../../kit/functions.js";
import { countWhere, RankBatch, type TreeEntry, treeTotal } from "../../kit/rankTree.js";
import { observabilityCounters } from "../counterNames.js";
import { NOT_ENDED, type TraceRow } from "./validators.js";
import { metadataKeyOk } from "../traceQuery/traceQueryEval.js";

/** Shard trees per dictionary entry (and of the listed-traces tree). */
export const DICTIONARY_SHARDS = 8;
/** Bytes of a value (or metadata value of an observed field) at most; longer ones are never suggested by core. */
const MAX_VALUE_BYTES = 4096;
/** Documents one {@link counts} call reads at most. */
const COUNT_DOCS = 3000;
/** Dictionary rows {@link plan} reads at most when sizing the dictionary's cost. */
const PLAN_ENTRIES = 2000;
/** Documents one entry's count reads at most: two descents of depth 3 per shard. */
export const ENTRY_COST = DICTIONARY_SHARDS * 6;
/** Rows of `ai_traces` one {@link rebuild} call reads. */
const REBUILD_BATCH = 250;

const TREE_PREFIX = "observability:tq:";
const LISTED = `${TREE_PREFIX}listed`;

/** Validator of the tenant scope (core's `TraceQueryTenantScope`). */
const scopeValidator = v.object({ organizationId: v.string(), resourceId: v.optional(v.string()) });

/** One dictionary key of a trace: at a tenant level, in a slot, a value. */
type Key = { level: string; slot: string; value: string };

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}

function shardOf(id: string): number {
  return fnv1a(id) % DICTIONARY_SHARDS;
}

function entryTree(key: Key, shard: number): string {
  return `${TREE_PREFIX}${JSON.stringify([key.level, key.slot, key.value])}#${shard}`;
}

/** The dictionary level of a tenant scope (`*` without one). */
export function scopeLevel(scope: { organizationId: string; resourceId?: string } | undefined): string {
  if (!scope) return "*";
  return scope.resourceId === undefined
    ? `o:${JSON.stringify([scope.organizationId])}`
    : `r:${JSON.stringify([scope.organizationId, scope.resourceId])}`;
}

/** The dictionary keys of a trace row: none unless it is eligible (listed, root ended). */
function traceKeys(row: TraceRow | null): Key[] {
  if (!row?.listed || typeof row.startedAt !== "number") return [];
  if (row.endedSort === undefined || row.endedSort >= NOT_ENDED) return [];
  const slots: [string, string][] = [];
  for (const field of ["entityName", "entityType", "environment"]) {
    const value = (row as Record<string, unknown>)[field];
    if (typeof value === "string") slots.push([`v:${field}`, value]);
  }
  slots.push(["v:status", row.status === "error" ? "error" : "success"]);
  const tags = decodeOptional(row.tags);
  if (Array.isArray(tags)) {
    for (const tag of new Set(tags)) if (typeof tag === "string") slots.push(["v:tags", tag]);
  }
  const metadata = decodeOptional(row.metadata);
  if (metadata !== null && typeof metadata === "object" && !Array.isArray(metadata)) {
    for (const [key, raw] of Object.entries(metadata as Record<string, unknown>)) {
      if (typeof raw !== "string" || !metadataKeyOk(key)) continue;
      const trimmed = raw.trim();
      if (trimmed === "") continue;
      if (utf8Length(raw) <= MAX_VALUE_BYTES) slots.push(["f", `metadata.${key}`]);
      if (utf8Length(trimmed) <= MAX_VALUE_BYTES) slots.push([`v:metadata.${key}`, trimmed]);
    }
  }
  const levels = ["*"];
  const org = row.organizationId;
  if (typeof org === "string") {
    levels.push(scopeLevel({ organizationId: org }));
    if (typeof row.resourceId === "string") {
      levels.push(scopeLevel({ organizationId: org, resourceId: row.resourceId }));
    }
  }
  return levels.flatMap((level) => slots.map(([slot, value]) => ({ level, slot, value })));
}

/** The rank-tree entries of a trace row (its dictionary keys and, when listed, the listed-traces tree). */
function treeEntries(row: TraceRow | null, keys: Key[]): TreeEntry[] {
  if (!row) return [];
  const shard = shardOf(row.id);
  const entries = keys.map((key) => ({ tree: entryTree(key, shard), key: { value: row.startedAt!, id: row.id } }));
  if (row.listed && typeof row.startedAt === "number") {
    entries.push({ tree: `${LISTED}#${shard}`, key: { value: row.startedAt, id: row.id } });
  }
  return entries;
}

/**
 * The dictionary rows and rank-tree entries of one trace row as the write path enters
 * them (for bulk loads that build the trees directly, e.g. the bench's seeding).
 */
export function traceDictionaryEntries(row: TraceRow): { rows: Key[]; trees: TreeEntry[] } {
  const keys = traceKeys(row);
  return { rows: keys, trees: treeEntries(row, keys) };
}

/**
 * The dictionary changes of one mutation: trace rows going from `before` to `after`
 * (`null`: absent), applied once at the end (tree nodes touched at most once; dictionary
 * rows looked up once per new key and inserted when missing).
 */
export class TraceDictionaryBatch {
  readonly #ranks = new RankBatch();
  readonly #fresh = new Map<string, Key>();

  /** Records that a trace row changed from `before` to `after`. */
  change(before: TraceRow | null, after: TraceRow | null): void {
    const was = traceKeys(before);
    const is = traceKeys(after);
    this.#ranks.change(treeEntries(before, was), treeEntries(after, is));
    const old = new Set(was.map((key) => JSON.stringify([key.level, key.slot, key.value])));
    for (const key of is) {
      const id = JSON.stringify([key.level, key.slot, key.value]);
      if (!old.has(id)) this.#fresh.set(id, key);
    }
  }

  /** Applies the recorded changes (tree changes pending, as `RankBatch.apply`; `now`: into the nodes, for bulk loads). */
  async apply(ctx: MutationCtx, now = false): Promise<void> {
    for (const { level, slot, value } of this.#fresh.values()) {
      const found = await ctx.db.query("obs_trace_dictionary").withIndex(
        "by_entry",
        (q) => q.eq("level", level).eq("slot", slot).eq("value", value),
      ).first();
      if (!found) await ctx.db.insert("obs_trace_dictionary", { level, slot, value });
    }
    this.#fresh.clear();
    if (now) await this.#ranks.applyNow(ctx);
    else await this.#ranks.apply(ctx);
  }
}

/** Applies the dictionary change of one trace row (for writers outside a span batch, e.g. deletes). */
export async function changeTraceDictionary(
  ctx: MutationCtx,
  before: TraceRow | null,
  after: TraceRow | null,
): Promise<void> {
  const batch = new TraceDictionaryBatch();
  batch.change(before, after);
  await batch.apply(ctx);
}

/** Keys of `tree` with `startedAt` in `[from, to)`; reads two descents. */
async function countRange(ctx: QueryCtx, tree: string, from: number, to: number): Promise<number> {
  const below = await countWhere(ctx, tree, (key) => (key.value as number) < to);
  if (below === 0) return 0;
  return below - await countWhere(ctx, tree, (key) => (key.value as number) < from);
}

async function countAcross(ctx: QueryCtx, tree: (shard: number) => string, from: number, to: number) {
  let total = 0;
  for (let shard = 0; shard < DICTIONARY_SHARDS; shard++) total += await countRange(ctx, tree(shard), from, to);
  return total;
}

function matches(value: string, search: string | undefined): boolean {
  return search === undefined || value.toLowerCase().includes(search.toLowerCase());
}

/** Answer of {@link plan}. */
export type DictionaryPlan = {
  /** The dictionary accounts for every listed trace. */
  complete: boolean;
  /** Listed traces started in the range (what a walk would read, at least). */
  listedInRange: number;
  /** Dictionary rows of the level and slot matching the search (`null`: more than the plan reads). */
  candidates: number | null;
  /** Whether the dictionary is complete and cheaper than the walk. */
  use: boolean;
};

/**
 * Decides between the dictionary and the walk for one discovery request: reads the
 * listed-traces tree and counter (completeness; the walk's cost) and the dictionary rows
 * of the level and slot (the dictionary's cost: {@link ENTRY_COST} per candidate).
 */
export const plan = internalQuery({
  args: {
    from: v.number(),
    to: v.number(),
    scope: v.optional(scopeValidator),
    slot: v.string(),
    search: v.optional(v.string()),
  },
  handler: async (ctx, args): Promise<DictionaryPlan> => {
    let inTrees = 0;
    for (let shard = 0; shard < DICTIONARY_SHARDS; shard++) inTrees += await treeTotal(ctx, `${LISTED}#${shard}`);
    const listed = await readShardedCounter(ctx, observabilityCounters.tracesOfFamily([], []));
    const complete = inTrees === listed;
    const listedInRange = complete ? await countAcross(ctx, (s) => `${LISTED}#${s}`, args.from, args.to) : listed;
    const level = scopeLevel(args.scope);
    const rows = await ctx.db.query("obs_trace_dictionary").withIndex(
      "by_entry",
      (q) => q.eq("level", level).eq("slot", args.slot),
    ).take(PLAN_ENTRIES + 1);
    const candidates = rows.length > PLAN_ENTRIES ? null : rows.filter((row) => matches(row.value, args.search)).length;
    const use = complete && candidates !== null && candidates * ENTRY_COST <= listedInRange + COUNT_DOCS;
    return { complete, listedInRange, candidates, use };
  },
});

/** Answer of one {@link counts} call: the non-zero counts found and where to resume. */
export type DictionaryCounts = { counts: [string, number][]; next: string | null; reads: number };

/**
 * One bounded step of counting the dictionary rows of a level and slot (ascending by
 * value, strictly after `after`, matching `search` case-insensitively): per row, the
 * eligible traces of the range having it. At most {@link COUNT_DOCS} documents per call.
 */
export const counts = internalQuery({
  args: {
    from: v.number(),
    to: v.number(),
    scope: v.optional(scopeValidator),
    slot: v.string(),
    search: v.optional(v.string()),
    after: v.optional(v.string()),
    /** Documents to read at most (default and cap {@link COUNT_DOCS}). */
    budget: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<DictionaryCounts> => {
    const budget = Math.max(ENTRY_COST + 1, Math.min(args.budget ?? COUNT_DOCS, COUNT_DOCS));
    const level = scopeLevel(args.scope);
    const rows = ctx.db.query("obs_trace_dictionary").withIndex("by_entry", (q) => {
      const base = q.eq("level", level).eq("slot", args.slot);
      return args.after === undefined ? base : base.gt("value", args.after);
    });
    const out: [string, number][] = [];
    let reads = 0;
    let last: string | undefined;
    for await (const row of rows) {
      if (reads + ENTRY_COST > budget) return { counts: out, next: last ?? null, reads };
      reads++;
      last = row.value;
      if (!matches(row.value, args.search)) continue;
      const key = { level, slot: args.slot, value: row.value };
      reads += ENTRY_COST; // at most
      const n = await countAcross(ctx, (shard) => entryTree(key, shard), args.from, args.to);
      if (n > 0) out.push([row.value, n]);
    }
    return { counts: out, next: null, reads };
  },
});

/**
 * Enters one batch of existing trace rows into the dictionary (for deployments with
 * traces written before it existed); pass the returned `cursor` until `done`. Entering a
 * trace twice changes nothing, so it is safe on live data; reads keep walking until the
 * listed-traces tree accounts for every listed trace. If trees may hold traces deleted
 * behind the store's back, clear the rank trees first (`system/ranks:clear`).
 */
export const rebuild = internalMutation({
  args: { cursor: v.optional(v.union(v.string(), v.null())) },
  handler: async (ctx, { cursor }): Promise<{ done: boolean; cursor: string | null }> => {
    const page = await ctx.db.query("ai_traces").paginate({ cursor: cursor ?? null, numItems: REBUILD_BATCH });
    const batch = new TraceDictionaryBatch();
    for (const doc of page.page) {
      const { _id: _, _creationTime: __, ...row } = doc;
      batch.change(null, row as TraceRow);
    }
    // Into the nodes directly (a pending insert of a key the tree holds would count it twice until folded).
    await batch.apply(ctx, true);
    return { done: page.isDone, cursor: page.isDone ? null : page.continueCursor };
  },
});
