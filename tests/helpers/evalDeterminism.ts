/**
 * Determinism for comparing the datasets and experiments domains with
 * core's InMemoryStore: both stores read the same fake clock (`new Date()`
 * and `Date.now()`, on the client and inside our Convex functions) and
 * draw ids from a counter (`crypto.randomUUID`) that each operation starts
 * at the same value, so ids grow in allocation order in both. Ids may
 * still differ where one store allocates one the other does not (a
 * candidate id for an item that resolves to an existing one): answers are
 * compared after {@link IdLabels} renames every id by first appearance.
 */

const RealDate = Date;
const realUUID = crypto.randomUUID.bind(crypto);

/** The fake clock and id counter, installed globally until {@link restore}. */
export const clock = { now: Date.UTC(2026, 0, 1), nextId: 0 };

/** Replaces `Date` (no-argument construction and `now`) and `crypto.randomUUID`. */
export function install(): void {
  class FakeDate extends RealDate {
    // deno-lint-ignore no-explicit-any
    constructor(...args: any[]) {
      // deno-lint-ignore no-explicit-any
      super(...((args.length === 0 ? [clock.now] : args) as [any]));
    }
    static override now(): number {
      return clock.now;
    }
  }
  globalThis.Date = FakeDate as DateConstructor;
  crypto.randomUUID = () => {
    const n = clock.nextId++;
    return `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}` as ReturnType<typeof crypto.randomUUID>;
  };
}

/** Puts the real `Date` and `crypto.randomUUID` back. */
export function restore(): void {
  globalThis.Date = RealDate;
  crypto.randomUUID = realUUID;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Renames ids (UUID-shaped strings) by order of first appearance, per store (and makes every date a real `Date`). */
export class IdLabels {
  readonly #labels = new Map<string, string>();

  /** `value` with every id replaced by its label. */
  label<T>(value: T): T {
    if (typeof value === "string") {
      if (!UUID.test(value)) return value;
      let label = this.#labels.get(value);
      if (label === undefined) {
        label = `id#${this.#labels.size}`;
        this.#labels.set(value, label);
      }
      return label as T;
    }
    if (Array.isArray(value)) return value.map((item) => this.label(item)) as T;
    if (value instanceof RealDate) return new RealDate(value.getTime()) as T; // one Date class for both stores
    if (value === null || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = this.label(item);
    return out as T;
  }

  /** The id behind `label` (or `label` itself when it is no label). */
  idOf(label: string): string {
    for (const [id, known] of this.#labels) if (known === label) return id;
    return label;
  }
}
