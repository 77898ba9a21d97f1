/**
 * Normalisation of store answers before comparing ConvexStorage with
 * core's InMemoryStore: only what the contract leaves open is removed.
 */
import assert from "node:assert/strict";
import { MastraError } from "@mastra/core/error";

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

/**
 * Runs one operation on core's store and on ours and asserts they agree:
 * both succeed with deep-equal answers, or both fail (ours with a
 * `MastraError`). Returns core's outcome.
 */
export async function assertSameOutcome(
  label: string,
  reference: () => Promise<unknown>,
  ours: () => Promise<unknown>,
): Promise<Outcome> {
  const expected = await outcome(reference);
  let error: unknown;
  const actual = await outcome(() => ours().catch((cause) => Promise.reject(error = cause)));
  assert.equal(actual.ok, expected.ok, `${label}: ${JSON.stringify({ actual, expected })}`);
  if (!actual.ok) assert.ok(error instanceof MastraError, `${label}: ours failed without a MastraError: ${error}`);
  if (actual.ok && expected.ok) assert.deepStrictEqual(actual.value, expected.value, label);
  return expected;
}
