/**
 * A `Date` whose "now" is a test's clock, for code that reads the time from
 * `new Date()` / `Date.now()` (core's InMemoryStore) while ours gets it from
 * the `now` option: install it with {@link withFakeDate} so one fake clock
 * drives both stores.
 */

/** A settable clock for tests that move time by hand: `withFakeDate(() => fakeNow.ms, fn)`. */
export const fakeNow: { ms: number } = { ms: 1_700_000_000_000 };

/** A `Date` class whose `new Date()` and `Date.now()` are `now()`; dates it makes are real `Date`s. */
export function fakeDateClass(now: () => number): DateConstructor {
  const RealDate = Date;
  class FakeDate extends RealDate {
    constructor(...args: unknown[]) {
      super(...((args.length === 0 ? [now()] : args) as [number]));
    }
    static override now(): number {
      return now();
    }
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  return FakeDate as DateConstructor;
}

/** Runs `fn` with `globalThis.Date` replaced by {@link fakeDateClass}`(now)`, and puts the real one back. */
export async function withFakeDate<T>(now: () => number, fn: () => Promise<T>): Promise<T> {
  const real = globalThis.Date;
  globalThis.Date = fakeDateClass(now);
  try {
    return await fn();
  } finally {
    globalThis.Date = real;
  }
}
