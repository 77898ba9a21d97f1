/**
 * A `Date` whose "now" is a test's clock, for code that reads the time from
 * `new Date()` / `Date.now()` (core's InMemoryStore) while ours gets it from
 * the `now` option: install it with {@link withFakeDate} so one fake clock
 * drives both stores.
 */

/** A settable clock for tests that move time by hand: `withFakeDate(() => fakeNow.ms, fn)`. */
export const fakeNow: { ms: number } = { ms: 1_700_000_000_000 };

/** A `Date` whose `new Date()` and `Date.now()` are `now()`; every date it makes is a plain, real `Date`. */
export function fakeDateClass(now: () => number): DateConstructor {
  const RealDate = Date;
  return new Proxy(RealDate, {
    construct(target, args: unknown[]) {
      return args.length === 0 ? new target(now()) : new target(...(args as [number]));
    },
    get(target, key, receiver) {
      return key === "now" ? now : Reflect.get(target, key, receiver);
    },
  });
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
