/**
 * Shared pieces of the editor-domain tests: a frozen clock that both
 * `ConvexStorage` (inside convex-test, in process) and core's
 * `InMemoryStore` read, and the normalisation of their answers (dates by
 * time, generated ids by order of first appearance, `undefined` keys
 * dropped).
 */
import fc from "fast-check";
import { dropUndefined } from "./normalize.ts";

const RealDate = Date;

/**
 * Replaces the global `Date` so that `new Date()` and `Date.now()` return
 * {@link FrozenClock.now}, on our server functions and core's stores alike.
 */
export class FrozenClock {
  now = 1_750_000_000_000;

  /** Installs the frozen `Date`. */
  install(): void {
    // deno-lint-ignore no-this-alias
    const clock = this;
    class FrozenDate extends RealDate {
      // deno-lint-ignore no-explicit-any
      constructor(...args: any[]) {
        // deno-lint-ignore no-explicit-any
        super(...((args.length === 0 ? [clock.now] : args) as [any]));
      }
      static override now(): number {
        return clock.now;
      }
    }
    globalThis.Date = FrozenDate as DateConstructor;
  }

  /** Puts the real `Date` back. */
  restore(): void {
    globalThis.Date = RealDate;
  }

  /** Moves time forward. */
  tick(ms = 1000): void {
    this.now += ms;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Normalises one store's answers for comparison: dates become `{ date: ms }`,
 * generated UUIDs become `uuid#n` in the order this store first showed them,
 * and keys holding `undefined` disappear.
 */
export class AnswerNormalizer {
  #ids = new Map<string, string>();

  /** The normalised form of `value`. */
  normalize(value: unknown): unknown {
    return this.#walk(dropUndefined(value));
  }

  #walk(value: unknown): unknown {
    if (value instanceof RealDate) return { date: value.getTime() };
    if (typeof value === "string" && UUID.test(value)) {
      if (!this.#ids.has(value)) this.#ids.set(value, `uuid#${this.#ids.size}`);
      return this.#ids.get(value);
    }
    if (value instanceof Set) return { set: [...value].map((item) => this.#walk(item)).sort() };
    if (Array.isArray(value)) return value.map((item) => this.#walk(item));
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(value)) out[key] = this.#walk((value as Record<string, unknown>)[key]);
      return out;
    }
    return value;
  }
}

/** An optional value of `arb` (absent as `undefined`). */
export const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** Small JSON scalars (no -0, no dates: core copies some version fields through JSON text). */
export const jsonScalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom("a", "", "ключ"),
  fc.integer({ min: -3, max: 3 }),
  fc.boolean(),
  fc.constant(null),
);

/** Small JSON values: scalars, short arrays, objects with keys Convex refuses (`$schema`, `_y`). */
export const smallJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: jsonScalar },
  fc.array(jsonScalar, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom("x", "$schema", "_y"), jsonScalar, { maxKeys: 2 }),
);
