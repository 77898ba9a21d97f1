/**
 * Erasing everything of one resource, as a job the deployment runs by
 * itself: `start` records the job and schedules its first step; each step
 * deletes one bounded batch of the current phase (through the same code the
 * domains' own deletes use, so counters, rank trees and large values stay
 * exact), records what it deleted, and schedules the next step until every
 * phase is done. A caller that goes away does not stop it; `status` reads
 * its progress. Internal functions.
 *
 * Phases, in order: the resource's threads (each with its messages, thread
 * state, notifications and thread-scoped observational memory), its
 * messages left in other resources' threads, its resource-scoped
 * observational memory, its resource row (working memory), its workflow
 * runs, its traces (with all their spans; a trace belongs to the resource
 * of its root span), the notifications that name it, and the background
 * tasks that name it (those of its threads went with the threads), and its
 * harness sessions (with their pending items), and the scores that name
 * it (those of its threads went with the threads), and the observability
 * scores and feedback that name it, and, in every vector index whose
 * filter keys include `resource_id`, the vectors whose `resource_id` is the
 * resource (what `deleteVectors({ filter: { resource_id } })` deletes, through
 * the index's push-down; other indexes are left as they are).
 */
import { makeFunctionReference } from "convex/server";
import { type Infer, v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { removeSome } from "../kit/rows.js";
import { internalMutation, internalQuery, type MutationCtx, type QueryCtx } from "../kit/functions.js";
import { blobOwner, releaseBlobs } from "../kit/blobs.js";
import { clearKeyStep } from "../memory/observationalMemory.js";
import { omKey } from "../memory/observationalMemoryRows.js";
import { removeThreadStep } from "../memory/threads.js";
import { deleteTracesStep } from "../observability/tracing/traces.js";
import { removeRun } from "../workflows/runs.js";
import { removeTask, type TaskDoc } from "../backgroundTasks/tasks.js";
import { LIST_BATCH as SESSIONS_PER_STEP, removeSession } from "../harness/sessions.js";
import { removeScore } from "../scores/scores.js";
import { deleteSignalsOfResource } from "../observability/signals/signalEvents.js";
import { deleteMessageBatch } from "./pruners.js";
import { deleteMatchesStep } from "../vector/vectors.js";
import type { VectorIndexRow, WalkCursor } from "../vector/validators.js";
import type { eraseVectorsPositionValidator, tableTallyValidator } from "./tables.js";

/** Tables an erasure reports, in receipt order. */
export const ERASE_TABLES = [
  "memory.threads",
  "memory.messages",
  "memory.observationalMemory",
  "memory.resources",
  "workflows.workflowSnapshot",
  "observability.spans",
  "notifications.notifications",
  "backgroundTasks.backgroundTasks",
  "harness.sessions",
  "scores.scorers",
  "observability.scores",
  "observability.feedback",
  "vector.vectors",
] as const;

type EraseTable = typeof ERASE_TABLES[number];
type Tally = Infer<typeof tableTallyValidator>;
type JobDoc = NonNullable<Awaited<ReturnType<typeof findJob>>>;
type VectorsPosition = Infer<typeof eraseVectorsPositionValidator>;

/** What one step of a phase did. */
type PhaseStep = {
  deleted: Partial<Record<EraseTable, number>>;
  done: boolean;
  pendingTraces?: string[];
  vectors?: VectorsPosition;
};

/** Threads one step deletes at most; messages one step deletes at most (across threads). */
const THREADS_PER_STEP = 20;
const MESSAGES_PER_STEP = 2000;
const RUNS_PER_STEP = 100;
const TRACES_PER_STEP = 50;
const SPANS_PER_STEP = 1000;
const NOTIFICATIONS_PER_STEP = 1000;
const TASKS_PER_STEP = 100;
const SCORES_PER_STEP = 200;
/** Vector indexes (registry rows) one step of the vectors phase looks at, at most. */
const VECTOR_INDEXES_PER_STEP = 100;
/** The metadata key of a vector's resource (Mastra Memory's, and a default filter key of `ConvexVector`). */
const RESOURCE_KEY = "resource_id";
/**
 * Weight of a task and of a score in a threads step's work budget
 * (`MESSAGES_PER_STEP`, in messages): each writes its row and several
 * counter or rank-tree entries.
 */
const TASK_WORK = 5;
const SCORE_WORK = 10;

async function eraseThreads(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  let threads = 0;
  let messages = 0;
  let work = 0;
  let om = 0;
  let notifications = 0;
  let tasks = 0;
  let scores = 0;
  for (;;) {
    const thread = await ctx.db.query("threads").withIndex(
      "by_resource_createdAt",
      (q) => q.eq("resourceId", resourceId),
    ).first();
    const deleted = {
      "memory.threads": threads,
      "memory.messages": messages,
      "memory.observationalMemory": om,
      "notifications.notifications": notifications,
      "backgroundTasks.backgroundTasks": tasks,
      "scores.scorers": scores,
    };
    if (!thread) return { deleted, done: true };
    if (threads >= THREADS_PER_STEP || work >= MESSAGES_PER_STEP) return { deleted, done: false };
    const notes = await removeSome(
      await ctx.db.query("notifications").withIndex("by_thread_id", (q) => q.eq("threadId", thread.id))
        .take(NOTIFICATIONS_PER_STEP + 1),
      NOTIFICATIONS_PER_STEP,
      (note) => ctx.db.delete(note._id),
    );
    notifications += notes.deleted;
    if (notes.more) {
      return { deleted: { ...deleted, "notifications.notifications": notifications }, done: false };
    }
    // Background tasks of the thread, whatever resource they name, through the domain's own removal.
    const threadTasks = await removeSome(
      await ctx.db.query("background_tasks").withIndex("by_thread_createdAt", (q) => q.eq("threadId", thread.id))
        .take(TASKS_PER_STEP + 1) as TaskDoc[],
      TASKS_PER_STEP,
      (task) => removeTask(ctx, task),
    );
    tasks += threadTasks.deleted;
    work += threadTasks.deleted * TASK_WORK;
    if (threadTasks.more) {
      return { deleted: { ...deleted, "backgroundTasks.backgroundTasks": tasks }, done: false };
    }
    // Scores of the thread, whatever resource they name, with their rank-tree entries and blobs.
    const threadScores = await removeSome(
      await ctx.db.query("scores").withIndex("by_thread", (q) => q.eq("threadId", thread.id))
        .take(SCORES_PER_STEP + 1),
      SCORES_PER_STEP,
      (score) => removeScore(ctx, score),
    );
    scores += threadScores.deleted;
    work += threadScores.deleted * SCORE_WORK;
    if (threadScores.more) {
      return { deleted: { ...deleted, "scores.scorers": scores }, done: false };
    }
    const records = await clearKeyStep(ctx, omKey(thread.id, resourceId));
    om += records.deleted;
    if (!records.done) return { deleted: { ...deleted, "memory.observationalMemory": om }, done: false };
    // From this step on the thread and its messages are gone for readers; the deployment's own steps (and the
    // stray-messages phase, for this resource's) finish the rows. Its messages are counted here, once.
    const step = await removeThreadStep(ctx, thread.id);
    messages += step.messages;
    work += step.deleted;
    threads++;
  }
}

async function eraseStrayMessages(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const step = await deleteMessageBatch(
    ctx,
    ctx.db.query("messages").withIndex("by_resource_createdAt", (q) => q.eq("resourceId", resourceId)),
    200,
  );
  return { deleted: { "memory.messages": step.own }, done: !step.more };
}

async function eraseResourceMemory(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const step = await clearKeyStep(ctx, omKey(null, resourceId));
  return { deleted: { "memory.observationalMemory": step.deleted }, done: step.done };
}

async function eraseResourceRow(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const row = await ctx.db.query("resources").withIndex("by_mastra_id", (q) => q.eq("id", resourceId)).unique();
  if (!row) return { deleted: {}, done: true };
  await releaseBlobs(ctx, blobOwner("resources", row.id), [row.workingMemory, row.metadata]);
  await ctx.db.delete(row._id);
  return { deleted: { "memory.resources": 1 }, done: true };
}

async function eraseRuns(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const runs = await removeSome(
    await ctx.db.query("workflow_runs").withIndex("by_resource_createdAt", (q) => q.eq("resourceId", resourceId))
      .take(RUNS_PER_STEP + 1),
    RUNS_PER_STEP,
    (run) => removeRun(ctx, run.workflowName, run.runId),
  );
  return { deleted: { "workflows.workflowSnapshot": runs.deleted }, done: !runs.more };
}

async function eraseTraces(ctx: MutationCtx, resourceId: string, job: JobDoc): Promise<PhaseStep> {
  let ids = job.pendingTraces;
  if (ids.length === 0) {
    const rows = await ctx.db.query("ai_traces").withIndex(
      "by_resourceId_startedAt",
      (q) => q.eq("listed", true).eq("resourceId", resourceId),
    ).take(TRACES_PER_STEP);
    ids = rows.map((row) => row.id);
  }
  if (ids.length === 0) return { deleted: {}, done: true, pendingTraces: [] };
  const step = await deleteTracesStep(ctx, ids, {}, SPANS_PER_STEP);
  return { deleted: { "observability.spans": step.spans }, done: false, pendingTraces: step.remaining };
}

/** Notifications that name the resource (those of its threads went with the threads). Plain rows: no counters. */
async function eraseNotifications(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const notes = await removeSome(
    await ctx.db.query("notifications").withIndex("by_resource_due", (q) => q.eq("resourceId", resourceId))
      .take(NOTIFICATIONS_PER_STEP + 1),
    NOTIFICATIONS_PER_STEP,
    (note) => ctx.db.delete(note._id),
  );
  return { deleted: { "notifications.notifications": notes.deleted }, done: !notes.more };
}

/** Background tasks that name the resource, through the domain's own removal (counters, trees, blobs). */
async function eraseTasks(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const tasks = await removeSome(
    await ctx.db.query("background_tasks").withIndex("by_resource_createdAt", (q) => q.eq("resourceId", resourceId))
      .take(TASKS_PER_STEP + 1) as TaskDoc[],
    TASKS_PER_STEP,
    (task) => removeTask(ctx, task),
  );
  return { deleted: { "backgroundTasks.backgroundTasks": tasks.deleted }, done: !tasks.more };
}

/** Harness sessions of the resource (with their pending items, which live in their records). */
async function eraseSessions(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const sessions = await removeSome(
    await ctx.db.query("harness_sessions").withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
      .take(SESSIONS_PER_STEP + 1),
    SESSIONS_PER_STEP,
    (session) => removeSession(ctx, session),
  );
  return { deleted: { "harness.sessions": sessions.deleted }, done: !sessions.more };
}

/** Scores that name the resource (those of its threads went with the threads), through the domain's removal. */
async function eraseScores(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const scores = await removeSome(
    await ctx.db.query("scores").withIndex("by_resource", (q) => q.eq("resourceId", resourceId))
      .take(SCORES_PER_STEP + 1),
    SCORES_PER_STEP,
    (score) => removeScore(ctx, score),
  );
  return { deleted: { "scores.scorers": scores.deleted }, done: !scores.more };
}

/** Observability scores that name the resource, out of their rollup cells and counters. */
async function eraseObservabilityScores(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const step = await deleteSignalsOfResource(ctx, "score", resourceId);
  return { deleted: { "observability.scores": step.deleted }, done: step.done };
}

/** Observability feedback that names the resource, out of its rollup cells and counters. */
async function eraseFeedback(ctx: MutationCtx, resourceId: string): Promise<PhaseStep> {
  const step = await deleteSignalsOfResource(ctx, "feedback", resourceId);
  return { deleted: { "observability.feedback": step.deleted }, done: step.done };
}

/** A walk cursor without an `undefined` field (stored in the job document). */
function definedCursor(cursor: WalkCursor): WalkCursor {
  return cursor.after === undefined ? { value: cursor.value } : cursor;
}

/**
 * Vectors whose `resource_id` is the resource, in every vector index that
 * pushes `resource_id` down (one of its filter keys), through the vector
 * domain's own bounded delete step (so every index's count stays exact).
 * Indexes are taken in name order; one step walks one index once (or skips
 * at most {@link VECTOR_INDEXES_PER_STEP} indexes without the key). Indexes
 * being deleted are skipped: their deletion removes every vector.
 */
async function eraseVectors(ctx: MutationCtx, resourceId: string, job: JobDoc): Promise<PhaseStep> {
  const position: VectorsPosition = job.vectors ?? {};
  let after = position.after;
  const at = (): VectorsPosition => after === undefined ? {} : { after };
  const from = after;
  const indexes = ctx.db.query("vector_indexes").withIndex(
    "by_name",
    (q) => from === undefined ? q : q.gt("name", from),
  );
  let looked = 0;
  for await (const row of indexes) {
    const info = row as VectorIndexRow;
    if (looked >= VECTOR_INDEXES_PER_STEP) return { deleted: {}, done: false, vectors: at() };
    looked++;
    if (info.deleting || !info.filterKeys.includes(RESOURCE_KEY)) {
      after = info.name;
      continue;
    }
    // A cursor is only valid in the index it was taken in.
    const cursor = position.index === info.name ? position.cursor : undefined;
    const step = await deleteMatchesStep(ctx, info, { [RESOURCE_KEY]: resourceId }, cursor);
    const next: VectorsPosition = step.done
      ? { after: info.name }
      : { ...at(), index: info.name, ...(step.cursor ? { cursor: definedCursor(step.cursor) } : {}) };
    return { deleted: { "vector.vectors": step.deleted }, done: false, vectors: next };
  }
  return { deleted: {}, done: true, vectors: at() };
}

/** The phases of an erasure, in order. */
const ERASE_PHASES: ((ctx: MutationCtx, resourceId: string, job: JobDoc) => Promise<PhaseStep>)[] = [
  eraseThreads,
  eraseStrayMessages,
  eraseResourceMemory,
  eraseResourceRow,
  eraseRuns,
  eraseTraces,
  eraseNotifications,
  eraseTasks,
  eraseSessions,
  eraseScores,
  eraseObservabilityScores,
  eraseFeedback,
  eraseVectors,
];

async function findJob(ctx: QueryCtx, jobId: string) {
  return await ctx.db.query("erase_jobs").withIndex("by_jobId", (q) => q.eq("jobId", jobId)).unique();
}

const stepRef = makeFunctionReference<"mutation", { jobId: string }>("lifecycle/erase:step");

/**
 * Records an erasure of `resourceId` and schedules its first step; returns
 * the job id. While an erasure of the same resource runs, returns that one
 * (so a retried call never starts a second).
 */
export const start = internalMutation({
  args: { resourceId: v.string(), jobId: v.string() },
  handler: async (ctx, { resourceId, jobId }): Promise<{ jobId: string }> => {
    if (resourceId.length === 0) throw storageError("INVALID", "eraseResource: resourceId must not be empty");
    const running = await ctx.db.query("erase_jobs").withIndex(
      "by_resource_startedAt",
      (q) => q.eq("resourceId", resourceId),
    ).order("desc").first();
    if (running && running.finishedAt === undefined) return { jobId: running.jobId };
    const existing = await findJob(ctx, jobId);
    if (existing) return { jobId };
    const now = Date.now();
    await ctx.db.insert("erase_jobs", {
      jobId,
      resourceId,
      startedAt: now,
      updatedAt: now,
      phase: 0,
      pendingTraces: [],
      steps: 0,
      tables: ERASE_TABLES.map((key) => ({ key, deleted: 0, done: false })),
    });
    await ctx.scheduler.runAfter(0, stepRef, { jobId });
    return { jobId };
  },
});

/** One bounded step of a job; schedules the next until every phase is done. */
export const step = internalMutation({
  args: { jobId: v.string() },
  handler: async (ctx, { jobId }): Promise<null> => {
    const job = await findJob(ctx, jobId);
    if (!job || job.finishedAt !== undefined) return null;
    const now = Date.now();
    const result = await ERASE_PHASES[job.phase](ctx, job.resourceId, job);
    // A job recorded by an older release lacks the tables added since: they start at 0.
    const known = new Set(job.tables.map((tally) => tally.key));
    const current = [
      ...job.tables,
      ...ERASE_TABLES.filter((key) => !known.has(key)).map((key) => ({ key, deleted: 0, done: false })),
    ];
    const tables: Tally[] = current.map((tally) => ({
      ...tally,
      deleted: tally.deleted + (result.deleted[tally.key as EraseTable] ?? 0),
    }));
    const phase = result.done ? job.phase + 1 : job.phase;
    const finished = phase >= ERASE_PHASES.length;
    await ctx.db.patch(job._id, {
      phase,
      steps: job.steps + 1,
      updatedAt: now,
      pendingTraces: result.pendingTraces ?? job.pendingTraces,
      ...(result.vectors ? { vectors: result.vectors } : {}),
      tables: finished ? tables.map((tally) => ({ ...tally, done: true })) : tables,
      ...(finished ? { finishedAt: now } : {}),
    });
    if (!finished) await ctx.scheduler.runAfter(0, stepRef, { jobId });
    return null;
  },
});

/** Progress of an erasure (see {@link EraseStatus}), or `null` for an unknown job. */
export type EraseStatus = {
  jobId: string;
  resourceId: string;
  startedAt: number;
  finishedAt: number | null;
  steps: number;
  tables: Tally[];
};

/** Progress of an erasure: rows deleted so far per table, and whether it finished. */
export const status = internalQuery({
  args: { jobId: v.string() },
  handler: async (ctx, { jobId }): Promise<EraseStatus | null> => {
    const job = await findJob(ctx, jobId);
    if (!job) return null;
    return {
      jobId: job.jobId,
      resourceId: job.resourceId,
      startedAt: job.startedAt,
      finishedAt: job.finishedAt ?? null,
      steps: job.steps,
      tables: job.tables,
    };
  },
});
