/**
 * Whether the workflows domain's rank trees and families hold every run,
 * so lists may take their totals and offsets from them.
 *
 * Runs written by this version enter all their trees in the same mutation
 * (`runTreeEntries`). The trees hold every run under the table's coverage
 * mark (`kit/coverage.ts`: set by the write of the first run, or by a
 * completed rebuild; removed when a rebuild clears the trees), and only as
 * long as no version from before the trees wrote runs: those counted every
 * run in the one unsharded all-runs counter document, which this version
 * never writes (runs keep no counters), so a run inserted or deleted by
 * such a version shows there. A completed rebuild drops that document. Both checks are index lookups of documents no writer of this
 * version writes, so lists that read them never conflict with writers.
 */
import { adjustCounter, readCounter } from "../kit/counters.js";
import { noteInsert, treesCover } from "../kit/coverage.js";
import type { MutationCtx, QueryCtx } from "../kit/functions.js";
import { workflowCounters } from "./counterNames.js";

/** True when every run is in its rank trees and families. */
export async function runsRanked(ctx: QueryCtx): Promise<boolean> {
  return await treesCover(ctx, "workflow_runs") && await readCounter(ctx, workflowCounters.workflowRuns()) === 0;
}

/** Call before inserting a run (marks the trees complete when the table is empty). */
export async function noteRunInsert(ctx: MutationCtx): Promise<void> {
  await noteInsert(ctx, "workflow_runs");
}

/**
 * Called once a rebuild has added every run to its trees: the old
 * unsharded all-runs count (written only by versions before the trees) is
 * dropped, so the trees count as complete again. Runs keep no counters
 * now: their lists' totals come from the trees.
 */
export async function foldLegacyRunCount(ctx: MutationCtx): Promise<void> {
  const name = workflowCounters.workflowRuns();
  await adjustCounter(ctx, name, -(await readCounter(ctx, name)));
}
