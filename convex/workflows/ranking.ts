/**
 * Whether the workflows domain's rank trees and families hold every run,
 * so lists may take their totals and offsets from them.
 *
 * Runs written by this version enter all their trees in the same mutation
 * (`runTreeEntries`), so the trees are complete unless the deployment holds
 * runs written before they existed, or a rebuild is under way. Both show in
 * documents no write of this version touches: versions before the trees
 * counted every run in the one unsharded all-runs counter document (this
 * version counts in its shards only), and a rebuild (`system/ranks`) marks
 * the domain unranked when it clears the trees and ranked once it has added
 * every run again, folding the old all-runs document into a shard. Reading
 * the two is two index lookups that find nothing on a ranked deployment,
 * and no writer ever writes them, so lists that read them never conflict
 * with writers.
 */
import { adjustCounters, counterShard, readCounter } from "../kit/counters.js";
import type { MutationCtx, QueryCtx } from "../kit/functions.js";
import { workflowCounters } from "./counterNames.js";

/** True when every run is in its rank trees and families. */
export async function runsRanked(ctx: QueryCtx): Promise<boolean> {
  return await readCounter(ctx, workflowCounters.workflowRuns()) === 0 &&
    await readCounter(ctx, workflowCounters.unranked()) === 0;
}

/** Marks the runs unranked (the trees are being cleared): lists count by walking until {@link markRunsRanked}. */
export async function markRunsUnranked(ctx: MutationCtx): Promise<void> {
  if (await readCounter(ctx, workflowCounters.unranked()) === 0) {
    await adjustCounters(ctx, [[workflowCounters.unranked(), 1]]);
  }
}

/**
 * Marks the runs ranked once every run has been added to its trees: the
 * old unsharded all-runs count moves into a shard (the sharded total is
 * unchanged) and the rebuild mark goes.
 */
export async function markRunsRanked(ctx: MutationCtx): Promise<void> {
  const name = workflowCounters.workflowRuns();
  const legacy = await readCounter(ctx, name);
  const unranked = await readCounter(ctx, workflowCounters.unranked());
  await adjustCounters(ctx, [
    [name, -legacy],
    [counterShard(name, "legacy"), legacy],
    [workflowCounters.unranked(), -unranked],
  ]);
}
