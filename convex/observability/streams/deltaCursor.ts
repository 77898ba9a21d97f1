/**
 * Positions in the sharded delta streams of `deltaStreams.ts`, and their
 * text form (the opaque `deltaCursor` / watermark strings clients hold).
 * Imports only `kit/hash.ts`, so both sides can use it.
 *
 * A position is one number per shard: the sequence number of the last entry
 * of that shard already consumed (0: none). Its text is the numbers joined
 * by `.`. A single decimal number (the form of cursors handed out before the
 * streams were sharded, and core's `"0"`) reads as the start of every
 * shard: every entry of the sharded streams was written after such a cursor.
 */
import { fnv1a } from "../../kit/hash.js";

/** Shards of each delta stream: a write touches one, so unrelated writers rarely share a sequence document. */
export const DELTA_SHARDS = 8;

/** One number per shard: the last sequence number consumed there. */
export type DeltaPosition = number[];

/** The shard of the entries keyed by `key` (a trace id): FNV-1a, stable. */
export function deltaShard(key: string): number {
  return fnv1a(key) % DELTA_SHARDS;
}

/** The position before every entry. */
export function startPosition(): DeltaPosition {
  return new Array(DELTA_SHARDS).fill(0);
}

/** The text form of a position (`"0"` for the start, as core's stores answer an empty stream). */
export function encodePosition(position: DeltaPosition): string {
  return position.every((value) => value === 0) ? "0" : position.join(".");
}

/** Reads a position from its text form, or `null` when the text is not one. */
export function decodePosition(text: string): DeltaPosition | null {
  const safe = (part: string) => /^\d+$/.test(part) && Number.isSafeInteger(Number(part));
  if (safe(text)) return startPosition();
  const parts = text.split(".");
  if (parts.length !== DELTA_SHARDS || !parts.every(safe)) return null;
  return parts.map(Number);
}

/** The later of two positions, shard by shard. */
export function maxPosition(a: DeltaPosition, b: DeltaPosition): DeltaPosition {
  return a.map((value, shard) => Math.max(value, b[shard] ?? 0));
}
