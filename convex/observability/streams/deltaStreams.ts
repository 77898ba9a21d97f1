/**
 * Delta streams of the observability domain, kept without a
 * deployment-wide sequence document: the order in which traces were first
 * listed (`trace`), branch-anchor spans first written (`branch`) and root
 * spans written (`root`, trace-query delta polling), entries of
 * `obs_deltas`; and the order in which logs, metric events, scores and
 * feedback were first written, numbered on their own rows (`signalSeqCounter`).
 *
 * Each stream is split into {@link DELTA_SHARDS} shards (by trace id for the
 * tracing streams, by the first record id of a write call for the signals).
 * An entry takes the next number of its shard's sequence (one counter
 * document per shard), in the same mutation as the write it records, so
 * within a shard the numbers follow commit order exactly (two writers of one
 * shard conflict on its counter and are serialized). A poller's position is
 * one number per shard (`deltaCursor.ts`): "after position P" is, shard by
 * shard, the entries numbered above P, so a poll never misses an entry
 * committed later (it gets a higher number in its shard) and never repeats
 * one. No clock is involved in what a poller sees; timestamps only order the
 * answer: the shards are merged by the entries' `_creationTime` (ties by
 * shard), which follows the order of the writes when they do not overlap in
 * time, and a late commit carrying an earlier `_creationTime` is still
 * returned, by the next poll.
 *
 * Writes of unrelated traces (or signal batches) share a document only when
 * they hash to the same shard (1 in {@link DELTA_SHARDS}).
 */
import type { MutationCtx, QueryCtx } from "../../kit/functions.js";
import { adjustCounters, readCounter } from "../../kit/counters.js";
import { DELTA_SHARDS, type DeltaPosition, deltaShard } from "./deltaCursor.js";

/** What a delta stream records. */
export type DeltaStream = "trace" | "branch" | "root";

/** One entry of a delta stream, as stored. */
export type DeltaEntry = {
  _id: unknown;
  _creationTime: number;
  stream: DeltaStream;
  shard: number;
  seq: number;
  traceId: string;
  spanId: string;
};

/**
 * Name of a shard's sequence counter. Deliberately outside the domain's
 * `observability:` prefix, so clearing the domain keeps the numbers growing
 * and cursors handed out before a clear stay valid.
 */
export function deltaSeqCounter(shard: number): string {
  return `obsdelta:seq:${shard}`;
}

/** Tables of the non-tracing signals, each its own delta stream (numbered on its rows). */
export type SignalStreamTable = "obs_logs" | "obs_metrics" | "obs_scores" | "obs_feedback";

/**
 * Name of a shard's sequence counter of a signal table's stream (outside
 * the domain's counter prefix, like {@link deltaSeqCounter}).
 */
export function signalSeqCounter(table: SignalStreamTable, shard: number): string {
  return `obsdelta:${table}:seq:${shard}`;
}

/** Takes sequence numbers of sharded sequences in one mutation: each counter is read once and written once. */
export class ShardSequences {
  readonly #ctx: MutationCtx;
  readonly #counterOf: (shard: number) => string;
  readonly #last = new Map<number, number>();
  readonly #taken = new Map<number, number>();

  /** Sequences whose shard `k` is counted in the counter `counterOf(k)`. */
  constructor(ctx: MutationCtx, counterOf: (shard: number) => string) {
    this.#ctx = ctx;
    this.#counterOf = counterOf;
  }

  /** The next number of `shard`'s sequence. */
  async next(shard: number): Promise<number> {
    const seq = (this.#last.get(shard) ?? await readCounter(this.#ctx, this.#counterOf(shard))) + 1;
    this.#last.set(shard, seq);
    this.#taken.set(shard, (this.#taken.get(shard) ?? 0) + 1);
    return seq;
  }

  /** Writes the counters of the numbers taken. */
  async flush(): Promise<void> {
    await adjustCounters(
      this.#ctx,
      [...this.#taken].map(([shard, n]): [string, number] => [this.#counterOf(shard), n]),
    );
    this.#taken.clear();
  }
}

/** The entries one mutation appends to and removes from the tracing streams (`obs_deltas`). */
export class DeltaWriter {
  readonly #ctx: MutationCtx;
  readonly #sequences: ShardSequences;

  constructor(ctx: MutationCtx) {
    this.#ctx = ctx;
    this.#sequences = new ShardSequences(ctx, deltaSeqCounter);
  }

  /** Appends an entry for `traceId` (and `spanId` for branches) to `stream`; returns its sequence number. */
  async append(stream: DeltaStream, traceId: string, spanId = ""): Promise<number> {
    const shard = deltaShard(traceId);
    const seq = await this.#sequences.next(shard);
    await this.#ctx.db.insert("obs_deltas", { stream, shard, seq, traceId, spanId });
    return seq;
  }

  /** Removes the entry of `traceId` / `spanId` from `stream`, if any. */
  async remove(stream: DeltaStream, traceId: string, spanId = ""): Promise<void> {
    const entries = this.#ctx.db.query("obs_deltas").withIndex(
      "by_trace",
      (q) => q.eq("traceId", traceId).eq("stream", stream).eq("spanId", spanId),
    );
    for await (const entry of entries) await this.#ctx.db.delete(entry._id);
  }

  /** Writes the sequence counters. */
  async flush(): Promise<void> {
    await this.#sequences.flush();
  }
}

/**
 * The position after every entry written so far (each shard's last
 * sequence number): {@link DELTA_SHARDS} reads. Of the tracing streams, or
 * of the stream whose shard counters are `counterOf`.
 */
export async function headPosition(
  ctx: QueryCtx,
  counterOf: (shard: number) => string = deltaSeqCounter,
): Promise<DeltaPosition> {
  const out: DeltaPosition = [];
  for (let shard = 0; shard < DELTA_SHARDS; shard++) out.push(await readCounter(ctx, counterOf(shard)));
  return out;
}

/** What a merge needs of an entry: its shard, its number there, and when it was written. */
export type StreamEntry = { _creationTime: number; shard: number; seq: number };

/**
 * Opens one shard of a stream in number order: the entries numbered above
 * `bound` (`asc`) or below it (`desc`); every entry where `bound` is `null`.
 */
export type ShardOpener<E extends StreamEntry> = (
  shard: number,
  bound: number | null,
  order: "asc" | "desc",
) => AsyncIterable<E>;

type Cursor<E> = { next(): Promise<IteratorResult<E>> };

/** The opener of a tracing stream's shards (`obs_deltas`). */
export function tracingStream(ctx: QueryCtx, stream: DeltaStream): ShardOpener<DeltaEntry> {
  return (shard, bound, order) =>
    ctx.db.query("obs_deltas").withIndex("by_stream_shard_seq", (q) => {
      const base = q.eq("stream", stream).eq("shard", shard);
      if (bound === null) return base;
      return order === "asc" ? base.gt("seq", bound) : base.lt("seq", bound);
    }).order(order) as unknown as AsyncIterable<DeltaEntry>;
}

/**
 * The entries of one stream merged across shards, oldest first (`asc`,
 * entries numbered above `bound` in each shard) or newest first (`desc`,
 * entries numbered below `bound`, no bound where it is `null`). Reads one
 * document per entry taken, plus one head per non-empty shard.
 */
export class DeltaMerge<E extends StreamEntry = DeltaEntry> {
  readonly #order: "asc" | "desc";
  readonly #cursors: Cursor<E>[] = [];
  readonly #heads: (E | null)[] = [];
  #opened = false;
  /** Documents read so far (entries taken plus heads looked at). */
  reads = 0;

  /** A merge of the shards `open` opens, from `bound` on, in `order`. */
  constructor(open: ShardOpener<E>, bound: (number | null)[], order: "asc" | "desc") {
    this.#order = order;
    for (let shard = 0; shard < DELTA_SHARDS; shard++) {
      this.#cursors.push(open(shard, bound[shard] ?? null, order)[Symbol.asyncIterator]());
    }
  }

  async #advance(shard: number): Promise<void> {
    const step = await this.#cursors[shard].next();
    this.#heads[shard] = step.done ? null : step.value;
    if (!step.done) this.reads++;
  }

  async #open(): Promise<void> {
    if (this.#opened) return;
    this.#opened = true;
    for (let shard = 0; shard < DELTA_SHARDS; shard++) await this.#advance(shard);
  }

  /** The next entry that {@link next} would return in `shard`, or `null` when that shard is exhausted. */
  async head(shard: number): Promise<E | null> {
    await this.#open();
    return this.#heads[shard];
  }

  /** The next entry in merged order, or `null` when every shard is exhausted. */
  async next(): Promise<E | null> {
    await this.#open();
    let best = -1;
    for (let shard = 0; shard < DELTA_SHARDS; shard++) {
      const head = this.#heads[shard];
      if (head === null) continue;
      if (best < 0) {
        best = shard;
        continue;
      }
      const other = this.#heads[best]!;
      const earlier = head._creationTime < other._creationTime;
      // Ties: the lower shard first ascending, so the higher one first descending (the exact reverse).
      if (this.#order === "asc" ? earlier : head._creationTime >= other._creationTime) best = shard;
    }
    if (best < 0) return null;
    const entry = this.#heads[best]!;
    await this.#advance(best);
    return entry;
  }
}
