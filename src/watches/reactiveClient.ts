/**
 * Real-time watches over Convex's reactive client (WebSocket).
 *
 * Specific to Convex: a UI or a second agent sees a thread, its messages or
 * a workflow run change the moment they are written, without polling. Each
 * watch calls back at once with the current value and again after every
 * change that affects it, reports errors to `onError`, and returns an
 * unsubscribe function. Convex's client resubscribes by itself after a
 * reconnect, so watches survive dropped connections.
 */
import { BaseConvexClient } from "convex/browser";
import { storageError } from "../kit/errors.ts";
import { DEFAULT_COMPONENT, type FunctionPath } from "../transport.ts";

/** Stops a watch. Calling it again does nothing. */
export type Unsubscribe = () => void;

/**
 * Anything that runs reactive queries of our component: calls back with the
 * query's result now and after every change that affects it.
 */
export interface ReactiveClientLike {
  /** Subscribes to a component query (`memory/threads:get`); returns an unsubscribe function. */
  onUpdate(
    path: FunctionPath,
    args: Record<string, unknown>,
    callback: (value: unknown) => void,
    onError?: (error: Error) => void,
  ): () => void;
  /** Closes the connection. */
  close?(): Promise<void>;
}

/** Options every watch accepts. */
export type WatchOptions = {
  /** Called with a `MastraError` when the watched query fails; the watch stays registered. */
  onError?: (error: Error) => void;
};

/** `BaseConvexClient` methods that exist at runtime but are marked internal in convex's published types. */
type InternalBaseClient = {
  setAdminAuth(key: string): void;
  hasLocalQueryResultByToken(token: string): boolean;
  localQueryResultByToken(token: string): unknown;
};

type Listener = { callback: (value: unknown) => void; onError?: (error: Error) => void };

/**
 * Convex's reactive WebSocket client, authenticated with an admin or deploy
 * key, subscribed to the queries of one mounted component. Built on
 * `BaseConvexClient`, whose subscriptions carry a `componentPath`
 * (`ConvexClient.onUpdate` cannot address a component).
 */
export function createReactiveClient(
  url: string,
  adminKey: string,
  component: string = DEFAULT_COMPONENT,
): ReactiveClientLike {
  const listeners = new Map<string, Set<Listener>>();
  const deliver = (token: string) => {
    const set = listeners.get(token);
    if (!set || !client.hasLocalQueryResultByToken(token)) return;
    let value: unknown;
    try {
      value = client.localQueryResultByToken(token);
    } catch (error) {
      for (const listener of set) listener.onError?.(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    for (const listener of set) listener.callback(value);
  };
  const base = new BaseConvexClient(url, (tokens) => tokens.forEach(deliver), { logger: false });
  const client = base as unknown as InternalBaseClient;
  client.setAdminAuth(adminKey);
  return {
    onUpdate(path, args, callback, onError) {
      const { queryToken, unsubscribe } = base.subscribe(path, args as never, { componentPath: component } as never);
      const listener: Listener = { callback, onError };
      let set = listeners.get(queryToken);
      if (!set) listeners.set(queryToken, set = new Set());
      set.add(listener);
      // A query another watch already follows has a result now: deliver it.
      // (`componentPath` is accepted at runtime; the published SubscribeOptions type omits it.)
      if (client.hasLocalQueryResultByToken(queryToken)) setTimeout(() => deliver(queryToken), 0);
      return () => {
        set.delete(listener);
        if (set.size === 0) listeners.delete(queryToken);
        unsubscribe();
      };
    },
    close: () => base.close(),
  };
}

/**
 * Watches one query and maps each result (possibly asynchronously, e.g. to
 * assemble large values) before calling back. Results are delivered in
 * order; a result that arrives while an older one is still being mapped
 * supersedes it.
 */
export function watchQuery<Raw, Value>(
  client: ReactiveClientLike,
  path: FunctionPath,
  args: Record<string, unknown>,
  map: (raw: Raw) => Promise<Value> | Value,
  onChange: (value: Value) => void,
  options: WatchOptions & { operation: string; details?: Record<string, string | number | boolean | null> },
): Unsubscribe {
  let active = true;
  let latest = 0;
  const context = { operation: options.operation, details: options.details };
  const report = (error: unknown) => {
    if (!active) return;
    const wrapped = storageError(context, error);
    if (options.onError) options.onError(wrapped);
    else console.error(wrapped);
  };
  const stop = client.onUpdate(
    path,
    args,
    (raw) => {
      const sequence = ++latest;
      Promise.resolve()
        .then(() => map(raw as Raw))
        .then((value) => {
          if (active && sequence === latest) onChange(value);
        }, report);
    },
    report,
  );
  return () => {
    if (!active) return;
    active = false;
    stop();
  };
}
