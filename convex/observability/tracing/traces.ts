/**
 * Spans and traces of Mastra's observability (tracing) domain. Internal
 * functions only.
 *
 * Each span is one document holding the whole encoded record; each trace
 * has one row with its root span's filterable fields, its error count and
 * its status, kept current by every span write, so trace lists are index
 * walks over small rows and totals come from counters where an index
 * answers the whole filter.
 *
 * The span write path touches only documents of its own trace, plus shards
 * (1 in 8 or 16) of what spans every trace: the delta streams' sequences
 * (`deltaStreams.ts`), the counters and rank trees of family values many
 * traces share (`counterNames.ts`), the branch counter and the branch
 * trees (branch-anchor spans by start and by end). Discovery entries
 * (`discovery.ts`) are written once per new value.
 */
import { v } from "convex/values";
import { decodeOptional, decodeValue, encodeValue } from "../../kit/codec.js";
import { adjustCounters, counterShard, readCounter, readShardedCounter } from "../../kit/counters.js";
import {
  branchTreeEntries,
  branchTreesOf,
  isShardedFamily,
  LATE_FAMILIES,
  metadataTreesOf,
  observabilityCounters,
  tagTreesOf,
  traceCounterOf,
  traceTreeEntries,
  traceTreesOf,
} from "../counterNames.js";
import { RankBatch } from "../../kit/rankTree.js";
import { pageFromTrees, planListAcross, totalAcross } from "../../kit/rankFamily.js";
import { noteInsert, treesCover } from "../../kit/coverage.js";
import { storageError } from "../../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../../kit/functions.js";
import { assertFitsDocument } from "../../kit/limits.js";
import {
  type IndexSpec,
  orderValidator,
  type SortRange,
  walk,
  type WalkState,
  walkStateValidator,
} from "../../kit/walk.js";
import {
  BRANCH_SPAN_TYPES,
  matchesFilter,
  NOT_ENDED,
  type Range,
  SCALAR_FIELDS,
  type SpanFilter,
  spanFilterValidator,
  type SpanRow,
  type SpanSummary,
  spanTarget,
  statusOf,
  summarizeSpan,
  TRACE_FAMILIES,
  traceIndexName,
  type TraceListRow,
  type TraceRow,
  traceTarget,
} from "./validators.js";
import { type DeltaEntry, DeltaWriter, headPosition, tracingStream } from "../streams/deltaStreams.js";
import { deltaAfter, deltaNewest, type DeltaStep, type NewestStep, type Visit } from "../streams/deltaPolls.js";
import { type ListResult, withoutSystemFields } from "../../kit/rows.js";
import { recordEntries } from "../discovery.js";
import { dictionaryEntries, type DictionaryEntry } from "../signals/signals.js";
import { changeTraceDictionary, TraceDictionaryBatch } from "./traceDictionary.js";

/** Span documents deleted per `deleteTraces` call, and their byte budget. */
const DELETE_DOCS = 1000;
const DELETE_BYTES = 6 * 1024 * 1024;
/**
 * Root spans up to this size (encoded) are copied into their trace row, so a
 * trace page reads one document per trace; larger roots are read from their
 * span document. Small, so that walks over many trace rows (trace queries)
 * stay far inside Convex's bytes-read limit.
 */
const INLINE_ROOT_DATA = 1024;
/** Root spans inlined into one `listTraces` answer at most (bytes); the client fetches the rest. */
const INLINE_ROOT_BYTES = 4 * 1024 * 1024;

async function findSpan(ctx: QueryCtx, traceId: string, spanId: string) {
  return await ctx.db.query("ai_spans").withIndex(
    "by_trace_span",
    (q) => q.eq("traceId", traceId).eq("spanId", spanId),
  )
    .unique();
}

async function findTrace(ctx: QueryCtx, traceId: string) {
  return await ctx.db.query("ai_traces").withIndex("by_mastra_id", (q) => q.eq("id", traceId)).unique();
}

/** Counter of one family for a listed trace row, or `null` when the row is not listed. */
function familyCounter(row: TraceRow | null, family: readonly string[]): string | null {
  return row?.listed ? traceCounterOf(row, family) : null;
}

/**
 * Counter changes that take a trace from `before` to `after`. The late
 * families keep no counter: their lists take totals from their trees only
 * (`LATE_FAMILIES`), so a write would pay a document nothing reads.
 */
function traceCounterDeltas(before: TraceRow | null, after: TraceRow | null): [string, number][] {
  const deltas: [string, number][] = [];
  for (const family of TRACE_FAMILIES) {
    if (LATE_FAMILIES.has(family.join(","))) continue;
    const was = familyCounter(before, family);
    const is = familyCounter(after, family);
    if (was === is) continue;
    if (was !== null) deltas.push([was, -1]);
    if (is !== null) deltas.push([is, 1]);
  }
  return deltas;
}

const ROOT_KEYS = [
  "rootSize",
  "rootData",
  "startedAt",
  "endedSort",
  "status",
  ...SCALAR_FIELDS,
  "scope",
  "metadata",
  "tags",
];

/** The root-span part of a trace row, from the root's summary. */
function rootFields(summary: SpanSummary, data: string): Partial<TraceRow> {
  const fields: Record<string, unknown> = {
    rootSize: data.length,
    ...(data.length <= INLINE_ROOT_DATA ? { rootData: data } : {}),
    startedAt: summary.startedAt,
    endedSort: summary.endedAt ?? NOT_ENDED,
    status: statusOf(summary),
    ...summary.scalars,
  };
  for (const key of ["scope", "metadata", "tags"] as const) {
    if (summary[key] !== undefined) fields[key] = summary[key];
  }
  return fields as Partial<TraceRow>;
}

/** The root-span part of an existing trace row. */
function keptRootFields(row: TraceRow): Partial<TraceRow> {
  const fields: Record<string, unknown> = {};
  for (const key of ROOT_KEYS) {
    const value = (row as Record<string, unknown>)[key];
    if (value !== undefined) fields[key] = value;
  }
  return fields as Partial<TraceRow>;
}

function summarize(record: Record<string, unknown>): SpanSummary {
  try {
    return summarizeSpan(record);
  } catch (error) {
    throw storageError("INVALID", error instanceof Error ? error.message : String(error));
  }
}

type SpanDoc = NonNullable<Awaited<ReturnType<typeof findSpan>>>;
type TraceDoc = NonNullable<Awaited<ReturnType<typeof findTrace>>>;

/**
 * The span writes of one mutation. Trace rows are read once, updated in
 * memory span by span and written once at the end, with the counter
 * changes summed, so a batch of spans of one trace costs one trace-row
 * write instead of one per span.
 */
class SpanWrites {
  readonly #ctx: MutationCtx;
  readonly #traces = new Map<string, { doc: TraceDoc | null; before: TraceRow | null; current: TraceRow | null }>();
  readonly #deltas: [string, number][] = [];
  /** Discovery entries of the written spans (`discovery.ts`). */
  readonly #entries: DictionaryEntry[] = [];
  /** Entries of the delta streams (`deltaStreams.ts`): no deployment-wide sequence on the write path. */
  readonly #streams: DeltaWriter;
  /** Traces whose root entry this mutation already renewed. */
  readonly #rootRenewed = new Set<string>();
  /** Rank-tree changes of the written spans (branch trees) and trace rows, applied once by `flush`. */
  readonly #ranks = new RankBatch();
  /** True once this mutation noted a span insert for the coverage mark (`kit/coverage.ts`). */
  #spanInsertNoted = false;

  constructor(ctx: MutationCtx) {
    this.#ctx = ctx;
    this.#streams = new DeltaWriter(ctx);
  }

  /**
   * Writes one span record (insert or full replace) and updates its trace
   * as core's in-memory store recomputes its trace entry: the last span
   * written without a parent is the root; status comes from the root;
   * `hasChildError` is true while any span has an error.
   */
  async write(record: Record<string, unknown>, existingSpan?: SpanDoc | null): Promise<void> {
    const ctx = this.#ctx;
    const traceId = record.traceId;
    const spanId = record.spanId;
    if (typeof traceId !== "string" || traceId === "" || typeof spanId !== "string" || spanId === "") {
      throw storageError("INVALID", "a span needs a non-empty string traceId and spanId");
    }
    const existing = existingSpan === undefined ? await findSpan(ctx, traceId, spanId) : existingSpan;
    const summary = summarize(record);
    const data = encodeValue(record);
    const branch = typeof record.spanType === "string" && BRANCH_SPAN_TYPES.includes(record.spanType);

    const row: SpanRow = {
      id: JSON.stringify([traceId, spanId]),
      traceId,
      spanId,
      startedAt: summary.startedAt,
      endedSort: summary.endedAt ?? NOT_ENDED,
      isError: summary.isError,
      branch,
      data,
    };
    // Checked before anything is written (with room for its stream number): a span too large writes nothing.
    assertFitsDocument(`span ${spanId} of trace ${traceId}`, { ...row, seq: Number.MAX_SAFE_INTEGER });

    // The trace first: core's store registers a trace's cursor before a branch's.
    let trace = this.#traces.get(traceId);
    if (!trace) {
      const doc = await findTrace(ctx, traceId);
      const before = doc ? withoutSystemFields(doc) as TraceRow : null;
      trace = { doc, before, current: before };
      this.#traces.set(traceId, trace);
    }
    const before = trace.current;
    const errorCount = (before?.errorCount ?? 0) + (summary.isError ? 1 : 0) - (existing?.isError ? 1 : 0);
    const rootSpanId = summary.isRoot ? spanId : before?.rootSpanId;
    const after: TraceRow = {
      id: traceId,
      listed: rootSpanId !== undefined && !before?.deleting,
      firstSpanId: before?.firstSpanId ?? spanId,
      errorCount,
      hasChildError: errorCount > 0,
      ...(rootSpanId === spanId ? rootFields(summary, data) : before ? keptRootFields(before) : {}),
    };
    if (rootSpanId !== undefined) after.rootSpanId = rootSpanId;
    if (before?.deleting) after.deleting = true;
    // `seq` marks a trace registered in the trace stream (its number in its shard).
    const traceSeq = before?.seq ?? (after.listed ? await this.#streams.append("trace", traceId) : undefined);
    if (traceSeq !== undefined) after.seq = traceSeq;
    if (rootSpanId === spanId && after.listed && !this.#rootRenewed.has(traceId)) {
      // A root write moves the trace to the end of the root stream (trace-query delta polls see it again).
      this.#rootRenewed.add(traceId);
      await this.#streams.remove("root", traceId);
      await this.#streams.append("root", traceId);
    }
    trace.current = after;

    const seq = existing?.seq ?? (branch ? await this.#streams.append("branch", traceId, spanId) : undefined);
    if (seq !== undefined) row.seq = seq;
    assertFitsDocument(`span ${spanId} of trace ${traceId}`, row);
    if (existing) await ctx.db.replace(existing._id, row);
    else {
      if (!this.#spanInsertNoted) await noteInsert(ctx, "ai_spans");
      this.#spanInsertNoted = true;
      await ctx.db.insert("ai_spans", row);
    }
    this.#ranks.change(branchTreeEntries(existing), branchTreeEntries(row));
    const branchDelta = (branch ? 1 : 0) - (existing?.branch ? 1 : 0);
    if (branchDelta !== 0) this.#deltas.push([counterShard(observabilityCounters.branchSpans(), traceId), branchDelta]);
    this.#entries.push(...dictionaryEntries(record, false));
  }

  /** Writes the changed trace rows and applies the counter changes. */
  async flush(): Promise<void> {
    const ranks = this.#ranks;
    const dictionary = new TraceDictionaryBatch(); // trace-query discovery (traceDictionary.ts)
    for (const { doc, before, current } of this.#traces.values()) {
      if (current === null || current === before) continue;
      assertFitsDocument(`trace ${current.id}`, current);
      if (doc) await this.#ctx.db.replace(doc._id, current);
      else {
        await noteInsert(this.#ctx, "ai_traces");
        await this.#ctx.db.insert("ai_traces", current);
      }
      this.#deltas.push(...traceCounterDeltas(before, current));
      ranks.change(traceTreeEntries(before), traceTreeEntries(current));
      dictionary.change(before, current);
    }
    await ranks.apply(this.#ctx);
    await dictionary.apply(this.#ctx);
    await this.#streams.flush();
    await adjustCounters(this.#ctx, this.#deltas);
    await recordEntries(this.#ctx, this.#entries);
  }
}

/**
 * Creates or replaces spans. Each element is a whole span record encoded
 * by the codec, `createdAt`/`updatedAt` included. All or nothing.
 */
export const createSpans = internalMutation({
  args: { spans: v.array(v.string()) },
  handler: async (ctx, { spans }): Promise<null> => {
    const writes = new SpanWrites(ctx);
    for (const text of spans) await writes.write(decodeValue(text) as Record<string, unknown>);
    await writes.flush();
    return null;
  },
});

/**
 * Merges partial updates into existing spans (`{...span, ...updates}`) and
 * stamps `updatedAt` with `now`. Fails with `NOT_FOUND`, writing nothing,
 * when a span does not exist.
 */
export const updateSpans = internalMutation({
  args: {
    updates: v.array(v.object({ traceId: v.string(), spanId: v.string(), patch: v.string() })),
    now: v.number(),
  },
  handler: async (ctx, { updates, now }): Promise<null> => {
    const writes = new SpanWrites(ctx);
    for (const { traceId, spanId, patch } of updates) {
      const existing = await findSpan(ctx, traceId, spanId);
      if (!existing) {
        const trace = await findTrace(ctx, traceId);
        throw storageError("NOT_FOUND", trace ? "Span not found for update" : "Trace not found for span update");
      }
      const merged = {
        ...(decodeValue(existing.data) as Record<string, unknown>),
        ...(decodeValue(patch) as Record<string, unknown>),
        traceId,
        spanId,
        updatedAt: new Date(now),
      };
      await writes.write(merged, existing);
    }
    await writes.flush();
    return null;
  },
});

/** Returns one encoded span record, or `null`. */
export const getSpan = internalQuery({
  args: { traceId: v.string(), spanId: v.string() },
  handler: async (ctx, { traceId, spanId }): Promise<string | null> => {
    return (await findSpan(ctx, traceId, spanId))?.data ?? null;
  },
});

/** Returns the encoded records of the given spans of one trace, in the order asked, skipping missing ones. */
export const getSpans = internalQuery({
  args: { traceId: v.string(), spanIds: v.array(v.string()) },
  handler: async (ctx, { traceId, spanIds }): Promise<string[]> => {
    const out: string[] = [];
    for (const spanId of spanIds) {
      const span = await findSpan(ctx, traceId, spanId);
      if (span) out.push(span.data);
    }
    return out;
  },
});

/** Returns the encoded root span of a trace, or `null`. */
export const getRootSpan = internalQuery({
  args: { traceId: v.string() },
  handler: async (ctx, { traceId }): Promise<string | null> => {
    const trace = await findTrace(ctx, traceId);
    if (!trace?.rootSpanId) return null;
    return (await findSpan(ctx, traceId, trace.rootSpanId))?.data ?? null;
  },
});

/** Fields of a span kept by the lightweight trace structure (core's `getTraceLight`). */
const LIGHT_FIELDS = [
  "traceId",
  "spanId",
  "parentSpanId",
  "name",
  "spanType",
  "isEvent",
  "startedAt",
  "endedAt",
  "error",
  "entityType",
  "entityId",
  "entityName",
  "createdAt",
  "updatedAt",
];

/**
 * One bounded step of reading all spans of a trace by `startedAt` (ties by
 * span id), as encoded records; `light` projects them to the trace
 * structure's fields on the server, so the heavy fields never travel.
 */
export const listTraceSpans = internalQuery({
  args: { traceId: v.string(), light: v.boolean(), state: v.optional(walkStateValidator) },
  handler: async (ctx, { traceId, light, state }): Promise<ListResult<string>> => {
    const spec: IndexSpec = {
      table: "ai_spans",
      index: "by_trace_startedAt",
      eq: [["traceId", traceId]],
      sortField: "startedAt",
    };
    const start: WalkState = state ??
      { skip: 0, take: Number.MAX_SAFE_INTEGER, matched: 0, order: "asc", countAll: false, reversed: false };
    const step = await walk<SpanRow>(ctx.db, spec, start);
    const rows = step.rows.map((doc) => {
      if (!light) return doc.data;
      const record = decodeValue(doc.data) as Record<string, unknown>;
      return encodeValue(Object.fromEntries(LIGHT_FIELDS.map((key) => [key, record[key]])));
    });
    return { rows, next: step.next, total: null, reversed: false };
  },
});

/** Validator of a list's sort field. */
const sortValidator = v.union(v.literal("startedAt"), v.literal("endedAt"));

/** Index range for a date range on the sort field (open ends stay open; "not ended" is excluded for `endedAt`). */
function sortRange(range: Range | undefined, sort: "startedAt" | "endedAt"): SortRange {
  if (!range) return {};
  const out: SortRange = {};
  if (range.start !== undefined) out.lower = { value: range.start, inclusive: !range.startExclusive };
  if (range.end !== undefined) out.upper = { value: range.end, inclusive: !range.endExclusive };
  else if (sort === "endedAt") out.upper = { value: NOT_ENDED, inclusive: false };
  return out;
}

/** True when some condition of `filter` is not answered by the index prefix and range. */
function hasResidual(filter: SpanFilter): boolean {
  return filter.eq.length > 0 || filter.startedAt !== undefined || filter.endedAt !== undefined ||
    filter.traceId !== undefined || filter.scope !== undefined || filter.metadata !== undefined ||
    (filter.tags !== undefined && filter.tags.length > 0) || filter.hasChildError !== undefined;
}

/**
 * The rank trees answering a filter that asks only for listed traces having
 * one tag, or one top-level metadata pair that has trees (optionally within
 * a `startedAt` range), ordered by `startedAt`; else `null`.
 */
function soleTreeFilter(filter: SpanFilter, sort: "startedAt" | "endedAt"): string[] | null {
  if (sort !== "startedAt") return null;
  if (filter.tags !== undefined && filter.tags.length > 0 && filter.metadata === undefined) {
    if (new Set(filter.tags).size !== 1 || hasResidual({ ...filter, tags: undefined, startedAt: undefined })) {
      return null;
    }
    return tagTreesOf(filter.tags[0]);
  }
  if (filter.metadata !== undefined) {
    if (hasResidual({ ...filter, metadata: undefined, startedAt: undefined })) return null;
    const wanted = decodeOptional(filter.metadata);
    if (wanted === null || typeof wanted !== "object" || Array.isArray(wanted) || wanted instanceof Date) return null;
    const pairs = Object.entries(wanted as Record<string, unknown>);
    return pairs.length === 1 ? metadataTreesOf(pairs[0][0], pairs[0][1]) : null;
  }
  return null;
}

/** Fetches the encoded root spans of a page while they fit the inline budget. */
async function withRoots(ctx: QueryCtx, rows: TraceRow[]): Promise<TraceListRow[]> {
  let bytes = 0;
  const out: TraceListRow[] = [];
  for (const row of rows) {
    const item: TraceListRow = { traceId: row.id, rootSpanId: row.rootSpanId!, rootSize: row.rootSize ?? 0 };
    if (row.rootData !== undefined && bytes + row.rootData.length <= INLINE_ROOT_BYTES) {
      item.root = row.rootData;
      bytes += row.rootData.length;
    } else if (bytes + item.rootSize <= INLINE_ROOT_BYTES) {
      const root = await findSpan(ctx, row.id, item.rootSpanId);
      if (root) {
        item.root = root.data;
        bytes += root.data.length;
      }
    }
    out.push(item);
  }
  return out;
}

/**
 * One bounded step of listing traces (one row per trace with a root span),
 * filtered on the root span and ordered by its `startedAt` or `endedAt`
 * (not ended last ascending), ties by trace id.
 *
 * The walk uses the `TRACE_FAMILIES` index with the most equality filters
 * the request has, and a date range on the sort field becomes an index
 * range. When that answers the whole filter, the total is the family value's
 * counter and, ordered by `startedAt`, the family value's rank trees
 * (`counterNames.ts`: sharded by trace for values many traces share) place
 * a page at any depth and count a `startedAt` range in O(log N) reads, so a
 * page costs its rows (small roots are inlined in the trace row) plus the
 * counter, the trees' roots and a leaf or two per tree: one call. Ordered
 * by `endedAt`, the same holds for the unfiltered list (all traces, and an
 * `endedAt` range: the only family with trees by `endedSort`,
 * `ENDED_TREE_FAMILIES` in `counterNames.ts`); the other families' pages
 * walk from the nearer end. Trees are trusted only while they hold exactly
 * the counted traces (`planListAcross`): traces written before a tree
 * existed make it fall short, and the list walks (exact) until
 * `rebuildRankTrees`. One tag and no other condition (Studio's tag filter)
 * reads the page's keys from the tag's rank trees and then its trace rows:
 * one call, O(k + log N); so does one top-level metadata pair whose value is
 * a string of up to 256 characters, a finite number, a boolean or `null`
 * (`metadataTreesOf`). Conditions no index
 * answers (other metadata, several tags, scope, hasChildError, entityName without
 * entityType, a second equality outside the family, a range on the other
 * time field) are checked on the trace rows of the family's index: O(rows
 * of that index) in calls of a bounded budget, the matches counted as the
 * walk goes. The first step also answers the delta streams' head, the
 * page's delta cursor.
 */
export const listTraces = internalQuery({
  args: {
    filter: spanFilterValidator,
    sort: sortValidator,
    order: orderValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<TraceListRow> & { head?: number[] }> => {
    const { filter, sort, order, offset, limit } = args;
    const head = args.state === undefined ? await headPosition(ctx) : undefined;
    if (filter.traceId !== undefined) {
      const doc = await findTrace(ctx, filter.traceId);
      const row = doc ? withoutSystemFields(doc) as TraceRow : null;
      const match = row !== null && row.listed && matchesFilter(traceTarget(row), filter);
      const rows = match && offset === 0 && limit > 0 ? await withRoots(ctx, [row!]) : [];
      return { rows, next: null, total: match ? 1 : 0, reversed: false, head };
    }
    const trees = soleTreeFilter(filter, sort);
    if (trees !== null && await treesCover(ctx, "ai_traces")) {
      // One tag or one metadata pair and nothing else: its rank trees hold the page's keys (no index to walk).
      const range = sortRange(filter.startedAt, "startedAt");
      const { keys, total } = await pageFromTrees(ctx, trees, range, offset, limit, order);
      const rows: TraceRow[] = [];
      for (const key of keys) {
        const doc = await findTrace(ctx, key.id);
        if (doc) rows.push(withoutSystemFields(doc) as TraceRow);
      }
      return { rows: await withRoots(ctx, rows), next: null, total, reversed: false, head };
    }
    const wanted = new Map(filter.eq.map(({ field, value }) => [field, value]));
    let family: readonly string[] = [];
    for (const candidate of TRACE_FAMILIES) {
      if (candidate.length > family.length && candidate.every((field) => wanted.has(field))) family = candidate;
    }
    const sortField = sort === "startedAt" ? "startedAt" : "endedSort";
    const spec: IndexSpec = {
      table: "ai_traces",
      index: traceIndexName(family, sortField),
      eq: [["listed", true], ...family.map((field): [string, unknown] => [field, wanted.get(field)])],
      sortField,
    };
    const range = sortRange(sort === "startedAt" ? filter.startedAt : filter.endedAt, sort);
    const residual: SpanFilter = {
      ...filter,
      eq: filter.eq.filter(({ field }) => !family.includes(field)),
      ...(sort === "startedAt" ? { startedAt: undefined } : { endedAt: undefined }),
    };
    const predicate = hasResidual(residual) ? (doc: TraceRow) => matchesFilter(traceTarget(doc), filter) : undefined;
    let total: number | null = null;
    let state = args.state;
    if (predicate === undefined) {
      const values = family.map((field) => wanted.get(field));
      const name = observabilityCounters.tracesOfFamily(family, values);
      const counted = LATE_FAMILIES.has(family.join(","))
        ? (await treesCover(ctx, "ai_traces") ? await totalAcross(ctx, traceTreesOf(family, values)) : null)
        : isShardedFamily(family, values)
        ? await readShardedCounter(ctx, name)
        : await readCounter(ctx, name);
      if (state === undefined) {
        // The family's rank trees by the sort field (by endedSort: the unfiltered family's only) place a page
        // at any depth, and a range on the sort field, in O(log N); used only while they hold `counted` keys.
        const trees = traceTreesOf(family, values, sortField);
        const plan = await planListAcross(ctx, trees, counted, range, offset, limit, order);
        total = plan.total;
        if (plan.state === null) return { rows: [], next: null, total, reversed: false, head };
        state = plan.state;
      } // A resumed step answers no total: the first step's stands (`runWalk`).
    } else {
      state ??= { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
    }
    const step = await walk<TraceRow & { _id: unknown }>(ctx.db, spec, state, { range, predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return {
      rows: await withRoots(ctx, step.rows.map((doc) => withoutSystemFields(doc) as TraceRow)),
      next: step.next,
      total,
      reversed: state.reversed,
      head,
    };
  },
});

/** Returns the encoded root spans of the given traces (for pages whose roots were too big to inline). */
export const getRootSpans = internalQuery({
  args: { keys: v.array(v.object({ traceId: v.string(), spanId: v.string() })) },
  handler: async (ctx, { keys }): Promise<(string | null)[]> => {
    const out: (string | null)[] = [];
    for (const { traceId, spanId } of keys) out.push((await findSpan(ctx, traceId, spanId))?.data ?? null);
    return out;
  },
});

/**
 * One bounded step of listing branch-anchor spans (core's
 * `BRANCH_SPAN_TYPES`) across all traces, filtered on the span itself and
 * ordered by its `startedAt` or `endedAt`, ties by the row id
 * (`JSON.stringify([traceId, spanId])`).
 *
 * Unfiltered lists, and lists whose only condition is a range on the sort
 * field, place a page at any depth through the branch trees
 * (`branchTreesOf` in `counterNames.ts`: one family by `startedAt`, one by
 * `endedSort`), which also count the range: a page costs its rows plus the
 * coverage mark, the trees' roots and a leaf or two per tree, in one call.
 * Under `ai_spans`' coverage mark (`kit/coverage.ts`: set by the first span
 * ever written, or by `rebuildRankTrees`) the trees hold every anchor span
 * and their roots give the total. Without it (a deployment whose spans
 * predate the trees) the total is the branch counter, and the trees are
 * used only while they hold exactly that many spans (`planListAcross`);
 * otherwise the list walks from the nearer end (a range: counting as it
 * goes), exact, until `rebuildRankTrees`. Other filters decode and check
 * each anchor span and count as they go.
 */
export const listBranches = internalQuery({
  args: {
    filter: spanFilterValidator,
    sort: sortValidator,
    order: orderValidator,
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<string> & { head?: number[] }> => {
    const { filter, sort, order, offset, limit } = args;
    const head = args.state === undefined ? await headPosition(ctx) : undefined;
    const sortField = sort === "startedAt" ? "startedAt" : "endedSort";
    const spec: IndexSpec = {
      table: "ai_spans",
      index: sort === "startedAt" ? "by_branch_startedAt" : "by_branch_endedSort",
      eq: [["branch", true]],
      sortField,
    };
    const range = sortRange(sort === "startedAt" ? filter.startedAt : filter.endedAt, sort);
    const residual: SpanFilter = {
      ...filter,
      ...(sort === "startedAt" ? { startedAt: undefined } : { endedAt: undefined }),
    };
    const predicate = hasResidual(residual)
      ? (doc: SpanRow) =>
        matchesFilter(spanTarget(doc.traceId, summarizeSpan(decodeValue(doc.data) as Record<string, unknown>)), filter)
      : undefined;
    let total: number | null = null;
    let state = args.state;
    if (predicate === undefined) {
      if (state === undefined) {
        const counted = await treesCover(ctx, "ai_spans")
          ? "trees"
          : await readShardedCounter(ctx, observabilityCounters.branchSpans());
        const plan = await planListAcross(ctx, branchTreesOf(sortField), counted, range, offset, limit, order);
        total = plan.total;
        if (plan.state === null) return { rows: [], next: null, total, reversed: false, head };
        state = plan.state;
      } // A resumed step answers no total: the first step's stands (`runWalk`).
    } else {
      state ??= { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
    }
    const step = await walk<SpanRow & { _id: unknown }>(ctx.db, spec, state, { range, predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return { rows: step.rows.map((doc) => doc.data), next: step.next, total, reversed: state.reversed, head };
  },
});

function inScope(record: Record<string, unknown> | undefined, scope: { organizationId?: string; resourceId?: string }) {
  if (scope.organizationId !== undefined && record?.organizationId !== scope.organizationId) return false;
  if (scope.resourceId !== undefined && record?.resourceId !== scope.resourceId) return false;
  return true;
}

/**
 * Deletes traces with all their spans, in bounded steps: returns the trace
 * ids still to process (call again with them until none remain). A trace
 * whose root span (or, without root, first span) is outside the optional
 * tenant scope is left alone. A trace leaves every list at the first step
 * that reaches it, even when its spans take several steps to delete.
 */
export const deleteTraces = internalMutation({
  args: { traceIds: v.array(v.string()), organizationId: v.optional(v.string()), resourceId: v.optional(v.string()) },
  handler: async (ctx, { traceIds, ...scope }): Promise<{ remaining: string[] }> => {
    const { remaining } = await deleteTracesStep(ctx, traceIds, scope);
    return { remaining };
  },
});

/**
 * One bounded step of deleting traces with all their spans (what
 * `deleteTraces` runs; retention and erasure reuse it). `spans`: how many
 * spans this step deleted (at most `maxSpans`); `traces`: how many trace
 * rows it finished.
 */
export async function deleteTracesStep(
  ctx: MutationCtx,
  traceIds: string[],
  scope: { organizationId?: string; resourceId?: string },
  maxSpans: number = DELETE_DOCS,
): Promise<{ remaining: string[]; spans: number; traces: number }> {
  let spans = 0;
  let traces = 0;
  const streams = new DeltaWriter(ctx);
  // Tree changes of every trace and span this call deletes, applied once (each node written once).
  const ranks = new RankBatch();
  let docs = 0;
  let bytes = 0;
  for (let i = 0; i < traceIds.length; i++) {
    const traceId = traceIds[i];
    const traceDoc = await findTrace(ctx, traceId);
    if (!traceDoc) continue;
    const before = withoutSystemFields(traceDoc) as TraceRow;
    if (!before.deleting) {
      if (scope.organizationId !== undefined || scope.resourceId !== undefined) {
        const reference = await findSpan(ctx, traceId, before.rootSpanId ?? before.firstSpanId);
        const record = reference ? decodeValue(reference.data) as Record<string, unknown> : undefined;
        if (!inScope(record, scope)) continue;
      }
      const after: TraceRow = { ...before, listed: false, deleting: true };
      await ctx.db.replace(traceDoc._id, after);
      await adjustCounters(ctx, traceCounterDeltas(before, after));
      ranks.change(traceTreeEntries(before), []);
      await streams.remove("trace", traceId);
      await streams.remove("root", traceId);
      await changeTraceDictionary(ctx, before, after);
    }
    const batch = [];
    let full = false;
    for await (
      const span of ctx.db.query("ai_spans").withIndex("by_trace_span", (q) => q.eq("traceId", traceId))
    ) {
      batch.push(span);
      docs++;
      bytes += span.data.length;
      if (docs >= Math.min(DELETE_DOCS, maxSpans) || bytes >= DELETE_BYTES) {
        full = true;
        break;
      }
    }
    const branches: [string, number][] = [];
    for (const span of batch) {
      await ctx.db.delete(span._id);
      ranks.change(branchTreeEntries(span), []);
      if (span.branch) branches.push([counterShard(observabilityCounters.branchSpans(), span.traceId), -1]);
      if (span.seq !== undefined) await streams.remove("branch", traceId, span.spanId);
    }
    await adjustCounters(ctx, branches);
    spans += batch.length;
    if (full) {
      await ranks.apply(ctx);
      return { remaining: traceIds.slice(i), spans, traces };
    }
    await ctx.db.delete(traceDoc._id);
    traces++;
  }
  await ranks.apply(ctx);
  return { remaining: [], spans, traces };
}

/** Validator of a position in the delta streams (`deltaCursor.ts`). */
const positionValidator = v.array(v.number());

/** The listed trace row of a stream entry when it matches `filter`. */
function traceVisit(ctx: QueryCtx, filter: SpanFilter): Visit<DeltaEntry, TraceRow> {
  return async ({ traceId }) => {
    const doc = await findTrace(ctx, traceId);
    if (!doc || !doc.listed) return null;
    const row = withoutSystemFields(doc) as TraceRow;
    return matchesFilter(traceTarget(row), filter) ? row : null;
  };
}

/** The branch-anchor span of a stream entry when it matches `filter`. */
function branchVisit(ctx: QueryCtx, filter: SpanFilter): Visit<DeltaEntry, SpanDoc> {
  return async ({ traceId, spanId }) => {
    const span = await findSpan(ctx, traceId, spanId);
    if (!span || !span.branch) return null;
    if (!hasResidual(filter)) return span;
    const summary = summarizeSpan(decodeValue(span.data) as Record<string, unknown>);
    return matchesFilter(spanTarget(span.traceId, summary), filter) ? span : null;
  };
}

/**
 * One bounded step of delta polling over traces, in the order they were
 * first listed: up to `want` traces matching `filter` listed after position
 * `after`, oldest first.
 */
export const traceDelta = internalQuery({
  args: { filter: spanFilterValidator, after: positionValidator, want: v.number() },
  handler: async (ctx, { filter, after, want }): Promise<DeltaStep<TraceListRow>> => {
    const step = await deltaAfter(tracingStream(ctx, "trace"), after, want, traceVisit(ctx, filter));
    return { ...step, rows: await withRoots(ctx, step.rows) };
  },
});

/** One bounded step of the search for the newest trace matching `filter` (see {@link NewestStep}). */
export const traceDeltaNewest = internalQuery({
  args: { filter: spanFilterValidator, before: v.optional(v.array(v.union(v.number(), v.null()))) },
  handler: async (ctx, { filter, before }): Promise<NewestStep> =>
    await deltaNewest(tracingStream(ctx, "trace"), before, traceVisit(ctx, filter)),
});

/**
 * One bounded step of delta polling over branch-anchor spans, in the order
 * they were first written as anchors; rows are encoded span records.
 */
export const branchDelta = internalQuery({
  args: { filter: spanFilterValidator, after: positionValidator, want: v.number() },
  handler: async (ctx, { filter, after, want }): Promise<DeltaStep<string>> => {
    const step = await deltaAfter(tracingStream(ctx, "branch"), after, want, branchVisit(ctx, filter));
    return { ...step, rows: step.rows.map((span) => span.data) };
  },
});

/** One bounded step of the search for the newest branch-anchor span matching `filter`. */
export const branchDeltaNewest = internalQuery({
  args: { filter: spanFilterValidator, before: v.optional(v.array(v.union(v.number(), v.null()))) },
  handler: async (ctx, { filter, before }): Promise<NewestStep> =>
    await deltaNewest(tracingStream(ctx, "branch"), before, branchVisit(ctx, filter)),
});

/** The position after every delta-stream entry written so far (the cursor of a fresh page). */
export const deltaHead = internalQuery({
  args: {},
  handler: async (ctx): Promise<number[]> => await headPosition(ctx),
});
