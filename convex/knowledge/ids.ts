/**
 * Knowledge ids as core makes them: ULIDs (time, then 80 random bits that
 * count up within a millisecond), monotonic across every mutation of the
 * deployment through one state document, so ids sort in creation order as
 * core's process-wide generator makes them sort.
 */
import type { GenericId } from "convex/values";
import type { MutationCtx } from "../kit/functions.js";

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const RANDOM_MASK = (1n << 80n) - 1n;

function encode(value: bigint, length: number): string {
  let encoded = "";
  for (let index = 0; index < length; index++) {
    encoded = CROCKFORD[Number(value & 31n)] + encoded;
    value >>= 5n;
  }
  return encoded;
}

function randomBits(): bigint {
  return crypto.getRandomValues(new Uint8Array(10)).reduce((value, byte) => value << 8n | BigInt(byte), 0n);
}

/** The generator's state document, once a mutation has read it (kept so later ids read no index again). */
export type UlidCache = { state?: { _id: GenericId<"knowledge_ulid">; time: number; random: string } | null };

/** The next ULID at `now` (server time): later than every ULID made before. */
export async function nextUlid(ctx: MutationCtx, now: number, cache: UlidCache = {}): Promise<string> {
  if (cache.state === undefined) {
    cache.state = await ctx.db.query("knowledge_ulid").withIndex("by_key", (q) => q.eq("key", "ulid")).unique();
  }
  const state = cache.state;
  let time = now;
  let random: bigint;
  if (state && time <= state.time) {
    time = state.time;
    random = (BigInt(state.random) + 1n) & RANDOM_MASK;
  } else {
    random = randomBits();
  }
  const next = { key: "ulid" as const, time, random: random.toString() };
  if (state) await ctx.db.replace(state._id, next);
  const _id = state ? state._id : await ctx.db.insert("knowledge_ulid", next);
  cache.state = { _id, time, random: next.random };
  return `${encode(BigInt(time), 10)}${encode(random, 16)}`;
}
