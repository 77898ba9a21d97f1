import { decodeOptional } from "../kit/codec.js";
import { familyTree, familyTrees } from "../kit/rankFamily.js";
import type { TreeEntry } from "../kit/rankTree.js";
import { deltaShard } from "./streams/deltaCursor.js";
import { type SpanRow, TRACE_FAMILIES, type TraceRow } from "./tracing/validators.js";

/** Names of the observability domain's counters. Counters live in the kit's `counters` table. */
export const observabilityCounters = {
  /** Listed traces of one trace-list index family and value (`TRACE_FAMILIES`); `[]` counts all. */
  tracesOfFamily: (fields: readonly string[], values: readonly unknown[]): string =>
    fields.length === 0 ? "observability:traces" : `observability:traces:${JSON.stringify([fields, values])}`,
  /** Branch-anchor spans (core's `BRANCH_SPAN_TYPES`). */
  branchSpans: (): string => "observability:branches",
};

/** Tables of the non-tracing signals that keep counters. */
export type SignalTable = "obs_logs" | "obs_metrics" | "obs_scores" | "obs_feedback";

/**
 * Counters of the non-tracing signals. Every one is sharded
 * (`kit/counters.ts:counterShard`, keyed by the first record id of the write
 * call that adjusts it): writers of unrelated traces share a level, a metric
 * name or a scorer, so an unsharded counter would be a hot document. Read
 * them with `readShardedCounter`.
 */
export const signalCounters = {
  /** Rows of a signal table. */
  rows: (table: SignalTable): string => `observability:${table}`,
  /** Rows of a signal table with one value of its second key (log level, metric name). */
  rowsOfKey: (table: SignalTable, key: string): string => `observability:${table}:key:${JSON.stringify(key)}`,
  /** Rows of a scorer or feedback type counted in the rollups (equal to `rowsOfKey` once every row is). */
  celledOfKey: (table: SignalTable, key: string): string => `observability:${table}:celled:${JSON.stringify(key)}`,
};

/**
 * Trace-list families whose values many traces share (every trace, an agent,
 * a status, an environment, a tenant): their counters and rank trees are
 * sharded by trace id, so writes of unrelated traces rarely touch the same
 * document. The other families are per resource, thread, user, session or
 * run: one counter and one tree per value.
 */
const SHARDED_FAMILIES = new Set([
  "",
  "entityType",
  "entityType,entityName",
  "entityName",
  "entityId",
  "organizationId",
  "environment",
  "status",
]);

/**
 * Families added after deployments already held traces: counters would
 * miss older traces, so their totals come from their rank trees, and only
 * while the trees cover the table (`kit/coverage.ts`); they keep no counter
 * (older versions wrote one, now unused).
 */
export const LATE_FAMILIES: ReadonlySet<string> = new Set(["entityName"]);

/**
 * True when the counters and trees of one family value are sharded by trace:
 * the shared families, and any value that is missing (0) or null, which the
 * traces without that field all share.
 */
export function isShardedFamily(family: readonly string[], values: readonly unknown[]): boolean {
  return SHARDED_FAMILIES.has(family.join(",")) || values.some((value) => value === null || value === 0);
}

/** The values of a trace row's family fields, as counter and tree names use them (0 marks a missing field). */
export function familyValues(row: TraceRow, family: readonly string[]): unknown[] {
  return family.map((field) => {
    const value = (row as Record<string, unknown>)[field];
    return value === undefined ? 0 : value;
  });
}

/** The counter document a listed trace counts in for `family` (a shard of the family's counter when sharded). */
export function traceCounterOf(row: TraceRow, family: readonly string[]): string {
  const values = familyValues(row, family);
  const name = observabilityCounters.tracesOfFamily(family, values);
  return isShardedFamily(family, values) ? `${name}:shard:${deltaShard(row.id)}` : name;
}

/** Base name of the rank tree(s) of one family value: listed traces by `(startedAt, id)`. */
function traceTreeBase(family: readonly string[], values: readonly unknown[]): string {
  return `observability:traceTree:${JSON.stringify([family, values])}`;
}

/** Base name of the rank tree(s) of one family value by `(endedSort, id)` (only {@link ENDED_TREE_FAMILIES}). */
function traceEndedTreeBase(family: readonly string[], values: readonly unknown[]): string {
  return `observability:traceEndedTree:${JSON.stringify([family, values])}`;
}

/**
 * The trace-list families that also keep rank trees by `endedSort`, so that
 * a trace list ordered by `endedAt` places a page at any depth, and counts
 * an `endedAt` range, in O(log N) reads: only the unfiltered family (all
 * traces). Each such tree costs one more tree key on a root span's create
 * and one more key move on its end (the end time changes from "not ended"),
 * in every trace; ordering by `endedAt` is rare (Mastra Studio's trace list
 * orders by `startedAt`). Measured at 2,000 traces (trees of one node; a
 * node more per tree once they are two deep): a root create wrote 44
 * documents with the unfiltered family's trees, 51 with the eight shared
 * families' (`SHARDED_FAMILIES`), 39 before either (and before the branch
 * trees); a root end 21, 28 and 17. Lists of the other families ordered by
 * `endedAt` walk their index from the nearer end (exact, O(offset) reads):
 * they are lists of one value (an agent, a status, a thread...), smaller
 * than the whole table. Adding a family here is safe on a live deployment:
 * its trees hold fewer traces than its counter until `rebuildRankTrees`,
 * and lists walk meanwhile.
 */
export const ENDED_TREE_FAMILIES: ReadonlySet<string> = new Set([""]);

/**
 * Every rank tree holding the listed traces of one family value (the shards
 * of a sharded family), by `startedAt` or by `endedSort`; `[]` when the
 * family keeps no tree for that sort ({@link ENDED_TREE_FAMILIES}).
 */
export function traceTreesOf(
  family: readonly string[],
  values: readonly unknown[],
  sort: "startedAt" | "endedSort" = "startedAt",
): string[] {
  if (sort === "endedSort" && !ENDED_TREE_FAMILIES.has(family.join(","))) return [];
  const base = sort === "startedAt" ? traceTreeBase(family, values) : traceEndedTreeBase(family, values);
  return isShardedFamily(family, values) ? familyTrees(base) : [base];
}

/** Base name of the rank trees of the listed traces whose root span has `tag` (a family sharded by trace). */
function tagTreeBase(tag: string): string {
  return `observability:tagTree:${JSON.stringify(tag)}`;
}

/** The rank trees holding the listed traces whose root span has `tag`, by `(startedAt, id)`. */
export function tagTreesOf(tag: string): string[] {
  return familyTrees(tagTreeBase(tag));
}

/**
 * Longest metadata key or string value (in characters) kept in rank trees.
 * Longer ones, and values that are not a string, a finite number, a boolean
 * or `null` (objects, arrays, dates), have no tree: a filter on them walks.
 */
export const METADATA_TREE_MAX_CHARS = 256;

/** The JSON text naming a metadata value's trees, or `null` when the value has none. */
function metadataValueName(value: unknown): string | null {
  if (value === null || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") return Number.isFinite(value) ? JSON.stringify(value) : null;
  if (typeof value === "string") return value.length <= METADATA_TREE_MAX_CHARS ? JSON.stringify(value) : null;
  return null;
}

/** Base name of the rank trees of the listed traces whose root metadata has `key` = the value named `valueName`. */
function metadataTreeBase(key: string, valueName: string): string {
  return `observability:metaTree:${JSON.stringify(key)}:${valueName}`;
}

/**
 * The rank trees holding the listed traces whose root span's metadata has
 * `key` equal to `value`, by `(startedAt, id)`; `null` when such a pair has
 * no trees (see {@link METADATA_TREE_MAX_CHARS}).
 */
export function metadataTreesOf(key: string, value: unknown): string[] | null {
  const name = metadataValueName(value);
  if (name === null || key.length > METADATA_TREE_MAX_CHARS) return null;
  return familyTrees(metadataTreeBase(key, name));
}

/** The tree base names of a trace row's top-level root metadata pairs that have trees. */
function rootMetadataTrees(row: TraceRow): string[] {
  const metadata = decodeOptional(row.metadata);
  if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata) || metadata instanceof Date) {
    return [];
  }
  const bases: string[] = [];
  for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
    const name = metadataValueName(value);
    if (name !== null && key.length <= METADATA_TREE_MAX_CHARS) bases.push(metadataTreeBase(key, name));
  }
  return bases;
}

/** The distinct string tags of a trace row's root span. */
function rootTags(row: TraceRow): string[] {
  const tags = decodeOptional(row.tags);
  return Array.isArray(tags) ? [...new Set(tags.filter((tag): tag is string => typeof tag === "string"))] : [];
}

/**
 * The rank-tree entries of a trace row: one per family keyed by
 * `(startedAt, id)`, one per {@link ENDED_TREE_FAMILIES} family keyed by
 * `(endedSort, id)` (the order of the `by_*_endedSort` indexes), one per
 * tag of its root span and one per top-level pair of its root metadata that
 * has trees ({@link metadataTreesOf}), keyed by `(startedAt, id)`; none
 * unless listed.
 */
export function traceTreeEntries(row: TraceRow | null): TreeEntry[] {
  if (!row?.listed || row.startedAt === undefined) return [];
  const key = { value: row.startedAt, id: row.id };
  const entries: TreeEntry[] = [];
  for (const family of TRACE_FAMILIES) {
    const values = familyValues(row, family);
    const sharded = isShardedFamily(family, values);
    const base = traceTreeBase(family, values);
    entries.push({ tree: sharded ? familyTree(base, row.id) : base, key });
    if (ENDED_TREE_FAMILIES.has(family.join(",")) && row.endedSort !== undefined) {
      const ended = traceEndedTreeBase(family, values);
      entries.push({ tree: sharded ? familyTree(ended, row.id) : ended, key: { value: row.endedSort, id: row.id } });
    }
  }
  for (const tag of rootTags(row)) entries.push({ tree: familyTree(tagTreeBase(tag), row.id), key });
  for (const base of rootMetadataTrees(row)) entries.push({ tree: familyTree(base, row.id), key });
  return entries;
}

/** Base name of the branch-anchor span trees by one sort field. */
function branchTreeBase(sort: "startedAt" | "endedSort"): string {
  return `observability:branchTree:${sort}`;
}

/**
 * The rank trees of the branch-anchor spans (core's `BRANCH_SPAN_TYPES`)
 * of every trace by `startedAt` or `endedSort`: one family sharded by trace
 * id, so the spans of one trace share one tree and unrelated traces rarely
 * touch the same node.
 */
export function branchTreesOf(sort: "startedAt" | "endedSort"): string[] {
  return familyTrees(branchTreeBase(sort));
}

/**
 * The rank-tree entries of a span row: for a branch-anchor span, one by
 * `(startedAt, id)` and one by `(endedSort, id)`, where `id` is the row's
 * `id` (`JSON.stringify([traceId, spanId])`), the tie-break of the
 * `by_branch_startedAt` and `by_branch_endedSort` indexes; none otherwise.
 */
export function branchTreeEntries(row: SpanRow | null | undefined): TreeEntry[] {
  if (!row?.branch) return [];
  return (["startedAt", "endedSort"] as const).map((sort) => ({
    tree: familyTree(branchTreeBase(sort), row.traceId),
    key: { value: row[sort], id: row.id },
  }));
}
