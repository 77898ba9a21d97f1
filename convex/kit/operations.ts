/**
 * Idempotency of writes that are not naturally safe to repeat (e.g. a
 * guarded workflow state change: applied once, a repeat would find the
 * guard failing and answer differently).
 *
 * The client sends a fresh operation id with such a call; the mutation
 * records its answer under that id in the same transaction as its writes.
 * When the answer is lost after commit and the transport sends the call
 * again, the mutation finds the record and returns the recorded answer
 * without writing anything. Records expire after {@link OPERATION_TTL_MS}:
 * the deployment's own cron (`crons.ts`) runs `system/operations:sweep`,
 * which deletes expired records in bounded batches over their `expiresAt`
 * index. A write pays its record and nothing else: no function is scheduled
 * per record (records of older versions also had one scheduled
 * `system/operations:expire` each, which stays registered for them).
 */
import type { MutationCtx, QueryCtx } from "./functions.js";
import { utf8Length } from "./walk.js";

/** How long an operation's answer is kept for retries of the same call (at least; the sweep runs hourly). */
export const OPERATION_TTL_MS = 24 * 60 * 60 * 1000;

/** Largest answer recorded in full (UTF-8 bytes); a larger one is recorded as `oversized`. */
export const MAX_RECORDED_BYTES = 256 * 1024;

/** The answer recorded for `opId` (JSON text, or `null` when it was too large to keep), if the call already ran. */
export async function recordedAnswer(ctx: QueryCtx, opId: string): Promise<{ answer: string | null } | undefined> {
  const row = await ctx.db.query("operations").withIndex("by_opId", (q) => q.eq("opId", opId)).unique();
  return row ? { answer: row.answer ?? null } : undefined;
}

/** Records the answer of `opId` (JSON-serializable) in the current transaction; the sweep deletes it once expired. */
export async function recordAnswer(ctx: MutationCtx, opId: string, answer: unknown): Promise<void> {
  const text = JSON.stringify(answer ?? null);
  await ctx.db.insert("operations", {
    opId,
    ...(utf8Length(text) <= MAX_RECORDED_BYTES ? { answer: text } : {}),
    expiresAt: Date.now() + OPERATION_TTL_MS,
  });
}

/**
 * Records that `opId` was applied without keeping its answer: a retry finds
 * `answer: null` and answers from what the write stored (for a write whose
 * answer is a copy of the row it wrote, so the record stays small).
 */
export async function recordApplied(ctx: MutationCtx, opId: string): Promise<void> {
  await ctx.db.insert("operations", { opId, expiresAt: Date.now() + OPERATION_TTL_MS });
}
