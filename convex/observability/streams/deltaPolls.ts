/**
 * Delta polling over a sharded delta stream (`deltaStreams.ts`), the
 * generic part shared by traces, branch-anchor spans, logs, metric events,
 * scores and feedback: one bounded step of "the matches written after
 * position P, oldest first", and one bounded step of the search for the
 * newest match (the cursor core's stores answer when a poll finds nothing).
 */
import { storageError } from "../../kit/errors.js";
import { DELTA_SHARDS, type DeltaPosition } from "./deltaCursor.js";
import { DeltaMerge, type ShardOpener, type StreamEntry } from "./deltaStreams.js";

/** Documents one delta-poll call reads at most before it returns its position (the client resumes there). */
export const DELTA_DOCS = 2000;

/** One step of a delta poll: matches in stream order, each with the position just after it. */
export type DeltaStep<Row> = {
  rows: Row[];
  /** `positions[i]`: the position just after `rows[i]` (a cursor that resumes after it). */
  positions: number[][];
  /** Position after everything this step read, to resume from. */
  scanned: number[];
  /** True once the stream is exhausted. */
  done: boolean;
};

/** One step of the search for the newest match of a stream (the cursor of an empty delta answer). */
export type NewestStep = {
  /** Position just after the newest match, once found. */
  found: number[] | null;
  /** Bounds to resume the search from, or `null` when it is over. */
  before: (number | null)[] | null;
  /** The position after every entry (from the first step only). */
  head: number[] | null;
};

/** Visits one stream entry: the matching row, or `null`. */
export type Visit<E, Row> = (entry: E) => Promise<Row | null>;

/** Reads stream entries after `after`, oldest first, until `want` matches or the budget is spent. */
export async function deltaAfter<E extends StreamEntry, Row>(
  open: ShardOpener<E>,
  after: DeltaPosition,
  want: number,
  visit: Visit<E, Row>,
): Promise<DeltaStep<Row>> {
  if (after.length !== DELTA_SHARDS) throw storageError("INVALID", "invalid delta position");
  const merge = new DeltaMerge(open, after, "asc");
  const position = [...after];
  const rows: Row[] = [];
  const positions: number[][] = [];
  let reads = 0;
  for (;;) {
    if (rows.length >= want || merge.reads + reads >= DELTA_DOCS) {
      return { rows, positions, scanned: position, done: false };
    }
    const entry = await merge.next();
    if (entry === null) return { rows, positions, scanned: position, done: true };
    position[entry.shard] = entry.seq;
    reads++;
    const row = await visit(entry);
    if (row !== null) {
      rows.push(row);
      positions.push([...position]);
    }
  }
}

/**
 * Searches a stream newest first for the newest match: its position is the
 * cursor core's reference store answers when a poll finds nothing (the
 * newest matching row's number, else the newest row's).
 */
export async function deltaNewest<E extends StreamEntry>(
  open: ShardOpener<E>,
  before: (number | null)[] | undefined,
  matches: Visit<E, unknown>,
): Promise<NewestStep> {
  const bound = before ?? new Array<number | null>(DELTA_SHARDS).fill(null);
  if (bound.length !== DELTA_SHARDS) throw storageError("INVALID", "invalid delta position");
  const merge = new DeltaMerge(open, bound, "desc");
  let head: number[] | null = null;
  if (before === undefined) {
    head = [];
    for (let shard = 0; shard < DELTA_SHARDS; shard++) head.push((await merge.head(shard))?.seq ?? 0);
  }
  const resume = [...bound];
  let reads = 0;
  for (;;) {
    if (merge.reads + reads >= DELTA_DOCS) return { found: null, before: resume, head };
    const entry = await merge.next();
    if (entry === null) return { found: null, before: null, head };
    resume[entry.shard] = entry.seq;
    reads++;
    if (await matches(entry) === null) continue;
    // Shard by shard, what lies at or below the match in merged order: the rest of each shard is newer.
    const found: number[] = [];
    for (let shard = 0; shard < DELTA_SHARDS; shard++) {
      found.push(shard === entry.shard ? entry.seq : (await merge.head(shard))?.seq ?? 0);
    }
    return { found, before: null, head };
  }
}
