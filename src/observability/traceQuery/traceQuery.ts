/**
 * Core's trace-query group (Mastra Studio's trace explorer) on Convex:
 * `queryTraces`, `queryThreads`, `getTraceQueryObservedFields` and
 * `getTraceQueryValues`, over `convex/observability/traceQuery/traceQuery.ts`.
 *
 * The server walks a plan's eligible traces in bounded calls and evaluates the plan
 * there (tenant scope included, so rows of another tenant never leave the server);
 * this side resumes the walk until the page is complete, orders ties by trace id as
 * core's reference store does, and shapes the answers with core's own schemas and
 * cursor encoders.
 */
import {
  buildInputPreview,
  compareTraceQueryStrings,
  createTraceQueryObservedFieldDescriptor,
  encodeTraceQueryCursor,
  encodeTraceQueryDeltaCursor,
  getTraceQueryDeltaWatermark,
  type GetTraceQueryValuesResponse,
  type QueryThreadsResult,
  type SpanRecord,
  TraceQueryCursorError,
  type TraceQueryObservedFieldsResult,
  type TraceQueryResponse,
  type TraceQueryTrace,
  type TrustedThreadQueryPlan,
  type TrustedTraceQueryObservedFieldsPlan,
  type TrustedTraceQueryPlan,
  type TrustedTraceQueryValuesPlan,
} from "@mastra/core/storage";
import type {
  DeltaResult,
  DiscoverResult,
  ScanResult,
  ScanRow,
} from "../../../convex/observability/traceQuery/traceQuery.ts";
import type { DictionaryCounts, DictionaryPlan } from "../../../convex/observability/tracing/traceDictionary.ts";
import {
  checkPredicate,
  dictionaryServesPath,
  evalThread,
  type ThreadPredicate,
  threadRelations,
  TracePlanError,
} from "../../../convex/observability/traceQuery/traceQueryEval.ts";
import type { DomainContext } from "../../kit/context.ts";
import { decodePosition, encodePosition, maxPosition } from "../../../convex/observability/streams/deltaCursor.ts";
import { InvalidInputError, withErrorContext } from "../../kit/errors.ts";
import { decodeSpan } from "../tracing/rows.ts";

type Position = { value: number; id: string };
type ScanArgs = {
  from: number;
  to: number;
  where?: string;
  bits?: string;
  scope?: { organizationId: string; resourceId?: string };
  sort: "startedAt" | "endedAt";
  order: "asc" | "desc";
  cursor?: Position;
  withRoot: boolean;
};

/** Trace-query features this store implements (announced by `getFeatures`). */
export const TRACE_QUERY_FEATURES = [
  "trace-query",
  "trace-query-root-duration",
  "trace-query-discovery",
  "thread-query",
  "trace-query-tenant-scope",
] as const;

function scope(plan: { scope?: { organizationId: string; resourceId?: string } }): ScanArgs["scope"] {
  if (!plan.scope) return undefined;
  return plan.scope.resourceId === undefined
    ? { organizationId: plan.scope.organizationId }
    : { organizationId: plan.scope.organizationId, resourceId: plan.scope.resourceId };
}

/** Documents per scan call requested from the server (`undefined`: its default). */
let scanBudget: number | undefined;

/**
 * Sets the documents each scan / discovery call may read (server default when
 * `undefined`; the server caps it). Small budgets force many resumed calls: tests use this.
 */
export function setTraceQueryScanBudget(budget: number | undefined): void {
  scanBudget = budget;
}

async function scanStep(
  ctx: DomainContext,
  operation: string,
  args: ScanArgs,
  extra: { after?: Position; want?: number; tie?: number },
): Promise<ScanResult> {
  const budget = scanBudget === undefined ? {} : { budget: scanBudget };
  return await ctx.transport.query<ScanResult>("observability/traceQuery/traceQuery:scan", {
    ...args,
    ...extra,
    ...budget,
  }, {
    operation,
    details: { from: args.from, to: args.to },
  });
}

/** Walks until `limit + 1` matches and their ties are in hand (or the walk ends). */
async function collectTop(ctx: DomainContext, operation: string, args: ScanArgs, limit: number): Promise<ScanRow[]> {
  const rows: ScanRow[] = [];
  let after: Position | undefined;
  for (;;) {
    const need = limit + 1 - rows.length;
    const tie = need <= 0 ? rows.at(-1)?.sortValue : undefined;
    const step = await scanStep(ctx, operation, args, { after, want: Math.max(need, 0), tie });
    rows.push(...step.rows);
    if (step.next === null || step.satisfied) break;
    after = step.next;
  }
  return rows;
}

/** Walks the whole eligible set. */
async function collectAll(ctx: DomainContext, operation: string, args: ScanArgs): Promise<ScanRow[]> {
  const rows: ScanRow[] = [];
  let after: Position | undefined;
  for (;;) {
    const step = await scanStep(ctx, operation, args, { after });
    rows.push(...step.rows);
    if (step.next === null) break;
    after = step.next;
  }
  return rows;
}

function byPlanOrder(direction: "asc" | "desc") {
  return (a: ScanRow, b: ScanRow): number =>
    (a.sortValue === b.sortValue ? 0 : (a.sortValue < b.sortValue ? -1 : 1) * (direction === "asc" ? 1 : -1)) ||
    compareTraceQueryStrings(a.traceId, b.traceId);
}

async function toTraces(ctx: DomainContext, operation: string, rows: ScanRow[]): Promise<TraceQueryTrace[]> {
  const missing = rows.filter((row) => row.root === undefined).map((row) => row.traceId);
  const fetched = new Map<string, ScanRow>();
  for (let i = 0; i < missing.length; i += 20) {
    const chunk = await ctx.transport.query<ScanRow[]>("observability/traceQuery/traceQuery:rows", {
      traceIds: missing.slice(i, i + 20),
    }, { operation, details: { count: missing.length } });
    for (const row of chunk) fetched.set(row.traceId, row);
  }
  const out: TraceQueryTrace[] = [];
  for (const listed of rows) {
    const row = listed.root !== undefined ? listed : fetched.get(listed.traceId);
    const data = row?.root;
    if (row === undefined || data === undefined) continue; // deleted meanwhile
    const root = decodeSpan(data) as SpanRecord;
    const started = new Date(row.startedAt!).toISOString();
    const text = (value: unknown) => (typeof value === "string" ? value : null);
    out.push({
      traceId: row.traceId,
      rootSpanId: row.rootSpanId ?? root.spanId,
      name: root.name,
      entityId: text(root.entityId),
      parentSpanId: null,
      createdAt: started,
      metadata: (root.metadata ?? null) as Record<string, unknown> | null,
      inputPreview: buildInputPreview(root.input) ?? null,
      threadId: text(root.threadId),
      resourceId: text(root.resourceId),
      startedAt: started,
      endedAt: new Date(row.endedAt!).toISOString(),
      entityName: text(root.entityName),
      entityType: text(root.entityType),
      environment: text(root.environment),
      status: row.status === "error" ? "error" : "success",
    });
  }
  return out;
}

/** Adapter name bound into our delta cursors (core checks it before handing us the watermark). */
const DELTA_ADAPTER = "convex";

/**
 * Delta poll of a trace query: eligible matching traces whose root span was written
 * after the cursor's watermark (a root-write sequence number), oldest write first.
 * Without a cursor, answers no rows and a cursor at the current watermark (as core's
 * reference store does).
 */
async function deltaPoll(
  ctx: DomainContext,
  operation: string,
  plan: Extract<TrustedTraceQueryPlan, { paginationMode: "delta" }>,
): Promise<TraceQueryResponse> {
  const watermark = getTraceQueryDeltaWatermark(plan, DELTA_ADAPTER);
  if (watermark === undefined) {
    const horizon = await ctx.transport.query<number[]>("observability/traceQuery/traceQuery:horizon", {}, {
      operation,
    });
    return {
      traces: [],
      delta: { limit: plan.limit, hasMore: false },
      deltaCursor: encodeTraceQueryDeltaCursor(plan, DELTA_ADAPTER, encodePosition(horizon)),
    };
  }
  const start = decodePosition(watermark);
  if (start === null) throw new TraceQueryCursorError("TRACE_QUERY_CURSOR_MALFORMED");
  let after = start;
  const rows: ScanRow[] = [];
  const positions: number[][] = [];
  let horizon = start;
  for (;;) {
    const step = await ctx.transport.query<DeltaResult>("observability/traceQuery/traceQuery:delta", {
      ...timeRange(plan),
      ...(plan.where ? { where: JSON.stringify([plan.where]) } : {}),
      ...(scope(plan) ? { scope: scope(plan) } : {}),
      after,
      want: plan.limit + 1 - rows.length,
      ...(scanBudget === undefined ? {} : { budget: scanBudget }),
    }, { operation, details: { after: encodePosition(after) } });
    rows.push(...step.rows);
    positions.push(...step.positions);
    horizon = step.horizon;
    if (step.next === null || rows.length > plan.limit) break;
    after = step.next;
  }
  const visible = rows.slice(0, plan.limit);
  const last = visible.length > 0 ? positions[visible.length - 1] : maxPosition(start, horizon);
  return {
    traces: await toTraces(ctx, operation, visible),
    delta: { limit: plan.limit, hasMore: rows.length > plan.limit },
    deltaCursor: encodeTraceQueryDeltaCursor(plan, DELTA_ADAPTER, encodePosition(last)),
  };
}

function timeRange(plan: { timeRange: { from: string; to: string } }): { from: number; to: number } {
  return { from: Date.parse(plan.timeRange.from), to: Date.parse(plan.timeRange.to) };
}

/** One allowed value of a plan element, or a refusal naming it. */
function expectOneOf(what: string, value: unknown, allowed: readonly unknown[]): void {
  if (!allowed.includes(value)) {
    throw new TracePlanError(
      `${what} must be one of ${allowed.map((a) => JSON.stringify(a)).join(", ")}, got ${
        JSON.stringify(value) ?? String(value)
      }`,
    );
  }
}

/**
 * Refuses a trace or thread plan holding an element this store does not
 * understand (result, pagination mode, ordering, predicate type, operator,
 * relation), before anything runs: a newer core must get a clear error,
 * never an answer computed as if it were something else.
 */
function checkPlan(plan: TrustedTraceQueryPlan | TrustedThreadQueryPlan): void {
  try {
    if (typeof plan !== "object" || plan === null) throw new TracePlanError("the plan must be an object");
    expectOneOf("result", plan.result, ["traces", "groups", "threads"]);
    if (plan.result === "threads") {
      expectOneOf("orderBy.field", plan.orderBy?.field, ["threadId"]);
      expectOneOf("orderBy.direction", plan.orderBy?.direction, ["asc"]);
      if (plan.traces?.where !== undefined) checkPredicate(plan.traces.where, "trace", "traces.where");
      if (plan.where !== undefined) checkPredicate(plan.where, "thread", "where");
      return;
    }
    if (plan.result === "groups") {
      expectOneOf("orderBy.field", plan.orderBy?.field, ["threadId"]);
      expectOneOf("orderBy.direction", plan.orderBy?.direction, ["asc"]);
      expectOneOf("paginationMode", plan.paginationMode, ["keyset"]);
    } else {
      expectOneOf("orderBy.field", plan.orderBy?.field, ["startedAt", "endedAt"]);
      expectOneOf("orderBy.direction", plan.orderBy?.direction, ["asc", "desc"]);
      expectOneOf("paginationMode", plan.paginationMode, ["keyset", "page", "delta"]);
    }
    if (plan.where !== undefined) checkPredicate(plan.where, "trace", "where");
  } catch (error) {
    if (error instanceof TracePlanError) throw new InvalidInputError(`unsupported trace-query plan: ${error.message}`);
    throw error;
  }
}

/**
 * Executes a trace-query plan (keyset, page or delta pagination).
 * Keyset pages read `limit + 1` matches and their ties; page mode walks every match
 * of the time range to count them.
 */
export function queryTraces(ctx: DomainContext, plan: TrustedTraceQueryPlan): Promise<TraceQueryResponse> {
  const operation = "queryTraces";
  return withErrorContext({ operation, details: { result: plan.result } }, async () => {
    checkPlan(plan);
    if (plan.result === "groups") {
      const threads = await queryThreadIds(ctx, operation, {
        ...timeRange(plan),
        where: plan.where,
        scope: scope(plan),
        limit: plan.limit,
        after: plan.cursor?.threadId,
      });
      const groups = threads.ids.map((threadId) => ({ threadId }));
      const last = groups.at(-1);
      return {
        groups,
        page: {
          next: threads.more && last
            ? encodeTraceQueryCursor(plan, { result: "groups", threadId: last.threadId })
            : null,
        },
      };
    }
    if (plan.paginationMode === "delta") return await deltaPoll(ctx, operation, plan);
    const base: ScanArgs = {
      ...timeRange(plan),
      ...(plan.where ? { where: JSON.stringify([plan.where]) } : {}),
      ...(scope(plan) ? { scope: scope(plan) } : {}),
      sort: plan.orderBy.field,
      order: plan.orderBy.direction,
      withRoot: true,
    };
    const order = byPlanOrder(plan.orderBy.direction);
    if (plan.paginationMode === "page") {
      // the watermark first: writes made while the page is read come in the next delta poll
      const horizon = await ctx.transport.query<number[]>("observability/traceQuery/traceQuery:horizon", {}, {
        operation,
      });
      const all = await collectAll(ctx, operation, { ...base, withRoot: false });
      all.sort(order);
      const start = plan.page * plan.perPage;
      const slice = all.slice(start, start + plan.perPage).map(({ traceId, sortValue, threadId }) => ({
        traceId,
        sortValue,
        threadId,
      }));
      return {
        traces: await toTraces(ctx, operation, slice),
        pagination: {
          total: all.length,
          page: plan.page,
          perPage: plan.perPage,
          hasMore: (plan.page + 1) * plan.perPage < all.length,
        },
        deltaCursor: encodeTraceQueryDeltaCursor(plan, DELTA_ADAPTER, encodePosition(horizon)),
      };
    }
    const cursor = plan.cursor ? { value: Date.parse(plan.cursor.sortValue), id: plan.cursor.traceId } : undefined;
    const rows = await collectTop(ctx, operation, { ...base, ...(cursor ? { cursor } : {}) }, plan.limit);
    rows.sort(order);
    const visible = rows.slice(0, plan.limit);
    const traces = await toTraces(ctx, operation, visible);
    const last = traces.at(-1);
    return {
      traces,
      page: {
        next: rows.length > plan.limit && last
          ? encodeTraceQueryCursor(plan, {
            result: "traces",
            sortValue: last[plan.orderBy.field],
            traceId: last.traceId,
          })
          : null,
      },
    };
  });
}

/** Thread ids (ascending) having an eligible trace and passing the thread predicate. */
async function queryThreadIds(
  ctx: DomainContext,
  operation: string,
  q: {
    from: number;
    to: number;
    where?: unknown;
    threadWhere?: ThreadPredicate;
    scope?: ScanArgs["scope"];
    limit: number;
    after?: string;
  },
): Promise<{ ids: string[]; more: boolean }> {
  const relations = threadRelations(q.threadWhere);
  const rows = await collectAll(ctx, operation, {
    from: q.from,
    to: q.to,
    ...(q.where ? { where: JSON.stringify([q.where]) } : {}),
    ...(relations.length > 0 ? { bits: JSON.stringify(relations) } : {}),
    ...(q.scope ? { scope: q.scope } : {}),
    sort: "startedAt",
    order: "asc",
    withRoot: false,
  });
  const threads = new Map<string, boolean[]>();
  for (const row of rows) {
    if (row.threadId === null) continue;
    const seen = threads.get(row.threadId) ?? relations.map(() => false);
    (row.bits ?? []).forEach((bit, i) => (seen[i] ||= bit));
    threads.set(row.threadId, seen);
  }
  const ids = [...threads.keys()]
    .filter((id) => q.after === undefined || compareTraceQueryStrings(id, q.after) > 0)
    .filter((id) => q.threadWhere === undefined || evalThread(q.threadWhere, threads.get(id)!))
    .sort(compareTraceQueryStrings);
  return { ids: ids.slice(0, q.limit), more: ids.length > q.limit };
}

/** Executes a thread-query plan: threads of the eligible traces, filtered by trace relations, ascending. */
export function queryThreads(ctx: DomainContext, plan: TrustedThreadQueryPlan): Promise<QueryThreadsResult> {
  const operation = "queryThreads";
  return withErrorContext({ operation, details: {} }, async () => {
    checkPlan(plan);
    const { ids, more } = await queryThreadIds(ctx, operation, {
      ...timeRange(plan.traces),
      where: plan.traces.where,
      threadWhere: plan.where as ThreadPredicate | undefined,
      scope: scope(plan),
      limit: plan.limit,
      after: plan.cursor?.threadId,
    });
    const threads = ids.map((threadId) => ({ threadId }));
    const last = threads.at(-1);
    return {
      threads,
      page: {
        next: more && last ? encodeTraceQueryCursor(plan, { result: "threads", threadId: last.threadId }) : null,
      },
    };
  });
}

/** How discovery is answered: by cost (default), or forced to the dictionary (when complete) or to the walk. */
let discoveryMode: "dictionary" | "walk" | undefined;

/** Forces discovery to the dictionary (when it is complete) or to the walk; `undefined`: by cost. Tests use this. */
export function setTraceQueryDiscoveryMode(mode: "dictionary" | "walk" | undefined): void {
  discoveryMode = mode;
}

/** Which way the last discovery call was answered (tests and the bench read it). */
export let lastDiscoveryRoute: "dictionary" | "walk" | undefined;

/**
 * Counts from the trace dictionary (`convex/observability/tracing/traceDictionary.ts`) when it
 * serves the request (trace-scope fields and values of dictionary paths), is complete
 * and is cheaper than the walk; `null` otherwise.
 */
async function dictionaryCounts(
  ctx: DomainContext,
  operation: string,
  plan: TrustedTraceQueryObservedFieldsPlan,
  path: string | undefined,
): Promise<Map<string, number> | null> {
  if (discoveryMode === "walk") return null;
  if (path !== undefined && (plan.predicateScope !== "trace" || !dictionaryServesPath(path))) return null;
  const args = {
    ...timeRange(plan),
    ...(scope(plan) ? { scope: scope(plan) } : {}),
    slot: path === undefined ? "f" : `v:${path}`,
    ...(plan.search ? { search: plan.search } : {}),
  };
  const details = { predicateScope: plan.predicateScope };
  const planned = await ctx.transport.query<DictionaryPlan>("observability/tracing/traceDictionary:plan", args, {
    operation,
    details,
  });
  const usable = discoveryMode === "dictionary" ? planned.complete : planned.use;
  if (!usable) return null;
  const counts = new Map<string, number>();
  let after: string | undefined;
  for (;;) {
    const step = await ctx.transport.query<DictionaryCounts>("observability/tracing/traceDictionary:counts", {
      ...args,
      ...(after === undefined ? {} : { after }),
      ...(scanBudget === undefined ? {} : { budget: scanBudget }),
    }, { operation, details });
    for (const [key, count] of step.counts) counts.set(key, count);
    if (step.next === null) break;
    after = step.next;
  }
  return counts;
}

async function discoverCounts(
  ctx: DomainContext,
  operation: string,
  plan: TrustedTraceQueryObservedFieldsPlan,
  path: string | undefined,
): Promise<Map<string, number>> {
  const fromDictionary = await dictionaryCounts(ctx, operation, plan, path);
  lastDiscoveryRoute = fromDictionary ? "dictionary" : "walk";
  if (fromDictionary) return fromDictionary;
  const counts = new Map<string, number>();
  let after: Position | undefined;
  for (;;) {
    const step = await ctx.transport.query<DiscoverResult>("observability/traceQuery/traceQuery:discover", {
      ...timeRange(plan),
      ...(scope(plan) ? { scope: scope(plan) } : {}),
      predicateScope: path === undefined ? "trace" : plan.predicateScope,
      ...(path === undefined ? {} : { path }),
      ...(after ? { after } : {}),
      ...(scanBudget === undefined ? {} : { budget: scanBudget }),
    }, { operation, details: { predicateScope: plan.predicateScope } });
    for (const [key, count] of step.counts) counts.set(key, (counts.get(key) ?? 0) + count);
    if (step.next === null) break;
    after = step.next;
  }
  return counts;
}

function ranked(counts: Map<string, number>, search: string | undefined, limit: number): [string, number][] {
  const needle = search?.toLowerCase();
  return [...counts]
    .filter(([key]) => !needle || key.toLowerCase().includes(needle))
    .sort((a, b) => b[1] - a[1] || compareTraceQueryStrings(a[0], b[0]))
    .slice(0, limit + 1);
}

/** Root metadata keys holding strings on the eligible traces, most frequent first. */
export function getTraceQueryObservedFields(
  ctx: DomainContext,
  plan: TrustedTraceQueryObservedFieldsPlan,
): Promise<TraceQueryObservedFieldsResult> {
  const operation = "getTraceQueryObservedFields";
  return withErrorContext({ operation, details: {} }, async () => {
    const top = ranked(await discoverCounts(ctx, operation, plan, undefined), plan.search, plan.limit);
    return {
      observedFields: top.slice(0, plan.limit).map(([path, n]) => createTraceQueryObservedFieldDescriptor(path, n)),
      observedFieldsTruncated: top.length > plan.limit,
    };
  });
}

/** Values of one field on the eligible traces (or their spans), most frequent first. */
export function getTraceQueryValues(
  ctx: DomainContext,
  plan: TrustedTraceQueryValuesPlan,
): Promise<GetTraceQueryValuesResponse> {
  const operation = "getTraceQueryValues";
  return withErrorContext({ operation, details: { path: plan.path } }, async () => {
    const counts = await discoverCounts(ctx, operation, plan, plan.path);
    for (const key of counts.keys()) if (new TextEncoder().encode(key).length > 4096) counts.delete(key);
    const top = ranked(counts, plan.search, plan.limit);
    return {
      values: top.slice(0, plan.limit).map(([value, count]) => ({ value, count })),
      valuesTruncated: top.length > plan.limit,
    };
  });
}
