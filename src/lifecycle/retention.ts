/**
 * The retention policy the deployment runs by itself (its cron, see
 * `convex/lifecycle/retention.ts`), and what its runs did.
 */
import type { RetentionConfig, TableRetentionPolicy } from "@mastra/core/storage";
import type { RetentionStatus as StoredStatus } from "../../convex/lifecycle/retention.ts";
import type { RetentionKey } from "../../convex/lifecycle/pruners.ts";
import type { DomainContext } from "../kit/context.ts";
import { withErrorContext } from "../kit/errors.ts";
import { type CheckedPolicy, domainPolicies, RETENTION_TABLE_NAMES } from "./prune.ts";

/** The policies of `config` that the deployment prunes (others are skipped), checked. */
export function standingPolicies(config: RetentionConfig): CheckedPolicy[] {
  const out: CheckedPolicy[] = [];
  for (const [domain, tables] of Object.entries(config ?? {})) {
    if (tables) out.push(...domainPolicies(domain, tables as Record<string, TableRetentionPolicy>));
  }
  return out;
}

/**
 * Stores `config` as the deployment's standing retention policy (its cron
 * then prunes by it, hourly), or removes it with `null`. Fails with a
 * `MastraError` naming the table of a bad policy, storing nothing.
 */
export function setRetentionPolicy(ctx: DomainContext, config: RetentionConfig | null): Promise<void> {
  return withErrorContext({ operation: "setRetentionPolicy" }, async () => {
    const tables = config === null ? null : standingPolicies(config).map(({ key, maxAgeMs, batchSize }) => ({
      key,
      maxAgeMs,
      batchSize,
    }));
    await ctx.transport.mutation("lifecycle/retention:setPolicy", { tables }, {
      operation: "setRetentionPolicy",
      idempotent: true,
    });
  });
}

/** One table of a retention run: core's domain and table names, rows deleted, whether it finished. */
export type RetentionTableStatus = { domain: string; table: string; deleted: number; done: boolean };

/** What {@link retentionStatus} answers. */
export type RetentionStatus = {
  /** The standing policy (`<domain>.<table>` → max age in ms), or `null` when none is set (nothing runs). */
  policy: { domain: string; table: string; maxAgeMs: number; batchSize: number }[] | null;
  /** The newest run, or `null` before the first. Times are the deployment's clock. */
  lastRun: {
    startedAt: Date;
    updatedAt: Date;
    finishedAt: Date | null;
    batches: number;
    tables: RetentionTableStatus[];
  } | null;
};

function split(key: string): { domain: string; table: string } {
  const [domain] = key.split(".");
  return { domain, table: RETENTION_TABLE_NAMES[key as RetentionKey] ?? key };
}

/** The standing policy and what the deployment's newest retention run did. */
export function retentionStatus(ctx: DomainContext): Promise<RetentionStatus> {
  return withErrorContext({ operation: "retentionStatus" }, async () => {
    const stored = await ctx.transport.query<StoredStatus>("lifecycle/retention:status", {}, {
      operation: "retentionStatus",
    });
    return {
      policy: stored.policy?.map((table) => ({
        ...split(table.key),
        maxAgeMs: table.maxAgeMs,
        batchSize: table.batchSize ?? 1000,
      })) ?? null,
      lastRun: stored.lastRun
        ? {
          startedAt: new Date(stored.lastRun.startedAt),
          updatedAt: new Date(stored.lastRun.updatedAt),
          finishedAt: stored.lastRun.finishedAt === null ? null : new Date(stored.lastRun.finishedAt),
          batches: stored.lastRun.batches,
          tables: stored.lastRun.tables.map((tally) => ({
            ...split(tally.key),
            deleted: tally.deleted,
            done: tally.done,
          })),
        }
        : null,
    };
  });
}
