/**
 * A settable clock for `new Date()` and `Date.now()` alike, so that a
 * differential test sees the same "now" in core's in-memory store (which
 * stamps `new Date()`) and in ConvexStorage (whose default clock is
 * `Date.now`).
 */
const RealDate = Date;

/** The fake clock's time; set it or move it forward between operations. */
export const fakeNow = { ms: 1_700_000_000_000 };

/** `Date` with `new Date()` and `Date.now()` reading {@link fakeNow}; every date made is a real `Date`. */
const FakeDate = new Proxy(RealDate, {
  construct(target, args: unknown[]) {
    return args.length === 0 ? new target(fakeNow.ms) : new target(...(args as [number]));
  },
  get(target, key, receiver) {
    if (key === "now") return () => fakeNow.ms;
    return Reflect.get(target, key, receiver);
  },
});

/** Runs `fn` with the fake `Date` installed, and puts the real one back. */
export async function withFakeDate<T>(fn: () => Promise<T>): Promise<T> {
  globalThis.Date = FakeDate;
  try {
    return await fn();
  } finally {
    globalThis.Date = RealDate;
  }
}
