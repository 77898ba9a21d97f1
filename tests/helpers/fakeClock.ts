/**
 * Fake timers for convex-test's scheduler: `setTimeout` and `Date.now` are
 * replaced, and {@link FakeClock.runAll} jumps to and runs every timer due.
 */
export class FakeClock {
  now = Date.now();
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 1;
  #realSetTimeout = globalThis.setTimeout;
  #realNow = Date.now;

  /**
   * Replaces `setTimeout` and `Date.now`. Timers shorter than `realBelowMs`
   * (e.g. a retry's backoff) still run on the real clock.
   */
  install(realBelowMs = 0): void {
    const real = this.#realSetTimeout;
    // deno-lint-ignore no-explicit-any
    (globalThis as any).setTimeout = (fn: () => void, ms = 0) => {
      if (ms < realBelowMs) return real(fn, ms);
      const id = this.#next++;
      this.#timers.push({ at: this.now + Math.max(0, ms), fn, id });
      return id;
    };
    Date.now = () => this.now;
  }

  /** Puts the real `setTimeout` and `Date.now` back. */
  restore(): void {
    globalThis.setTimeout = this.#realSetTimeout;
    Date.now = this.#realNow;
  }

  /** Moves time forward by `ms` without running timers. */
  advance(ms: number): void {
    this.now += ms;
  }

  /** Runs every registered timer in due order, moving time to each one's due time. */
  runAll(): void {
    const due = this.#timers.sort((a, b) => a.at - b.at);
    this.#timers = [];
    for (const timer of due) {
      this.now = Math.max(this.now, timer.at);
      timer.fn();
    }
  }

  /** Runs the timers due by now. */
  runDue(): void {
    const due = this.#timers.filter((timer) => timer.at <= this.now).sort((a, b) => a.at - b.at);
    this.#timers = this.#timers.filter((timer) => timer.at > this.now);
    for (const timer of due) timer.fn();
  }
}
