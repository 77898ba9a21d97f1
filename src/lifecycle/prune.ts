/**
 * `prune()` of the domains: core's retention contract (`TableRetentionPolicy`,
 * `PruneOptions`, `PruneResult`) over the deployment's bounded retention
 * steps (`convex/lifecycle/prune.ts`). The caller sends each table's maximum
 * age; the deployment computes the cutoff from its own clock.
 */
import type { PruneOptions, PruneResult, RetentionTablesDescriptor, TableRetentionPolicy } from "@mastra/core/storage";
import {
  parseDuration,
  TABLE_BACKGROUND_TASKS,
  TABLE_EXPERIMENTS,
  TABLE_HARNESS_SESSIONS,
  TABLE_MESSAGES,
  TABLE_NOTIFICATIONS,
  TABLE_RESOURCES,
  TABLE_SCHEDULE_TRIGGERS,
  TABLE_SCORERS,
  TABLE_SPANS,
  TABLE_THREAD_STATE,
  TABLE_THREADS,
  TABLE_WORKFLOW_SNAPSHOT,
} from "@mastra/core/storage";
import type { RetentionKey } from "../../convex/lifecycle/pruners.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { pause } from "../kit/pause.ts";

/** Rows per batch when a policy names none (core's default). */
export const DEFAULT_BATCH_SIZE = 1000;

/** Core's physical table name of each table we prune (what `PruneResult.table` reports). */
export const RETENTION_TABLE_NAMES: Record<RetentionKey, string> = {
  "memory.messages": TABLE_MESSAGES,
  "memory.threads": TABLE_THREADS,
  "memory.resources": TABLE_RESOURCES,
  "workflows.workflowSnapshot": TABLE_WORKFLOW_SNAPSHOT,
  "observability.spans": TABLE_SPANS,
  "backgroundTasks.backgroundTasks": TABLE_BACKGROUND_TASKS,
  "schedules.triggers": TABLE_SCHEDULE_TRIGGERS,
  "notifications.notifications": TABLE_NOTIFICATIONS,
  "scores.scorers": TABLE_SCORERS,
  "experiments.experiments": TABLE_EXPERIMENTS,
  "harness.sessions": TABLE_HARNESS_SESSIONS,
  "threadState.threadState": TABLE_THREAD_STATE,
};

/** The retention tables of each domain we prune, in the order `prune()` runs them. */
export const RETENTION_ORDER: Record<string, string[]> = {
  memory: ["messages", "threads", "resources"],
  workflows: ["workflowSnapshot"],
  observability: ["spans"],
  backgroundTasks: ["backgroundTasks"],
  schedules: ["triggers"],
  notifications: ["notifications"],
  scores: ["scorers"],
  experiments: ["experiments"],
  harness: ["sessions"],
  threadState: ["threadState"],
};

/** A domain's `retentionTables` descriptor (core's shape), for the domains' static field. */
export function retentionDescriptor(
  domain: string,
  anchors: Record<string, string>,
): RetentionTablesDescriptor {
  const descriptor: RetentionTablesDescriptor = {};
  for (const key of RETENTION_ORDER[domain] ?? []) {
    descriptor[key] = {
      table: RETENTION_TABLE_NAMES[`${domain}.${key}` as RetentionKey],
      column: anchors[key],
      indexed: true,
      anchorType: "epoch-ms",
    };
  }
  return descriptor;
}

/** A policy checked and in the deployment's units: maximum age in ms and rows per batch. */
export type CheckedPolicy = { key: RetentionKey; maxAgeMs: number; batchSize: number };

/** Checks one table's policy (core's `Duration`, positive integer batch size), naming the table on failure. */
export function checkPolicy(domain: string, table: string, policy: TableRetentionPolicy): CheckedPolicy {
  if (!policy || typeof policy !== "object") {
    throw new InvalidInputError(`retention.${domain}.${table} must be an object with a maxAge`);
  }
  let maxAgeMs: number;
  try {
    maxAgeMs = parseDuration(policy.maxAge);
  } catch (error) {
    throw new InvalidInputError(`retention.${domain}.${table}.maxAge: ${(error as Error).message}`);
  }
  const batchSize = policy.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    throw new InvalidInputError(
      `retention.${domain}.${table}.batchSize must be a positive integer; received ${String(policy.batchSize)}`,
    );
  }
  return { key: `${domain}.${table}` as RetentionKey, maxAgeMs, batchSize };
}

/** The policies of one domain that we prune, checked, in {@link RETENTION_ORDER} (other keys are skipped). */
export function domainPolicies(domain: string, policies: Record<string, TableRetentionPolicy>): CheckedPolicy[] {
  const out: CheckedPolicy[] = [];
  for (const table of RETENTION_ORDER[domain] ?? []) {
    const policy = policies?.[table];
    if (policy !== undefined) out.push(checkPolicy(domain, table, policy));
  }
  return out;
}

/**
 * Prunes one table in batches of `batchSize` rows (each batch one or more
 * bounded deployment steps), honouring `maxBatches`, `maxRows`, `pauseMs`
 * and `signal` as core's `runRetentionBatches` does.
 */
async function pruneTable(
  ctx: DomainContext,
  policy: CheckedPolicy,
  options: PruneOptions | undefined,
): Promise<{ deleted: number; done: boolean }> {
  let deleted = 0;
  let batches = 0;
  for (;;) {
    if (options?.signal?.aborted) return { deleted, done: false };
    if (options?.maxBatches !== undefined && batches >= options.maxBatches) return { deleted, done: false };
    let limit = policy.batchSize;
    if (options?.maxRows !== undefined) {
      const remaining = options.maxRows - deleted;
      if (remaining <= 0) return { deleted, done: false };
      limit = Math.min(limit, remaining);
    }
    // One batch: steps until `limit` rows are gone or the table is done.
    let batch = 0;
    for (;;) {
      const step = await ctx.transport.mutation<{ deleted: number; done: boolean }>(
        "lifecycle/prune:step",
        { key: policy.key, maxAgeMs: policy.maxAgeMs, limit: limit - batch },
        { operation: "prune", details: { table: policy.key }, idempotent: true },
      );
      batch += step.deleted;
      if (step.done) return { deleted: deleted + batch, done: true };
      if (batch >= limit || options?.signal?.aborted) break;
    }
    deleted += batch;
    batches++;
    if (options?.pauseMs) await pause(options.pauseMs, options.signal);
  }
}

/**
 * `prune()` of one domain: every table of `policies` that we prune, in
 * order; returns one `PruneResult` per table (core's physical table name).
 * A bad policy fails with a `MastraError` naming `prune` and the table,
 * before anything is deleted.
 */
export function pruneDomain(
  ctx: DomainContext,
  domain: string,
  policies: Record<string, TableRetentionPolicy>,
  options?: PruneOptions,
): Promise<PruneResult[]> {
  return withErrorContext({ operation: "prune", details: { domain } }, async () => {
    const checked = domainPolicies(domain, policies);
    const results: PruneResult[] = [];
    for (const policy of checked) {
      const table = RETENTION_TABLE_NAMES[policy.key];
      if (options?.signal?.aborted) {
        results.push({ domain, table, deleted: 0, done: false });
        continue;
      }
      const { deleted, done } = await pruneTable(ctx, policy, options);
      results.push({ domain, table, deleted, done });
    }
    return results;
  });
}
