/**
 * Core's trace-query plans (Mastra Studio's trace explorer) over the trace rows of
 * `observability/tracing/traces.ts`. Internal functions only.
 *
 * One function, {@link scan}, walks the eligible traces of a plan: rows of `ai_traces`
 * whose root span has ended, started inside the plan's `[from, to)` and belongs to the
 * plan's tenant scope, in the plan's order, and evaluates the plan's predicate on each
 * (`traceQueryEval.ts`), loading a trace's spans (`ai_spans`), scores (`obs_scores`) or feedback
 * (`obs_feedback`) only when the predicate relates to them.
 *
 * Cost per call: at most {@link SCAN_DOCS} documents read (trace rows + the related
 * records of traces whose predicate needs them + root spans of matches) and
 * {@link MAX_CALLS} index queries, then the call returns its position and the client
 * resumes. The index walked is the trace family (`TRACE_FAMILIES`) with the most
 * equality conditions among the plan's top-level conjunction and its tenant scope, sorted
 * by `startedAt` with the time range as index range, so a common keyset plan (time range
 * + entityType / entityName / status / resourceId / threadId / environment / tenant,
 * by `startedAt`, either direction) reads only matching rows: limit + 1 + ties trace
 * rows plus one root span per row returned, whatever the table size.
 *
 * Walks (exact, resumable, cost = rows of the chosen index inside the time range, plus
 * their related records when a relation needs them): conditions no index answers
 * (`or`, `not`, `ne`, `in`, comparisons on times or durations, tags, metadata, relations
 * over spans / scores / feedback, traceId); ordering by `endedAt` (no range on it: the
 * walk covers the family's whole index from the requested end); page mode (counts every
 * match for `total`); threads and groups (every eligible trace of the range); discovery
 * (`discover`: every eligible trace of the range and, for span / score / feedback
 * values, their records). Delta polls (`delta`) walk root writes after the watermark.
 */
import { v } from "convex/values";
import { decodeOptional, decodeValue } from "../../kit/codec.js";
import { internalQuery, type QueryCtx } from "../../kit/functions.js";
import { storageError } from "../../kit/errors.js";
import { orderValidator } from "../../kit/walk.js";
import { NOT_ENDED, TRACE_FAMILIES, traceIndexName, type TraceRow } from "../tracing/validators.js";
import { DeltaMerge, headPosition, tracingStream } from "../streams/deltaStreams.js";
import { DELTA_SHARDS } from "../streams/deltaCursor.js";
import {
  checkPredicate,
  conjunctEqualities,
  evalTrace,
  type FieldReader,
  type FieldValue,
  relatedCollections,
  TracePlanError,
  type TracePredicate,
  type TraceSubject,
} from "./traceQueryEval.js";

/** Documents one scan call reads at most (well inside Convex's 32,000 scanned / 4,096 calls). */
export const SCAN_DOCS = 3000;
/** Index queries one call makes at most (Convex allows 4,096 `db.get` + `db.query` calls per transaction). */
export const MAX_CALLS = 3000;
/** Spans of one trace a span relation reads at most (one trace is evaluated within one call). */
export const MAX_TRACE_SPANS = 8000;
/** Root spans inlined into one answer at most (bytes); the client fetches the rest. */
const INLINE_ROOT_BYTES = 4 * 1024 * 1024;

/** Trace fields the trace-family indexes can match by equality. */
const INDEXED_FIELDS = ["entityType", "entityName", "resourceId", "threadId", "environment", "status"] as const;

/** Validator of the tenant scope (core's `TraceQueryTenantScope`). */
export const tenantScopeValidator = v.object({ organizationId: v.string(), resourceId: v.optional(v.string()) });

/** Validator of a walk position: last row processed (sort value, trace id). */
const positionValidator = v.object({ value: v.number(), id: v.string() });

/** One eligible trace that matched: its sort key, thread, relation bits and (for trace results) its root. */
export type ScanRow = {
  traceId: string;
  sortValue: number;
  threadId: string | null;
  /** Per thread relation (see `threadRelations`): did this trace match it. */
  bits?: boolean[];
  rootSpanId?: string;
  /** Encoded root span, when it fit the answer; otherwise the client fetches it. */
  root?: string;
  startedAt?: number;
  endedAt?: number;
  status?: string;
};

/** Answer of one scan call. */
export type ScanResult = {
  rows: ScanRow[];
  /** Position to resume from, or `null` once the walk is complete. */
  next: { value: number; id: string } | null;
  /** Documents this call read. */
  reads: number;
  /** True when the call stopped because it had `want` matches and their ties. */
  satisfied: boolean;
};

function traceReader(row: TraceRow): FieldReader {
  let metadata: Record<string, unknown> | null | undefined;
  let tags: string[] | undefined;
  return (field: string): FieldValue => {
    switch (field) {
      case "traceId":
        return row.id;
      case "startedAt":
        return row.startedAt;
      case "endedAt":
        return row.endedSort;
      case "durationMs":
        return (row.endedSort ?? 0) - (row.startedAt ?? 0);
      case "status":
        return row.status === "error" ? "error" : "success";
      case "tags": {
        if (tags === undefined) {
          const value = decodeOptional(row.tags);
          tags = Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === "string") : [];
        }
        return tags;
      }
      default: {
        if (field.startsWith("metadata.")) {
          if (metadata === undefined) {
            const value = decodeOptional(row.metadata);
            metadata = value !== null && typeof value === "object" && !Array.isArray(value)
              ? value as Record<string, unknown>
              : null;
          }
          const raw = metadata?.[field.slice(9)];
          if (typeof raw !== "string") return null;
          const trimmed = raw.trim();
          return trimmed === "" ? null : trimmed;
        }
        const value = (row as Record<string, unknown>)[field];
        return typeof value === "string" ? value : null;
      }
    }
  };
}

function millis(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const ms = typeof value === "number" ? value : new Date(value as string).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Field reader over a decoded span record (core's span fields of the trace-query registry). */
export function spanReader(record: Record<string, unknown>): FieldReader {
  return (field: string): FieldValue => {
    switch (field) {
      case "model":
      case "provider": {
        const attributes = record.attributes as Record<string, unknown> | null | undefined;
        const value = attributes && typeof attributes === "object" ? attributes[field] : undefined;
        return typeof value === "string" ? value : null;
      }
      case "startedAt":
        return millis(record.startedAt);
      case "endedAt":
        return millis(record.endedAt);
      case "durationMs": {
        const started = millis(record.startedAt);
        const ended = millis(record.endedAt);
        return started === null || ended === null ? null : ended - started;
      }
      case "status":
        return record.error != null ? "error" : "success";
      case "error":
        return record.error != null ? "error" : null;
      default: {
        const value = record[field];
        return typeof value === "string" ? value : null;
      }
    }
  };
}

/**
 * Field reader over a decoded score or feedback record (core's score and feedback fields
 * of the trace-query registry): `timestamp` as epoch ms, `score` a number, feedback's
 * `value` a number or a string (a predicate's literal type picks which it can match, as
 * in the reference store's `valueNumber` / `valueString` columns), the rest strings.
 */
export function signalReader(record: Record<string, unknown>): FieldReader {
  return (field: string): FieldValue => {
    if (field === "timestamp") return millis(record.timestamp);
    const value = record[field];
    if (field === "score") return typeof value === "number" ? value : null;
    if (field === "value") return typeof value === "number" || typeof value === "string" ? value : null;
    return typeof value === "string" ? value : null;
  };
}

function inScope(record: Record<string, unknown>, scope: { organizationId: string; resourceId?: string } | undefined) {
  if (!scope) return true;
  if (record.organizationId !== scope.organizationId) return false;
  return scope.resourceId === undefined || record.resourceId === scope.resourceId;
}

/** Parses and checks a JSON list of trace predicates; refuses any element the evaluator does not understand. */
function parsePredicates(text: string | undefined, name: string): TracePredicate[] {
  if (text === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw storageError("INVALID", "trace-query predicates must be JSON");
  }
  if (!Array.isArray(parsed)) throw storageError("INVALID", `${name} must be a JSON array of predicates`);
  try {
    parsed.forEach((predicate, i) => checkPredicate(predicate, "trace", `${name}[${i}]`));
  } catch (error) {
    if (error instanceof TracePlanError) {
      throw storageError("INVALID", `unsupported trace-query plan: ${error.message}`);
    }
    throw error;
  }
  return parsed as TracePredicate[];
}

/**
 * One bounded step of walking a plan's eligible traces (see the module comment).
 *
 * `where` is the trace predicate every returned row must match; `bits` are further
 * predicates (a thread plan's relations) evaluated on every returned row. Rows come in
 * walk order; with `want`, the call stops after `want` matches once the sort value
 * changes (so ties are complete) — `want: 0` with `tie` finishes a tie group only.
 */
export const scan = internalQuery({
  args: {
    from: v.number(),
    to: v.number(),
    /** JSON of `[where]` or `[]`. */
    where: v.optional(v.string()),
    /** JSON of the predicates to report per row (thread relations). */
    bits: v.optional(v.string()),
    scope: v.optional(tenantScopeValidator),
    sort: v.union(v.literal("startedAt"), v.literal("endedAt")),
    order: orderValidator,
    /** Resume strictly after this position (walk order). */
    after: v.optional(positionValidator),
    /** Keyset cursor: start at this sort value, ties only with a larger trace id. */
    cursor: v.optional(positionValidator),
    want: v.optional(v.number()),
    tie: v.optional(v.number()),
    /** Return the encoded root span of each row (trace results). */
    withRoot: v.boolean(),
    /** Documents to read at most (default {@link SCAN_DOCS}). */
    budget: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<ScanResult> => {
    const [where] = parsePredicates(args.where, "where");
    const bits = parsePredicates(args.bits, "bits");
    const related = relatedCollections(where);
    for (const predicate of bits) relatedCollections(predicate, related);
    const budget = Math.max(1, Math.min(args.budget ?? SCAN_DOCS, SCAN_DOCS));

    // Index: the trace family with the most equality conditions the plan guarantees.
    const wanted = conjunctEqualities(where, INDEXED_FIELDS);
    if (args.scope) {
      wanted.set("organizationId", args.scope.organizationId);
      if (args.scope.resourceId !== undefined) wanted.set("resourceId", args.scope.resourceId);
    }
    let family: readonly string[] = [];
    for (const candidate of TRACE_FAMILIES) {
      if (candidate.length > family.length && candidate.every((field) => wanted.has(field))) family = candidate;
    }
    const sortField = args.sort === "startedAt" ? "startedAt" : "endedSort";
    const index = traceIndexName(family, sortField);
    // deno-lint-ignore no-explicit-any
    const prefix = (q: any) => family.reduce((acc, field) => acc.eq(field, wanted.get(field)), q.eq("listed", true));
    // deno-lint-ignore no-explicit-any
    const bound = (q: any) =>
      sortField === "startedAt" ? q.gte("startedAt", args.from).lt("startedAt", args.to) : q.lt("endedSort", NOT_ENDED);
    const desc = args.order === "desc";

    // deno-lint-ignore no-explicit-any
    const table = () => ctx.db.query("ai_traces") as any;
    async function* stream(): AsyncGenerator<TraceRow> {
      const start = args.after ?? args.cursor;
      if (start === undefined) {
        yield* table().withIndex(index, (q: unknown) => bound(prefix(q))).order(args.order);
        return;
      }
      const inRange = (value: number) =>
        sortField === "startedAt" ? value >= args.from && value < args.to : value < NOT_ENDED;
      if (inRange(start.value)) {
        // rows tied with the start position
        const ties = args.after
          ? (q: unknown) => prefix(q).eq(sortField, start.value)[desc ? "lt" : "gt"]("id", start.id)
          : (q: unknown) => prefix(q).eq(sortField, start.value).gt("id", start.id);
        yield* table().withIndex(index, ties).order(args.order);
      }
      // deno-lint-ignore no-explicit-any
      yield* table().withIndex(index, (q: any) => {
        const p = prefix(q);
        if (sortField === "startedAt") {
          return desc ? p.gte("startedAt", args.from).lt("startedAt", start.value) : p.gt("startedAt", start.value).lt(
            "startedAt",
            args.to,
          );
        }
        return desc ? p.lt("endedSort", start.value) : p.gt("endedSort", start.value).lt("endedSort", NOT_ENDED);
      }).order(args.order);
    }

    const rows: ScanRow[] = [];
    let reads = 0;
    let calls = 0;
    let rootBytes = 0;
    let last: { value: number; id: string } | undefined = args.after;
    let matched = 0;
    let stopValue = args.want === 0 ? args.tie : undefined;
    let exhausted = true;
    let satisfied = false;
    for await (const row of stream()) {
      const sortValue = (row as unknown as Record<string, number>)[sortField];
      if (args.want !== undefined && (args.want === 0 || matched >= args.want)) {
        if (stopValue === undefined || sortValue !== stopValue) {
          exhausted = false;
          satisfied = true;
          break;
        }
      }
      if (reads >= budget || calls >= MAX_CALLS) {
        exhausted = false;
        break;
      }
      reads++;
      last = { value: sortValue, id: row.id };
      if (args.cursor && sortValue === args.cursor.value && row.id <= args.cursor.id) continue;
      const evaluated = await evaluate(ctx, row, args, related);
      reads += evaluated.reads;
      calls += evaluated.calls;
      if (evaluated.subject === null) continue;
      const subject = evaluated.subject;
      if (where && !evalTrace(where, subject)) continue;
      matched++;
      if (args.want !== undefined) stopValue = sortValue;
      const out: ScanRow = {
        traceId: row.id,
        sortValue,
        threadId: typeof row.threadId === "string" ? row.threadId : null,
      };
      if (bits.length > 0) out.bits = bits.map((predicate) => evalTrace(predicate, subject));
      if (args.withRoot) {
        out.rootSpanId = row.rootSpanId;
        out.startedAt = row.startedAt;
        out.endedAt = row.endedSort;
        out.status = row.status === "error" ? "error" : "success";
        if (rootBytes + (row.rootSize ?? 0) <= INLINE_ROOT_BYTES) {
          const root = await findRoot(ctx, row);
          reads++;
          calls++;
          if (root !== undefined) {
            out.root = root;
            rootBytes += root.length;
          }
        }
      }
      rows.push(out);
    }
    return { rows, next: exhausted ? null : (last ?? null), reads, satisfied };
  },
});

/** Whether a trace row is eligible (ended root, started in `[from, to)`, in scope) and, if so, its predicate subject. */
async function evaluate(
  ctx: QueryCtx,
  row: TraceRow,
  args: { from: number; to: number; scope?: { organizationId: string; resourceId?: string } },
  related: Set<string>,
): Promise<{ subject: TraceSubject | null; reads: number; calls: number }> {
  let reads = 0;
  let calls = 0;
  if (row.endedSort === undefined || row.endedSort >= NOT_ENDED || row.startedAt === undefined) {
    return { subject: null, reads, calls };
  }
  if (row.startedAt < args.from || row.startedAt >= args.to) return { subject: null, reads, calls };
  if (args.scope && !inScope(row as Record<string, unknown>, args.scope)) return { subject: null, reads, calls };
  let spans: FieldReader[] | undefined;
  const signals: Record<string, FieldReader[]> = {};
  const subject: TraceSubject = {
    read: traceReader(row),
    related: (collection: string): FieldReader[] => (collection === "spans" ? spans : signals[collection]) ?? [],
  };
  for (const [collection, table] of [["scores", "obs_scores"], ["feedback", "obs_feedback"]] as const) {
    if (!related.has(collection)) continue;
    const docs = await ctx.db.query(table).withIndex("by_trace_timestamp", (q) => q.eq("traceId", row.id))
      .take(MAX_TRACE_SPANS + 1);
    if (docs.length > MAX_TRACE_SPANS) {
      throw storageError("TOO_LARGE", `trace ${row.id} has more than ${MAX_TRACE_SPANS} ${collection} records`);
    }
    reads += docs.length;
    calls++;
    signals[collection] = [];
    for (const doc of docs) {
      const record = decodeValue(doc.data) as Record<string, unknown>;
      if (inScope(record, args.scope)) signals[collection].push(signalReader(record));
    }
  }
  if (related.has("spans")) {
    spans = [];
    const docs = await ctx.db.query("ai_spans").withIndex("by_trace_startedAt", (q) => q.eq("traceId", row.id))
      .take(MAX_TRACE_SPANS + 1);
    if (docs.length > MAX_TRACE_SPANS) {
      throw storageError(
        "TOO_LARGE",
        `trace ${row.id} has more than ${MAX_TRACE_SPANS} spans: span relations cannot be evaluated`,
      );
    }
    reads += docs.length;
    calls++;
    for (const doc of docs) {
      const record = decodeValue(doc.data) as Record<string, unknown>;
      if (inScope(record, args.scope)) spans.push(spanReader(record));
    }
  }
  return { subject, reads, calls };
}

/** The trace-result part of a scan row (status, times, root span inlined when it fits). */
async function withRoot(ctx: QueryCtx, row: TraceRow, out: ScanRow, rootBytes: number): Promise<number> {
  out.rootSpanId = row.rootSpanId;
  out.startedAt = row.startedAt;
  out.endedAt = row.endedSort;
  out.status = row.status === "error" ? "error" : "success";
  if (rootBytes + (row.rootSize ?? 0) > INLINE_ROOT_BYTES) return 0;
  const root = await findRoot(ctx, row);
  if (root === undefined) return 1;
  out.root = root;
  return 1 + root.length;
}

/** Answer of one delta-poll call. */
export type DeltaResult = {
  /** Matches in root-write order (`sortValue`: the root write's number in its shard). */
  rows: ScanRow[];
  /** `positions[i]`: the delta position (`deltaCursor.ts`) just after `rows[i]`. */
  positions: number[][];
  /** Position after the last root write read, to resume from, or `null` once every write so far was read. */
  next: number[] | null;
  /** Position after every root write so far when this call ran. */
  horizon: number[];
  reads: number;
};

/**
 * One bounded step of trace-query delta polling: listed traces whose root span was
 * written after position `after` (oldest write first, across the shards of the
 * `root` delta stream, `deltaStreams.ts`), that are eligible for the plan and match
 * its predicate; at most `want` matches, at most {@link SCAN_DOCS} rows read.
 * A trace whose root is rewritten comes again (as core's reference store re-emits it).
 */
export const delta = internalQuery({
  args: {
    from: v.number(),
    to: v.number(),
    where: v.optional(v.string()),
    scope: v.optional(tenantScopeValidator),
    after: v.array(v.number()),
    want: v.number(),
    budget: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<DeltaResult> => {
    const [where] = parsePredicates(args.where, "where");
    const related = relatedCollections(where);
    const budget = Math.max(1, Math.min(args.budget ?? SCAN_DOCS, SCAN_DOCS));
    if (args.after.length !== DELTA_SHARDS) throw storageError("INVALID", "invalid delta position");
    const horizon = await headPosition(ctx);
    const rows: ScanRow[] = [];
    const positions: number[][] = [];
    const merge = new DeltaMerge(tracingStream(ctx, "root"), args.after, "asc");
    const position = [...args.after];
    let reads = 0;
    let calls = DELTA_SHARDS;
    let rootBytes = 0;
    for (;;) {
      if (rows.length >= args.want || reads + merge.reads >= budget || calls >= MAX_CALLS) {
        return { rows, positions, next: position, horizon, reads: reads + merge.reads };
      }
      const entry = await merge.next();
      if (entry === null) break;
      position[entry.shard] = entry.seq;
      const row = await ctx.db.query("ai_traces").withIndex("by_mastra_id", (q) => q.eq("id", entry.traceId))
        .unique();
      reads++;
      calls++;
      if (!row || !row.listed) continue;
      const trace = row as unknown as TraceRow;
      const evaluated = await evaluate(ctx, trace, args, related);
      reads += evaluated.reads;
      calls += evaluated.calls;
      if (evaluated.subject === null || (where && !evalTrace(where, evaluated.subject))) continue;
      const out: ScanRow = {
        traceId: trace.id,
        sortValue: entry.seq,
        threadId: typeof trace.threadId === "string" ? trace.threadId : null,
      };
      const used = await withRoot(ctx, trace, out, rootBytes);
      calls++;
      reads += used > 0 ? 1 : 0;
      rootBytes += Math.max(0, used - 1);
      rows.push(out);
      positions.push([...position]);
    }
    return { rows, positions, next: null, horizon, reads: reads + merge.reads };
  },
});

/** Position after every root write so far (the watermark a fresh delta cursor starts from). */
export const horizon = internalQuery({
  args: {},
  handler: async (ctx): Promise<number[]> => await headPosition(ctx),
});

async function findRoot(ctx: QueryCtx, row: TraceRow): Promise<string | undefined> {
  if (row.rootSpanId === undefined) return undefined;
  const doc = await ctx.db.query("ai_spans").withIndex(
    "by_trace_span",
    (q) => q.eq("traceId", row.id).eq("spanId", row.rootSpanId!),
  ).unique();
  return doc?.data;
}

/** Returns the scan rows (with encoded roots) of the given eligible traces, for page-mode pages. */
export const rows = internalQuery({
  args: { traceIds: v.array(v.string()) },
  handler: async (ctx, { traceIds }): Promise<ScanRow[]> => {
    const out: ScanRow[] = [];
    let rootBytes = 0;
    for (const traceId of traceIds) {
      const row = await ctx.db.query("ai_traces").withIndex("by_mastra_id", (q) => q.eq("id", traceId)).unique();
      if (!row || !row.listed || row.startedAt === undefined || row.endedSort === undefined) continue;
      const item: ScanRow = {
        traceId,
        sortValue: row.startedAt,
        threadId: typeof row.threadId === "string" ? row.threadId : null,
        rootSpanId: row.rootSpanId,
        startedAt: row.startedAt,
        endedAt: row.endedSort,
        status: row.status === "error" ? "error" : "success",
      };
      if (rootBytes + (row.rootSize ?? 0) <= INLINE_ROOT_BYTES) {
        const root = await findRoot(ctx, row as TraceRow);
        if (root !== undefined) {
          item.root = root;
          rootBytes += root.length;
        }
      }
      out.push(item);
    }
    return out;
  },
});

/** Answer of one discovery call: counts found by this call (the client sums them) and where to resume. */
export type DiscoverResult = { counts: [string, number][]; next: { value: number; id: string } | null; reads: number };

/**
 * One bounded step of discovery over a plan's eligible traces (walked by `startedAt`
 * inside `[from, to)` and the tenant scope): with `path` absent, counts the root
 * metadata keys that hold a non-empty string (core's observed fields); with `path`,
 * counts the values of that field on the roots (`scope: "trace"`) or on their spans,
 * scores or feedback. At most {@link SCAN_DOCS} trace rows and their spans per call.
 */
export const discover = internalQuery({
  args: {
    from: v.number(),
    to: v.number(),
    scope: v.optional(tenantScopeValidator),
    predicateScope: v.union(v.literal("trace"), v.literal("spans"), v.literal("scores"), v.literal("feedback")),
    path: v.optional(v.string()),
    after: v.optional(positionValidator),
    /** Trace rows to read at most (default and cap {@link SCAN_DOCS}). */
    budget: v.optional(v.number()),
  },
  handler: async (ctx, args): Promise<DiscoverResult> => {
    const budget = Math.max(1, Math.min(args.budget ?? SCAN_DOCS, SCAN_DOCS));
    const family = args.scope ? (args.scope.resourceId !== undefined ? ["resourceId"] : ["organizationId"]) : [];
    const index = traceIndexName(family, "startedAt");
    const eqValue = args.scope?.resourceId ?? args.scope?.organizationId;
    // deno-lint-ignore no-explicit-any
    const prefix = (q: any) => family.length === 0 ? q.eq("listed", true) : q.eq("listed", true).eq(family[0], eqValue);
    // deno-lint-ignore no-explicit-any
    const table = () => ctx.db.query("ai_traces") as any;
    const after = args.after;
    async function* stream(): AsyncGenerator<TraceRow> {
      if (after) {
        yield* table().withIndex(index, (q: unknown) => prefix(q).eq("startedAt", after.value).gt("id", after.id));
        yield* table().withIndex(
          index,
          (q: unknown) => prefix(q).gt("startedAt", after.value).lt("startedAt", args.to),
        );
      } else {
        yield* table().withIndex(index, (q: unknown) => prefix(q).gte("startedAt", args.from).lt("startedAt", args.to));
      }
    }
    const counts = new Map<string, number>();
    const bump = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);
    let reads = 0;
    let calls = 0;
    let last = after;
    let exhausted = true;
    for await (const row of stream()) {
      if (reads >= budget || calls >= MAX_CALLS) {
        exhausted = false;
        break;
      }
      reads++;
      last = { value: row.startedAt!, id: row.id };
      if (row.endedSort === undefined || row.endedSort >= NOT_ENDED) continue;
      if (args.scope && !inScope(row as Record<string, unknown>, args.scope)) continue;
      if (args.path === undefined) {
        const metadata = decodeOptional(row.metadata);
        if (metadata === null || typeof metadata !== "object" || Array.isArray(metadata)) continue;
        for (const [key, value] of Object.entries(metadata as Record<string, unknown>)) {
          if (typeof value !== "string" || value.trim() === "" || key === "" || key.includes(".")) continue;
          if (utf8Length(`metadata.${key}`) > 128 || utf8Length(value) > 4096) continue;
          bump(`metadata.${key}`);
        }
        continue;
      }
      if (args.predicateScope === "trace") {
        const value = traceReader(row)(args.path);
        if (Array.isArray(value)) new Set(value).forEach(bump);
        else if (value !== null && value !== undefined) bump(String(value));
        continue;
      }
      const evaluated = await evaluate(ctx, row, args, new Set([args.predicateScope]));
      reads += evaluated.reads;
      calls += evaluated.calls;
      for (const read of evaluated.subject?.related(args.predicateScope) ?? []) {
        const value = read(args.path);
        if (value !== null && value !== undefined && !Array.isArray(value)) bump(String(value));
      }
    }
    return { counts: [...counts], next: exhausted ? null : (last ?? null), reads };
  },
});

function utf8Length(text: string): number {
  return new TextEncoder().encode(text).length;
}
