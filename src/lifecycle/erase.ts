/**
 * `eraseResource`: deletes everything of one resource, as a job the
 * deployment runs by itself (`convex/lifecycle/erase.ts`); this call starts
 * it and waits for it, polling its progress.
 */
import { TABLE_NOTIFICATIONS, TABLE_OBSERVATIONAL_MEMORY } from "@mastra/core/storage";
import type { EraseStatus as StoredStatus } from "../../convex/lifecycle/erase.ts";
import type { RetentionKey } from "../../convex/lifecycle/pruners.ts";
import type { DomainContext } from "../kit/context.ts";
import { InvalidInputError, withErrorContext } from "../kit/errors.ts";
import { pause } from "../kit/pause.ts";
import { RETENTION_TABLE_NAMES } from "./prune.ts";

/** Options of `eraseResource`. */
export type EraseOptions = {
  /** Longest wait between two polls of the job, in ms (default 1,000; the first polls come sooner). */
  pollMs?: number;
  /**
   * Stop waiting after this many ms (default: wait until done). The job
   * keeps running in the deployment; read it with `eraseStatus(jobId)`.
   */
  timeoutMs?: number;
  /** Stop waiting (the job keeps running). */
  signal?: AbortSignal;
  /** Called with the progress after every poll. */
  onProgress?: (status: EraseStatus) => void;
};

/** Rows deleted in one table: core's domain and table names. */
export type EraseCount = { domain: string; table: string; deleted: number };

/** Progress (or, once `done`, the receipt) of an erasure. */
export type EraseStatus = {
  jobId: string;
  resourceId: string;
  startedAt: Date;
  /** When the deployment finished (its clock); `null` while it runs. */
  finishedAt: Date | null;
  done: boolean;
  /** Bounded steps run so far. */
  steps: number;
  /** Rows deleted so far, per table. */
  counts: EraseCount[];
};

function tableName(key: string): { domain: string; table: string } {
  const [domain] = key.split(".");
  if (key === "memory.observationalMemory") return { domain, table: TABLE_OBSERVATIONAL_MEMORY };
  if (key === "notifications.notifications") return { domain, table: TABLE_NOTIFICATIONS };
  // Observability scores and feedback have no core table constant: core's retention keys name them.
  if (key === "observability.scores" || key === "observability.feedback") return { domain, table: key.split(".")[1] };
  // Vectors of every `ConvexVector` index that pushes `resource_id` down, summed: one entry.
  if (key === "vector.vectors") return { domain, table: "vectors" };
  return { domain, table: RETENTION_TABLE_NAMES[key as RetentionKey] ?? key };
}

function toStatus(stored: StoredStatus): EraseStatus {
  return {
    jobId: stored.jobId,
    resourceId: stored.resourceId,
    startedAt: new Date(stored.startedAt),
    finishedAt: stored.finishedAt === null ? null : new Date(stored.finishedAt),
    done: stored.finishedAt !== null,
    steps: stored.steps,
    counts: stored.tables.map((tally) => ({ ...tableName(tally.key), deleted: tally.deleted })),
  };
}

async function readStatus(ctx: DomainContext, jobId: string, operation: string): Promise<EraseStatus | null> {
  const stored = await ctx.transport.query<StoredStatus | null>("lifecycle/erase:status", { jobId }, {
    operation,
    details: { jobId },
  });
  return stored ? toStatus(stored) : null;
}

/** Progress of an erasure, or `null` for an unknown job id. */
export function eraseStatus(ctx: DomainContext, jobId: string): Promise<EraseStatus | null> {
  return withErrorContext(
    { operation: "eraseStatus", details: { jobId } },
    () => readStatus(ctx, jobId, "eraseStatus"),
  );
}

/**
 * Starts (or joins, if one is running) the erasure of `resourceId` and
 * waits until the deployment reports it done; returns the receipt. When the
 * wait stops early (`timeoutMs`, `signal`, a lost connection), the job
 * goes on in the deployment and the error names its job id.
 */
export function eraseResource(
  ctx: DomainContext,
  resourceId: string,
  options: EraseOptions = {},
): Promise<EraseStatus> {
  const details = { resourceId: typeof resourceId === "string" ? resourceId : null };
  return withErrorContext({ operation: "eraseResource", details }, async () => {
    if (typeof resourceId !== "string" || resourceId.length === 0) {
      throw new InvalidInputError("resourceId must be a non-empty string");
    }
    const { jobId } = await ctx.transport.mutation<{ jobId: string }>(
      "lifecycle/erase:start",
      { resourceId, jobId: crypto.randomUUID() },
      { operation: "eraseResource", details, idempotent: true },
    );
    const started = Date.now();
    const maxPoll = options.pollMs ?? 1000;
    for (let polls = 0;; polls++) {
      let status: EraseStatus | null;
      try {
        status = await readStatus(ctx, jobId, "eraseResource");
      } catch (error) {
        throw new Error(
          `lost sight of erasure job ${jobId}, which continues in the deployment (eraseStatus reads it): ` +
            (error instanceof Error ? error.message : String(error)),
          { cause: error },
        );
      }
      if (!status) throw new Error(`erasure job ${jobId} is not recorded`);
      options.onProgress?.(status);
      if (status.done) return status;
      if (options.signal?.aborted) {
        throw new Error(`stopped waiting; erasure job ${jobId} continues in the deployment (eraseStatus reads it)`);
      }
      if (options.timeoutMs !== undefined && Date.now() - started >= options.timeoutMs) {
        throw new Error(
          `not done after ${options.timeoutMs} ms; erasure job ${jobId} continues in the deployment ` +
            "(eraseStatus reads it)",
        );
      }
      await pause(Math.min(maxPoll, 10 * 2 ** polls), options.signal);
    }
  });
}
