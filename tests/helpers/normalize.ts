/**
 * Normalisation of store answers before comparing ConvexStorage with
 * core's InMemoryStore: only what the contract leaves open is removed.
 */

/** Drops object keys whose value is `undefined` (absent and undefined mean the same to Mastra). */
export function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map(dropUndefined) as T;
  if (value instanceof Date || value === null || typeof value !== "object") return value;
  if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (item !== undefined) {
      Object.defineProperty(out, key, {
        value: dropUndefined(item),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
  }
  return out as T;
}

/** Outcome of calling a store method: its value, or the fact that it threw. */
export type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/** Runs `fn` and captures its outcome. */
export async function outcome(fn: () => Promise<unknown>): Promise<Outcome> {
  try {
    return { ok: true, value: dropUndefined(await fn()) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
