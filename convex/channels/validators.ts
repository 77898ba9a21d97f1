/**
 * Wire shapes of the channels domain, shared by our Convex functions and the
 * client. A whole installation (or platform config) travels and is stored
 * as one JSON text made by `codec.ts` in `record`, exactly as given
 * (secrets included: the domain stores what Mastra hands it); the fields the
 * lookups need are copied into indexed columns.
 */
import { type Infer, v } from "convex/values";

/** Installation statuses in the order `getInstallationByAgent` prefers them. */
export const STATUS_RANKS: Readonly<Record<string, number>> = { active: 0, pending: 1, error: 2 };

/** Rank of a status for `getInstallationByAgent` (unknown statuses last, as in core). */
export function statusRank(status: string): number {
  return STATUS_RANKS[status] ?? 3;
}

/** A channel installation as stored (without Convex's system fields). */
export const installationRowValidator = v.object({
  id: v.string(),
  platform: v.string(),
  agentId: v.string(),
  status: v.string(),
  /** {@link statusRank} of `status`. */
  rank: v.number(),
  webhookId: v.optional(v.string()),
  /** Insertion order (kept when the installation is saved again), like core's `Map`. */
  seq: v.number(),
  /** The whole installation, encoded by `codec.ts`. */
  record: v.string(),
});
/** A channel installation as stored. */
export type InstallationRow = Infer<typeof installationRowValidator>;

/** A platform configuration as stored. */
export const configRowValidator = v.object({
  platform: v.string(),
  /** The whole config, encoded by `codec.ts`. */
  record: v.string(),
});
/** A platform configuration as stored. */
export type ConfigRow = Infer<typeof configRowValidator>;

/** One page of `channels/installations:list`. */
export type InstallationPage = { records: string[]; next: number | null };
