/**
 * Delta polls compared between our store and InMemoryStore. Cursors are
 * opaque and differ between the stores (ours is a position in sharded
 * streams), so each store is handed back its own: a pair per cursor.
 */
import assert from "node:assert/strict";

/** The same cursor as each store handed it out. */
export type CursorPair = { ours: string; theirs: string };

// deno-lint-ignore no-explicit-any
type Store = any;

/**
 * The pair for a page answer: ours is our stream's head when the page was
 * read; the reference answers the newest *matching* row (they differ only
 * for a row written before the page and rewritten to match later), so its
 * equivalent is the cursor of an unfiltered page of the same list.
 */
export async function pageCursors(ours: string | undefined, theirs: Store, list: string): Promise<CursorPair> {
  assert.equal(typeof ours, "string", "a page answer carries a delta cursor");
  const head = await theirs[list]({ pagination: { page: 0, perPage: 1 } });
  return { ours: ours!, theirs: head.deltaCursor };
}

/** One delta poll of `list` on both stores (each from its own cursor): the answers must agree but for the cursors. */
export async function compareDelta(
  ours: Store,
  theirs: Store,
  list: string,
  filters: unknown,
  limit: number,
  after: CursorPair | undefined,
): Promise<CursorPair> {
  const args = (side: keyof CursorPair) => ({
    mode: "delta",
    filters,
    limit,
    ...(after ? { after: after[side] } : {}),
  });
  const { deltaCursor: mineCursor, ...mine } = await ours[list](args("ours"));
  const { deltaCursor: theirCursor, ...expected } = await theirs[list](args("theirs"));
  assert.deepEqual(mine, expected);
  assert.equal(typeof mineCursor, "string", "a delta answer carries a cursor");
  return { ours: mineCursor, theirs: theirCursor };
}
