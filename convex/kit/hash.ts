/**
 * The stable string hash every sharded structure uses to pick a shard
 * (counters, rank families, delta streams, rollup cells, the trace
 * dictionary). Imports nothing, so both sides can use it.
 */

/** FNV-1a (32 bit) of `key`'s UTF-16 code units: stable across processes and releases. */
export function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) hash = Math.imul(hash ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}
