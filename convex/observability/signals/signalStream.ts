/**
 * The delta stream of each signal table (logs, metric events, scores,
 * feedback), numbered on the rows themselves: a row first written gets
 * `deltaShard` (the shard its write call picked, from the call's first
 * record id) and `deltaSeq` (the next number of that shard's sequence,
 * `deltaStreams.ts:signalSeqCounter`), and keeps both when rewritten, as
 * core's in-memory store keeps a record's cursor. Unrelated write calls
 * share a sequence document only when they pick the same shard (1 in
 * `deltaCursor.ts:DELTA_SHARDS`); there is no table-wide sequence.
 *
 * A row's *write order* (core's insertion order: which event is `last` on a
 * tie, which group was seen first) is its `_creationTime`, which follows the
 * order of writes that do not overlap in time; rows written before the
 * streams existed carry a table-wide `seq` instead (smaller than any
 * creation time, and all written earlier). Such rows are in no stream: delta
 * polls answer the rows written since.
 */
import type { MutationCtx, QueryCtx } from "../../kit/functions.js";
import { deltaShard } from "../streams/deltaCursor.js";
import {
  headPosition,
  type ShardOpener,
  ShardSequences,
  signalSeqCounter,
  type SignalStreamTable,
  type StreamEntry,
} from "../streams/deltaStreams.js";

/** A signal row as the stream reads it. */
export type StreamedSignal = {
  _id: unknown;
  _creationTime: number;
  id: string;
  data: string;
  seq?: number;
  deltaShard?: number;
  deltaSeq?: number;
};

/** One entry of a signal stream: the row and its position. */
export type SignalEntry = StreamEntry & { doc: StreamedSignal };

/** A row's write order: its creation time, or the table-wide number of a row written before the streams. */
export function writeOrder(doc: { _creationTime: number; seq?: number }): number {
  return doc.seq ?? doc._creationTime;
}

/** Numbers the rows one write call adds to a signal table's stream: one shard per call. */
export class SignalStreamWriter {
  readonly #sequences: ShardSequences;
  #shard: number | null = null;

  constructor(ctx: MutationCtx, table: SignalStreamTable) {
    this.#sequences = new ShardSequences(ctx, (shard) => signalSeqCounter(table, shard));
  }

  /** The stream fields of the next new row; the first call picks the shard from `firstId`. */
  async next(firstId: string): Promise<{ deltaShard: number; deltaSeq: number }> {
    this.#shard ??= deltaShard(firstId);
    return { deltaShard: this.#shard, deltaSeq: await this.#sequences.next(this.#shard) };
  }

  /** Writes the shard's sequence counter (once per call). */
  async flush(): Promise<void> {
    await this.#sequences.flush();
  }
}

type AnyRange = { eq(field: string, value: unknown): AnyRange; gt(field: string, value: unknown): AnyRange } & {
  lt(field: string, value: unknown): AnyRange;
};
type AnyDb = {
  query(table: string): {
    withIndex(index: string, range: (q: AnyRange) => AnyRange): { order(o: string): AsyncIterable<StreamedSignal> };
  };
};

/** The opener of a signal table's stream shards (index `by_delta`). */
export function signalStream(ctx: QueryCtx, table: SignalStreamTable): ShardOpener<SignalEntry> {
  const db = ctx.db as unknown as AnyDb;
  return (shard, bound, order) => {
    const docs = db.query(table).withIndex("by_delta", (q) => {
      const base = q.eq("deltaShard", shard);
      if (bound === null) return base;
      return order === "asc" ? base.gt("deltaSeq", bound) : base.lt("deltaSeq", bound);
    }).order(order);
    return (async function* () {
      for await (const doc of docs) {
        yield { _creationTime: doc._creationTime, shard, seq: doc.deltaSeq!, doc };
      }
    })();
  };
}

/** The position after every row of a signal table's stream (one read per shard). */
export function signalHead(ctx: QueryCtx, table: SignalStreamTable): Promise<number[]> {
  return headPosition(ctx, (shard) => signalSeqCounter(table, shard));
}

/** The stream fields a rewritten row keeps (its place in the stream, or its pre-stream write number). */
export function keptStreamFields(
  doc: { seq?: number; deltaShard?: number; deltaSeq?: number },
): { seq?: number; deltaShard?: number; deltaSeq?: number } {
  return {
    ...(doc.seq !== undefined ? { seq: doc.seq } : {}),
    ...(doc.deltaShard !== undefined ? { deltaShard: doc.deltaShard } : {}),
    ...(doc.deltaSeq !== undefined ? { deltaSeq: doc.deltaSeq } : {}),
  };
}
