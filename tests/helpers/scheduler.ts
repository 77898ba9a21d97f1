/**
 * Lets convex-test run scheduled functions under Deno.
 *
 * convex-test starts a scheduled function from a `setTimeout` registered
 * inside `AsyncLocalStorage.exit(...)`, so that it runs as a fresh
 * top-level transaction. Deno's timers do not honour `exit` (the callback
 * still sees the scheduling mutation's stores), so the scheduled function
 * believes it is nested in a finished transaction and fails with
 * "Transaction not started". Wrapping `setTimeout` so that every callback
 * runs in the empty context captured at load time restores Node's
 * behaviour. Install it after `mock.timers.enable(...)` (it wraps whatever
 * `setTimeout` is current) and remove it before `mock.timers.reset()`.
 */
import { AsyncLocalStorage } from "node:async_hooks";

const root = AsyncLocalStorage.snapshot();

/** Wraps the current `setTimeout` so callbacks run in the root async context; returns the undo. */
export function installRootTimers(): () => void {
  const g = globalThis as unknown as { setTimeout: (...args: unknown[]) => unknown };
  const original = g.setTimeout;
  g.setTimeout = (callback: unknown, ms?: unknown, ...args: unknown[]) =>
    typeof callback === "function"
      ? original(() => root(callback as (...a: unknown[]) => unknown, ...args), ms)
      : original(callback, ms, ...args);
  return () => {
    g.setTimeout = original;
  };
}
