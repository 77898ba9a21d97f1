/**
 * One bounded retention step, called by `prune()` of each domain on the
 * client. The cutoff is computed here, from the server's clock: a caller
 * names a maximum age, never a time. Internal function.
 */
import { v } from "convex/values";
import { storageError } from "../kit/errors.js";
import { internalMutation } from "../kit/functions.js";
import { isRetentionKey, PRUNERS, type PruneStep, STEP_CAPS } from "./pruners.js";

/** Refuses a policy the pruners cannot run (nothing is deleted). */
export function checkPolicy(key: string, maxAgeMs: number, limit: number): void {
  if (!isRetentionKey(key)) {
    throw storageError("INVALID", `retention: unknown table "${key}" (known: ${Object.keys(PRUNERS).join(", ")})`);
  }
  if (!Number.isFinite(maxAgeMs) || maxAgeMs < 0) {
    throw storageError("INVALID", `retention: maxAge of ${key} must be a non-negative finite number of ms`);
  }
  if (!Number.isSafeInteger(limit) || limit <= 0) {
    throw storageError("INVALID", `retention: batch size of ${key} must be a positive integer; received ${limit}`);
  }
}

/**
 * Deletes at most `limit` rows of table `key` (`<domain>.<table key>`) older
 * than `Date.now() - maxAgeMs` (and at most the table's step cap). `done`:
 * no eligible row is left.
 */
export const step = internalMutation({
  args: { key: v.string(), maxAgeMs: v.number(), limit: v.number() },
  handler: async (ctx, { key, maxAgeMs, limit }): Promise<PruneStep & { cutoff: number }> => {
    checkPolicy(key, maxAgeMs, limit);
    if (!isRetentionKey(key)) throw storageError("INVALID", `retention: unknown table "${key}"`);
    const cutoff = Date.now() - maxAgeMs;
    const result = await PRUNERS[key](ctx, cutoff, Math.min(limit, STEP_CAPS[key]));
    return { ...result, cutoff };
  },
});
