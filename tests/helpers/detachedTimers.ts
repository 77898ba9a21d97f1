/**
 * Timers of the in-process backend never keep the process alive.
 *
 * A real deployment runs its scheduled functions (operation-record expiry a
 * day ahead, blob reclaim, cache TTLs, retention, ...) on its own servers:
 * they never hold the client's process open. `convex-test` runs them on the
 * host's `setTimeout`, so a script on the in-process backend would wait a day
 * for an expiry of data that dies with the process anyway. Every timer that
 * `convex-test` starts while one of our backend's calls runs (or while a
 * scheduled function it started runs: async context follows the timer) is
 * therefore unreferenced: it still fires while the process lives, and the
 * process ends when the caller's own work is done.
 *
 * Mechanism: `setTimeout` is wrapped once (idempotent, and again after a test
 * restores it); inside {@link runDetached} the wrapper unrefs the timers that
 * start a scheduled function (convex-test's callback, recognised by its call
 * to the scheduler's `timerFired`), and only those: a caller's own timers
 * (retry back-offs, a subscriber's wake-ups) keep the process alive as
 * usual. Fake timers (`mock.timers`) replace the wrapper while they are on
 * and get it back when they are reset. `tests/demo_test.ts` fails if a new
 * convex-test schedules in another way.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const detached = new AsyncLocalStorage<true>();
/** The empty async context (captured at load), in which scheduled functions start. */
const root = AsyncLocalStorage.snapshot();
const WRAPPED = Symbol.for("@mastra/convex/detachedTimers");

type SetTimeout = typeof globalThis.setTimeout & { [WRAPPED]?: true };

/** Lets a timer of any host (Deno's numeric ids, Node's `Timeout` objects, fakes) not hold the process open. */
function unref(timer: unknown): void {
  try {
    if (typeof timer === "number") {
      (globalThis as { Deno?: { unrefTimer?: (id: number) => void } }).Deno?.unrefTimer?.(timer);
    } else (timer as { unref?: () => void } | undefined)?.unref?.();
  } catch {
    // A fake timer id the host does not know: nothing holds the process.
  }
}

/** Whether `callback` is convex-test's timer callback that runs a scheduled function. */
function startsScheduledFunction(callback: unknown): boolean {
  return typeof callback === "function" && Function.prototype.toString.call(callback).includes("timerFired");
}

/** Installs the `setTimeout` wrapper if the current `setTimeout` is not already it. */
export function installDetachedTimers(): void {
  const current = globalThis.setTimeout as SetTimeout;
  if (current[WRAPPED]) return;
  const wrapper = function (this: unknown, ...args: Parameters<typeof setTimeout>) {
    if (!(detached.getStore() && startsScheduledFunction(args[0]))) return Reflect.apply(current, this, args);
    // Deno's timers keep the scheduling transaction's async context, which convex-test meant to leave
    // (`AsyncLocalStorage.exit`): the scheduled function would see a finished transaction ("Transaction not
    // started"). Run it from the empty context instead, as on Node, still detached.
    const callback = args[0] as (...rest: unknown[]) => void;
    args[0] = ((...rest: unknown[]) => root(() => detached.run(true, () => callback(...rest)))) as typeof args[0];
    const timer = Reflect.apply(current, this, args);
    unref(timer);
    return timer;
  } as SetTimeout;
  wrapper[WRAPPED] = true;
  globalThis.setTimeout = wrapper;
}

/** Runs `fn` so that the scheduled functions it starts, directly or through other scheduled functions, run on unreferenced timers. */
export function runDetached<T>(fn: () => T): T {
  installDetachedTimers();
  return detached.run(true, fn);
}

/** Whether `setTimeout` calls made now are detached (for tests of this module). */
export function isDetached(): boolean {
  return detached.getStore() === true;
}
