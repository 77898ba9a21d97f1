import { decodeOptional } from "../kit/codec.js";
import { familyTree, familyTrees } from "../kit/rankFamily.js";
import type { TreeEntry } from "../kit/rankTree.js";
import { deltaShard } from "./deltaCursor.js";
import { TRACE_FAMILIES, type TraceRow } from "./validators.js";

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
 * Families added after deployments already held traces: their counters may
 * miss older traces, so their totals come from their rank trees, and only
 * while the trees cover the table (`kit/coverage.ts`).
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

/** Every rank tree holding the listed traces of one family value (the shards of a sharded family). */
export function traceTreesOf(family: readonly string[], values: readonly unknown[]): string[] {
  const base = traceTreeBase(family, values);
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

/** The distinct string tags of a trace row's root span. */
function rootTags(row: TraceRow): string[] {
  const tags = decodeOptional(row.tags);
  return Array.isArray(tags) ? [...new Set(tags.filter((tag): tag is string => typeof tag === "string"))] : [];
}

/**
 * The rank-tree entries of a trace row, keyed by `(startedAt, id)`: one per
 * family and one per tag of its root span; none unless listed.
 */
export function traceTreeEntries(row: TraceRow | null): TreeEntry[] {
  if (!row?.listed || row.startedAt === undefined) return [];
  const key = { value: row.startedAt, id: row.id };
  const families = TRACE_FAMILIES.map((family) => {
    const values = familyValues(row, family);
    const base = traceTreeBase(family, values);
    return { tree: isShardedFamily(family, values) ? familyTree(base, row.id) : base, key };
  });
  return [...families, ...rootTags(row).map((tag) => ({ tree: familyTree(tagTreeBase(tag), row.id), key }))];
}
