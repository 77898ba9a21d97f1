/**
 * A reactive in-process client for tests of subscriptions: runs calls on the
 * in-process backend like `inProcessClient`, and re-runs every watched query
 * after each mutation or action, calling back when its result changed (the
 * way Convex's WebSocket client does after a commit).
 */
import { convexToJson } from "convex/values";
import type { ConvexClientLike } from "../../src/transport.ts";
import type { ReactiveClientLike } from "../../src/watches/reactiveClient.ts";
import { type Backend, COMPONENT, componentHandle } from "./backend.ts";

type Watch = {
  // deno-lint-ignore no-explicit-any
  ref: any;
  args: Record<string, unknown>;
  callback: (value: unknown) => void;
  onError?: (error: Error) => void;
  last?: string;
};

/** The client, and a way to wait until watches have seen every committed write. */
export type ReactiveTestClient = ConvexClientLike & ReactiveClientLike & {
  /** Resolves once every watch has been re-run after the writes so far. */
  settled(): Promise<void>;
  /** Number of active watches. */
  readonly watchCount: number;
};

/** A reactive client over `backend`, bound to our component (paths like `memory/threads:get`). */
export function reactiveInProcessClient(backend: Backend, component: string = COMPONENT): ReactiveTestClient {
  // deno-lint-ignore no-explicit-any
  const raw = backend.raw as any;
  const handle = (ref: unknown) =>
    typeof ref === "string" ? componentHandle(ref as `${string}:${string}`, component) : ref;
  const watches = new Set<Watch>();
  let pending: Promise<void> = Promise.resolve();

  const run = async (watch: Watch) => {
    if (!watches.has(watch)) return;
    try {
      const value = await raw.query(handle(watch.ref), watch.args);
      const key = JSON.stringify(convexToJson(value as never));
      if (key === watch.last || !watches.has(watch)) return;
      watch.last = key;
      watch.callback(value);
    } catch (error) {
      watch.last = undefined;
      if (watches.has(watch)) watch.onError?.(error as Error);
    }
  };
  const rerunAll = () => {
    pending = pending.then(async () => {
      for (const watch of [...watches]) await run(watch);
    });
    return pending;
  };

  return {
    query: (ref, args) => raw.query(handle(ref), args),
    listComponents: () => Promise.resolve([component]),
    mutation: async (ref, args) => {
      const result = await raw.mutation(handle(ref), args);
      await rerunAll();
      return result;
    },
    action: async (ref, args) => {
      const result = await raw.action(handle(ref), args);
      await rerunAll();
      return result;
    },
    onUpdate(ref, args, callback, onError) {
      const watch: Watch = { ref, args, callback, onError };
      watches.add(watch);
      pending = pending.then(() => run(watch));
      return () => {
        watches.delete(watch);
      };
    },
    settled: () => pending,
    get watchCount() {
      return watches.size;
    },
  };
}
