/**
 * Client side of bounded walks (see `convex/kit/walk.ts`): keeps
 * calling a list function with the state it returned until it is done.
 */
import type { WalkState } from "../../convex/kit/walk.ts";
import type { ListResult } from "../../convex/kit/rows.ts";

/** All rows of a walk in the requested order, and the total when known. */
export type WalkOutcome<Row> = { rows: Row[]; total: number | null };

/** Runs `step` from the start until the walk completes. */
export async function runWalk<Row>(
  step: (state: WalkState | undefined) => Promise<ListResult<Row>>,
): Promise<WalkOutcome<Row>> {
  let result = await step(undefined);
  const rows = [...result.rows];
  let total = result.total;
  const reversed = result.reversed;
  while (result.next !== null) {
    result = await step(result.next);
    rows.push(...result.rows);
    total = result.total ?? total;
  }
  if (reversed) rows.reverse();
  return { rows, total };
}
