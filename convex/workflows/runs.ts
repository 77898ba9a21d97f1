/**
 * Workflow runs of Mastra's workflows domain. Internal functions only.
 *
 * A run is one row in `workflow_runs` (the fields Mastra filters and
 * sorts on). Its snapshot lives in the run row itself when its encoding is
 * at most {@link RUN_INLINE_LIMIT} bytes (nearly every snapshot), so a
 * page of runs reads one document per run; a larger one lives in a row of
 * `workflow_snapshots` (inline there up to the blobs' `INLINE_LIMIT`, as a
 * blob reference beyond). Every write puts the snapshot in exactly one of
 * the two places and clears the other, in the same mutation, so a snapshot
 * growing past the limit or shrinking back moves, never duplicates or
 * disappears. Rows written before inline snapshots existed (run row
 * without `snapshot`, snapshot row beside it) read as before and move
 * inline on their next write.
 * Step results and state updates read, change and write the snapshot inside
 * one mutation; Convex runs mutations as serializable transactions, so
 * concurrent step results are retried, never lost.
 *
 * Snapshots of any size: one over `INLINE_LIMIT` is stored as a blob
 * (`kit/blobs.ts`) that the client uploads first; the snapshot row holds
 * its `~blob:` reference. Updates of a snapshot up to
 * `IN_TRANSACTION_LIMIT` still run in one mutation (`readField` /
 * `writeField`). A larger one cannot be read by a transaction: the update
 * mutations then answer `tooLarge` and the client merges it itself and
 * commits with {@link commitSnapshot}, a compare-and-set on the stored
 * value. Every write of a large snapshot makes a new blob, so its reference
 * is a version that changes whenever the snapshot does.
 */
import { type GenericId, v } from "convex/values";
import {
  adoptBlobs,
  blobOwner,
  IN_TRANSACTION_LIMIT,
  isBlobRef,
  readField,
  releaseBlobs,
  storedLength,
  utf8Length,
  writeField,
} from "../kit/blobs.js";
import { decodeValue, encodeValue } from "../kit/codec.js";
import { familyTrees, runTreeEntries as treeEntries, workflowFamilies, workflowTrees } from "./counterNames.js";
import { noteRunInsert, runsRanked } from "./ranking.js";
import { storageError } from "../kit/errors.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { assertFitsDocument } from "../kit/limits.js";
import { recordAnswer, recordApplied, recordedAnswer } from "../kit/operations.js";
import {
  countingState,
  type IndexSpec,
  type SortRange,
  sortRange,
  walk,
  type WalkState,
  walkStateValidator,
} from "../kit/walk.js";
import { planList as planRankedList, RankBatch, treeTotal } from "../kit/rankTree.js";
import { planListAcross } from "../kit/rankFamily.js";
import type { ListResult } from "../kit/rows.js";
import { derivedFieldsValidator, expectedStatusValidator, runKey, type WorkflowRunRow } from "./validators.js";
import {
  createEmptyWorkflowSnapshot,
  deriveRunFields,
  matchesExpectedWorkflowStatus,
  mergeWorkflowStepResult,
  parseSnapshot,
  type Snapshot,
} from "./snapshot.js";

/**
 * Snapshots whose encoding is at most this many UTF-8 bytes are stored in
 * the run row. 64 KiB is far below Convex's 1 MiB per document (the other
 * fields of a run are a few hundred bytes), holds the snapshots of
 * ordinary runs many times over, and keeps run rows small enough that a
 * walk over them (filters no tree serves) still reads at least 128 rows per
 * call within its 8 MiB byte budget, and a page of 100 inline runs stays
 * under 7 MiB of Convex's 16 MiB per transaction.
 */
export const RUN_INLINE_LIMIT = 64 * 1024;

/** A run row as stored, without system fields. */
type RunFields = {
  id: string;
  workflowName: string;
  runId: string;
  resourceId?: string;
  status?: string;
  threadId?: string;
  createdAt: number;
  updatedAt: number;
  /** The encoded snapshot, when small enough to live here (see {@link RUN_INLINE_LIMIT}). */
  snapshot?: string;
};

async function findRun(ctx: QueryCtx, key: string) {
  return await ctx.db.query("workflow_runs").withIndex("by_mastra_id", (q) => q.eq("id", key)).unique();
}

async function findSnapshot(ctx: QueryCtx, key: string) {
  return await ctx.db.query("workflow_snapshots").withIndex("by_run", (q) => q.eq("runKey", key)).unique();
}

/**
 * Adjusts the rank trees for a run going from `before` to `after` (either
 * may be absent). Runs keep no counters: every list of runs has trees that
 * give its total (`planFirst`), and a deployment whose trees are incomplete
 * counts as it walks until `rebuildRankTrees`, so a write pays only its
 * row and its tree entries (no deployment-wide count document).
 */
async function recount(ctx: MutationCtx, before: RunFields | null, after: RunFields | null): Promise<void> {
  const ranks = new RankBatch();
  ranks.change(treeEntries(before), treeEntries(after));
  await ranks.apply(ctx);
}

function runFields(doc: RunFields & { _id?: unknown; _creationTime?: unknown }): RunFields {
  const fields: RunFields = {
    id: doc.id,
    workflowName: doc.workflowName,
    runId: doc.runId,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
  if (doc.resourceId !== undefined) fields.resourceId = doc.resourceId;
  if (doc.status !== undefined) fields.status = doc.status;
  if (doc.threadId !== undefined) fields.threadId = doc.threadId;
  if (doc.snapshot !== undefined) fields.snapshot = doc.snapshot;
  return fields;
}

/** The stored form of a run's snapshot: inline in the run row, else in its snapshot row (absent: none). */
export async function storedSnapshot(
  ctx: QueryCtx,
  run: { id: string; snapshot?: string },
): Promise<string | undefined> {
  if (run.snapshot !== undefined) return run.snapshot;
  return (await findSnapshot(ctx, run.id))?.snapshot;
}

function toRow(run: RunFields, snapshot: string | undefined): WorkflowRunRow {
  const row: WorkflowRunRow = {
    workflowName: run.workflowName,
    runId: run.runId,
    createdAt: run.createdAt,
    updatedAt: run.updatedAt,
  };
  if (run.resourceId !== undefined) row.resourceId = run.resourceId;
  if (snapshot !== undefined) row.snapshot = snapshot;
  return row;
}

function describeRun(workflowName: string, runId: string): string {
  return `snapshot of workflow ${JSON.stringify(workflowName)} run ${JSON.stringify(runId)}`;
}

/**
 * Places the snapshot of run `key` (or removes it, when `stored` is
 * undefined): `stored` is the encoded snapshot or a reference to its
 * uploaded blob. A small encoded snapshot goes in the run row (returned as
 * `inline`, for the caller to write) and any snapshot row is deleted; a
 * larger one or a reference goes in the snapshot row (its blob adopted) and
 * `inline` is undefined. A blob no longer referred to is released; returns
 * true when something was released.
 */
async function placeSnapshot(
  ctx: MutationCtx,
  key: string,
  stored: string | undefined,
  what: string,
): Promise<{ inline: string | undefined; released: boolean }> {
  const existing = await findSnapshot(ctx, key);
  const owner = snapshotOwner(key);
  if (stored === undefined || (!isBlobRef(stored) && utf8Length(stored) <= RUN_INLINE_LIMIT)) {
    if (existing) await ctx.db.delete(existing._id);
    return { inline: stored, released: await releaseBlobs(ctx, owner, [existing?.snapshot]) };
  }
  const doc = { runKey: key, snapshot: stored };
  assertFitsDocument(what, doc);
  await adoptBlobs(ctx, owner, [doc.snapshot]);
  if (existing) {
    if (existing.snapshot !== doc.snapshot) await ctx.db.replace(existing._id, doc);
  } else await ctx.db.insert("workflow_snapshots", doc);
  return { inline: undefined, released: await releaseBlobs(ctx, owner, [existing?.snapshot], [doc.snapshot]) };
}

/** `fields` with the snapshot placed inline (or not at all). */
function withSnapshot(fields: RunFields, inline: string | undefined): RunFields {
  const { snapshot: _snapshot, ...rest } = fields;
  return inline === undefined ? rest : { ...rest, snapshot: inline };
}

/** The owner of a run's large snapshot (see `blobOwner`). */
function snapshotOwner(key: string): string {
  return blobOwner("workflow_snapshots", key);
}

/** A stored run row: its document id and fields. */
type StoredRun = { _id: GenericId<"workflow_runs">; fields: RunFields };

/** Stores `fields` as a run row (replacing `existing`), adjusts its tree entries, and returns the stored run. */
async function writeRun(ctx: MutationCtx, existing: StoredRun | null, fields: RunFields): Promise<StoredRun> {
  assertFitsDocument(describeRun(fields.workflowName, fields.runId), fields);
  if (existing) {
    if (JSON.stringify(runFields(existing.fields)) === JSON.stringify(runFields(fields))) return existing;
    await ctx.db.replace(existing._id, fields);
    await recount(ctx, existing.fields, fields);
    return { _id: existing._id, fields };
  }
  await noteRunInsert(ctx);
  const _id = await ctx.db.insert("workflow_runs", fields);
  await recount(ctx, null, fields);
  return { _id, fields };
}

async function findStoredRun(ctx: QueryCtx, key: string): Promise<StoredRun | null> {
  const doc = await findRun(ctx, key);
  return doc ? { _id: doc._id, fields: runFields(doc) } : null;
}

/** Returns a run (with its encoded snapshot): by workflow and run id, or the latest run with this run id. */
export const get = internalQuery({
  args: { runId: v.string(), workflowName: v.optional(v.string()) },
  handler: async (ctx, { runId, workflowName }): Promise<WorkflowRunRow | null> => {
    const run = workflowName !== undefined
      ? await findRun(ctx, runKey(workflowName, runId))
      : await ctx.db.query("workflow_runs").withIndex("by_run_createdAt", (q) => q.eq("runId", runId))
        .order("desc").first();
    if (!run) return null;
    return toRow(runFields(run), await storedSnapshot(ctx, run));
  },
});

/** The run fields derived from a stored snapshot: computed here when inline, else given by the client. */
function derivedFrom(
  stored: string | undefined,
  derived: { status?: string; threadId?: string } | undefined,
): { status?: string; threadId?: string } {
  if (stored === undefined) return {};
  if (isBlobRef(stored)) return { ...derived };
  return deriveRunFields(decodeValue(stored));
}

/**
 * Inserts or replaces a run's snapshot. Keeps the stored `resourceId` and
 * `createdAt` when not given; `updatedAt` defaults to `now`. A large
 * snapshot arrives as a reference to its uploaded blob, with the fields
 * derived from it (`derived`: status and embedded thread id, which this
 * transaction cannot read from the blob). `released`: the client sweeps.
 */
export const persist = internalMutation({
  args: {
    workflowName: v.string(),
    runId: v.string(),
    resourceId: v.optional(v.string()),
    snapshot: v.optional(v.string()),
    derived: v.optional(derivedFieldsValidator),
    createdAt: v.optional(v.number()),
    updatedAt: v.optional(v.number()),
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ released: boolean }> => {
    const key = runKey(args.workflowName, args.runId);
    const existing = await findStoredRun(ctx, key);
    const placed = await placeSnapshot(ctx, key, args.snapshot, describeRun(args.workflowName, args.runId));
    const fields: RunFields = {
      id: key,
      workflowName: args.workflowName,
      runId: args.runId,
      createdAt: args.createdAt ?? existing?.fields.createdAt ?? args.now,
      updatedAt: args.updatedAt ?? args.now,
      ...derivedFrom(args.snapshot, args.derived),
    };
    const resourceId = args.resourceId ?? existing?.fields.resourceId;
    if (resourceId !== undefined) fields.resourceId = resourceId;
    await writeRun(ctx, existing, withSnapshot(fields, placed.inline));
    return { released: placed.released };
  },
});

/** Outcome of an in-transaction update when the snapshot is too large for it. */
type TooLarge = { tooLarge: true };

/**
 * Loads the snapshot of an existing run for a read-modify-write, creating
 * Mastra's empty snapshot (and storing it) when the run has none. Answers
 * `tooLarge` when the stored snapshot plus `extra` bytes would not fit
 * one transaction.
 */
async function loadForUpdate(
  ctx: MutationCtx,
  workflowName: string,
  runId: string,
  now: number,
  extra: number,
): Promise<{ run: StoredRun; snapshot: Snapshot; released: boolean } | TooLarge | null> {
  const key = runKey(workflowName, runId);
  let run = await findStoredRun(ctx, key);
  if (!run) return null;
  const stored = await storedSnapshot(ctx, run.fields);
  let released = false;
  if (stored !== undefined && (await storedLength(ctx, stored) ?? 0) + extra > IN_TRANSACTION_LIMIT) {
    return { tooLarge: true };
  }
  let snapshot = stored === undefined ? undefined : decodeValue(await readField(ctx, stored));
  if (!snapshot) {
    snapshot = createEmptyWorkflowSnapshot(run.fields.runId, now);
    const saved = await saveSnapshot(ctx, run, snapshot as Snapshot, encodeValue(snapshot));
    run = saved.run;
    released = saved.released;
  } else {
    snapshot = parseSnapshot(snapshot);
  }
  if (!snapshot || !(snapshot as Snapshot).context) {
    throw storageError("INVALID", `Snapshot not found for runId ${runId}`);
  }
  return { run, snapshot: snapshot as Snapshot, released };
}

/**
 * Writes a changed (encoded) snapshot, as a blob when large, and refreshes
 * the run's derived fields; returns the stored run and whether a replaced
 * blob was released.
 */
async function saveSnapshot(
  ctx: MutationCtx,
  run: StoredRun,
  snapshot: Snapshot,
  encoded: string,
): Promise<{ run: StoredRun; released: boolean }> {
  const { workflowName, runId } = run.fields;
  const stored = await writeField(ctx, encoded, snapshotOwner(run.fields.id));
  const placed = await placeSnapshot(ctx, run.fields.id, stored, describeRun(workflowName, runId));
  const { status: _status, threadId: _threadId, ...base } = run.fields;
  const fields = withSnapshot({ ...base, ...deriveRunFields(snapshot) }, placed.inline);
  return { run: await writeRun(ctx, run, fields), released: placed.released };
}

/**
 * Merges one step result into a run's snapshot atomically and returns the
 * run's step results (encoded). `found: false` when the run does not exist;
 * `tooLarge` (nothing changed) when the snapshot does not fit one
 * transaction: the client then merges and calls {@link commitSnapshot}.
 */
export const updateResults = internalMutation({
  args: {
    workflowName: v.string(),
    runId: v.string(),
    stepId: v.string(),
    result: v.string(),
    requestContext: v.string(),
    now: v.number(),
  },
  handler: async (
    ctx,
    args,
  ): Promise<{ found: boolean; context?: string; tooLarge?: boolean; released?: boolean }> => {
    const extra = utf8Length(args.result) + utf8Length(args.requestContext);
    const loaded = await loadForUpdate(ctx, args.workflowName, args.runId, args.now, extra);
    if (!loaded) return { found: false };
    if ("tooLarge" in loaded) return { found: true, tooLarge: true };
    const context = mergeWorkflowStepResult({
      snapshot: loaded.snapshot,
      stepId: args.stepId,
      result: decodeValue(args.result),
      requestContext: decodeValue(args.requestContext),
    });
    const encoded = encodeValue(loaded.snapshot);
    if (utf8Length(encoded) > IN_TRANSACTION_LIMIT) return { found: true, tooLarge: true };
    const saved = await saveSnapshot(ctx, loaded.run, loaded.snapshot, encoded);
    return { found: true, context: encodeValue(context), released: loaded.released || saved.released };
  },
});

/** The state change of {@link updateState}, without the operation record. */
async function applyState(
  ctx: MutationCtx,
  args: { workflowName: string; runId: string; state: string; expectedStatus?: string | string[]; now: number },
): Promise<{ snapshot?: string; tooLarge?: boolean; released?: boolean } | null> {
  const loaded = await loadForUpdate(ctx, args.workflowName, args.runId, args.now, utf8Length(args.state));
  if (!loaded) return null;
  if ("tooLarge" in loaded) return { tooLarge: true };
  if (!matchesExpectedWorkflowStatus(loaded.snapshot.status, args.expectedStatus)) return null;
  const snapshot = { ...loaded.snapshot, ...(decodeValue(args.state) as Record<string, unknown>) } as Snapshot;
  const encoded = encodeValue(snapshot);
  if (utf8Length(encoded) > IN_TRANSACTION_LIMIT) return { tooLarge: true };
  const saved = await saveSnapshot(ctx, loaded.run, snapshot, encoded);
  return { snapshot: encoded, released: loaded.released || saved.released };
}

/**
 * Merges state fields into a run's snapshot atomically, if its status
 * matches `expectedStatus` (when given). Returns the new snapshot
 * (encoded), `null` when the run does not exist or the guard failed, or
 * `tooLarge` (nothing changed) when the snapshot does not fit one
 * transaction. With an `opId`, a repeated call (a retry after a lost
 * answer) changes nothing and answers as the first did: `null` for a
 * refusal, else the run's stored snapshot (the first call's answer, unless
 * a later write changed the run meanwhile).
 */
export const updateState = internalMutation({
  args: {
    workflowName: v.string(),
    runId: v.string(),
    state: v.string(),
    expectedStatus: v.optional(expectedStatusValidator),
    now: v.number(),
    /** Client operation id: a repeated call with the same id answers as the first did (see `kit/operations.ts`). */
    opId: v.optional(v.string()),
  },
  handler: async (ctx, args): Promise<{ snapshot?: string; tooLarge?: boolean; released?: boolean } | null> => {
    if (args.opId !== undefined) {
      const recorded = await recordedAnswer(ctx, args.opId);
      if (recorded !== undefined) {
        if (recorded.answer !== null) return JSON.parse(recorded.answer);
        // Applied (the record keeps no copy of the snapshot): answer with the stored snapshot.
        const run = await findRun(ctx, runKey(args.workflowName, args.runId));
        const stored = run ? await storedSnapshot(ctx, run) : undefined;
        if (stored === undefined || ((await storedLength(ctx, stored)) ?? 0) > IN_TRANSACTION_LIMIT) return null;
        return { snapshot: await readField(ctx, stored) };
      }
    }
    const answer = await applyState(ctx, args);
    if (args.opId !== undefined && !(answer && answer.tooLarge)) {
      // An applied change's answer is the snapshot it stored: the record keeps
      // no copy of it (a retry reads the stored snapshot), only a refusal's `null`.
      if (answer === null) await recordAnswer(ctx, args.opId, null);
      else await recordApplied(ctx, args.opId);
    }
    return answer;
  },
});

/**
 * Commits a snapshot the client changed itself (too large to change in a
 * transaction): writes `snapshot` (stored form, usually a reference to an
 * uploaded blob) only if the stored snapshot is still `expected` (absent:
 * the run had none). Otherwise nothing changes, the upload is released and
 * the answer is `conflict`: the client reads again and retries. `missing`
 * when the run is gone. A repeated call that already succeeded answers `ok`.
 */
export const commitSnapshot = internalMutation({
  args: {
    workflowName: v.string(),
    runId: v.string(),
    expected: v.optional(v.string()),
    snapshot: v.string(),
    derived: derivedFieldsValidator,
    now: v.number(),
  },
  handler: async (ctx, args): Promise<{ status: "ok" | "conflict" | "missing"; released: boolean }> => {
    const key = runKey(args.workflowName, args.runId);
    const run = await findStoredRun(ctx, key);
    const current = run ? await storedSnapshot(ctx, run.fields) : undefined;
    if (run && current === args.snapshot) return { status: "ok", released: false };
    if (!run || current !== args.expected) {
      // The refused upload was never adopted (a reference to another row's snapshot is ignored).
      const released = await releaseBlobs(ctx, snapshotOwner(key), [args.snapshot]);
      return { status: run ? "conflict" : "missing", released };
    }
    const placed = await placeSnapshot(ctx, key, args.snapshot, describeRun(args.workflowName, args.runId));
    const { status: _status, threadId: _threadId, ...base } = run.fields;
    await writeRun(ctx, run, withSnapshot({ ...base, ...derivedFrom(args.snapshot, args.derived) }, placed.inline));
    return { status: "ok", released: placed.released };
  },
});

/** Deletes a run and its snapshot (a no-op for an unknown run); a large snapshot is released. */
export const remove = internalMutation({
  args: { workflowName: v.string(), runId: v.string(), now: v.optional(v.number()) },
  handler: async (ctx, { workflowName, runId }): Promise<{ released: boolean }> => {
    const { released } = await removeRun(ctx, workflowName, runId);
    return { released };
  },
});

/**
 * Deletes a run and its snapshot with their counters and rank trees (what
 * `remove` runs; retention and erasure reuse it). `deleted`: a run was there.
 */
export async function removeRun(
  ctx: MutationCtx,
  workflowName: string,
  runId: string,
): Promise<{ released: boolean; deleted: boolean }> {
  const key = runKey(workflowName, runId);
  const run = await findRun(ctx, key);
  const { released } = await placeSnapshot(ctx, key, undefined, describeRun(workflowName, runId));
  if (run) {
    await ctx.db.delete(run._id);
    await recount(ctx, runFields(run), null);
  }
  return { released, deleted: run !== null };
}

/**
 * How a list is served: the index it walks (an exact index for every
 * combination of workflow name, resource and status), the predicate of the
 * filters that index does not cover (only with a thread id), the trees that
 * hold exactly the list's keys.
 */
type ListPlan = {
  spec: IndexSpec;
  rest: [keyof RunFields, string][];
  trees: string[] | null;
};

/**
 * Picks the plan of a list. Without a thread id, every combination of
 * workflow name, resource and status has its own index and tree (a family
 * when no resource scopes it); with one, the thread's runs are walked and
 * the other filters tested on them (O(runs of the thread), bounded per
 * call by the walk's budget).
 */
function planList(
  filters: { workflowName?: string; resourceId?: string; status?: string; threadId?: string },
): ListPlan {
  const { workflowName: w, resourceId: r, status: s, threadId } = filters;
  const table = "workflow_runs" as const;
  const sortField = "createdAt";
  const spec = (index: string, eq: [string, unknown][]): IndexSpec => ({ table, index, eq, sortField });
  if (threadId !== undefined) {
    const rest: [keyof RunFields, string][] = [];
    if (w !== undefined) rest.push(["workflowName", w]);
    if (r !== undefined) rest.push(["resourceId", r]);
    if (s !== undefined) rest.push(["status", s]);
    return { spec: spec("by_thread_createdAt", [["threadId", threadId]]), rest, trees: null };
  }
  if (r !== undefined) {
    if (w !== undefined && s !== undefined) {
      return {
        spec: spec("by_resource_workflow_status_createdAt", [["resourceId", r], ["workflowName", w], ["status", s]]),
        rest: [],
        trees: [workflowTrees.ofResourceWorkflowStatus(r, w, s)],
      };
    }
    if (w !== undefined) {
      return {
        spec: spec("by_resource_workflow_createdAt", [["resourceId", r], ["workflowName", w]]),
        rest: [],
        trees: [workflowTrees.ofResourceWorkflow(r, w)],
      };
    }
    if (s !== undefined) {
      return {
        spec: spec("by_resource_status_createdAt", [["resourceId", r], ["status", s]]),
        rest: [],
        trees: [workflowTrees.ofResourceStatus(r, s)],
      };
    }
    return {
      spec: spec("by_resource_createdAt", [["resourceId", r]]),
      rest: [],
      trees: [workflowTrees.ofResource(r)],
    };
  }
  if (w !== undefined && s !== undefined) {
    return {
      spec: spec("by_workflow_status_createdAt", [["workflowName", w], ["status", s]]),
      rest: [],
      trees: familyTrees(workflowFamilies.ofWorkflowStatus(w, s)),
    };
  }
  if (w !== undefined) {
    return {
      spec: spec("by_workflow_createdAt", [["workflowName", w]]),
      rest: [],
      trees: familyTrees(workflowFamilies.ofWorkflow(w)),
    };
  }
  if (s !== undefined) {
    return {
      spec: spec("by_status_createdAt", [["status", s]]),
      rest: [],
      trees: familyTrees(workflowFamilies.ofStatus(s)),
    };
  }
  return {
    spec: spec("by_createdAt", []),
    rest: [],
    trees: familyTrees(workflowFamilies.all()),
  };
}

/**
 * The first walk state and the total of a list. With complete trees
 * (`runsRanked`), the trees give the total (with or without a date range)
 * and the key just before the page, in O(log N) reads. Otherwise (a
 * deployment whose trees are not yet rebuilt), and for a thread's list, the
 * list counts its matches as it walks.
 */
async function planFirst(
  ctx: QueryCtx,
  plan: ListPlan,
  range: SortRange,
  offset: number,
  limit: number,
): Promise<{ state: WalkState | null; total: number | null }> {
  const { trees } = plan;
  if (plan.rest.length > 0 || trees === null) return { state: countingState(offset, limit, "desc"), total: null };
  if (await runsRanked(ctx)) {
    return trees.length === 1
      ? await planRankedList(ctx, trees[0], await treeTotal(ctx, trees[0]), range, offset, limit, "desc")
      : await planListAcross(ctx, trees, "trees", range, offset, limit, "desc");
  }
  // Incomplete trees (a deployment not yet rebuilt): the list counts its matches as it walks.
  return { state: countingState(offset, limit, "desc"), total: null };
}

/**
 * One bounded step of listing runs, newest `createdAt` first (ties by run
 * key), with the snapshots of the returned rows. Filters: workflow name,
 * resource, status, embedded thread id, and an inclusive `createdAt` range.
 * Without a thread id, any page of any combination (date range included)
 * costs its rows plus O(log N) tree reads in one call, and the total comes
 * from the trees (see `planFirst`); with one, the thread's runs are walked.
 */
export const list = internalQuery({
  args: {
    workflowName: v.optional(v.string()),
    resourceId: v.optional(v.string()),
    status: v.optional(v.string()),
    threadId: v.optional(v.string()),
    fromDate: v.optional(v.number()),
    toDate: v.optional(v.number()),
    offset: v.number(),
    limit: v.number(),
    state: v.optional(walkStateValidator),
  },
  handler: async (ctx, args): Promise<ListResult<WorkflowRunRow>> => {
    const range = sortRange({ start: args.fromDate, end: args.toDate });
    const plan = planList(args);
    let total: number | null = null;
    let state = args.state;
    if (state === undefined) {
      // The total and the starting point are worked out once, on the first call.
      const planned = await planFirst(ctx, plan, range, args.offset, args.limit);
      total = planned.total;
      if (planned.state === null) return { rows: [], next: null, total, reversed: false };
      state = planned.state;
    }
    const predicate = plan.rest.length === 0
      ? undefined
      : (doc: RunFields) => plan.rest.every(([field, value]) => doc[field] === value);
    const step = await walk<RunFields & Record<string, unknown>, WorkflowRunRow>(ctx.db, plan.spec, state, {
      range,
      predicate,
      onTake: async (doc) => {
        // An inline snapshot was counted with the run row; one in a snapshot row costs its size here.
        const snapshot = await storedSnapshot(ctx, doc);
        const bytes = doc.snapshot === undefined ? snapshot?.length ?? 0 : 0;
        return { row: toRow(runFields(doc), snapshot), bytes };
      },
    });
    return {
      rows: step.rows,
      next: step.next,
      total: total ?? (state.countAll && step.next === null ? step.matched : null),
      reversed: state.reversed,
    };
  },
});
