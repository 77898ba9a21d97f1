/**
 * Generic row helpers shared by every domain's lists.
 */
/** Fields every list returns besides its rows. */
export type ListResult<Row> = {
  rows: Row[];
  /** Resume state when the call ran out of budget; `null` when done. */
  next: import("./walk.js").WalkState | null;
  /** Exact total when known (from a counter or a completed count). */
  total: number | null;
  /** True when the rows come in the opposite of the requested order. */
  reversed: boolean;
};

/** Removes Convex's system fields from a document. */
export function withoutSystemFields<T extends { _id?: unknown; _creationTime?: unknown }>(
  doc: T,
): Omit<T, "_id" | "_creationTime"> {
  const { _id, _creationTime, ...rest } = doc;
  return rest;
}

/**
 * Removes the first `limit` of `rows` (read with `take(limit + 1)`) with
 * `remove`, in order; `more` when a row was left for a next bounded step.
 */
export async function removeSome<T>(
  rows: T[],
  limit: number,
  remove: (row: T) => Promise<unknown>,
): Promise<{ deleted: number; more: boolean }> {
  const doomed = rows.slice(0, limit);
  for (const row of doomed) await remove(row);
  return { deleted: doomed.length, more: rows.length > limit };
}
