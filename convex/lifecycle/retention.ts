/**
 * Retention the deployment runs by itself. The standing policy is a row of
 * `lifecycle_policy` (set by `ConvexStorage`'s `retention` option at
 * `init()`, or by `setRetentionPolicy`); the component's cron calls
 * {@link tick}, which starts a run when a policy is set and none is
 * running; the run prunes one bounded step per mutation, oldest rows first,
 * with cutoffs fixed at its start by the server's clock, and schedules its
 * own continuation until every table is done. Nothing runs without a policy.
 * Internal functions.
 */
import { makeFunctionReference } from "convex/server";
import { type Infer, v } from "convex/values";
import { internalMutation, internalQuery, type MutationCtx } from "../kit/functions.js";
import { checkPolicy } from "./prune.js";
import { isRetentionKey, PRUNERS, STEP_CAPS } from "./pruners.js";
import { tablePolicyValidator, type tableTallyValidator } from "./tables.js";

/** Rows per batch when a policy names none (core's default). */
export const DEFAULT_BATCH_SIZE = 1000;
/** A run whose last step is older than this (server clock) has stopped; the next tick starts afresh. */
export const STALLED_AFTER_MS = 60 * 60 * 1000;
/** Steps one run takes at most (a safety bound; the next tick continues). */
export const MAX_STEPS_PER_RUN = 10_000;

const POLICY = "retention";

type TablePolicy = Infer<typeof tablePolicyValidator>;

const continueRef = makeFunctionReference<"mutation", { runId: string }>("lifecycle/retention:continueRun");

/** Sets (or, with `tables: null`, removes) the standing policy. Refuses an invalid one, changing nothing. */
export const setPolicy = internalMutation({
  args: { tables: v.union(v.array(tablePolicyValidator), v.null()) },
  handler: async (ctx, { tables }): Promise<null> => {
    for (const table of tables ?? []) checkPolicy(table.key, table.maxAgeMs, table.batchSize ?? DEFAULT_BATCH_SIZE);
    const existing = await ctx.db.query("lifecycle_policy").withIndex("by_name", (q) => q.eq("name", POLICY)).unique();
    if (tables === null || tables.length === 0) {
      if (existing) await ctx.db.delete(existing._id);
      return null;
    }
    const row = { name: POLICY, tables, setAt: Date.now() };
    if (existing) await ctx.db.replace(existing._id, row);
    else await ctx.db.insert("lifecycle_policy", row);
    return null;
  },
});

/** The standing policy, or `null`. */
export const getPolicy = internalQuery({
  args: {},
  handler: async (ctx): Promise<TablePolicy[] | null> => {
    const row = await ctx.db.query("lifecycle_policy").withIndex("by_name", (q) => q.eq("name", POLICY)).unique();
    return row?.tables ?? null;
  },
});

/** What `status` answers: the policy and the newest run. */
export type RetentionStatus = {
  policy: TablePolicy[] | null;
  lastRun: {
    startedAt: number;
    updatedAt: number;
    finishedAt: number | null;
    batches: number;
    tables: Infer<typeof tableTallyValidator>[];
  } | null;
};

/** The standing policy and the newest run (rows deleted per table, whether it finished). */
export const status = internalQuery({
  args: {},
  handler: async (ctx): Promise<RetentionStatus> => {
    const policy = await ctx.db.query("lifecycle_policy").withIndex("by_name", (q) => q.eq("name", POLICY)).unique();
    const run = await ctx.db.query("lifecycle_runs").withIndex("by_startedAt").order("desc").first();
    return {
      policy: policy?.tables ?? null,
      lastRun: run
        ? {
          startedAt: run.startedAt,
          updatedAt: run.updatedAt,
          finishedAt: run.finishedAt ?? null,
          batches: run.batches,
          tables: run.tables,
        }
        : null,
    };
  },
});

/** Runs older than the newest this many are deleted when a run starts (the status keeps a short history). */
const RUNS_KEPT = 10;

async function startRun(ctx: MutationCtx, policy: TablePolicy[]): Promise<string> {
  const now = Date.now();
  const runId = await ctx.db.insert("lifecycle_runs", {
    startedAt: now,
    updatedAt: now,
    policy,
    cutoffs: policy.map((table) => now - table.maxAgeMs),
    position: 0,
    batches: 0,
    tables: policy.map((table) => ({ key: table.key, deleted: 0, done: false })),
  });
  const old = await ctx.db.query("lifecycle_runs").withIndex("by_startedAt").order("desc").take(RUNS_KEPT + 5);
  for (const run of old.slice(RUNS_KEPT)) await ctx.db.delete(run._id);
  await ctx.scheduler.runAfter(0, continueRef, { runId });
  return runId;
}

/**
 * The cron's entry: starts a run of the standing policy unless none is set
 * or one is running (a run whose steps stopped for {@link STALLED_AFTER_MS}
 * is replaced). Returns the started run's id, or `null`.
 */
export const tick = internalMutation({
  args: {},
  handler: async (ctx): Promise<string | null> => {
    const policy = await ctx.db.query("lifecycle_policy").withIndex("by_name", (q) => q.eq("name", POLICY)).unique();
    if (!policy) return null;
    const last = await ctx.db.query("lifecycle_runs").withIndex("by_startedAt").order("desc").first();
    if (last && last.finishedAt === undefined && Date.now() - last.updatedAt < STALLED_AFTER_MS) return null;
    if (last && last.finishedAt === undefined) await ctx.db.patch(last._id, { finishedAt: Date.now() });
    return await startRun(ctx, policy.tables);
  },
});

/** One step of a run: prunes one batch of the current table, then schedules the next step or finishes. */
export const continueRun = internalMutation({
  args: { runId: v.string() },
  handler: async (ctx, { runId }): Promise<null> => {
    const id = ctx.db.normalizeId("lifecycle_runs", runId);
    const run = id ? await ctx.db.get(id) : null;
    if (!run || run.finishedAt !== undefined) return null;
    const now = Date.now();
    const table = run.policy[run.position];
    if (!table || run.batches >= MAX_STEPS_PER_RUN) {
      await ctx.db.patch(run._id, { finishedAt: now, updatedAt: now });
      return null;
    }
    const tables = run.tables.slice();
    let position = run.position;
    if (isRetentionKey(table.key)) {
      const limit = Math.min(table.batchSize ?? DEFAULT_BATCH_SIZE, STEP_CAPS[table.key]);
      const result = await PRUNERS[table.key](ctx, run.cutoffs[position], limit);
      const tally = tables[position];
      tables[position] = { key: tally.key, deleted: tally.deleted + result.deleted, done: result.done };
      if (result.done) position++;
    } else {
      position++; // a key this deployment no longer prunes (set by a newer client): skipped
    }
    const finished = position >= run.policy.length;
    await ctx.db.patch(run._id, {
      tables,
      position,
      batches: run.batches + 1,
      updatedAt: now,
      ...(finished ? { finishedAt: now } : {}),
    });
    if (!finished) await ctx.scheduler.runAfter(0, continueRef, { runId });
    return null;
  },
});
