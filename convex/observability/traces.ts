/**
 * Spans and traces of Mastra's observability (tracing) domain. Internal
 * functions only.
 *
 * Each span is one document holding the whole encoded record; each trace
 * has one row with its root span's filterable fields, its error count and
 * its status, kept current by every span write, so trace lists are index
 * walks over small rows and totals come from counters where an index
 * answers the whole filter.
 */
import { v } from "convex/values";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { adjustCounters, counterShard, readCounter, readShardedCounter } from "../kit/counters.js";
import { observabilityCounters } from "./counterNames.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import {
  type IndexSpec,
  orderValidator,
  planPage,
  type SortRange,
  walk,
  type WalkState,
  walkStateValidator,
} from "../kit/walk.js";
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
import { ROOT_SEQ_COUNTER } from "./traceQueryEval.js";
import { type ListResult, withoutSystemFields } from "../kit/rows.js";
import { recordEntries } from "./discovery.js";
import { dictionaryEntries, type DictionaryEntry } from "./signals.js";
import { changeTraceDictionary, TraceDictionaryBatch } from "./traceDictionary.js";

/** Span documents deleted per `deleteTraces` call, and their byte budget. */
const DELETE_DOCS = 1000;
const DELETE_BYTES = 6 * 1024 * 1024;
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
  if (!row?.listed) return null;
  const values = family.map((field) => {
    const value = (row as Record<string, unknown>)[field];
    return value === undefined ? 0 : value; // 0 marks a missing field (values are strings or null)
  });
  const name = observabilityCounters.tracesOfFamily(family, values);
  // Every listed trace counts in the family without fields: shard it by trace.
  return family.length === 0 ? counterShard(name, row.id) : name;
}

/** Counter changes that take a trace from `before` to `after`. */
function traceCounterDeltas(before: TraceRow | null, after: TraceRow | null): [string, number][] {
  const deltas: [string, number][] = [];
  for (const family of TRACE_FAMILIES) {
    const was = familyCounter(before, family);
    const is = familyCounter(after, family);
    if (was === is) continue;
    if (was !== null) deltas.push([was, -1]);
    if (is !== null) deltas.push([is, 1]);
  }
  return deltas;
}

const ROOT_KEYS = ["rootSize", "startedAt", "endedSort", "status", ...SCALAR_FIELDS, "scope", "metadata", "tags"];

/** The root-span part of a trace row, from the root's summary. */
function rootFields(summary: SpanSummary, size: number): Partial<TraceRow> {
  const fields: Record<string, unknown> = {
    rootSize: size,
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
  /** Last delta-polling sequence number handed out (read once per mutation, written once at the end). */
  #seq: number | undefined;
  #seqTaken = 0;
  /** Same for the root-version sequence of trace-query delta polling (`traceQuery.ts`). */
  #rootSeq: number | undefined;
  #rootSeqTaken = 0;

  constructor(ctx: MutationCtx) {
    this.#ctx = ctx;
  }

  /** Next number of the delta-polling sequence shared by traces and branches. */
  async #nextSeq(): Promise<number> {
    this.#seq ??= await readCounter(this.#ctx, observabilityCounters.observabilitySeq());
    this.#seqTaken++;
    return ++this.#seq;
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
      ...(rootSpanId === spanId ? rootFields(summary, data.length) : before ? keptRootFields(before) : {}),
    };
    if (rootSpanId !== undefined) after.rootSpanId = rootSpanId;
    if (before?.deleting) after.deleting = true;
    const traceSeq = before?.seq ?? (after.listed ? await this.#nextSeq() : undefined);
    if (traceSeq !== undefined) after.seq = traceSeq;
    if (rootSpanId === spanId && after.listed) {
      this.#rootSeq ??= await readCounter(ctx, ROOT_SEQ_COUNTER);
      this.#rootSeqTaken++;
      after.rootSeq = ++this.#rootSeq;
    } else if (before?.rootSeq !== undefined) after.rootSeq = before.rootSeq;
    trace.current = after;

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
    const seq = existing?.seq ?? (branch ? await this.#nextSeq() : undefined);
    if (seq !== undefined) row.seq = seq;
    assertFitsDocument(`span ${spanId} of trace ${traceId}`, row);
    if (existing) await ctx.db.replace(existing._id, row);
    else await ctx.db.insert("ai_spans", row);
    const branchDelta = (branch ? 1 : 0) - (existing?.branch ? 1 : 0);
    if (branchDelta !== 0) this.#deltas.push([counterShard(observabilityCounters.branchSpans(), traceId), branchDelta]);
    this.#entries.push(...dictionaryEntries(record, false));
  }

  /** Writes the changed trace rows and applies the counter changes. */
  async flush(): Promise<void> {
    const dictionary = new TraceDictionaryBatch(); // trace-query discovery (traceDictionary.ts)
    for (const { doc, before, current } of this.#traces.values()) {
      if (current === null || current === before) continue;
      assertFitsDocument(`trace ${current.id}`, current);
      if (doc) await this.#ctx.db.replace(doc._id, current);
      else await this.#ctx.db.insert("ai_traces", current);
      this.#deltas.push(...traceCounterDeltas(before, current));
      dictionary.change(before, current);
    }
    await dictionary.apply(this.#ctx);
    if (this.#seqTaken > 0) this.#deltas.push([observabilityCounters.observabilitySeq(), this.#seqTaken]);
    if (this.#rootSeqTaken > 0) this.#deltas.push([ROOT_SEQ_COUNTER, this.#rootSeqTaken]);
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

/** Fetches the encoded root spans of a page while they fit the inline budget. */
async function withRoots(ctx: QueryCtx, rows: TraceRow[]): Promise<TraceListRow[]> {
  let bytes = 0;
  const out: TraceListRow[] = [];
  for (const row of rows) {
    const item: TraceListRow = { traceId: row.id, rootSpanId: row.rootSpanId!, rootSize: row.rootSize ?? 0 };
    if (bytes + item.rootSize <= INLINE_ROOT_BYTES) {
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
 * range. When that answers the whole filter, the total is a counter and the
 * walk starts from the nearer end; otherwise the remaining conditions are
 * checked on the (small) trace rows and matches are counted as the walk goes.
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
  handler: async (ctx, args): Promise<ListResult<TraceListRow>> => {
    const { filter, sort, order, offset, limit } = args;
    if (filter.traceId !== undefined) {
      const doc = await findTrace(ctx, filter.traceId);
      const row = doc ? withoutSystemFields(doc) as TraceRow : null;
      const match = row !== null && row.listed && matchesFilter(traceTarget(row), filter);
      const rows = match && offset === 0 && limit > 0 ? await withRoots(ctx, [row!]) : [];
      return { rows, next: null, total: match ? 1 : 0, reversed: false };
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
    if (predicate === undefined && range.lower === undefined && range.upper === undefined) {
      const name = observabilityCounters.tracesOfFamily(family, family.map((field) => wanted.get(field)));
      total = family.length === 0 ? await readShardedCounter(ctx, name) : await readCounter(ctx, name);
      state ??= planPage(total, offset, limit, order);
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
 * ordered by its `startedAt` or `endedAt`, ties by (trace id, span id).
 * Unfiltered lists take their total from a counter; filtered ones decode
 * and check each anchor span and count as they go.
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
  handler: async (ctx, args): Promise<ListResult<string>> => {
    const { filter, sort, order, offset, limit } = args;
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
    if (predicate === undefined && range.lower === undefined && range.upper === undefined) {
      total = await readShardedCounter(ctx, observabilityCounters.branchSpans());
      state ??= planPage(total, offset, limit, order);
    } else {
      state ??= { skip: offset, take: limit, matched: 0, order, countAll: true, reversed: false };
    }
    const step = await walk<SpanRow & { _id: unknown }>(ctx.db, spec, state, { range, predicate });
    if (state.countAll && step.next === null) total = step.matched;
    return { rows: step.rows.map((doc) => doc.data), next: step.next, total, reversed: state.reversed };
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
        if (docs >= DELETE_DOCS || bytes >= DELETE_BYTES) {
          full = true;
          break;
        }
      }
      const branches: [string, number][] = [];
      for (const span of batch) {
        await ctx.db.delete(span._id);
        if (span.branch) branches.push([counterShard(observabilityCounters.branchSpans(), span.traceId), -1]);
      }
      await adjustCounters(ctx, branches);
      if (full) return { remaining: traceIds.slice(i) };
      await ctx.db.delete(traceDoc._id);
    }
    return { remaining: [] };
  },
});

/**
 * Budget of the search for the newest matching row (the delta cursor a
 * page answer carries): one call, then clients fall back to the newest row.
 */
const MAX_SEARCH_BUDGET = { docs: 1000, bytes: 2 * 1024 * 1024 };

/** Validator of what a delta step looks for. */
const deltaModeValidator = v.union(v.literal("max"), v.literal("after"));

/**
 * One bounded step of delta polling over traces, in the order traces were
 * first listed (`seq`). `max` finds the newest matching trace (one row,
 * walking back from the newest); `after` returns up to `limit` matching
 * traces listed after sequence number `after`, oldest first.
 */
export const traceDelta = internalQuery({
  args: {
    filter: spanFilterValidator,
    mode: deltaModeValidator,
    after: v.optional(v.number()),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { filter, mode, after, limit, state }): Promise<ListResult<TraceListRow>> => {
    const spec: IndexSpec = { table: "ai_traces", index: "by_seq", eq: [["listed", true]], sortField: "seq" };
    const range: SortRange = mode === "after" && after !== undefined
      ? { lower: { value: after, inclusive: false } }
      : {};
    const start: WalkState = state ?? {
      skip: 0,
      take: mode === "max" ? 1 : limit,
      matched: 0,
      order: mode === "max" ? "desc" : "asc",
      countAll: false,
      reversed: false,
    };
    const predicate = hasResidual(filter) ? (doc: TraceRow) => matchesFilter(traceTarget(doc), filter) : undefined;
    const budget = mode === "max" ? MAX_SEARCH_BUDGET : undefined;
    const step = await walk<TraceRow & { _id: unknown }>(ctx.db, spec, start, { range, predicate, budget });
    const rows = step.rows.map((doc) => withoutSystemFields(doc) as TraceRow);
    const listed = mode === "max"
      ? rows.map((row) => ({ traceId: row.id, rootSpanId: row.rootSpanId!, rootSize: 0, seq: row.seq }))
      : (await withRoots(ctx, rows)).map((item, i) => ({ ...item, seq: rows[i].seq }));
    return { rows: listed, next: step.next, total: null, reversed: false };
  },
});

/**
 * One bounded step of delta polling over branch-anchor spans, in the order
 * they were first written as anchors (`seq`); same modes as `traceDelta`.
 * Rows are `{ seq, data }` with the encoded span record.
 */
export const branchDelta = internalQuery({
  args: {
    filter: spanFilterValidator,
    mode: deltaModeValidator,
    after: v.optional(v.number()),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, { filter, mode, after, limit, state }): Promise<ListResult<{ seq: number; data: string }>> => {
    const spec: IndexSpec = {
      table: "ai_spans",
      index: "by_branch_seq",
      eq: [["branch", true]],
      sortField: "seq",
    };
    const range: SortRange = mode === "after" && after !== undefined
      ? { lower: { value: after, inclusive: false } }
      : {};
    const start: WalkState = state ?? {
      skip: 0,
      take: mode === "max" ? 1 : limit,
      matched: 0,
      order: mode === "max" ? "desc" : "asc",
      countAll: false,
      reversed: false,
    };
    const predicate = hasResidual(filter)
      ? (doc: SpanRow) =>
        matchesFilter(spanTarget(doc.traceId, summarizeSpan(decodeValue(doc.data) as Record<string, unknown>)), filter)
      : undefined;
    const budget = mode === "max" ? MAX_SEARCH_BUDGET : undefined;
    const step = await walk<SpanRow & { _id: unknown }>(ctx.db, spec, start, { range, predicate, budget });
    return {
      rows: step.rows.map((doc) => ({ seq: doc.seq!, data: mode === "max" ? "" : doc.data })),
      next: step.next,
      total: null,
      reversed: false,
    };
  },
});
