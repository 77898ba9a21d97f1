/**
 * Age-based deletion of each retention table, one bounded step at a time.
 *
 * A pruner deletes at most `limit` rows whose anchor (see
 * {@link RETENTION_ANCHORS}) is strictly older than `cutoff`, reading them
 * oldest first through an index on the anchor, and removes each through the
 * same code the domain's own delete uses, so every counter, rank tree and
 * large value stays exact after every step. Each pruner also caps a step by
 * its own {@link STEP_CAPS} so one step always fits one Convex transaction.
 *
 * Thread/message policy: a thread's age is its `updatedAt`, which every
 * message saved, updated or deleted in it bumps; pruning a thread deletes it
 * with all its messages and its thread state (exactly what `deleteThread`
 * does), so no message ever outlives its thread. Old messages of live
 * threads are pruned on their own, by their `createdAt`, without touching
 * their thread.
 */
import { blobOwner, isBlobRef, releaseBlobs } from "../kit/blobs.js";
import type { MutationCtx } from "../kit/functions.js";
import { removeSome } from "../kit/rows.js";
import { approximateSize } from "../kit/walk.js";
import { CounterBatch, MESSAGE_BATCH_BYTES, type MessageDocument } from "../memory/messageStore.js";
import { removeThreadStep } from "../memory/threads.js";
import { dropIfHidden } from "../memory/threadDeletion.js";
import { removeRun } from "../workflows/runs.js";
import { deleteTracesStep } from "../observability/tracing/traces.js";
import { removeTask, type TaskDoc } from "../backgroundTasks/tasks.js";
import { removeScore } from "../scores/scores.js";
import { type ExperimentDoc, markExperimentDeleted } from "../experiments/experiments.js";
import { RECLAIM_BATCH, reclaimResults } from "../experiments/generations.js";
import { experimentCounters } from "../experiments/counterNames.js";
import { readCounter } from "../kit/counters.js";
import { LIST_BATCH as SESSIONS_PER_READ, removeSession } from "../harness/sessions.js";
import { removeSlot } from "../threadState/state.js";

/** What one step did: rows deleted, and whether no eligible row is left. */
export type PruneStep = { deleted: number; done: boolean };

/** Deletes up to `limit` rows older than `cutoff` (epoch ms, server clock) of one table. */
export type Pruner = (ctx: MutationCtx, cutoff: number, limit: number) => Promise<PruneStep>;

/** The anchor column of each retention table (`<domain>.<table key>`), documented in the README. */
export const RETENTION_ANCHORS = {
  "memory.threads": "updatedAt",
  "memory.messages": "createdAt",
  "memory.resources": "updatedAt",
  "workflows.workflowSnapshot": "updatedAt",
  "observability.spans": "startedAt of the trace",
  "backgroundTasks.backgroundTasks": "completedAt",
  "schedules.triggers": "actualFireAt",
  "notifications.notifications": "updatedAt",
  "scores.scorers": "createdAt",
  "experiments.experiments": "completedAt",
  "harness.sessions": "lastActivityAt",
  "threadState.threadState": "updatedAt (server time of the last setState)",
} as const;

/** A retention table we prune: `<domain>.<table key>` of core's `DomainRetentionTables`. */
export type RetentionKey = keyof typeof RETENTION_ANCHORS;

/** Rows one step deletes at most per table, whatever `limit` asks (keeps a step inside one transaction). */
export const STEP_CAPS: Record<RetentionKey, number> = {
  "memory.threads": 50,
  "memory.messages": 200,
  "memory.resources": 500,
  "workflows.workflowSnapshot": 100,
  "observability.spans": 2000,
  "backgroundTasks.backgroundTasks": 100,
  "schedules.triggers": 1000,
  "notifications.notifications": 1000,
  "scores.scorers": 200,
  "experiments.experiments": 50,
  // Inline records are at most 256 KiB: as many as one list call reads (8 MiB).
  "harness.sessions": SESSIONS_PER_READ,
  // Inline values are at most 256 KiB: 32 slots read at most 8 MiB.
  "threadState.threadState": 32,
};

/**
 * Deletes messages with their counters, rank-tree entries and large
 * contents (the bookkeeping of `messages:remove`, without touching their
 * threads' `updatedAt`: retention is not activity). Returns how many were
 * not already counted by the deletion of their thread.
 */
export async function deleteMessages(ctx: MutationCtx, messages: MessageDocument[]): Promise<number> {
  const counters = new CounterBatch();
  let own = 0;
  for (const message of messages) {
    // A message of a thread being deleted leaves through that deletion's bookkeeping (memory/threadDeletion.ts).
    if ((await dropIfHidden(ctx, message)).dropped) continue;
    own++;
    await ctx.db.delete(message._id);
    counters.change(message, null);
    if (isBlobRef(message.content)) await releaseBlobs(ctx, blobOwner("messages", message.id), [message.content]);
  }
  await counters.apply(ctx);
  return own;
}

/**
 * Deletes the first messages of `messages` (an index range, read lazily):
 * at most `limit` and about {@link MESSAGE_BATCH_BYTES} of them, through
 * {@link deleteMessages}; `own` as it counts, `more` when some were left.
 */
export async function deleteMessageBatch(
  ctx: MutationCtx,
  messages: AsyncIterable<MessageDocument>,
  limit: number,
): Promise<{ deleted: number; own: number; more: boolean }> {
  const batch: MessageDocument[] = [];
  let bytes = 0;
  let more = false;
  for await (const message of messages) {
    if (batch.length >= limit || bytes >= MESSAGE_BATCH_BYTES) {
      more = true;
      break;
    }
    bytes += approximateSize(message);
    batch.push(message);
  }
  const own = await deleteMessages(ctx, batch);
  return { deleted: batch.length, own, more };
}

const pruneMessages: Pruner = async (ctx, cutoff, limit) => {
  const step = await deleteMessageBatch(
    ctx,
    ctx.db.query("messages").withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff)),
    limit,
  );
  return { deleted: step.deleted, done: !step.more };
};

const pruneThreads: Pruner = async (ctx, cutoff, limit) => {
  let deleted = 0;
  let messages = 0;
  for (;;) {
    const thread = await ctx.db.query("threads").withIndex("by_updatedAt", (q) => q.lt("updatedAt", cutoff)).first();
    if (!thread) return { deleted, done: true };
    if (deleted >= limit || messages >= STEP_CAPS["memory.messages"]) return { deleted, done: false };
    // From this step on the thread is gone for readers; the deployment's own steps finish its messages.
    const step = await removeThreadStep(ctx, thread.id);
    messages += step.deleted;
    deleted++;
  }
};

const pruneResources: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("resources").withIndex("by_updatedAt", (q) => q.lt("updatedAt", cutoff)).take(
      limit + 1,
    ),
    limit,
    async (resource) => {
      await releaseBlobs(ctx, blobOwner("resources", resource.id), [resource.workingMemory, resource.metadata]);
      await ctx.db.delete(resource._id);
    },
  );
};

const pruneWorkflowRuns: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("workflow_runs").withIndex("by_updatedAt", (q) => q.lt("updatedAt", cutoff)).take(
      limit + 1,
    ),
    limit,
    (run) => removeRun(ctx, run.workflowName, run.runId),
  );
};

/** Traces whose deletion one spans step starts at most. */
const TRACES_PER_STEP = 50;

/**
 * Spans go a trace at a time (a trace and all its spans, as `deleteTraces`
 * does), oldest trace first by its `startedAt`; traces still being deleted
 * (unlisted) are finished first; a trace whose root span has not arrived
 * (no start) is never pruned. `deleted` counts spans.
 */
const pruneSpans: Pruner = async (ctx, cutoff, limit) => {
  const ids: string[] = [];
  for (const listed of [false, true]) {
    const rows = await ctx.db.query("ai_traces")
      // A trace without its root span yet has no start: its age is unknown and it is never pruned.
      .withIndex(
        "by_listed_startedAt",
        (q) => q.eq("listed", listed).gte("startedAt", -Number.MAX_VALUE).lt("startedAt", cutoff),
      )
      .take(TRACES_PER_STEP - ids.length);
    ids.push(...rows.map((row) => row.id));
    if (ids.length >= TRACES_PER_STEP) break;
  }
  if (ids.length === 0) return { deleted: 0, done: true };
  const step = await deleteTracesStep(ctx, ids, {}, limit);
  const more = step.remaining.length > 0 || ids.length >= TRACES_PER_STEP ||
    (await ctx.db.query("ai_traces").withIndex(
        "by_listed_startedAt",
        (q) => q.eq("listed", true).lt("startedAt", cutoff),
      )
        .first()) !== null;
  return { deleted: step.spans, done: !more };
};

/**
 * Background tasks go by `completedAt`: a task that has not finished (no
 * `completedAt`) is never pruned, whatever its age.
 */
const pruneBackgroundTasks: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("background_tasks").withIndex(
      "by_completedAt",
      (q) => q.gte("completedAt", -Number.MAX_VALUE).lt("completedAt", cutoff),
    ).take(limit + 1) as TaskDoc[],
    limit,
    (task) => removeTask(ctx, task),
  );
};

/** Schedule fire history by `actualFireAt` (plain rows: no counters or trees). */
const pruneTriggers: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("schedule_triggers").withIndex(
      "by_actualFireAt",
      (q) => q.lt("actualFireAt", cutoff),
    ).take(limit + 1),
    limit,
    (trigger) => ctx.db.delete(trigger._id),
  );
};

/** Notifications by `updatedAt` (every status change stamps it); plain rows: no counters, trees or large values. */
const pruneNotifications: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("notifications").withIndex("by_updatedAt", (q) => q.lt("updatedAt", cutoff))
      .take(limit + 1),
    limit,
    (note) => ctx.db.delete(note._id),
  );
};

/**
 * Scores (core's `scorers` key) by `createdAt`, oldest first, each removed
 * with its rank-tree entries and its blob (`scores/scores.ts`).
 */
const pruneScores: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("scores").withIndex("by_createdAt", (q) => q.lt("createdAt", cutoff)).take(
      limit + 1,
    ),
    limit,
    (score) => removeScore(ctx, score),
  );
};

/**
 * Experiments go as a unit with their results (as `deleteExperiment` does:
 * marked deleted, so they and their results leave every list and counter
 * at once, then the results are reclaimed in bounded steps and the row
 * removed), oldest `completedAt` first; an experiment in flight (no
 * `completedAt`) is never pruned. One that a step leaves half-reclaimed
 * stays first in the index, so the next step finishes it. A step stops
 * once it has reclaimed about {@link RECLAIM_BATCH} results.
 */
const pruneExperiments: Pruner = async (ctx, cutoff, limit) => {
  let deleted = 0;
  let results = 0;
  for (;;) {
    const row = await ctx.db.query("experiments").withIndex(
      "by_completedAt",
      (q) => q.gte("completedAt", -Number.MAX_VALUE).lt("completedAt", cutoff),
    ).first() as ExperimentDoc | null;
    if (!row) return { deleted, done: true };
    if (deleted >= limit || results >= RECLAIM_BATCH) return { deleted, done: false };
    results += row.deleting ? RECLAIM_BATCH : await readCounter(ctx, experimentCounters.results(row.id));
    await markExperimentDeleted(ctx, row);
    if (!(await reclaimResults(ctx, row.id)).done) return { deleted, done: false };
    await ctx.db.delete(row._id);
    deleted++;
  }
};

/**
 * Harness sessions by `lastActivityAt` (every change stamps it), each with
 * its pending items (they live in its record). Rows saved before the
 * column was kept carry none and are never pruned until written again.
 */
const pruneSessions: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("harness_sessions").withIndex(
      "by_lastActivityAt",
      (q) => q.gte("lastActivityAt", -Number.MAX_VALUE).lt("lastActivityAt", cutoff),
    ).take(limit + 1),
    limit,
    (session) => removeSession(ctx, session),
  );
};

/**
 * Thread-state slots by the server time of their last `set`. Slots set
 * before that time was kept carry none and are never pruned until set
 * again (a thread's slots always go with the thread).
 */
const pruneThreadState: Pruner = async (ctx, cutoff, limit) => {
  return pruneSome(
    await ctx.db.query("thread_state").withIndex(
      "by_updatedAt",
      (q) => q.gte("updatedAt", -Number.MAX_VALUE).lt("updatedAt", cutoff),
    ).take(limit + 1),
    limit,
    (slot) => removeSlot(ctx, slot),
  );
};

/** Removes the first `limit` of `rows` (read with `take(limit + 1)`) with `remove`: one pruner step. */
async function pruneSome<T>(rows: T[], limit: number, remove: (row: T) => Promise<unknown>): Promise<PruneStep> {
  const { deleted, more } = await removeSome(rows, limit, remove);
  return { deleted, done: !more };
}

/** Every table we prune, by `<domain>.<table key>`. */
export const PRUNERS: Record<RetentionKey, Pruner> = {
  "memory.threads": pruneThreads,
  "memory.messages": pruneMessages,
  "memory.resources": pruneResources,
  "workflows.workflowSnapshot": pruneWorkflowRuns,
  "observability.spans": pruneSpans,
  "backgroundTasks.backgroundTasks": pruneBackgroundTasks,
  "schedules.triggers": pruneTriggers,
  "notifications.notifications": pruneNotifications,
  "scores.scorers": pruneScores,
  "experiments.experiments": pruneExperiments,
  "harness.sessions": pruneSessions,
  "threadState.threadState": pruneThreadState,
};

/** True when `key` names a table we prune. */
export function isRetentionKey(key: string): key is RetentionKey {
  return Object.hasOwn(PRUNERS, key);
}
