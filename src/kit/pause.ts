/**
 * Waiting between the steps of a long call (retention batches, polling an
 * erasure job) that an `AbortSignal` cuts short.
 */

/** Resolves after `ms` milliseconds, or at once when `signal` aborts (or `ms` ≤ 0); never rejects. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
